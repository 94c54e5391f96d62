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
}
