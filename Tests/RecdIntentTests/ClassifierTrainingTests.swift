import XCTest
@testable import RecdIntent

final class ClassifierTrainingTests: XCTestCase {
    func testConvergesOnSeparableToySet() throws {
        // Examples come ordered by draw (all classes for draw 0, then draw 1, …): the first 30
        // draws train, the last 10 test.
        let data = ToyData(classes: 4, perClass: 40, noise: 0.2, seed: 1)
        let cut = 4 * 30
        let (clf, report) = try IntentClassifier.train(examples: Array(data.examples[..<cut]),
                                                       embeddings: Array(data.embeddings[..<cut]), options: fastOptions())
        var right = 0
        for k in cut..<data.examples.count
        where try clf.classify(text: data.examples[k].text, embedding: data.embeddings[k]).intent == data.examples[k].intent { right += 1 }
        XCTAssertEqual(right, data.examples.count - cut)
        XCTAssertGreaterThan(report.heldOutAccuracy ?? 0, 0.95)
    }

    func testShuffledLabelsStayNearChance() throws {
        // Real labels: held-out accuracy near 1. Shuffled labels: near chance (0.25), because
        // there is nothing to learn; far above chance would mean the evaluation leaks.
        let data = ToyData(classes: 4, perClass: 40, noise: 0.6, seed: 7, textFor: { _, i in "item \(i)" })
        var shuffled = data.examples.map(\.intent)
        var rng = SeededGenerator(seed: 99)
        shuffled.shuffle(using: &rng)
        let examples = zip(data.examples, shuffled).map { IntentExample(text: $0.text, intent: $1) }
        let (_, real) = try IntentClassifier.train(examples: data.examples, embeddings: data.embeddings, options: fastOptions())
        let (_, control) = try IntentClassifier.train(examples: examples, embeddings: data.embeddings, options: fastOptions())
        XCTAssertGreaterThan(real.heldOutAccuracy!, 0.9)
        XCTAssertLessThan(control.heldOutAccuracy!, 0.40)
        XCTAssertGreaterThan(control.heldOutAccuracy!, 0.10)
    }

    func testNGramsAloneSeparateChineseIntents() throws {
        // Embeddings carry no signal here (all equal): only the character n-grams can tell
        // 退货 from 买 from 快递, as for Chinese text under an English-only encoder.
        let texts: [String: [String]] = [
            "return": ["我要退货", "退货怎么办理", "怎么退货", "申请退货", "想退货", "退货流程", "可以退货吗", "退货地址"],
            "buy": ["我要买手机", "我想买电脑", "买一个耳机", "想买鞋子", "购买相机", "买两件衣服", "我要买书", "帮我买"],
            "track": ["快递到哪了", "物流信息", "查快递", "快递单号", "快递什么时候到", "物流怎么样", "查一下物流", "快递慢"],
        ]
        var ex: [IntentExample] = []
        for (k, list) in texts.sorted(by: { $0.key < $1.key }) { for t in list { ex.append(IntentExample(text: t, intent: k)) } }
        let emb = ex.map { _ in [Float](repeating: 0.25, count: 16) }
        let (clf, _) = try IntentClassifier.train(examples: ex, embeddings: emb, options: fastOptions(folds: 0))
        let probe = [Float](repeating: 0.25, count: 16)
        XCTAssertEqual(try clf.classify(text: "退货要多久", embedding: probe).ranked[0].intent, "return")
        XCTAssertEqual(try clf.classify(text: "我想买耳机", embedding: probe).ranked[0].intent, "buy")
        XCTAssertEqual(try clf.classify(text: "我的快递呢", embedding: probe).ranked[0].intent, "track")
    }

    func testTrainingIsDeterministic() throws {
        let data = ToyData(classes: 3, perClass: 10)
        let a = try IntentClassifier.train(examples: data.examples, embeddings: data.embeddings, options: fastOptions())
        let b = try IntentClassifier.train(examples: data.examples, embeddings: data.embeddings, options: fastOptions())
        XCTAssertEqual(a.classifier, b.classifier)
    }

    func testRejectsBadInput() {
        let data = ToyData(classes: 2, perClass: 3)
        XCTAssertThrowsError(try IntentClassifier.train(examples: data.examples, embeddings: Array(data.embeddings.dropLast())))
        var bad = data.embeddings
        bad[2] = [1, 2]
        XCTAssertThrowsError(try IntentClassifier.train(examples: data.examples, embeddings: bad)) { e in
            XCTAssertTrue((e as! IntentError).isEmbeddingMismatch)
            XCTAssertTrue("\(e)".contains("expected 16"))
        }
        let one = data.examples.map { IntentExample(text: $0.text, intent: "only") }
        XCTAssertThrowsError(try IntentClassifier.train(examples: one, embeddings: data.embeddings))
    }

    func testClassifyRejectsWrongEmbeddingLength() throws {
        let data = ToyData(classes: 2, perClass: 5)
        let (clf, _) = try IntentClassifier.train(examples: data.examples, embeddings: data.embeddings, options: fastOptions(folds: 0))
        XCTAssertThrowsError(try clf.classify(text: "x", embedding: [1, 2, 3])) { e in
            XCTAssertEqual("\(e)", "embedding has 3 values, expected 16")
        }
        XCTAssertThrowsError(try clf.classify(text: "x", embedding: [Float](repeating: .nan, count: 16)))
    }
}
