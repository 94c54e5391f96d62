import XCTest
@testable import RecdIntent

/// Centred parameters (`TrainerOptions.centered`) are a reparameterisation of the same problem:
/// same loss under the bias map, a gradient that is the derivative of that loss, the same optimum,
/// reached in fewer iterations when the features share a large common direction.
final class CenteredObjectiveTests: XCTestCase {
    /// Rows with a large common offset (as sentence embeddings and layer pools have) and n-grams
    /// that most rows share.
    func offsetData(classes: Int = 4, perClass: Int = 40, seed: UInt64 = 3) -> ToyData {
        var data = ToyData(classes: classes, perClass: perClass, dimension: 12, noise: 0.8, seed: seed,
                           textFor: { c, i in "the word\(c) of \(i % 3)" })
        data.embeddings = data.embeddings.map { v in
            var w = v.enumerated().map { $0.element + ($0.offset < 4 ? 3 : 0) }
            let n = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            w = w.map { $0 / n }
            return w
        }
        return data
    }

    func matrix(_ data: ToyData, classes: Int) -> TrainingMatrix {
        let featurizer = NGramFeaturizer(options: NGramOptions(hashBits: 14))
        return TrainingMatrix(dense: data.embeddings, blocks: 2, denseScale: 1,
                              sparse: data.examples.map { featurizer.features(of: $0.text) }, sparseScale: 1,
                              labels: data.examples.map { Int32($0.intent.dropFirst(6))! }, classCount: classes, minCount: 2)
    }

    func evaluate(_ o: SoftmaxObjective, _ theta: [Float]) -> (Double, [Float]) {
        var g = [Float](repeating: 0, count: o.parameterCount)
        let l = theta.withUnsafeBufferPointer { t in g.withUnsafeMutableBufferPointer { o.evaluate(t.baseAddress!, gradient: $0.baseAddress!) } }
        return (l, g)
    }

    /// Loss(centred, θ̃) = Loss(plain, θ̃ with b = b̃ − shift), on a fold's two row ranges.
    func testSameLossUnderTheBiasMap() {
        let data = offsetData()
        let m = matrix(data, classes: 4)
        let rows = [0 ..< 50, 90 ..< 160]
        let centred = SoftmaxObjective(data: m, rows: rows, inverseRegularization: 3, threads: 2, centered: true)
        let plain = SoftmaxObjective(data: m, rows: rows, inverseRegularization: 3, threads: 2)
        defer { centred.free(); plain.free() }
        XCTAssertGreaterThan(centred.denseMean.map(abs).max()!, 0.3, "the offset must show in the mean")
        XCTAssertGreaterThan(centred.sparseMean.filter { $0 > 0 }.count, 0)
        var rng = SeededGenerator(seed: 7)
        let theta = (0..<centred.parameterCount).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
        var shift = [Float](repeating: 0, count: 4)
        theta.withUnsafeBufferPointer { t in shift.withUnsafeMutableBufferPointer { centred.biasShift(t.baseAddress!, into: $0.baseAddress!) } }
        XCTAssertGreaterThan(shift.map(abs).max()!, 1e-3)
        var mapped = theta
        let cd = 4 * m.denseDimension
        for k in 0..<4 { mapped[cd + k] -= shift[k] }
        let (lc, _) = evaluate(centred, theta)
        let (lp, _) = evaluate(plain, mapped)
        XCTAssertEqual(lc, lp, accuracy: 1e-5 * abs(lp))
        let (lUnmapped, _) = evaluate(plain, theta)
        XCTAssertNotEqual(lc, lUnmapped, accuracy: 1e-3, "without the map the losses must differ")
    }

    /// The centred gradient is the derivative of the centred loss (central differences).
    func testCentredGradientMatchesFiniteDifferences() {
        let data = offsetData(classes: 3, perClass: 8)
        let m = matrix(data, classes: 3)
        let o = SoftmaxObjective(data: m, rows: [0 ..< 9, 12 ..< 24], inverseRegularization: 0.7, centered: true)
        defer { o.free() }
        var rng = SeededGenerator(seed: 5)
        var theta = (0..<o.parameterCount).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
        let (_, grad) = evaluate(o, theta)
        for k in stride(from: 0, to: theta.count, by: max(1, theta.count / 40)) {
            let h: Float = 1e-2
            let saved = theta[k]
            theta[k] = saved + h; let up = evaluate(o, theta).0
            theta[k] = saved - h; let down = evaluate(o, theta).0
            theta[k] = saved
            XCTAssertEqual(Double(grad[k]), (up - down) / Double(2 * h), accuracy: 2e-3, "parameter \(k)")
        }
    }

