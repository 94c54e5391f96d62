import XCTest
@testable import RecdIntent

final class OutOfScopeTests: XCTestCase {
    /// Three in-scope clusters and an out-of-scope class spread all over the space.
    func makeSet() -> (examples: [IntentExample], embeddings: [[Float]], probeFar: [Float]) {
        let data = ToyData(classes: 3, perClass: 40, noise: 0.25, seed: 5)
        var ex = data.examples, emb = data.embeddings
        var rng = SeededGenerator(seed: 6)
        for i in 0..<40 {
            var v = (0..<16).map { _ in Float.random(in: -1...1, using: &rng) }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = v.map { $0 / n }
            ex.append(IntentExample(text: "noise \(i)", intent: IntentSet.outOfScope))
            emb.append(v)
        }
        var far = (0..<16).map { _ in Float.random(in: -1...1, using: &rng) }
        let n = far.reduce(0) { $0 + $1 * $1 }.squareRoot()
        far = far.map { $0 / n }
        return (ex, emb, far)
    }

    func testOutOfScopeClassAndThreshold() throws {
        let s = makeSet()
        let (clf, report) = try IntentClassifier.train(examples: s.examples, embeddings: s.embeddings, options: fastOptions())
        XCTAssertTrue(clf.model.labels.contains(IntentSet.outOfScope))
        XCTAssertFalse(clf.intents.contains(IntentSet.outOfScope))
        XCTAssertTrue(report.threshold.isFinite, "a threshold on the logit scale")
        // An in-scope probe is answered, a far-away random one is not.
        let inScope = try clf.classify(text: "sample 0 of class 1", embedding: s.embeddings[1])
        XCTAssertEqual(inScope.intent, "intent1")
        XCTAssertFalse(inScope.isOutOfScope)
        let outside = try clf.classify(text: "something else entirely", embedding: s.probeFar)
        XCTAssertEqual(outside.intent, IntentSet.outOfScope)
        XCTAssertTrue(outside.isOutOfScope)
        XCTAssertFalse(outside.ranked.contains { $0.intent == IntentSet.outOfScope }, "oos is never an alternative")
    }

    func testThresholdOverrideForcesOOS() throws {
        let s = makeSet()
        var o = fastOptions(folds: 0)
        o.thresholdOverride = 1e9   // above any logit
        let (clf, _) = try IntentClassifier.train(examples: s.examples, embeddings: s.embeddings, options: o)
        XCTAssertTrue(try clf.classify(text: "sample 0 of class 1", embedding: s.embeddings[1]).isOutOfScope)
    }
}
