import XCTest
@testable import RecdIntent

final class IntentSetTests: XCTestCase {
    func testParsesIntentLinesAndEvaluationLines() throws {
        let s = try IntentSet.parse(jsonLines: """
        # comment
        {"intent": "buy", "description": "wants to buy", "examples": ["buy it", "我要买"]}

        {"text": "cancel it", "intent": "cancel"}
        {"text": "tell me a joke", "intent": "oos"}
        """)
        XCTAssertEqual(s.intents.map(\.name), ["buy", "cancel"])
        XCTAssertEqual(s.intents[0].description, "wants to buy")
        XCTAssertEqual(s.examples.count, 4)
        XCTAssertTrue(s.hasOutOfScopeExamples)
        XCTAssertEqual(s.exampleCounts()["oos"], 1)
    }

    func testErrorsNameTheLineAndWhatWasExpected() {
        XCTAssertThrowsError(try IntentSet.parse(jsonLines: "{\"intent\": \"a\", \"examples\": [\"x\"]}\n{oops", source: "f.jsonl")) {
            XCTAssertEqual("\($0)", "f.jsonl:2: expected one JSON object per line, found invalid JSON")
        }
        XCTAssertThrowsError(try IntentSet.parse(jsonLines: "{\"text\": \"x\"}", source: "f")) {
            XCTAssertEqual("\($0)", "f:1: expected a non-empty string field \"intent\"")
        }
        XCTAssertThrowsError(try IntentSet.parse(jsonLines: "{\"intent\": \"a\", \"examples\": [\"ok\", 3]}", source: "f")) {
            XCTAssertTrue("\($0)".contains("examples[1]"))
        }
        XCTAssertThrowsError(try IntentSet.parse(jsonLines: "{\"intent\": \"a\"}", source: "f")) {
            XCTAssertTrue("\($0)".contains("expected at least one example"))
        }
    }

    /// The shipped default set: every listed intent and out-of-scope has ≥ 40 English and ≥ 25
    /// Chinese examples, with no duplicates.
    func testDefaultSetCounts() throws {
        let s = try IntentSet.load(contentsOf: repositoryRoot.appendingPathComponent("daemon/demo/intents.jsonl"))
        let expected = ["purchase", "browse", "compare", "price_deals", "recommendation", "product_question", "order_status",
                        "return_refund", "cancel_order", "payment_problem", "account_help", "complaint", "greeting"]
        XCTAssertEqual(s.intents.map(\.name), expected)
        XCTAssertTrue(s.intents.allSatisfy { !$0.description.isEmpty })
        func isChinese(_ e: IntentExample) -> Bool { e.text.unicodeScalars.contains { TextNormalizer.isCJK($0) } }
        let en = s.exampleCounts { !isChinese($0) }, zh = s.exampleCounts(where: isChinese)
        for name in expected + [IntentSet.outOfScope] {
            XCTAssertGreaterThanOrEqual(en[name] ?? 0, 40, "English examples of \(name)")
            XCTAssertGreaterThanOrEqual(zh[name] ?? 0, 25, "Chinese examples of \(name)")
        }
        XCTAssertEqual(Set(s.examples.map(\.text)).count, s.examples.count, "duplicate examples")
    }
}
