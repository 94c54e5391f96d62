import Foundation

/// The durable record of catalog changes made while running (ITEMS upserts and deletes): SQLite in
/// WAL mode with `synchronous=FULL`, one row per item id holding its latest JSON, or NULL once deleted.
///
/// The catalog file given at start is the base; the journal is replayed over it (``apply(to:)``), so an
/// acknowledged upsert or delete survives a crash or restart. Changes are committed before they are
/// applied in memory and acknowledged. Alternative rejected: rewriting the JSONL catalog file on every
/// change — O(catalog) per upsert, and not atomic without a rename dance.
///
/// Thread-safe: `lock` serialises every use of the connection.
public final class CatalogJournal: @unchecked Sendable {
    // Safety: `db` and the statements are used only while holding `lock`.
    private let lock = NSLock()
    private let db: SQLiteDatabase
    private let put: SQLiteStatement
    private var nextSeq: Int64

    /// Opens (or creates) the journal at `path`.
    public init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
        try db.execute("CREATE TABLE IF NOT EXISTS items(id TEXT PRIMARY KEY, json TEXT, seq INTEGER NOT NULL);")
        put = try db.prepare("""
            INSERT INTO items(id, json, seq) VALUES(?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET json = excluded.json, seq = excluded.seq
            """)
        let max = try db.prepare("SELECT COALESCE(MAX(seq), 0) FROM items")
        _ = try max.step()
        nextSeq = max.int64(0) + 1
    }

    /// The base catalog with every journalled change applied, in the order they were made:
    /// upserted items replace (or follow) the base's, deleted ids are gone.
    public func apply(to base: [Item]) throws -> [Item] {
        lock.lock(); defer { lock.unlock() }
        let q = try db.prepare("SELECT id, json FROM items ORDER BY seq")
        var items = base
        var index: [String: Int] = [:]
        for (i, item) in items.enumerated() { index[item.id] = i }
        var deleted: Set<String> = []
        while try q.step() {
            let id = q.text(0) ?? ""
            guard let json = q.text(1) else { deleted.insert(id); continue }
            deleted.remove(id)
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
            guard let dict = object as? [String: Any] else {
                throw RecommendError.storage("catalog journal '\(db.path)': item '\(id)' is not a JSON object")
            }
            let item = try Item(jsonObject: dict)
            if let i = index[id] { items[i] = item } else { index[id] = items.count; items.append(item) }
        }
        return deleted.isEmpty ? items : items.filter { !deleted.contains($0.id) }
    }

    /// Durably records `items` as the latest version of their ids (one transaction).
    public func recordUpserts(_ items: [Item]) throws {
        let rows = try items.map { item -> (String, String?) in
            let data = try JSONSerialization.data(withJSONObject: item.jsonObject, options: [.sortedKeys])
            return (item.id, String(decoding: data, as: UTF8.self))
        }
        try write(rows)
    }

    /// Durably records that `ids` are deleted (one transaction).
    public func recordDeletes(_ ids: [String]) throws {
        try write(ids.map { ($0, nil) })
    }

    private func write(_ rows: [(String, String?)]) throws {
        guard !rows.isEmpty else { return }
        lock.lock(); defer { lock.unlock() }
        try db.execute("BEGIN IMMEDIATE")
        do {
            for (id, json) in rows {
                put.reset()
                put.bind(1, id)
                put.bind(2, json)
                put.bind(3, nextSeq)
                try put.step()
                nextSeq += 1
            }
            put.reset()
            try db.execute("COMMIT")
        } catch {
            put.reset()
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}
