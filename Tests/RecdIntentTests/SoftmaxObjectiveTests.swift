import XCTest
@testable import RecdIntent

/// The sharded objective (rows split over threads, per-shard gradient buffers summed) must compute
/// the same loss and gradient as one shard, also when the rows are two ranges (a calibration fold's
/// complement) that the shard boundaries cut across.
final class SoftmaxObjectiveTests: XCTestCase {
    func testShardedEvaluationMatchesOneShard() {
        let data = ToyData(classes: 6, perClass: 60, noise: 0.6, seed: 21, textFor: { c, i in "word\(c) item \(i % 7) thing\(i % 5)" })
        let featurizer = NGramFeaturizer(options: NGramOptions(hashBits: 16))
        let labels = data.examples.map { Int32($0.intent.dropFirst("intent".count))! }
        let matrix = TrainingMatrix(dense: data.embeddings, blocks: 2, denseScale: 1,
                                    sparse: data.examples.map { featurizer.features(of: $0.text) }, sparseScale: 1,
                                    labels: labels, classCount: 6, minCount: 2)
        let rows = [0 ..< 100, 170 ..< 360]
        let one = SoftmaxObjective(data: matrix, rows: rows, inverseRegularization: 10, threads: 1)
        let three = SoftmaxObjective(data: matrix, rows: rows, inverseRegularization: 10, threads: 3)
        defer { one.free(); three.free() }
        var rng = SeededGenerator(seed: 4)
        let theta = (0..<one.parameterCount).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
        var g1 = [Float](repeating: 0, count: one.parameterCount), g3 = g1
        let l1 = theta.withUnsafeBufferPointer { t in g1.withUnsafeMutableBufferPointer { one.evaluate(t.baseAddress!, gradient: $0.baseAddress!) } }
        // Twice, so a shard buffer left over from the first evaluation would show.
        var l3 = 0.0
        for _ in 0..<2 {
            l3 = theta.withUnsafeBufferPointer { t in g3.withUnsafeMutableBufferPointer { three.evaluate(t.baseAddress!, gradient: $0.baseAddress!) } }
        }
        XCTAssertGreaterThan(matrix.pairCount, 0)
        XCTAssertEqual(l1, l3, accuracy: 1e-5 * abs(l1))
        let scale = g1.map(abs).max()!
        XCTAssertGreaterThan(scale, 0)
        for k in g1.indices { XCTAssertEqual(g1[k], g3[k], accuracy: 1e-5 * scale, "gradient entry \(k)") }
    }

    /// A shard's positions as runs of matrix rows: the dense GEMMs of a shard that straddles a
    /// fold's two ranges run once per range.
    func testShardSegmentsFollowTheRowRanges() {
        typealias S = SoftmaxObjective.Segment
        let rows = [0 ..< 100, 170 ..< 360]
        XCTAssertEqual(SoftmaxObjective.segments(of: rows, positions: 0 ..< 96), [S(row: 0, position: 0, count: 96)])
        XCTAssertEqual(SoftmaxObjective.segments(of: rows, positions: 96 ..< 193),
                       [S(row: 96, position: 96, count: 4), S(row: 170, position: 100, count: 93)])
        XCTAssertEqual(SoftmaxObjective.segments(of: rows, positions: 193 ..< 290), [S(row: 263, position: 193, count: 97)])
        XCTAssertEqual(SoftmaxObjective.segments(of: rows, positions: 100 ..< 100), [])
    }

    /// Training on two threads (two shards: each its own GEMMs, sparse loops and gradient buffer) ends
    /// where one thread ends: the same loss within 2e-4 (relative) and the same answer on every training
    /// example. Not bitwise: the shards' gradients are added in another order, so the two runs take
    /// slightly different paths and stop on the relative-decrease tolerance at slightly different
    /// points (measured: 5e-5 apart).
    func testTwoThreadsTrainTheSameModelAsOne() throws {
        let data = ToyData(classes: 5, perClass: 60, noise: 0.8, seed: 17, textFor: { c, i in "word\(c) item \(i % 7) thing\(i % 5)" })
        var one = fastOptions()
        one.trainer.maxIterations = 300
        one.trainer.threads = 1
        var two = one
        two.trainer.threads = 2
        let a = try IntentClassifier.trainRun(examples: data.examples, embeddings: data.embeddings, options: one)
        let b = try IntentClassifier.trainRun(examples: data.examples, embeddings: data.embeddings, options: two)
        XCTAssertEqual(a.report.trainingLoss!, b.report.trainingLoss!, accuracy: 2e-4 * a.report.trainingLoss!)
        XCTAssertEqual(a.heldOutLogits.count, b.heldOutLogits.count)
        for (x, y) in zip(a.heldOutLogits, b.heldOutLogits) { XCTAssertEqual(x, y, accuracy: 2e-2) }
        for (e, v) in zip(data.examples, data.embeddings) {
            XCTAssertEqual(try a.classifier.classify(text: e.text, embedding: v).ranked[0].intent,
                           try b.classifier.classify(text: e.text, embedding: v).ranked[0].intent)
        }
    }

