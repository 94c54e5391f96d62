import Foundation
import XCTest
@testable import RecdIntent

/// Development harness, skipped unless `RECD_INTENT_COST=1`: microseconds per call of the parts of
/// INTENT after the encoder (n-gram features, classifier, slot parser) on recbench's load texts,
/// with a demo-sized model (14 classes, 3 × 384 dense inputs, the product's n-gram options, calibration
/// folds so that the nearest-example term is served as in recd). The figure that counts is
/// `recbench load --op intent` against `--op embed`; this only says where the time goes.
final class IntentCostHarnessTests: XCTestCase {
    func testCostPerCall() throws {
        guard ProcessInfo.processInfo.environment["RECD_INTENT_COST"] != nil else { throw XCTSkip("set RECD_INTENT_COST=1") }
        let texts = ["where is my order", "red running shoes under $50", "cancel my subscription",
                     "a gentle moisturiser for dry skin", "i want to return these headphones",
                     "matte lipstick that lasts all day", "how do i reset my password", "gift ideas for my sister"]
        let set = try IntentSet.load(contentsOf: repositoryRoot.appendingPathComponent("daemon/demo/intents.jsonl"))
        var rng = SeededGenerator(seed: 1)
        let emb = set.examples.map { _ in (0..<1152).map { _ in Float.random(in: -1...1, using: &rng) } }
        var o = fastOptions(folds: 3)
        o.ngrams = NGramOptions()
        o.denseBlocks = 3
        let (clf, _) = try IntentClassifier.train(examples: set.examples, embeddings: emb, options: o)
        let engine = IntentEngine(intents: set, classifier: clf, slotParser: SlotParser(vocabulary: .demo))
        XCTAssertNotNil(clf.nearest, "the nearest-example term is part of what INTENT serves")
        let probe = emb[0]
        func time(_ label: String, _ body: (String) throws -> Void) rethrows {
            let rounds = 2000
            var samples: [Double] = []
            for r in 0..<rounds {
                let t = texts[r % texts.count]
                let start = DispatchTime.now().uptimeNanoseconds
                try body(t)
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
            }
            samples.sort()
            print(String(format: "%@: p50 %.1f µs, p90 %.1f µs", label, samples[rounds / 2], samples[rounds * 9 / 10]))
        }
        let featurizer = NGramFeaturizer()
        time("ngram features") { _ = featurizer.features(of: $0) }
        time("nearest example") { _ in _ = clf.nearestCosine(probe, ofClass: 0) }
        try time("classify") { _ = try clf.classify(text: $0, embedding: probe) }
        time("slots") { _ = engine.slotParser.parse($0) }
        try time("analyze") { _ = try engine.analyze(text: $0, embedding: probe, alternatives: 4) }
    }
}
