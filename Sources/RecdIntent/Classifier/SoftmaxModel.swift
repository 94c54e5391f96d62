/// A trained multinomial logistic regression over a dense embedding and sparse hashed n-grams:
/// `logits = denseScale · W_dense · e + sparseScale · Σ v_j · W_sparse[j] + b`, probabilities
/// `softmax(logits / temperature)`.
///
/// Immutable after training, so it is `Sendable` and shared by every worker without copies.
public struct SoftmaxModel: Sendable, Equatable {
    /// Class labels; index `c` names row `c` of the dense weights.
    public let labels: [String]
    /// Length of the dense input (384 for all-MiniLM-L6-v2).
    public let denseDimension: Int
    /// [classes × denseDimension], row-major.
    let denseWeights: [Float]
    /// Hashed n-gram index → row of `sparseWeights`; n-grams never seen in training have no row
    /// (their weight would be zero), which keeps the model small.
    let sparseRows: [UInt32: Int32]
    /// [rows × classes], row-major: one row per known n-gram.
    let sparseWeights: [Float]
    /// [classes].
    let bias: [Float]
    /// Multiplies the dense input (balances it against the unit-norm n-gram vector).
    public let denseScale: Float
    /// Multiplies the sparse input.
    public let sparseScale: Float
    /// Softmax temperature fitted on held-out folds (1 = uncalibrated).
    public internal(set) var temperature: Float

    /// Number of classes.
    public var classCount: Int { labels.count }

    /// Raw logits of one input (before temperature).
    public func logits(dense: [Float], sparse: SparseFeatures) -> [Float] {
        precondition(dense.count == denseDimension, "dense input has \(dense.count) values, expected \(denseDimension)")
        let classes = labels.count
        var out = bias
        denseWeights.withUnsafeBufferPointer { w in
            dense.withUnsafeBufferPointer { x in
                for c in 0..<classes {
                    let row = w.baseAddress! + c * denseDimension
                    var s: Float = 0
                    for k in 0..<denseDimension { s += row[k] * x[k] }
                    out[c] += denseScale * s
                }
            }
        }
        sparseWeights.withUnsafeBufferPointer { w in
            for (j, index) in sparse.indices.enumerated() {
                guard let row = sparseRows[index] else { continue }
                let v = sparseScale * sparse.values[j]
                let base = Int(row) * classes
                for c in 0..<classes { out[c] += v * w[base + c] }
            }
        }
        return out
    }

    /// Calibrated class probabilities of one input.
    public func probabilities(dense: [Float], sparse: SparseFeatures) -> [Float] {
        var p = logits(dense: dense, sparse: sparse)
        p.withUnsafeMutableBufferPointer { softmaxInPlace($0.baseAddress!, count: classCount, temperature: temperature) }
        return p
    }
}
