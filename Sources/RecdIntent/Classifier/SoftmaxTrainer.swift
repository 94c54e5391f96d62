/// Options of ``SoftmaxTrainer``. Part of the model-cache key.
public struct TrainerOptions: Hashable, Sendable {
    /// Inverse L2 strength as in scikit-learn's `LogisticRegression(C:)`: the trainer minimises
    /// mean cross-entropy + ‖W‖² / (2·C·n) over n examples (the bias is not penalised).
    public var inverseRegularization: Float
    /// Most L-BFGS iterations for the final model.
    public var maxIterations: Int
    /// Most L-BFGS iterations for each calibration-fold model.
    public var foldIterations: Int
    /// L-BFGS correction pairs kept.
    public var history: Int
    /// Multiplier of the dense input (after each block is L2-normalised).
    public var denseScale: Float
    /// Multiplier of the sparse (n-gram) input (unit norm before scaling).
    public var sparseScale: Float
    /// N-grams seen in fewer training texts than this get no weight.
    public var minFeatureCount: Int
    /// Seed of the calibration folds: the same seed and data give the same model.
    public var seed: UInt64
    /// Start the final model from the mean of the calibration-fold models instead of zero, so it
    /// needs fewer iterations (the folds then train first, the final model after them).
    public var warmStart: Bool
    /// Threads of one training: its rows are split into this many shards. Part of the cache key,
    /// because the shards' float sums are added in a different order for another count.
    public var threads: Int
    /// Weigh each class's examples by n / (K · n_c) so every intent counts the same in the loss
    /// however many examples it has (scikit-learn's `class_weight="balanced"`): an intent's author
    /// writing fewer examples should not make it answered less. On by default (a set with equal
    /// counts per class, like CLINC150, gets weights of exactly 1).
    public var classBalanced: Bool = true
    /// Train in centred parameters (``SoftmaxObjective``: the features minus their mean over the rows,
    /// the bias absorbing the difference). The same optimum, reached in fewer iterations because
    /// the sentence embedding's and the pools' common direction no longer dominates the curvature.
    public var centered: Bool = true

    public init(inverseRegularization: Float = 10, maxIterations: Int = 120, foldIterations: Int = 80, history: Int = 10,
                denseScale: Float = 1, sparseScale: Float = 1, minFeatureCount: Int = 2, seed: UInt64 = 0x5EED,
                warmStart: Bool = true, threads: Int = 2) {
        self.inverseRegularization = inverseRegularization
        self.maxIterations = maxIterations
        self.foldIterations = foldIterations
        self.history = history
        self.denseScale = denseScale
        self.sparseScale = sparseScale
        self.minFeatureCount = minFeatureCount
        self.seed = seed
        self.warmStart = warmStart
        self.threads = threads
    }

    func mix(into h: inout StableHash) {
        h.mix(inverseRegularization); h.mix(maxIterations); h.mix(foldIterations); h.mix(history)
        h.mix(denseScale); h.mix(sparseScale); h.mix(minFeatureCount); h.mix(seed)
        h.mix(warmStart ? 1 : 0); h.mix(threads); h.mix(classBalanced ? 1 : 0); h.mix(centered ? 1 : 0)
    }
}

/// Trains ``SoftmaxModel`` — multinomial logistic regression with L2 — by full-batch L-BFGS on the
/// exact loss, so it reaches the same optimum as scikit-learn's `lbfgs` solver. The dense part of each
/// evaluation is two OpenBLAS GEMMs; the sparse part touches only the weighted (n-gram, class) pairs.
struct SoftmaxTrainer: Sendable {
    let options: TrainerOptions

    /// Trains on the examples in `rows` (contiguous ranges of `data`), at most `iterations` L-BFGS steps,
    /// starting from `initial` (flat parameters as ``SoftmaxModel/parameters``) or zero.
    func train(_ data: TrainingMatrix, rows: [Range<Int>], labels: [String], iterations: Int,
               initial: [Float]? = nil) -> (model: SoftmaxModel, loss: Double, iterations: Int) {
        let objective = SoftmaxObjective(data: data, rows: rows, inverseRegularization: options.inverseRegularization,
                                         threads: options.threads, classBalanced: options.classBalanced,
                                         centered: options.centered)
        defer { objective.free() }
        let theta = Scratch(objective.parameterCount)
        defer { theta.free() }
        let c = data.classCount, d = data.denseDimension
        let shift = Scratch(c)
        defer { shift.free() }
        if let initial {
            precondition(initial.count == objective.parameterCount, "warm start has \(initial.count) parameters, expected \(objective.parameterCount)")
            initial.withUnsafeBufferPointer { theta.p.update(from: $0.baseAddress!, count: initial.count) }
            // Into centred parameters: b̃ = b + shift.
            objective.biasShift(theta.p, into: shift.p)
            for k in 0..<c { theta.p[c * d + k] += shift.p[k] }
        }
        var lbfgs = LBFGS()
        lbfgs.history = options.history
        lbfgs.maxIterations = iterations
        lbfgs.threads = options.threads
        let outcome = lbfgs.minimize(theta.p, count: objective.parameterCount) { objective.evaluate($0, gradient: $1) }
        // Back to the served (uncentred) parameters: b = b̃ − shift.
        objective.biasShift(theta.p, into: shift.p)
        for k in 0..<c { theta.p[c * d + k] -= shift.p[k] }
        let all = theta.array
        let model = SoftmaxModel(labels: labels, denseDimension: d, denseBlocks: data.denseBlocks,
                                 denseWeights: Array(all[0 ..< c * d]), bias: Array(all[c * d ..< c * d + c]),
                                 sparseRows: data.vocabulary, sparseStart: data.pairStart, sparseClasses: data.pairClass,
                                 sparseWeights: Array(all[(c * d + c)...]),
                                 denseScale: options.denseScale, sparseScale: options.sparseScale, temperature: 1)
        return (model, outcome.loss, outcome.iterations)
    }

    /// Raw logits [rows × classes] of the examples in `rows` under the parameters of `model`
    /// (trained on the same matrix).
    static func logits(of model: SoftmaxModel, data: TrainingMatrix, rows: Range<Int>) -> [Float] {
        let c = data.classCount, d = data.denseDimension
        var out = [Float](repeating: 0, count: rows.count * c)
        guard !rows.isEmpty else { return out }
        data.dense.withUnsafeBufferPointer { x in
            model.denseWeights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    BLAS.gemm(transB: true, m: rows.count, n: c, k: d, a: x.baseAddress! + rows.lowerBound * d,
                              b: w.baseAddress!, c: o.baseAddress!)
                }
            }
        }
        for (i, r) in rows.enumerated() {
            for k in 0..<c { out[i * c + k] += model.bias[k] }
            for e in data.rowStart[r] ..< data.rowStart[r + 1] {
                let j = Int(data.columns[e]), v = data.values[e]
                for p in Int(data.pairStart[j]) ..< Int(data.pairStart[j + 1]) {
                    out[i * c + Int(data.pairClass[p])] += v * model.sparseWeights[p]
                }
            }
        }
        return out
    }
}
