import XCTest
@testable import RecdIntent

final class CalibrationTests: XCTestCase {
    func testRecoversTheTemperatureThatGeneratedTheLabels() {
        // Labels drawn from softmax(z / 2.5): the NLL-optimal temperature is about 2.5.
        var rng = SeededGenerator(seed: 3)
        let classes = 5, n = 4000, trueT: Float = 2.5
        var logits: [Float] = []
        var labels: [Int32] = []
        for _ in 0..<n {
            let z = (0..<classes).map { _ in Float.random(in: -6...6, using: &rng) }
            var p = z
            p.withUnsafeMutableBufferPointer { softmaxInPlace($0.baseAddress!, count: classes, temperature: trueT) }
            var u = Float.random(in: 0..<1, using: &rng), label = classes - 1
            for c in 0..<classes { u -= p[c]; if u < 0 { label = c; break } }
            logits += z
            labels.append(Int32(label))
        }
        let t = Calibration.fitTemperature(logits: logits, labels: labels, classes: classes)
        XCTAssertEqual(t, trueT, accuracy: 0.25)
        XCTAssertLessThan(Calibration.negativeLogLikelihood(logits: logits, labels: labels, classes: classes, temperature: t),
                          Calibration.negativeLogLikelihood(logits: logits, labels: labels, classes: classes, temperature: 1))
    }

    func testTrainedConfidencesAreCalibratedOnHeldOutData() throws {
        // Overlapping clusters, so confidences spread out; expected calibration error on unseen
        // data must be small (mean |confidence − accuracy| over 10 bins, weighted by bin size).
        let data = ToyData(classes: 5, perClass: 120, noise: 1.1, seed: 11, textFor: { _, i in "x\(i)" })
        let cut = 5 * 80
        let (clf, report) = try IntentClassifier.train(examples: Array(data.examples[..<cut]),
                                                       embeddings: Array(data.embeddings[..<cut]), options: fastOptions())
        XCTAssertLessThanOrEqual(report.nllAfter!, report.nllBefore! + 1e-9)
        var bins = [(conf: Double, right: Double, n: Double)](repeating: (0, 0, 0), count: 10)
        var accuracy = 0.0
        for k in cut..<data.examples.count {
            let c = try clf.classify(text: data.examples[k].text, embedding: data.embeddings[k])
            let b = min(9, Int(c.confidence * 10))
            let right = c.ranked[0].intent == data.examples[k].intent ? 1.0 : 0.0
            bins[b].conf += Double(c.confidence); bins[b].right += right; bins[b].n += 1
            accuracy += right
        }
        let total = Double(data.examples.count - cut)
        let ece = bins.reduce(0.0) { $0 + ($1.n > 0 ? abs($1.conf - $1.right) : 0) } / total
        XCTAssertLessThan(accuracy / total, 0.97, "toy set too easy to test calibration")
        XCTAssertLessThan(ece, 0.08, "expected calibration error \(ece)")
    }

    func testThresholdBalancesInScopeAccuracyAndOOSRecall() {
        typealias H = Calibration.HeldOut
        // In-scope answers are right and confident (≥ 0.6); out-of-scope ones reach 0.45 at most.
        var held: [H] = []
        for i in 0..<50 { held.append(H(label: 0, predicted: 0, score: 0.6 + Float(i) / 200, oosWon: false)) }
        for i in 0..<20 { held.append(H(label: 9, predicted: 0, score: 0.2 + Float(i) / 80, oosWon: false)) }
        let t = Calibration.chooseThreshold(held, oosLabel: 9)
        // Halfway between the highest out-of-scope score (0.4375) and the lowest in-scope one (0.6).
        XCTAssertEqual(t, (0.4375 + 0.6) / 2, accuracy: 1e-6)
    }