    /// Both parameterisations end at the same optimum (convex, unique under L2); the centred one
    /// gets within 1e-4 of it in fewer iterations on offset features.
    func testSameOptimumInFewerIterations() throws {
        let data = offsetData(classes: 5, perClass: 40, seed: 11)
        var plain = IntentTrainingOptions(calibrationFolds: 0)
        plain.ngrams.hashBits = 14
        plain.denseBlocks = 2
        plain.trainer.maxIterations = 2000
        plain.trainer.centered = false
        var centred = plain
        centred.trainer.centered = true
        let a = try IntentClassifier.train(examples: data.examples, embeddings: data.embeddings, options: plain)
        let b = try IntentClassifier.train(examples: data.examples, embeddings: data.embeddings, options: centred)
        XCTAssertEqual(a.report.trainingLoss!, b.report.trainingLoss!, accuracy: 1e-4)
        // The served models agree (the bias is mapped back): same logits on a training row.
        let la = a.classifier.model.logits(dense: data.embeddings[3], sparse: a.classifier.featurizer.features(of: data.examples[3].text))
        let lb = b.classifier.model.logits(dense: data.embeddings[3], sparse: b.classifier.featurizer.features(of: data.examples[3].text))
        for (x, y) in zip(la, lb) { XCTAssertEqual(x - la[0], y - lb[0], accuracy: 0.05) }
        // Iterations to reach the optimum's loss + 1e-3.
        func iterationsTo(_ target: Double, _ options: IntentTrainingOptions) throws -> Int {
            for n in stride(from: 5, through: 2000, by: 5) {
                var o = options
                o.trainer.maxIterations = n
                if try IntentClassifier.train(examples: data.examples, embeddings: data.embeddings, options: o).report.trainingLoss! <= target { return n }
            }
            return .max
        }
        let target = min(a.report.trainingLoss!, b.report.trainingLoss!) + 1e-3
        let nPlain = try iterationsTo(target, plain), nCentred = try iterationsTo(target, centred)
        XCTAssertLessThan(nCentred, nPlain, "centred \(nCentred) iterations, plain \(nPlain)")
    }

    /// Held-out stays held-out: a fold's objective centres on its own rows only, so changing the
    /// dense features of the rows it leaves out changes neither its mean, nor its loss, nor its gradient.
    func testFoldCentresOnItsOwnRowsOnly() {
        let data = offsetData()
        let rows = [0 ..< 50, 90 ..< 160]
        var changed = data
        for i in 50 ..< 90 { changed.embeddings[i] = changed.embeddings[i].map { -$0 } }
        let a = SoftmaxObjective(data: matrix(data, classes: 4), rows: rows, inverseRegularization: 3, centered: true)
        let b = SoftmaxObjective(data: matrix(changed, classes: 4), rows: rows, inverseRegularization: 3, centered: true)
        let all = SoftmaxObjective(data: matrix(data, classes: 4), rows: [0 ..< 160], inverseRegularization: 3, centered: true)
        defer { a.free(); b.free(); all.free() }
        XCTAssertEqual(a.denseMean, b.denseMean)
        XCTAssertNotEqual(a.denseMean, all.denseMean, "the left-out rows must matter to the all-rows mean")
        // Mean of exactly the fold's rows (after the per-block normalisation the matrix applies).
        let m = matrix(data, classes: 4), d = m.denseDimension
        for k in 0..<d {
            var s = 0.0
            for r in rows { for i in r { s += Double(m.dense[i * d + k]) } }
            XCTAssertEqual(Double(a.denseMean[k]), s / 120, accuracy: 1e-5)
        }
        var rng = SeededGenerator(seed: 9)
        let theta = (0..<a.parameterCount).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
        XCTAssertEqual(a.parameterCount, b.parameterCount)
        let (la, ga) = evaluate(a, theta), (lb, gb) = evaluate(b, theta)
        XCTAssertEqual(la, lb, accuracy: 1e-6 * abs(la))
        XCTAssertEqual(ga, gb)
    }
}
