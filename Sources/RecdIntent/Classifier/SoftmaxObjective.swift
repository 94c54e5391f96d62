import Foundation

/// Mean softmax cross-entropy plus L2 over some rows of a ``TrainingMatrix``, and its gradient.
/// Parameters, flat: dense weights [classes × D], bias [classes], pair weights [pairs].
///
/// One evaluation uses `threads` cores: the rows are split into `threads` shards and each shard runs
/// its whole part of the evaluation on one thread — its dense logits (an OpenBLAS GEMM over its rows),
/// the sparse loops and the softmax, its dense gradient (a second GEMM), its bias and pair gradient —
/// into its own gradient buffer; the buffers are summed at the end. recd runs OpenBLAS on one thread
/// (daemon/recd/main.swift), so before session 6, when the GEMMs ran over all rows outside the shards,
/// they (half of the training's CPU) used one core. (Rejected alternatives: the session-2 layout, one
/// single-threaded model per core, which cannot warm-start the final model from the folds; and
/// raising OpenBLAS's process-wide thread count during training, which would also change it for the
/// encoder serving requests meanwhile.)
///
/// **Centred parameters** (`centered`, session 5's branch `intent-s5`): the logits are
/// `W·(x − μ) + Σ_p w_p·(v_j(p) − m_j(p)) + b̃`, with μ the rows' mean dense input and m_j the rows'
/// mean value of n-gram j. Because the bias is not penalised this is the same problem —
/// `b = b̃ − W·μ − Σ_p w_p·m_j(p)` maps one optimum onto the other (``biasShift(_:into:)``) — but the
/// embedding and the intermediate-layer pools share a large common direction (every row's cosine to
/// the mean is high), which makes the uncentred Hessian badly conditioned: L-BFGS then spends most of
/// its iterations on that one direction. The centring is implicit (the bias shift and the rank-one
/// gradient correction cost O(classes × D + pairs) per evaluation), so the data are not copied and
/// each fold's objective centres on its own rows.
/// Owns its scratch; one evaluation at a time.
final class SoftmaxObjective {
    let data: TrainingMatrix
    let rows: [Range<Int>]
    let n: Int
    let lambda: Float
    let parameterCount: Int
    /// Logits, then the loss gradient w.r.t. them, of every row (rows in `rows` order).
    private let z: Scratch
    /// Positions `[lo, hi)` in `rows` order that each shard handles.
    private let shards: [Range<Int>]
    /// Dense + bias + pair gradients of shards 1…; shard 0 writes into the caller's gradient.
    private let partials: [Scratch]
    /// Each shard's positions as contiguous runs of matrix rows (a shard can span two of `rows`).
    private let segments: [[Segment]]
    private let losses: UnsafeMutablePointer<Double>
    /// Weight of each class's examples in the loss: 1, or with `classBalanced` n / (K · n_c) over the
    /// K classes present in `rows` (scikit-learn's `class_weight="balanced"`), so every intent
    /// counts the same however many examples it has; the weights sum to n over the rows.
    let classWeights: [Float]
    /// Whether the parameters are centred (see the type's comment).
    let centered: Bool
    /// μ: mean dense input over the rows [D] (zeros when not centred).
    let denseMean: [Float]
    /// m_j: mean value of each n-gram row over the rows [vocabulary] (zeros when not centred).
    let sparseMean: [Float]
    /// The effective bias of the current evaluation, b̃ − shift [classes].
    private let bias: Scratch