    func testWithoutOOSExamplesTheThresholdKeepsRightAnswers() {
        typealias H = Calibration.HeldOut
        // 1000 right answers with confidences 0.10…1.0 and 500 wrong ones at 0…0.30. Rejecting the
        // wrong ones (t ≈ 0.3) would also reject 222 right answers; with nothing out of scope to catch,
        // the threshold may cost at most 0.2% of the right answers.
        var held = (0..<1000).map { H(label: 0, predicted: 0, score: 0.1 + 0.9 * Float($0) / 1000, oosWon: false) }
        held += (0..<500).map { H(label: 0, predicted: 1, score: 0.3 * Float($0) / 500, oosWon: false) }
        let t = Calibration.chooseThreshold(held, oosLabel: nil)
        let rejectedRight = held.filter { $0.predicted == $0.label && $0.score < t }.count
        XCTAssertEqual(rejectedRight, 2, "the 0.2% quantile of the right answers' scores")
        XCTAssertLessThan(t, 0.11)
        // The same answers with out-of-scope examples below 0.3 do move the threshold up.
        let withOOS = held + (0..<200).map { H(label: 9, predicted: 0, score: 0.25 * Float($0) / 200, oosWon: false) }
        XCTAssertGreaterThan(Calibration.chooseThreshold(withOOS, oosLabel: 9), t)
    }
}

extension CalibrationTests {
    func testThresholdNeverCostsMoreThanTheInScopeBudget() {
        // Default budget: one point of held-out in-scope accuracy.
        typealias H = Calibration.HeldOut
        // In-scope confidences spread evenly over 0…1, out-of-scope ones all at 0.9: rejecting
        // them would reject 90% of the right answers, so the budget (1%) keeps t ≤ 0.01.
        var held = (0..<100).map { H(label: 0, predicted: 0, score: Float($0) / 100, oosWon: false) }
        held += (0..<100).map { _ in H(label: 9, predicted: 0, score: 0.9, oosWon: false) }
        XCTAssertLessThanOrEqual(Calibration.chooseThreshold(held, oosLabel: 9), 0.01)
        XCTAssertLessThanOrEqual(Calibration.chooseThreshold(held, oosLabel: 9, maxInScopeLoss: 0.02), 0.02)
        XCTAssertGreaterThan(Calibration.chooseThreshold(held, oosLabel: 9, maxInScopeLoss: 1), 0.9)
    }
}

extension CalibrationTests {
    func testThresholdOnASyntheticHeldOutSetWithAKnownAnswer() {
        typealias H = Calibration.HeldOut
        // 1000 in-scope answers, all right, scores 5.000…9.995 (each worth 0.1 point of in-scope
        // accuracy); 100 out-of-scope ones (each worth 1 point of recall): 90 far below (1.00…1.89),
        // 5 at 5.0425 and 5 at 7.0. Catching the five at 5.0425 costs the 9 in-scope answers below
        // them (0.9 points, within the 1-point budget) and gains 5 points; the five at 7.0 would cost
        // 40 points. So the threshold lies halfway between 5.0425 and the next score, 5.045.
        var held = (0..<1000).map { H(label: 0, predicted: 0, score: 5 + Float($0) * 0.005, oosWon: false) }
        held += (0..<90).map { H(label: 9, predicted: 0, score: 1 + Float($0) * 0.01, oosWon: false) }
        held += (0..<5).map { _ in H(label: 9, predicted: 0, score: 5.0425, oosWon: false) }
        held += (0..<5).map { _ in H(label: 9, predicted: 0, score: 7, oosWon: false) }
        let t = Calibration.chooseThreshold(held, oosLabel: 9, maxInScopeLoss: 0.01)
        XCTAssertEqual(t, (5.0425 + 5.045) / 2, accuracy: 1e-4)
        XCTAssertEqual(held.filter { $0.label == 0 && $0.score < t }.count, 9)
        // A half-point budget cannot afford them: the threshold stays below every in-scope score.
        let tight = Calibration.chooseThreshold(held, oosLabel: 9, maxInScopeLoss: 0.005)
        XCTAssertEqual(held.filter { $0.label == 0 && $0.score < tight }.count, 0)
        XCTAssertGreaterThan(tight, 1.89)
        // An oos-class win is out of scope whatever its score, and moves nothing.
        let won = held + [H(label: 9, predicted: 0, score: 9, oosWon: true)]
        XCTAssertEqual(Calibration.chooseThreshold(won, oosLabel: 9, maxInScopeLoss: 0.01), t, accuracy: 1e-4)
    }
}
