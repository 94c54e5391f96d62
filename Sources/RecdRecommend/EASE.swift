import COpenBLAS

/// A fitted EASE item-item model (Steck, "Embarrassingly Shallow Autoencoders", WWW 2019):
/// `B = I − P·diag(1/diag(P))` with `P = (XᵀX + λI)⁻¹`, diagonal forced to zero.
/// A user's collaborative score for item j is `Σᵢ xᵢ·B[i, j]`.
///
/// Immutable after fit, so it is shared between request threads without locking; a refit builds a
/// new model and the engine swaps the reference.
public final class EASEModel: @unchecked Sendable {
    // Safety: `weights` is written only inside `fit` before the model is returned; read-only after.
    /// Number of item slots the model covers (slots ≥ n are unknown to it).
    public let n: Int
    /// Row-major n×n: row i holds the weights item i gives every other item.
    private let weights: UnsafeMutableBufferPointer<Float>
    /// The regularisation it was fitted with.
    public let lambda: Float

    private init(n: Int, weights: UnsafeMutableBufferPointer<Float>, lambda: Float) {
        self.n = n
        self.weights = weights
        self.lambda = lambda
    }

    deinit { weights.deallocate() }

    /// B[i, j].
    public func weight(from i: Int, to j: Int) -> Float { weights[i * n + j] }

    /// Adds `scale · B[i, ·]` into `scores` (length ≥ n) — one history item's contribution.
    func accumulate(row i: Int, scale: Float, into scores: UnsafeMutablePointer<Float>) {
        guard i < n else { return }
        VectorKernels.axpy(n, scale, weights.baseAddress! + i * n, scores)
    }

    /// Progress phases reported by `fit` with a fraction in 0…1 of the whole fit.
    public enum Phase: String, Sendable {
        case gram, cholesky, inverse, finalize, done
    }

    /// Fits the model on binary user-item rows. `rows[u]` lists the item slots (< n) user u interacted
    /// with positively. The Gram matrix is accumulated sparsely — each user adds the outer product of
    /// their few items — instead of `ssyrk` on a dense users×items matrix, which would cost
    /// users·n² flops for a matrix that is >99.9% zeros; the n³ part (Cholesky `spotrf`, inverse
    /// `spotri`) is LAPACK.
    public static func fit(n: Int, rows: [[Int32]], lambda: Float,
                           progress: (Phase, Double) -> Void = { _, _ in }) throws -> EASEModel {
        guard n > 0 else { throw RecommendError.modelFit("EASE fit needs at least one item, found 0") }
        guard lambda > 0 else { throw RecommendError.modelFit("EASE λ must be > 0, found \(lambda)") }
        let count = n * n
        let a = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        a.initialize(repeating: 0)
        var ok = false
        defer { if !ok { a.deallocate() } }
        progress(.gram, 0)
        let base = a.baseAddress!
        for row in rows {
            for i in row where Int(i) < n {
                let col = base + Int(i) * n
                for j in row where Int(j) < n { col[Int(j)] += 1 }
            }
        }
        for i in 0..<n { base[i * n + i] += lambda }
        progress(.cholesky, 0.02)
        var info: Int32 = 0
        var nn = Int32(n)
        var uplo = CChar(UInt8(ascii: "L"))
        spotrf_(&uplo, &nn, base, &nn, &info)
        guard info == 0 else {
            throw RecommendError.modelFit("EASE Cholesky factorisation failed (spotrf info=\(info)); the Gram matrix plus λ=\(lambda) is not positive definite")
        }
        progress(.inverse, 0.35)
        spotri_(&uplo, &nn, base, &nn, &info)
        guard info == 0 else {
            throw RecommendError.modelFit("EASE inverse failed (spotri info=\(info))")
        }
        progress(.finalize, 0.95)
        // spotri leaves P in the lower triangle (column-major): P[i + j·n] for i ≥ j. Mirror it in
        // 64×64 blocks to stay cache friendly, then B[i, j] = −P[i, j] / P[j, j], B[j, j] = 0.
        let block = 64
        for jb in stride(from: 0, to: n, by: block) {
            for ib in stride(from: jb, to: n, by: block) {
                for j in jb..<min(jb + block, n) {
                    for i in max(ib, j + 1)..<min(ib + block, n) { base[j + i * n] = base[i + j * n] }
                }
            }
        }
        var inverseDiagonal = [Float](repeating: 0, count: n)
        for j in 0..<n { inverseDiagonal[j] = -1 / base[j * n + j] }
        for i in 0..<n {
            let row = base + i * n
            for j in 0..<n { row[j] *= inverseDiagonal[j] }
            row[i] = 0
        }
        progress(.done, 1)
        ok = true
        return EASEModel(n: n, weights: a, lambda: lambda)
    }
}