    init(data: TrainingMatrix, rows: [Range<Int>], inverseRegularization: Float, threads: Int = 1, classBalanced: Bool = false,
         centered: Bool = false) {
        self.data = data
        let kept = rows.filter { !$0.isEmpty }
        self.rows = kept
        let total = kept.reduce(0) { $0 + $1.count }
        var counts = [Int](repeating: 0, count: data.classCount)
        for r in kept { for i in r { counts[Int(data.labels[i])] += 1 } }
        let present = counts.filter { $0 > 0 }.count
        classWeights = counts.map { classBalanced && $0 > 0 ? Float(total) / Float(present * $0) : 1 }
        n = total
        lambda = 1 / (max(inverseRegularization, 1e-12) * Float(max(total, 1)))
        parameterCount = data.classCount * data.denseDimension + data.classCount + data.pairCount
        z = Scratch(max(total, 1) * data.classCount)
        let s = max(1, min(threads, total / 64))
        let shardRanges = (0..<s).map { ($0 * total / s) ..< (($0 + 1) * total / s) }
        shards = shardRanges
        let partialSize = data.classCount * data.denseDimension + data.classCount + data.pairCount
        partials = (1..<max(s, 1)).map { _ in Scratch(partialSize) }
        segments = shardRanges.map { Self.segments(of: kept, positions: $0) }
        losses = .allocate(capacity: s)
        losses.initialize(repeating: 0, count: s)
        self.centered = centered
        var mu = [Float](repeating: 0, count: data.denseDimension)
        var m = [Float](repeating: 0, count: data.pairStart.count - 1)
        if centered && total > 0 {
            let d = data.denseDimension, ranges = kept
            var sum = [Double](repeating: 0, count: d)
            var sparseSum = [Double](repeating: 0, count: m.count)
            data.dense.withUnsafeBufferPointer { x in
                for r in ranges { for i in r {
                    for k in 0..<d { sum[k] += Double(x[i * d + k]) }
                    for e in data.rowStart[i] ..< data.rowStart[i + 1] { sparseSum[Int(data.columns[e])] += Double(data.values[e]) }
                }}
            }
            mu = sum.map { Float($0 / Double(total)) }
            m = sparseSum.map { Float($0 / Double(total)) }
        }
        denseMean = mu
        sparseMean = m
        bias = Scratch(data.classCount)
    }

    /// `shift[0..<classes] = W·μ + Σ_p w_p·m_j(p)` per class at `theta`: the bias of the uncentred
    /// model is the centred one minus this (all zeros when not centred).
    func biasShift(_ theta: UnsafePointer<Float>, into shift: UnsafeMutablePointer<Float>) {
        let c = data.classCount, d = data.denseDimension
        shift.update(repeating: 0, count: c)
        guard centered else { return }
        denseMean.withUnsafeBufferPointer { mu in
            for k in 0..<c {
                var s: Float = 0
                for j in 0..<d { s += theta[k * d + j] * mu[j] }
                shift[k] = s
            }
        }
        let ws = theta + c * d + c
        sparseMean.withUnsafeBufferPointer { m in
        data.pairStart.withUnsafeBufferPointer { pStart in
        data.pairClass.withUnsafeBufferPointer { pClass in
            for j in 0 ..< m.count where m[j] != 0 {
                let p0 = Int(pStart[j]), p1 = Int(pStart[j + 1])
                if p1 - p0 == c { axpy(m[j], ws + p0, shift, c); continue }
                for p in p0 ..< p1 { shift[Int(pClass[p])] += m[j] * ws[p] }
            }
        }}}
    }

    /// The chain rule through the centring: ∂/∂W = Gᵀ·X − g_b·μᵀ and ∂/∂w_p = (…) − g_b[class(p)]·m_j(p),
    /// where g_b (the bias gradient, already summed) is Σ over rows of G.
    private func centerGradient(_ gradient: UnsafeMutablePointer<Float>) {
        let c = data.classCount, d = data.denseDimension
        let gb = gradient + c * d, gws = gradient + c * d + c
        denseMean.withUnsafeBufferPointer { mu in
            for k in 0..<c { axpy(-gb[k], mu.baseAddress!, gradient + k * d, d) }
        }
        sparseMean.withUnsafeBufferPointer { m in
        data.pairStart.withUnsafeBufferPointer { pStart in
        data.pairClass.withUnsafeBufferPointer { pClass in
            for j in 0 ..< m.count where m[j] != 0 {
                let p0 = Int(pStart[j]), p1 = Int(pStart[j + 1])
                if p1 - p0 == c { axpy(-m[j], gb, gws + p0, c); continue }
                for p in p0 ..< p1 { gws[p] -= m[j] * gb[Int(pClass[p])] }
            }
        }}}
    }

