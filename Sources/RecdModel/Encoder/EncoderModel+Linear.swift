extension EncoderModel {
    /// C[m×n] += A[m×k] · Wᵀ for one linear layer (C already holds bias and/or residual):
    /// recd's packed GEMM when the layer was packed at load (split with the intra-op helper when that is
    /// on and this is the only pass in progress), OpenBLAS on the stored weight otherwise.
    @inline(__always)
    func linear(_ packed: PackedWeight?, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                w: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if let packed {
            packed.multiplyAccumulateSplit(m: m, a: a, lda: lda, c: c, ldc: ldc)
        } else {
            BLAS.gemmNT(m: m, n: n, k: k, a: a, lda: lda, b: w, ldb: k, beta: 1, c: c, ldc: ldc)
        }
    }

    /// C[m×n] = bias + A[m×k] · Wᵀ, then GELU when `gelu` (C's old contents are ignored): fused into the
    /// packed GEMM's epilogue, or a bias fill, OpenBLAS and a GELU pass on the `.openblas` kernel.
    @inline(__always)
    func linear(_ packed: PackedWeight?, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                w: UnsafePointer<Float>, bias: UnsafePointer<Float>, gelu: Bool, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if let packed {
            packed.multiplySplit(m: m, a: a, lda: lda, bias: bias, gelu: gelu, c: c, ldc: ldc)
        } else {
            for r in 0..<m { (c + r * ldc).update(from: bias, count: n) }
            BLAS.gemmNT(m: m, n: n, k: k, a: a, lda: lda, b: w, ldb: k, beta: 1, c: c, ldc: ldc)
            if gelu {
                for r in 0..<m { VectorMath.geluInPlace(c + r * ldc, count: n) }
            }
        }
    }
}
