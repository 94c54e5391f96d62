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
}
