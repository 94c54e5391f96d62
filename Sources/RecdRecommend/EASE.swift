import COpenBLAS

/// A fitted EASE item-item model (Steck, "Embarrassingly Shallow Autoencoders", WWW 2019):
/// `B = I − P·diag(1/diag(P))` with `P = (XᵀX + λI)⁻¹`, diagonal forced to zero.
/// A user's collaborative score for item j is `Σᵢ xᵢ·B[i, j]`.
///
/// Only items with enough users (`minItemUsers`, at least one) take part in the dense solve; the
/// others are zero rows and columns of B. The solve costs m³ flops for m such items, so a catalog
/// with many cold items fits in a fraction of the time of the full n×n one.
///
/// Immutable after fit, so it is shared between request threads without locking; a refit builds a
/// new model and the engine swaps the reference.
public final class EASEModel: @unchecked Sendable {
    // Safety: `weights` and `rowOf` are written only inside `fit` before the model is returned; read-only after.
    /// Number of item slots the model covers (slots ≥ n are unknown to it).
    public let n: Int
    /// Number of items in the dense solve (rows of `weights`); the other slots have all-zero weights.
    public let fittedItems: Int
    /// Row-major fittedItems × n: row r holds the weights its item gives every slot.
    private let weights: UnsafeMutableBufferPointer<Float>
    /// Slot → row of `weights`, or −1 for an item left out of the solve.
    private let rowOf: [Int32]
    /// The regularisation it was fitted with.
    public let lambda: Float

    private init(n: Int, fittedItems: Int, weights: UnsafeMutableBufferPointer<Float>, rowOf: [Int32], lambda: Float) {
        self.n = n
        self.fittedItems = fittedItems
        self.weights = weights
        self.rowOf = rowOf
        self.lambda = lambda
    }

    deinit { weights.deallocate() }

    /// B[i, j] (0 for an item left out of the solve).
    public func weight(from i: Int, to j: Int) -> Float {
        let r = rowOf[i]
        return r < 0 ? 0 : weights[Int(r) * n + j]
    }

    /// Adds `scale · B[i, ·]` into `scores` (length ≥ n) — one history item's contribution.
    func accumulate(row i: Int, scale: Float, into scores: UnsafeMutablePointer<Float>) {
        guard i < n else { return }
        let r = Int(rowOf[i])
        guard r >= 0 else { return }
        VectorKernels.axpy(n, scale, weights.baseAddress! + r * n, scores)
    }

    /// Progress phases reported by `fit` with a fraction in 0…1 of the whole fit.
    public enum Phase: String, Sendable {
        case gram, cholesky, inverse, finalize, done
    }

    /// Which slots take part in the dense solve: those with at least `minItemUsers` (≥ 1) users in
    /// `rows`. Returns slot → compact index (−1 = left out) and the compact index → slot list.
    static func selectItems(n: Int, rows: [[Int32]], minItemUsers: Int) -> (rowOf: [Int32], slots: [Int32]) {
        var users = [Int32](repeating: 0, count: n)
        for row in rows {
            for i in row where Int(i) < n { users[Int(i)] &+= 1 }
        }
        let threshold = Int32(clamping: max(1, minItemUsers))
        var rowOf = [Int32](repeating: -1, count: n)
        var slots: [Int32] = []
        for s in 0..<n where users[s] >= threshold {
            rowOf[s] = Int32(slots.count)
            slots.append(Int32(s))
        }
        return (rowOf, slots)
    }

