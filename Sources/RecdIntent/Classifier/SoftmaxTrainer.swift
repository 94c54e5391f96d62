/// Options of ``SoftmaxTrainer``. Part of the model-cache key.
public struct TrainerOptions: Hashable, Sendable {
    /// Passes over the training set.
    public var epochs: Int
    /// Examples per AdaGrad step.
    public var batchSize: Int
    /// AdaGrad base step size.
    public var learningRate: Float
    /// L2 penalty on weights (not on the bias).
    public var l2: Float
    /// Multiplier of the dense (embedding) input.
    public var denseScale: Float
    /// Multiplier of the sparse (n-gram) input.
    public var sparseScale: Float
    /// N-grams seen in fewer training texts than this get no weight.
    public var minFeatureCount: Int
    /// Seed of the example shuffle: the same seed and data give the same model.
    public var seed: UInt64

    public init(epochs: Int = 10, batchSize: Int = 32, learningRate: Float = 0.5, l2: Float = 1e-6,
                denseScale: Float = 4, sparseScale: Float = 2, minFeatureCount: Int = 2, seed: UInt64 = 0x5EED) {
        self.minFeatureCount = minFeatureCount
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.l2 = l2
        self.denseScale = denseScale
        self.sparseScale = sparseScale
        self.seed = seed
    }

    func mix(into h: inout StableHash) {
        h.mix(epochs); h.mix(batchSize); h.mix(learningRate); h.mix(l2)
        h.mix(denseScale); h.mix(sparseScale); h.mix(minFeatureCount); h.mix(seed)
    }
}

/// Trains ``SoftmaxModel`` with mini-batch AdaGrad on the cross-entropy loss.
///
/// AdaGrad rather than Adam: its state only changes where a gradient is non-zero, so the n-gram
/// rows are updated sparsely (only the rows an example touches; one accumulator per row, no L2
/// on them), and it needs no learning-rate schedule. The dense part of each batch is two GEMMs through OpenBLAS.
struct SoftmaxTrainer: Sendable {
    let options: TrainerOptions

    /// Trains on the examples `rows` of `data` (all when nil).
    func train(_ data: TrainingMatrix, rows: [Int]? = nil, labels: [String]) -> SoftmaxModel {
        let d = data.denseDimension
        let classes = data.classCount
        let vocab = data.vocabulary.count
        let batch = max(1, options.batchSize)
        // Weights and AdaGrad state live in raw buffers for the whole run: the inner loops below
        // run billions of times, and Array's bounds and uniqueness checks would double their cost.
        let wd = Buffer(count: classes * d), ws = Buffer(count: vocab * classes), b = Buffer(count: classes)
        let gwd = Buffer(count: classes * d), accD = Buffer(count: classes * d)
        let accS = Buffer(count: vocab), accB = Buffer(count: classes)
        let xb = Buffer(count: batch * d), g = Buffer(count: batch * classes)
        defer { for buf in [wd, ws, b, gwd, accD, accS, accB, xb, g] { buf.free() } }
        var order = rows ?? Array(0..<data.count)
        var rng = SeededGenerator(seed: options.seed)
        let lr = options.learningRate, l2 = options.l2, eps: Float = 1e-8
        let dScale = options.denseScale, sScale = options.sparseScale

        data.dense.withUnsafeBufferPointer { densePtr in
        data.columns.withUnsafeBufferPointer { cols in
        data.values.withUnsafeBufferPointer { vals in
        data.rowStart.withUnsafeBufferPointer { starts in
        data.labels.withUnsafeBufferPointer { lab in
            for _ in 0..<options.epochs {
                order.shuffle(using: &rng)
                var start = 0
                while start < order.count {
                    let n = min(batch, order.count - start)
                    for i in 0..<n {
                        (xb.p + i * d).update(from: densePtr.baseAddress! + order[start + i] * d, count: d)
                    }
                    // Forward: dense GEMM, then bias and sparse rows, then softmax − one-hot.
                    BLAS.gemm(transB: true, m: n, n: classes, k: d, alpha: dScale, a: xb.p, b: wd.p, c: g.p)
                    let inv = 1 / Float(n)
                    for i in 0..<n {
                        let r = order[start + i]
                        let row = g.p + i * classes
                        for c in 0..<classes { row[c] += b.p[c] }
                        for e in starts[r] ..< starts[r + 1] {
                            let v = sScale * vals[e]
                            let w = ws.p + Int(cols[e]) * classes
                            for c in 0..<classes { row[c] += v * w[c] }
                        }
                        softmaxInPlace(row, count: classes)
                        row[Int(lab[r])] -= 1
                        for c in 0..<classes { row[c] *= inv }
                    }
                    // Backward, dense: grad = dScale · Gᵀ X + l2 · W, then AdaGrad.
                    BLAS.gemm(transA: true, m: classes, n: d, k: n, alpha: dScale, a: g.p, b: xb.p, c: gwd.p)
                    adagrad(w: wd.p, grad: gwd.p, acc: accD.p, count: classes * d, scale: 1, l2: l2, lr: lr, eps: eps)
                    // Bias and sparse rows: only what this batch touched.
                    for c in 0..<classes {
                        var s: Float = 0
                        for i in 0..<n { s += g.p[i * classes + c] }
                        accB.p[c] += s * s
                        b.p[c] -= lr * s / (accB.p[c].squareRoot() + eps)
                    }
                    for i in 0..<n {
                        let r = order[start + i]
                        let grad = g.p + i * classes
                        var g2: Float = 0
                        for c in 0..<classes { g2 += grad[c] * grad[c] }
                        for e in starts[r] ..< starts[r + 1] {
                            let row = Int(cols[e])
                            let v = sScale * vals[e]
                            // Row-wise AdaGrad: one accumulator per n-gram row, so the update is a
                            // single axpy (per-weight AdaGrad costs a square root per class).
                            accS.p[row] += v * v * g2
                            let step = -lr * v / (accS.p[row].squareRoot() + eps)
                            let w = ws.p + row * classes
                            for c in 0..<classes { w[c] += step * grad[c] }
                        }
                    }
                    start += n
                }
            }
        }}}}}
        return SoftmaxModel(labels: labels, denseDimension: d, denseWeights: wd.array,
                            sparseRows: data.vocabulary, sparseWeights: ws.array, bias: b.array,
                            denseScale: dScale, sparseScale: sScale, temperature: 1)
    }

