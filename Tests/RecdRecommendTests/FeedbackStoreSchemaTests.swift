import XCTest
@testable import RecdRecommend

/// The feedback table's idempotency key: a partial unique index in stores created since session 5,
/// the column's own UNIQUE in older ones; both must refuse a repeated key and accept repeated key-less events.
final class FeedbackStoreSchemaTests: XCTestCase {
    private func event(_ item: String, key: String?) -> FeedbackEvent {
        FeedbackEvent(user: "u1", item: item, kind: .view, timestampMs: 7, idempotencyKey: key)
    }

    private func schema(_ path: String) throws -> [String] {
        let db = try SQLiteDatabase(path: path)
        let q = try db.prepare("SELECT name || ': ' || ifnull(sql, '') FROM sqlite_master WHERE tbl_name='events' ORDER BY name")
        var out: [String] = []
        while try q.step() { out.append(q.text(0) ?? "") }
        return out
    }

    private func checkIdempotency(_ path: String, firstSequence: Int64) throws {
        let store = try FeedbackStore(path: path) { _ in }
        defer { store.close() }
        XCTAssertEqual(try store.recordBlocking(event("a", key: "k1")), .recorded(sequence: firstSequence))
        XCTAssertEqual(try store.recordBlocking(event("a", key: "k1")), .duplicate(sequence: firstSequence))
        XCTAssertEqual(try store.recordBlocking(event("b", key: nil)), .recorded(sequence: firstSequence + 1))
        XCTAssertEqual(try store.recordBlocking(event("b", key: nil)), .recorded(sequence: firstSequence + 2))
    }

    func testNewStoreIndexesOnlyKeyedEvents() throws {
        let path = temporaryDirectory(self) + "/feedback.sqlite"
        try checkIdempotency(path, firstSequence: 1)
        let objects = try schema(path)
        XCTAssertTrue(objects.contains { $0.hasPrefix("events_idem:") && $0.contains("WHERE idem IS NOT NULL") }, "\(objects)")
        XCTAssertFalse(objects.contains { $0.contains("sqlite_autoindex") }, "no index over every row: \(objects)")
        // Closing released the writer's exclusive lock: the log can be read (and a store reopened).
        XCTAssertEqual(try FeedbackStore.loadAll(path: path).count, 3)
        let reopened = try FeedbackStore(path: path) { _ in }
        defer { reopened.close() }
        XCTAssertEqual(try reopened.recordBlocking(event("a", key: "k1")), .duplicate(sequence: 1), "the key survives a restart")
        XCTAssertEqual(try reopened.recordBlocking(event("c", key: nil)), .recorded(sequence: 4))
    }

    func testStoreFromBeforeSession5KeepsItsSchemaAndDeduplicates() throws {
        let path = temporaryDirectory(self) + "/feedback.sqlite"
        do {
            let db = try SQLiteDatabase(path: path)
            try db.execute("""
                PRAGMA journal_mode=WAL;
                CREATE TABLE events(
                  seq INTEGER PRIMARY KEY, user TEXT NOT NULL, item TEXT NOT NULL, kind INTEGER NOT NULL,
                  value REAL NOT NULL, ts INTEGER NOT NULL, idem TEXT UNIQUE);
                INSERT INTO events(user,item,kind,value,ts,idem) VALUES('u0','z',0,0,1,'old-key');
                """)
        }
        let store = try FeedbackStore(path: path) { _ in }
        XCTAssertEqual(try store.recordBlocking(event("z", key: "old-key")), .duplicate(sequence: 1))
        XCTAssertEqual(try store.recordBlocking(event("b", key: nil)), .recorded(sequence: 2))
        store.close()
        let objects = try schema(path)
        XCTAssertFalse(objects.contains { $0.hasPrefix("events_idem:") }, "no second index on an old store: \(objects)")
        XCTAssertTrue(objects.contains { $0.contains("sqlite_autoindex_events") }, "\(objects)")
    }
}
