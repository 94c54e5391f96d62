import XCTest
@testable import RecdRecommend

final class FeedbackTests: XCTestCase {
    func testFeedbackChangesTheNextRecommendation() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        let before = try engine.recommend(RecommendRequest(user: "u1", k: 3))
        XCTAssertFalse(before.contains { $0.itemID.hasPrefix("laptop") && $0.explanation.contains("Ultrabook") })
        XCTAssertFalse(try engine.recordBlocking(event("u1", "laptop-1", .purchase, at: 1)).isDuplicate)
        let after = try engine.recommend(RecommendRequest(user: "u1", k: 3))
        XCTAssertEqual(after.first?.itemID, "laptop-2", "the other laptop shares words with the purchase: \(after)")
        XCTAssertFalse(after.contains { $0.itemID == "laptop-1" }, "purchased items are excluded by default")
        XCTAssertNotEqual(before.map(\.itemID), after.map(\.itemID))
    }

    func testIdempotentRetryIsCountedOnce() throws {
        let dir = temporaryDirectory(self)
        var engine = try makeEngine(dir)
        let e = event("u1", "book-1", .click, at: 5, key: "req-42")
        XCTAssertEqual(try engine.recordBlocking(e), .recorded(sequence: 1))
        XCTAssertEqual(try engine.recordBlocking(e), .duplicate(sequence: 1))
        XCTAssertEqual(engine.stats["events.total"], 1)
        XCTAssertEqual(engine.stats["feedback.duplicates"], 1)
        engine.close()
        engine = try makeEngine(dir)
        defer { engine.close() }
        XCTAssertEqual(try engine.recordBlocking(e), .duplicate(sequence: 1), "the key survives a restart")
        XCTAssertEqual(engine.stats["events.total"], 1)
        // Events without a key are never duplicates.
        XCTAssertEqual(try engine.recordBlocking(event("u1", "book-1", .click, at: 6)), .recorded(sequence: 2))
        XCTAssertEqual(try engine.recordBlocking(event("u1", "book-1", .click, at: 6)), .recorded(sequence: 3))
        XCTAssertEqual(engine.stats["events.total"], 3)
    }

    func testSequenceIsTheLogPositionAndADuplicateAnswersTheOriginal() async throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        // Two events with one key submitted together land in one transaction: the second is the duplicate
        // and names the first one's position.
        async let a = engine.record(event("u1", "book-1", .view, at: 1, key: "same"))
        async let b = engine.record(event("u1", "book-1", .view, at: 1, key: "same"))
        let outcomes = try await [a, b]
        XCTAssertEqual(outcomes.filter(\.isDuplicate).count, 1)
        XCTAssertEqual(outcomes[0].sequence, outcomes[1].sequence)
        let later = try await engine.record(event("u2", "book-2", .view, at: 2))
        XCTAssertEqual(later, .recorded(sequence: outcomes[0].sequence + 1))
    }

    func testRestartRestoresUserStateFromSQLite() throws {
        let dir = temporaryDirectory(self)
        var engine = try makeEngine(dir)
        _ = try engine.recordBlocking(event("u1", "shoe-run-1", .purchase, at: 1))
        _ = try engine.recordBlocking(event("u1", "lip-1", .dislike, at: 2))
        let before = try engine.recommend(RecommendRequest(user: "u1", k: 5))
        engine.close()
        engine = try makeEngine(dir)
        defer { engine.close() }
        XCTAssertEqual(engine.stats["users"], 1)
        XCTAssertEqual(engine.stats["events.total"], 2)
        let after = try engine.recommend(RecommendRequest(user: "u1", k: 5))
        XCTAssertEqual(before.map(\.itemID), after.map(\.itemID))
        XCTAssertFalse(after.contains { $0.itemID == "shoe-run-1" || $0.itemID == "lip-1" })
        XCTAssertTrue(after[0].explanation.contains("Trail running shoes"), after[0].explanation)
    }

    func testConcurrentWritersAreAllRecordedAndVisible() async throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        let outcomes = try await withThrowingTaskGroup(of: FeedbackOutcome.self) { group in
            for w in 0..<8 {
                for i in 0..<50 {
                    group.addTask {
                        try await engine.record(event("user\(w)", sampleItems[i % sampleItems.count].id, .view,
                                                      at: Int64(i), key: "w\(w)-\(i)"))
                    }
                }
            }
            return try await group.reduce(into: [FeedbackOutcome]()) { $0.append($1) }
        }
        XCTAssertEqual(outcomes.filter { !$0.isDuplicate }.count, 400)
        XCTAssertEqual(Set(outcomes.map(\.sequence)), Set(1...400), "every event gets its own position in the log")
        XCTAssertEqual(engine.stats["events.total"], 400)
        XCTAssertEqual(engine.stats["users"], 8)
        XCTAssertLessThan(engine.stats["feedback.committed_batches"]!, 400, "group commit puts several events in one transaction")
    }

    func testRejectsEventsAPersonCanFix() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        XCTAssertThrowsError(try engine.recordBlocking(event("", "book-1", .view, at: 1))) {
            XCTAssertTrue("\($0)".contains("user is empty"), "\($0)")
        }
        XCTAssertThrowsError(try engine.recordBlocking(event("u", "book-1", .rating, at: 1, value: 9))) {
            XCTAssertTrue("\($0)".contains("found 9"), "\($0)")
        }
    }

    func testEventWeights() {
        let w = EventWeights()
        XCTAssertLessThan(w.weight(.view, value: 0), w.weight(.click, value: 0))
        XCTAssertLessThan(w.weight(.addToCart, value: 0), w.weight(.purchase, value: 0))
        XCTAssertGreaterThan(w.weight(.rating, value: 5), 0)
        XCTAssertLessThan(w.weight(.rating, value: 1), 0)
        XCTAssertLessThan(w.weight(.dislike, value: 0), 0)
    }
}