    func testWarmStartReachesTheSameOptimum() throws {
        // The final model started from the folds' mean must end where the cold start ends (the loss is convex).
        let data = ToyData(classes: 4, perClass: 50, noise: 0.7, seed: 8)
        var cold = fastOptions()
        cold.trainer.maxIterations = 300
        cold.trainer.warmStart = false
        var warm = cold
        warm.trainer.warmStart = true
        let a = try IntentClassifier.train(examples: data.examples, embeddings: data.embeddings, options: cold)
        let b = try IntentClassifier.train(examples: data.examples, embeddings: data.embeddings, options: warm)
        XCTAssertEqual(a.report.trainingLoss!, b.report.trainingLoss!, accuracy: 1e-4)
        XCTAssertLessThan(b.report.iterations!, a.report.iterations!, "warm start should need fewer iterations")
    }

    /// Class-balanced weights: n / (K · n_c) over the rows used, so they sum to n; the weighted loss
    /// is the weighted mean of the per-example losses, checked against the unweighted objective on
    /// each class's rows alone (same parameters, no penalty).
    func testClassBalancedWeightsAndLoss() {
        let data = ToyData(classes: 3, perClass: 40, noise: 0.6, seed: 9)
        // Keep 40 of class 0, 20 of class 1, 10 of class 2 (rows are interleaved by class).
        var keep: [Int] = []
        var seen = [0, 0, 0]
        for (i, e) in data.examples.enumerated() {
            let c = Int(e.intent.dropFirst("intent".count))!
            if seen[c] < [40, 20, 10][c] { keep.append(i); seen[c] += 1 }
        }
        keep.sort { Int(data.examples[$0].intent.dropFirst(6))! < Int(data.examples[$1].intent.dropFirst(6))! }
        let labels = keep.map { Int32(data.examples[$0].intent.dropFirst(6))! }
        let matrix = TrainingMatrix(dense: keep.map { data.embeddings[$0] }, blocks: 1, denseScale: 1,
                                    sparse: keep.map { _ in SparseFeatures(indices: [], values: []) }, sparseScale: 1,
                                    labels: labels, classCount: 3, minCount: 1)
        let n = Float(keep.count)
        let balanced = SoftmaxObjective(data: matrix, rows: [0 ..< 70], inverseRegularization: 1e12, classBalanced: true)
        defer { balanced.free() }
        XCTAssertEqual(balanced.classWeights[0], n / (3 * 40), accuracy: 1e-6)
        XCTAssertEqual(balanced.classWeights[2], n / (3 * 10), accuracy: 1e-6)
        XCTAssertEqual(zip(balanced.classWeights, [40, 20, 10]).reduce(Float(0)) { $0 + $1.0 * Float($1.1) }, n, accuracy: 1e-3)
        var rng = SeededGenerator(seed: 2)
        let theta = (0..<balanced.parameterCount).map { _ in Float.random(in: -1...1, using: &rng) }
        func loss(_ o: SoftmaxObjective) -> Double {
            var g = [Float](repeating: 0, count: o.parameterCount)
            return theta.withUnsafeBufferPointer { t in g.withUnsafeMutableBufferPointer { o.evaluate(t.baseAddress!, gradient: $0.baseAddress!) } }
        }
        // Mean loss of each class on its own rows (class c's rows are contiguous after the sort).
        let ranges = [0 ..< 40, 40 ..< 60, 60 ..< 70]
        let perClass = ranges.map { r -> Double in
            let o = SoftmaxObjective(data: matrix, rows: [r], inverseRegularization: 1e12)
            defer { o.free() }
            return loss(o)
        }
        // Balanced: Σ_c (n_c · w_c · mean_c) / n = Σ_c mean_c / K.
        XCTAssertEqual(loss(balanced), perClass.reduce(0, +) / 3, accuracy: 1e-4)
        // Unbalanced: the plain mean.
        let plain = SoftmaxObjective(data: matrix, rows: [0 ..< 70], inverseRegularization: 1e12)
        defer { plain.free() }
        XCTAssertEqual(loss(plain), (40 * perClass[0] + 20 * perClass[1] + 10 * perClass[2]) / 70, accuracy: 1e-4)
        XCTAssertNotEqual(loss(plain), loss(balanced), accuracy: 1e-3, "the imbalance must matter for this check to mean anything")
    }

    /// Without a refit the served model is the fold models' mean: k trainings instead of k + 1; the
    /// mean model differs from the refitted one and still classifies the training set.
    func testNoRefitServesTheFoldMean() throws {
        let data = ToyData(classes: 4, perClass: 30, noise: 0.5, seed: 12)
        var options = fastOptions()
        options.refit = false
        let mean = try IntentClassifier.trainRun(examples: data.examples, embeddings: data.embeddings, options: options)
        XCTAssertEqual(mean.report.jobSeconds.count, 3, "three fold models, no final training")
        let refit = try IntentClassifier.train(examples: data.examples, embeddings: data.embeddings, options: fastOptions())
        XCTAssertEqual(refit.report.jobSeconds.count, 4)
        XCTAssertNotEqual(mean.classifier.model.parameters, refit.classifier.model.parameters)
        var right = 0
        for (e, v) in zip(data.examples, data.embeddings) where try mean.classifier.classify(text: e.text, embedding: v).ranked[0].intent == e.intent {
            right += 1
        }
        XCTAssertGreaterThan(Double(right) / Double(data.examples.count), 0.9)
    }
}
