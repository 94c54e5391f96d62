import XCTest
@testable import RecdIntent

final class IntentEngineTests: XCTestCase {
    func engine(_ intents: String) throws -> IntentEngine {
        let set = try IntentSet.parse(jsonLines: intents)
        let data = ToyData(classes: set.intents.count, perClass: 1)
        // One fixed embedding per intent: the classifier learns from the embedding, the test
        // checks how results are put together.
        let byIntent = Dictionary(uniqueKeysWithValues: zip(set.intents.map(\.name), data.embeddings))
        let emb = set.examples.map { byIntent[$0.intent]! }
        let (clf, _) = try IntentClassifier.train(examples: set.examples, embeddings: emb, options: fastOptions(folds: 0))
        return IntentEngine(intents: set, classifier: clf, slotParser: SlotParser(vocabulary: .demo))
    }

    func testAnalyzeCombinesIntentAndSlots() throws {
        let e = try engine("""
        {"intent": "buy", "examples": ["buy a laptop", "我要买手机", "purchase shoes"]}
        {"intent": "track", "examples": ["where is my order", "快递到哪了", "track package"]}
        """)
        let probe = e.classifier.model.denseWeights.isEmpty ? [] : ToyData(classes: 2, perClass: 1).embeddings[0]
        let r = try e.analyze(text: "我想买一台笔记本电脑，5000元以内", embedding: probe, alternatives: 2)
        XCTAssertEqual(r.intent, "buy")
        XCTAssertEqual(r.alternatives.map(\.intent), ["buy", "track"])
        XCTAssertEqual(r.alternatives.map(\.confidence).reduce(0, +), 1, accuracy: 1e-4)
        XCTAssertEqual(r.slots.map(\.kind), [.quantity, .category, .price])
        XCTAssertEqual(r.slots.last?.value, .price(PriceRange(upper: 5000, currency: "CNY")))
    }

    func testHolderSwapsAtomically() async throws {
        let a = try engine("{\"intent\": \"a\", \"examples\": [\"x\"]}\n{\"intent\": \"b\", \"examples\": [\"y\"]}")
        let b = try engine("{\"intent\": \"c\", \"examples\": [\"x\"]}\n{\"intent\": \"d\", \"examples\": [\"y\"]}")
        let holder = IntentEngineHolder(a)
        // Readers on other tasks always see a whole engine, either the old or the new one.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<500 {
                        let names = holder.current.classifier.intents
                        XCTAssertTrue(names == ["a", "b"] || names == ["c", "d"])
                    }
                }
            }
            group.addTask { for k in 0..<200 { holder.replace(with: k % 2 == 0 ? b : a) } }
            try await group.waitForAll()
        }
        XCTAssertTrue(holder.replace(with: b) === a || holder.current === b)
    }
}