    /// Fits the model on binary user-item rows. `rows[u]` lists the item slots (< n) user u interacted
    /// with positively, each at most once. The Gram matrix is accumulated sparsely — each user adds
    /// the outer product of their few items — instead of `ssyrk` on a dense users×items matrix, which
    /// would cost users·n² flops for a matrix that is >99.9% zeros; the m³ part (Cholesky `spotrf`,
    /// inverse `spotri`, both symmetric) is LAPACK, on as many threads as OpenBLAS is set to.
    ///
    /// - Parameter minItemUsers: items with fewer users are left out of the solve (zero rows and
    ///   columns of B); 1 keeps every item anyone interacted with.
    public static func fit(n: Int, rows: [[Int32]], lambda: Float, minItemUsers: Int = 1,
                           progress: (Phase, Double) -> Void = { _, _ in }) throws -> EASEModel {
        guard n > 0 else { throw RecommendError.modelFit("EASE fit needs at least one item, found 0") }
        guard lambda > 0 else { throw RecommendError.modelFit("EASE λ must be > 0, found \(lambda)") }
        guard minItemUsers >= 1 else { throw RecommendError.modelFit("EASE minimum users per item must be ≥ 1, found \(minItemUsers)") }
        progress(.gram, 0)
        let (rowOf, slots) = selectItems(n: n, rows: rows, minItemUsers: minItemUsers)
        let m = slots.count
        guard m > 0 else {
            throw RecommendError.modelFit("EASE fit found no item with at least \(minItemUsers) users among \(n) items")
        }
        let a = UnsafeMutableBufferPointer<Float>.allocate(capacity: m * m)
        a.initialize(repeating: 0)
        var ok = false
        defer { if !ok { a.deallocate() } }
        let base = a.baseAddress!
        var compact: [Int32] = []
        for row in rows {
            compact.removeAll(keepingCapacity: true)
            for i in row where Int(i) < n && rowOf[Int(i)] >= 0 { compact.append(rowOf[Int(i)]) }
            for i in compact {
                let col = base + Int(i) * m
                for j in compact { col[Int(j)] += 1 }
            }
        }
        for i in 0..<m { base[i * m + i] += lambda }
        progress(.cholesky, 0.02)
        var info: Int32 = 0
        var mm = Int32(m)
        var uplo = CChar(UInt8(ascii: "L"))
        spotrf_(&uplo, &mm, base, &mm, &info)
        guard info == 0 else {
            throw RecommendError.modelFit("EASE Cholesky factorisation failed (spotrf info=\(info)); the Gram matrix plus λ=\(lambda) is not positive definite")
        }
        progress(.inverse, 0.35)
        spotri_(&uplo, &mm, base, &mm, &info)
        guard info == 0 else {
            throw RecommendError.modelFit("EASE inverse failed (spotri info=\(info))")
        }
        progress(.finalize, 0.95)
        // spotri leaves P in the lower triangle (column-major): P[i + j·m] for i ≥ j. Mirror it in
        // 64×64 blocks to stay cache friendly, then B[i, j] = −P[i, j] / P[j, j], B[j, j] = 0.
        let block = 64
        for jb in stride(from: 0, to: m, by: block) {
            for ib in stride(from: jb, to: m, by: block) {
                for j in jb..<min(jb + block, m) {
                    for i in max(ib, j + 1)..<min(ib + block, m) { base[j + i * m] = base[i + j * m] }
                }
            }
        }
        var inverseDiagonal = [Float](repeating: 0, count: m)
        for j in 0..<m { inverseDiagonal[j] = -1 / base[j * m + j] }
        for i in 0..<m {
            let row = base + i * m
            for j in 0..<m { row[j] *= inverseDiagonal[j] }
            row[i] = 0
        }
        let weights: UnsafeMutableBufferPointer<Float>
        if m == n {
            weights = a  // every slot is in the solve: compact index = slot
        } else {
            // Spread each compact row over the full slot width so a request's accumulate stays one
            // contiguous axpy; left-out columns stay zero.
            weights = .allocate(capacity: m * n)
            weights.initialize(repeating: 0)
            let out = weights.baseAddress!
            for r in 0..<m {
                let src = base + r * m, dst = out + r * n
                for (c, s) in slots.enumerated() { dst[Int(s)] = src[c] }
            }
            a.deallocate()
        }
        progress(.done, 1)
        ok = true
        return EASEModel(n: n, fittedItems: m, weights: weights, rowOf: rowOf, lambda: lambda)
    }
}