    /// AdaGrad step on `count` weights with gradient `scale · grad + l2 · w`.
    @inline(__always)
    private func adagrad(w: UnsafeMutablePointer<Float>, grad: UnsafeMutablePointer<Float>,
                         acc: UnsafeMutablePointer<Float>, count: Int, scale: Float, l2: Float, lr: Float, eps: Float) {
        for k in 0..<count {
            let gk = scale * grad[k] + l2 * w[k]
            let a = acc[k] + gk * gk
            acc[k] = a
            w[k] -= lr * gk / (a.squareRoot() + eps)
        }
    }

    /// Raw logits [rows.count × classes] of `rows` of `data` under `model` (which must have been
    /// trained on a matrix with the same vocabulary).
    static func logits(of model: SoftmaxModel, data: TrainingMatrix, rows: [Int]) -> [Float] {
        let d = data.denseDimension
        let classes = model.classCount
        let n = rows.count
        var x = [Float](repeating: 0, count: n * d)
        data.dense.withUnsafeBufferPointer { src in
            x.withUnsafeMutableBufferPointer { dst in
                for (i, r) in rows.enumerated() {
                    (dst.baseAddress! + i * d).update(from: src.baseAddress! + r * d, count: d)
                }
            }
        }
        var out = [Float](repeating: 0, count: n * classes)
        if n == 0 { return out }
        x.withUnsafeBufferPointer { xp in
            model.denseWeights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { o in
                    BLAS.gemm(transB: true, m: n, n: classes, k: d, alpha: model.denseScale,
                              a: xp.baseAddress!, b: w.baseAddress!, c: o.baseAddress!)
                }
            }
        }
        for (i, r) in rows.enumerated() {
            for c in 0..<classes { out[i * classes + c] += model.bias[c] }
            for e in data.rowStart[r] ..< data.rowStart[r + 1] {
                let v = model.sparseScale * data.values[e]
                let base = Int(data.columns[e]) * classes
                for c in 0..<classes { out[i * classes + c] += v * model.sparseWeights[base + c] }
            }
        }
        return out
    }
}

/// A zero-filled scratch buffer owned by one training run.
private struct Buffer {
    let p: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
    }

    var array: [Float] { Array(UnsafeBufferPointer(start: p, count: count)) }

    func free() { p.deallocate() }
}
