import COpenBLAS

/// The Swift side of the OpenBLAS seam: typed wrappers over the few CBLAS calls the encoder uses.
public enum BLAS {
    /// Sets OpenBLAS's worker-thread count (process-wide; affects every caller).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// OpenBLAS's current worker-thread count.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// C[m×n] = alpha · A[m×k] · B[n×k]ᵀ + beta · C, row-major with leading dimensions.
    /// This is the linear-layer shape: A = activations, B = Hugging Face weight [out, in].
    @inline(__always)
    static func gemmNT(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                       b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, numericCast(m), numericCast(n), numericCast(k),
                    alpha, a, numericCast(lda), b, numericCast(ldb), beta, c, numericCast(ldc))
    }

    /// C[m×n] = alpha · A[m×k] · B[k×n] + beta · C, row-major with leading dimensions.
    @inline(__always)
    static func gemmNN(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                       b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, numericCast(m), numericCast(n), numericCast(k),
                    alpha, a, numericCast(lda), b, numericCast(ldb), beta, c, numericCast(ldc))
    }
}
