import Foundation
import XCTest
@testable import RecdIntent

/// The trainer reaches the optimum of its objective, not just a good classifier.
final class ClassifierOptimumTests: XCTestCase {
    struct Reference: Decodable {
        let C: Float
        let x: [[Float]]
        let y: [Int]
        let coef: [[Double]]
        let intercept: [Double]
        let loss: Double
    }

    /// Options for a problem with no n-grams (empty texts), one dense block, no calibration, no class weights.
    func exactOptions(c: Float, iterations: Int = 1000) -> IntentTrainingOptions {
        var o = IntentTrainingOptions(calibrationFolds: 0)
        o.trainer.inverseRegularization = c
        o.trainer.maxIterations = iterations
        o.trainer.classBalanced = false   // the references are unweighted scikit-learn fits
        return o
    }

    /// scikit-learn's `LogisticRegression(C: 2)` optimum on 120 points in 8 dimensions, 3 classes
    /// (Fixtures/lr_reference.json, made by Fixtures/make_lr_reference.py).
    func testMatchesScikitLearnOptimum() throws {
        let url = Bundle.module.url(forResource: "lr_reference", withExtension: "json", subdirectory: "Fixtures")!
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        let examples = ref.y.map { IntentExample(text: "", intent: "c\($0)") }
        let (clf, report) = try IntentClassifier.train(examples: examples, embeddings: ref.x, options: exactOptions(c: ref.C))
        let loss = try XCTUnwrap(report.trainingLoss)
        XCTAssertEqual(loss, ref.loss, accuracy: 1e-5, "training loss \(loss), scikit-learn's optimum \(ref.loss)")
        // L2 makes the optimum unique: the weights themselves must agree.
        let d = ref.x[0].count
        var worst = 0.0
        for c in 0..<3 {
            let row = clf.model.labels.firstIndex(of: "c\(c)")!
            for j in 0..<d { worst = max(worst, abs(Double(clf.model.denseWeights[row * d + j]) - ref.coef[c][j])) }
        }
        XCTAssertLessThan(worst, 5e-3, "largest weight difference from scikit-learn")
        // The bias is unpenalised, so only its differences between classes are defined.
        let b = (0..<3).map { Double(clf.model.bias[clf.model.labels.firstIndex(of: "c\($0)")!]) }
        for c in 1..<3 { XCTAssertEqual(b[c] - b[0], ref.intercept[c] - ref.intercept[0], accuracy: 5e-3) }
    }

    /// Two mirrored points per class on one axis: with δ = w_A − w_B the objective is
    /// log(1 + e^−δ) + δ²/(4·C·n), whose minimum solves σ(−δ) = δ/(2·C·n).
    func testMatchesClosedFormOnMirroredPoints() throws {
        let n = 10, c: Float = 0.5
        var examples: [IntentExample] = [], x: [[Float]] = []
        for i in 0..<n {
            examples.append(IntentExample(text: "", intent: i % 2 == 0 ? "a" : "b"))
            x.append([i % 2 == 0 ? 1 : -1])
        }
        let lambda = 1 / (Double(c) * Double(n))
        var lo = 0.0, hi = 50.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if 1 / (1 + exp(mid)) > lambda * mid / 2 { lo = mid } else { hi = mid }
        }
        let delta = (lo + hi) / 2
        let optimum = log(1 + exp(-delta)) + lambda * delta * delta / 4
        let (clf, report) = try IntentClassifier.train(examples: examples, embeddings: x, options: exactOptions(c: c))
        XCTAssertEqual(report.trainingLoss!, optimum, accuracy: 1e-6)
        let wa = Double(clf.model.denseWeights[clf.model.labels.firstIndex(of: "a")!])
        XCTAssertEqual(wa, delta / 2, accuracy: 1e-3)
    }

    /// The gradient the optimiser follows is the derivative of the loss it reports
    /// (central differences on a problem with dense, bias and n-gram parameters).
    func testGradientMatchesFiniteDifferences() {
        let data = ToyData(classes: 3, perClass: 6, dimension: 8, seed: 2, textFor: { c, i in "word\(c) shared \(i % 2)" })
        let featurizer = NGramFeaturizer(options: NGramOptions(hashBits: 12))
        let labels = data.examples.map { Int32($0.intent.dropFirst(6))! }
        let matrix = TrainingMatrix(dense: data.embeddings, blocks: 2, denseScale: 1.5,
                                    sparse: data.examples.map { featurizer.features(of: $0.text) }, sparseScale: 2,
                                    labels: labels, classCount: 3)
        XCTAssertGreaterThan(matrix.pairCount, 0)
        let objective = SoftmaxObjective(data: matrix, rows: [0 ..< 7, 10 ..< 18], inverseRegularization: 0.7)
        defer { objective.free() }
        var rng = SeededGenerator(seed: 5)
        var theta = (0..<objective.parameterCount).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
        var grad = [Float](repeating: 0, count: theta.count)
        _ = theta.withUnsafeBufferPointer { t in grad.withUnsafeMutableBufferPointer { objective.evaluate(t.baseAddress!, gradient: $0.baseAddress!) } }
        var scratch = [Float](repeating: 0, count: theta.count)
        func loss() -> Double {
            theta.withUnsafeBufferPointer { t in scratch.withUnsafeMutableBufferPointer { objective.evaluate(t.baseAddress!, gradient: $0.baseAddress!) } }
        }
        for k in stride(from: 0, to: theta.count, by: max(1, theta.count / 40)) {
            let h: Float = 1e-2
            let saved = theta[k]
            theta[k] = saved + h; let up = loss()
            theta[k] = saved - h; let down = loss()
            theta[k] = saved
            XCTAssertEqual(Double(grad[k]), (up - down) / Double(2 * h), accuracy: 2e-3, "parameter \(k)")
        }
    }
}
