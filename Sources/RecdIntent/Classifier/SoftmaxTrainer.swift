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
    /// Models trained at once (the calibration folds and the final model are independent); not part
    /// of the cache key, since every model is computed the same way whatever runs beside it.
    public var threads: Int

    public init(inverseRegularization: Float = 10, maxIterations: Int = 120, foldIterations: Int = 80, history: Int = 10,
                denseScale: Float = 1, sparseScale: Float = 1, minFeatureCount: Int = 2, seed: UInt64 = 0x5EED,
                threads: Int = 2) {
        self.inverseRegularization = inverseRegularization
        self.maxIterations = maxIterations
        self.foldIterations = foldIterations
        self.history = history
        self.denseScale = denseScale
        self.sparseScale = sparseScale
        self.minFeatureCount = minFeatureCount
        self.seed = seed
        self.threads = threads
    }

    func mix(into h: inout StableHash) {
        h.mix(inverseRegularization); h.mix(maxIterations); h.mix(foldIterations); h.mix(history)
        h.mix(denseScale); h.mix(sparseScale); h.mix(minFeatureCount); h.mix(seed)
    }
}

/// Trains ``SoftmaxModel`` — multinomial logistic regression with L2 — by full-batch L-BFGS on the
/// exact loss, so it reaches the same optimum as scikit-learn's `lbfgs` solver. The dense part of each
/// evaluation is two OpenBLAS GEMMs; the sparse part touches only the weighted (n-gram, class) pairs.
struct SoftmaxTrainer: Sendable {
    let options: TrainerOptions

    /// Trains on the examples in `rows` (contiguous ranges of `data`), at most `iterations` L-BFGS steps.
    func train(_ data: TrainingMatrix, rows: [Range<Int>], labels: [String], iterations: Int) -> (model: SoftmaxModel, loss: Double, iterations: Int) {
        let objective = SoftmaxObjective(data: data, rows: rows, inverseRegularization: options.inverseRegularization)
        defer { objective.free() }
        let theta = Scratch(objective.parameterCount)
        defer { theta.free() }
        var lbfgs = LBFGS()
        lbfgs.history = options.history
        lbfgs.maxIterations = iterations
        let outcome = lbfgs.minimize(theta.p, count: objective.parameterCount) { objective.evaluate($0, gradient: $1) }
        let c = data.classCount, d = data.denseDimension
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

/// Mean softmax cross-entropy plus L2 over some rows of a ``TrainingMatrix``, and its gradient.
/// Parameters, flat: dense weights [classes × D], bias [classes], pair weights [pairs].
/// Owns its scratch (logits of every row); used by one thread.
final class SoftmaxObjective {
    let data: TrainingMatrix
    let rows: [Range<Int>]
    let n: Int
    let lambda: Float
    let parameterCount: Int
    private let z: Scratch

    init(data: TrainingMatrix, rows: [Range<Int>], inverseRegularization: Float) {
        self.data = data
        self.rows = rows.filter { !$0.isEmpty }
        n = self.rows.reduce(0) { $0 + $1.count }
        lambda = 1 / (max(inverseRegularization, 1e-12) * Float(max(n, 1)))
        parameterCount = data.classCount * data.denseDimension + data.classCount + data.pairCount
        z = Scratch(max(n, 1) * data.classCount)
    }

    func free() { z.free() }

    /// Loss at `theta`; writes the gradient.
    func evaluate(_ theta: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>) -> Double {
        let c = data.classCount, d = data.denseDimension
        let wd = theta, b = theta + c * d, ws = theta + c * d + c
        let gwd = gradient, gb = gradient + c * d, gws = gradient + c * d + c
        var loss = 0.0
        data.dense.withUnsafeBufferPointer { xAll in
        data.rowStart.withUnsafeBufferPointer { starts in
        data.columns.withUnsafeBufferPointer { cols in
        data.values.withUnsafeBufferPointer { vals in
        data.pairStart.withUnsafeBufferPointer { pStart in
        data.pairClass.withUnsafeBufferPointer { pClass in
        data.labels.withUnsafeBufferPointer { lab in
            // Forward: Z = X·Wᵀ (per contiguous range) + b + pairs.
            var offset = 0
            for range in rows {
                BLAS.gemm(transB: true, m: range.count, n: c, k: d, a: xAll.baseAddress! + range.lowerBound * d, b: wd,
                          c: z.p + offset * c)
                offset += range.count
            }
            offset = 0
            let inv = 1 / Float(n)
            for range in rows {
                for r in range {
                    let row = z.p + offset * c
                    for k in 0..<c { row[k] += b[k] }
                    for e in starts[r] ..< starts[r + 1] {
                        let j = Int(cols[e]), v = vals[e]
                        let p0 = Int(pStart[j]), p1 = Int(pStart[j + 1])
                        if p1 - p0 == c { axpy(v, ws + p0, row, c); continue }
                        for p in p0 ..< p1 { row[Int(pClass[p])] += v * ws[p] }
                    }
                    // Cross-entropy and G = (softmax − onehot) / n, in place.
                    var m = -Float.infinity
                    for k in 0..<c { m = max(m, row[k]) }
                    var sum: Float = 0
                    for k in 0..<c { let e = expf(row[k] - m); row[k] = e; sum += e }
                    let y = Int(lab[r])
                    loss += Double(logf(sum)) - Double(logf(max(row[y], .leastNormalMagnitude)))
                    let scale = inv / sum
                    for k in 0..<c { row[k] *= scale }
                    row[y] -= inv
                    offset += 1
                }
            }
            // Backward: dense gradient Gᵀ·X (beta accumulates over ranges), bias, pairs.
            offset = 0
            for (i, range) in rows.enumerated() {
                BLAS.gemm(transA: true, m: c, n: d, k: range.count, a: z.p + offset * c, b: xAll.baseAddress! + range.lowerBound * d,
                          beta: i == 0 ? 0 : 1, c: gwd)
                offset += range.count
            }
            if rows.isEmpty { gwd.update(repeating: 0, count: c * d) }
            gb.update(repeating: 0, count: c)
            gws.update(repeating: 0, count: data.pairCount)
            offset = 0
            for range in rows {
                for r in range {
                    let g = z.p + offset * c
                    for k in 0..<c { gb[k] += g[k] }
                    for e in starts[r] ..< starts[r + 1] {
                        let j = Int(cols[e]), v = vals[e]
                        let p0 = Int(pStart[j]), p1 = Int(pStart[j + 1])
                        if p1 - p0 == c { axpy(v, g, gws + p0, c); continue }
                        for p in p0 ..< p1 { gws[p] += v * g[Int(pClass[p])] }
                    }
                    offset += 1
                }
            }
        }}}}}}}
        loss /= Double(max(n, 1))
        // L2 on dense and pair weights (not the bias).
        var sq: Float = 0
        for k in 0 ..< c * d { sq += wd[k] * wd[k]; gwd[k] += lambda * wd[k] }
        for p in 0 ..< data.pairCount { sq += ws[p] * ws[p]; gws[p] += lambda * ws[p] }
        return loss + Double(lambda / 2 * sq)
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