    func free() {
        bias.free()
        z.free()
        for p in partials { p.free() }
        losses.deallocate()
    }

    /// `count` consecutive matrix rows from `row`, at positions from `position` in `rows` order.
    struct Segment: Equatable {
        var row: Int
        var position: Int
        var count: Int
    }

    /// The runs of matrix rows at `positions` (positions count through `rows`).
    static func segments(of rows: [Range<Int>], positions: Range<Int>) -> [Segment] {
        var out: [Segment] = []
        var position = 0
        for r in rows {
            let lo = max(positions.lowerBound, position), hi = min(positions.upperBound, position + r.count)
            if lo < hi { out.append(Segment(row: r.lowerBound + (lo - position), position: lo, count: hi - lo)) }
            position += r.count
        }
        return out
    }

    /// Calls `body(row, position)` for the rows at positions `range` (positions count through `rows`).
    @inline(__always)
    private func forEachRow(in range: Range<Int>, _ body: (Int, Int) -> Void) {
        var position = 0
        for r in rows {
            let lo = max(range.lowerBound, position), hi = min(range.upperBound, position + r.count)
            if lo < hi { for p in lo ..< hi { body(r.lowerBound + (p - position), p) } }
            position += r.count
        }
    }

    /// Loss at `theta`; writes the gradient.
    func evaluate(_ theta: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>) -> Double {
        let c = data.classCount, d = data.denseDimension, pairs = data.pairCount
        let wd = theta
        biasShift(theta, into: bias.p)
        for k in 0..<c { bias.p[k] = theta[c * d + k] - bias.p[k] }
        data.dense.withUnsafeBufferPointer { xAll in
            let work = ShardWork(objective: self, theta: theta, gradient: gradient, x: xAll.baseAddress!)
            // Each shard: its rows' dense logits (GEMM), + bias + pairs, cross-entropy, G = (softmax − onehot)
            // scaled in place, then its rows' dense gradient Gᵀ·X (GEMM) and bias / pair gradients into its
            // own buffer. Nothing is shared between shards until the sum below.
            Self.parallel(shards.count) { work.run(shard: $0) }
        }
        for p in partials { axpy(1, p.p, gradient, c * d + c + pairs) }
        if centered { centerGradient(gradient) }
        var loss = 0.0
        for s in 0..<shards.count { loss += losses[s] }
        loss /= Double(max(n, 1))
        // L2 on dense and pair weights (not the bias).
        let gwd = gradient, ws = theta + c * d + c, gws = gradient + c * d + c
        var sq: Float = 0
        for k in 0 ..< c * d { sq += wd[k] * wd[k]; gwd[k] += lambda * wd[k] }
        for p in 0 ..< pairs { sq += ws[p] * ws[p]; gws[p] += lambda * ws[p] }
        return loss + Double(lambda / 2 * sq)
    }

