import COpenBLAS
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The one place RecdIntent calls OpenBLAS: row-major single-precision GEMM on typed buffers.
enum BLAS {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major.
    /// op(A) is m×k (A stored k×m when `transA`), op(B) is k×n (B stored n×k when `transB`).
    static func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                     alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha,
                    a, blasint(transA ? m : k), b, blasint(transB ? k : n), beta, c, blasint(n))
    }
}

/// Numerically stable in-place softmax of `row[0..<count]` divided by `temperature`.
@inline(__always)
func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, count: Int, temperature: Float = 1) {
    var maxValue = -Float.infinity
    for c in 0..<count { maxValue = max(maxValue, row[c]) }
    var sum: Float = 0
    let invT = 1 / temperature
    for c in 0..<count {
        let e = expf((row[c] - maxValue) * invT)
        row[c] = e
        sum += e
    }
    let inv = 1 / sum
    for c in 0..<count { row[c] *= inv }
}
