import COpenBLAS

/// A trained multinomial logistic regression over a dense input (blocks: the sentence embedding and
/// intermediate-layer pools) and sparse hashed n-grams:
/// `logits = W_dense · x̂ + Σ_j v_j · w_pairs[j] + b`, where x̂ is the dense input with each block
/// L2-normalised and multiplied by `denseScale`, v the n-gram values times `sparseScale`;
/// probabilities `softmax(logits / temperature)`.
///
/// Immutable after training, so it is `Sendable` and shared by every worker without copies.
public struct SoftmaxModel: Sendable, Equatable {
    /// Class labels; index `c` names row `c` of the dense weights.
    public let labels: [String]
    /// Length of the dense input (384 × blocks for all-MiniLM-L6-v2).
    public let denseDimension: Int
    /// Equal blocks of the dense input, each normalised on its own.
    public let denseBlocks: Int
    /// [classes × denseDimension], row-major.
    let denseWeights: [Float]
    /// [classes].
    let bias: [Float]
    /// Hashed n-gram index → row of the pair table; n-grams never seen in training have no row.
    let sparseRows: [UInt32: Int32]
    /// Row `j` of the pair table holds pairs `sparseStart[j] ..< sparseStart[j + 1]`.
    let sparseStart: [Int32]
    /// Class of each pair (the classes whose training examples contained the n-gram).
    let sparseClasses: [Int32]
    /// Weight of each pair.
    let sparseWeights: [Float]
    /// Multiplies each normalised dense block.
    public let denseScale: Float
    /// Multiplies the sparse input.
    public let sparseScale: Float
    /// Softmax temperature fitted on held-out folds (1 = uncalibrated).
    public internal(set) var temperature: Float

    /// Number of classes.
    public var classCount: Int { labels.count }

    /// The trained parameters, flat as the trainer lays them out: dense weights, bias, pair weights.
    var parameters: [Float] { denseWeights + bias + sparseWeights }

    /// Raw logits of one input (before temperature) into `out[0..<classCount]`. Allocates nothing.
    func logits(dense x: UnsafePointer<Float>, sparse: SparseFeatures, into out: UnsafeMutablePointer<Float>) {
        let classes = labels.count, size = denseDimension / denseBlocks
        bias.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: classes) }
        denseWeights.withUnsafeBufferPointer { w in
            for blk in 0..<denseBlocks {
                let f = DenseInput.blockFactor(x + blk * size, count: size, scale: denseScale)
                // out += f · W[:, block] · x[block]   (row-major [classes × D], lda = D)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(classes), blasint(size), f,
                            w.baseAddress! + blk * size, blasint(denseDimension), x + blk * size, 1, 1, out, 1)
            }
        }
        sparseStart.withUnsafeBufferPointer { start in
        sparseClasses.withUnsafeBufferPointer { cls in
        sparseWeights.withUnsafeBufferPointer { w in
            for (k, index) in sparse.indices.enumerated() {
                guard let row = sparseRows[index] else { continue }
                let v = sparseScale * sparse.values[k]
                let p0 = Int(start[Int(row)]), p1 = Int(start[Int(row) + 1])
                if p1 - p0 == classes { axpy(v, w.baseAddress! + p0, out, classes); continue }
                for p in p0 ..< p1 { out[Int(cls[p])] += v * w[p] }
            }
        }}}
    }

    /// Raw logits of one input (before temperature).
    public func logits(dense: [Float], sparse: SparseFeatures) -> [Float] {
        precondition(dense.count == denseDimension, "dense input has \(dense.count) values, expected \(denseDimension)")
        var out = [Float](repeating: 0, count: classCount)
        dense.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { logits(dense: x.baseAddress!, sparse: sparse, into: $0.baseAddress!) }
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
