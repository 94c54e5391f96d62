/// Turns texts into embeddings: the caller's encoder (all-MiniLM-L6-v2, 384 floats each).
public typealias EmbedFunction = @Sendable ([String]) throws -> [[Float]]

/// Progress of a long embedding job: (items done, items total).
public typealias EmbedProgress = @Sendable (Int, Int) -> Void

/// On-disk cache of item embeddings keyed by model id + a 128-bit hash of the item's text, so a
/// restart (or an upsert that leaves the text unchanged) re-embeds nothing.
final class EmbeddingCache: @unchecked Sendable {
    // Safety: every use of `db` and the statements happens inside `lock.write`.
    private let db: SQLiteDatabase
    private let select: SQLiteStatement
    private let insert: SQLiteStatement
    private let lock = RWLock()
    let modelID: String

    init(path: String, modelID: String) throws {
        db = try SQLiteDatabase(path: path)
        self.modelID = modelID
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        try db.execute("CREATE TABLE IF NOT EXISTS embeddings(model TEXT NOT NULL, hash TEXT NOT NULL, vec BLOB NOT NULL, PRIMARY KEY(model, hash))")
        select = try db.prepare("SELECT vec FROM embeddings WHERE model=? AND hash=?")
        insert = try db.prepare("INSERT OR REPLACE INTO embeddings(model, hash, vec) VALUES(?,?,?)")
    }

    /// A 128-bit FNV-1a-style hash of the text as 32 hex digits (two independent 64-bit lanes).
    static func key(_ text: String) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in text.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte) ^ (b >> 29)) &* 0x9e37_79b9_7f4a_7c15
        }
        a ^= UInt64(text.utf8.count)
        let hex = String(a, radix: 16) + ":" + String(b, radix: 16)
        return hex
    }

    func lookup(_ text: String) throws -> [Float]? {
        try lock.write {
            select.reset()
            select.bind(1, modelID)
            select.bind(2, Self.key(text))
            guard try select.step() else { return nil }
            let v = select.floats(0)
            select.reset()
            return v
        }
    }

    func store(_ pairs: [(String, [Float])]) throws {
        try lock.write {
            try db.execute("BEGIN")
            do {
                for (text, vector) in pairs {
                    insert.reset()
                    insert.bind(1, modelID)
                    insert.bind(2, Self.key(text))
                    insert.bind(3, floats: vector)
                    try insert.step()
                }
                insert.reset()
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
    }
}

/// Embeds item texts in batches through the cache, reporting progress.
struct ItemEmbedder: Sendable {
    let embed: EmbedFunction
    let cache: EmbeddingCache?
    let batchSize: Int
    let dimension: Int

    /// Returns one vector per text; counts how many came from the encoder (not the cache).
    func vectors(for texts: [String], progress: EmbedProgress?) throws -> (vectors: [[Float]], computed: Int) {
        var out = [[Float]?](repeating: nil, count: texts.count)
        var missing: [Int] = []
        for (i, t) in texts.enumerated() {
            if let v = try cache?.lookup(t), v.count == dimension { out[i] = v } else { missing.append(i) }
        }
        var done = texts.count - missing.count
        progress?(done, texts.count)
        for start in stride(from: 0, to: missing.count, by: max(1, batchSize)) {
            let idx = Array(missing[start ..< min(start + batchSize, missing.count)])
            let batch = idx.map { texts[$0] }
            let vs = try embed(batch)
            guard vs.count == batch.count else {
                throw RecommendError.embedding("embed function returned \(vs.count) vectors for \(batch.count) texts")
            }
            for v in vs where v.count != dimension {
                throw RecommendError.embedding("embed function returned a vector of \(v.count) floats, expected \(dimension)")
            }
            try cache?.store(Array(zip(batch, vs)))
            for (i, v) in zip(idx, vs) { out[i] = v }
            done += idx.count
            progress?(done, texts.count)
        }
        return (out.map { $0! }, missing.count)
    }
}