    /// Runs `body(0..<count)`, on as many threads as there are items.
    private static func parallel(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: count, execute: body) }
    }

    /// The per-shard halves of one evaluation. Shards touch disjoint rows of `z`, their own loss slot
    /// and their own gradient buffer, so they run concurrently without locks.
    private struct ShardWork: @unchecked Sendable {
        let objective: SoftmaxObjective
        let theta: UnsafePointer<Float>
        let gradient: UnsafeMutablePointer<Float>
        /// The training matrix's dense rows (alive for the whole evaluation).
        let x: UnsafePointer<Float>

        /// Shard 0 writes into the caller's gradient, the others into their own buffer
        /// (same layout: dense weights, bias, pairs).
        func target(shard s: Int) -> UnsafeMutablePointer<Float> { s == 0 ? gradient : objective.partials[s - 1].p }

        func run(shard s: Int) {
            let o = objective, c = o.data.classCount, d = o.data.denseDimension
            let segments = o.segments[s]
            // Forward dense part: Z = X·Wᵀ for each contiguous run of the shard's rows.
            for g in segments {
                BLAS.gemm(transB: true, m: g.count, n: c, k: d, a: x + g.row * d, b: theta, c: o.z.p + g.position * c)
            }
            forward(shard: s)
            // Backward dense part: Gᵀ·X over the shard's rows (beta accumulates over its runs).
            let gwd = target(shard: s)
            for (i, g) in segments.enumerated() {
                BLAS.gemm(transA: true, m: c, n: d, k: g.count, a: o.z.p + g.position * c, b: x + g.row * d,
                          beta: i == 0 ? 0 : 1, c: gwd)
            }
            if segments.isEmpty { gwd.update(repeating: 0, count: c * d) }
            backward(shard: s)
        }

        func forward(shard s: Int) {
            let o = objective, data = o.data
            let c = data.classCount, d = data.denseDimension
            let b = UnsafePointer(o.bias.p), ws = theta + c * d + c
            let inv = 1 / Float(o.n)
            var loss = 0.0
            o.classWeights.withUnsafeBufferPointer { weights in
            data.rowStart.withUnsafeBufferPointer { starts in
            data.columns.withUnsafeBufferPointer { cols in
            data.values.withUnsafeBufferPointer { vals in
            data.pairStart.withUnsafeBufferPointer { pStart in
            data.pairClass.withUnsafeBufferPointer { pClass in
            data.labels.withUnsafeBufferPointer { lab in
                o.forEachRow(in: o.shards[s]) { r, position in
                    let row = o.z.p + position * c
                    for k in 0..<c { row[k] += b[k] }
                    for e in starts[r] ..< starts[r + 1] {
                        let j = Int(cols[e]), v = vals[e]
                        let p0 = Int(pStart[j]), p1 = Int(pStart[j + 1])
                        if p1 - p0 == c { axpy(v, ws + p0, row, c); continue }
                        for p in p0 ..< p1 { row[Int(pClass[p])] += v * ws[p] }
                    }
                    var m = -Float.infinity
                    for k in 0..<c { m = max(m, row[k]) }
                    var sum: Float = 0
                    for k in 0..<c { let e = expf(row[k] - m); row[k] = e; sum += e }
                    let y = Int(lab[r])
                    let w = weights[y]
                    loss += Double(w) * (Double(logf(sum)) - Double(logf(max(row[y], .leastNormalMagnitude))))
                    let scale = w * inv / sum
                    for k in 0..<c { row[k] *= scale }
                    row[y] -= w * inv
                }
            }}}}}}
            }
            o.losses[s] = loss
        }

        func backward(shard s: Int) {
            let o = objective, data = o.data
            let c = data.classCount, d = data.denseDimension
            // Bias gradient, then pair gradients: [c + pairs] floats after the dense gradient.
            let gb = target(shard: s) + c * d
            let gws = gb + c
            gb.update(repeating: 0, count: c + data.pairCount)
            data.rowStart.withUnsafeBufferPointer { starts in
            data.columns.withUnsafeBufferPointer { cols in
            data.values.withUnsafeBufferPointer { vals in
            data.pairStart.withUnsafeBufferPointer { pStart in
            data.pairClass.withUnsafeBufferPointer { pClass in
                o.forEachRow(in: o.shards[s]) { r, position in
                    let g = o.z.p + position * c
                    for k in 0..<c { gb[k] += g[k] }
                    for e in starts[r] ..< starts[r + 1] {
                        let j = Int(cols[e]), v = vals[e]
                        let p0 = Int(pStart[j]), p1 = Int(pStart[j + 1])
                        if p1 - p0 == c { axpy(v, g, gws + p0, c); continue }
                        for p in p0 ..< p1 { gws[p] += v * g[Int(pClass[p])] }
                    }
                }
            }}}}}
        }
    }
}
