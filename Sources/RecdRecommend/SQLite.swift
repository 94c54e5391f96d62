import CSQLite

// The single Swift wrapper over the C seam CSQLite: typed binds and columns, errors carrying
// SQLite's own message plus the statement that failed.

/// SQLITE_TRANSIENT tells SQLite to copy bound text/blobs; the C macro is not importable.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection. Not thread-safe: each owner (the feedback writer thread, the cache)
/// holds its own connection and uses it from one thread at a time.
final class SQLiteDatabase {
    let handle: OpaquePointer
    let path: String

    init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close(db) }
            throw RecommendError.storage("cannot open SQLite database '\(path)': \(msg)")
        }
        self.handle = db
        self.path = path
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { sqlite3_close_v2(handle) }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? lastError
            sqlite3_free(err)
            throw RecommendError.storage("SQLite '\(path)' failed on `\(sql)`: \(msg)")
        }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw RecommendError.storage("SQLite '\(path)' cannot prepare `\(sql)`: \(lastError)")
        }
        return SQLiteStatement(stmt, db: self, sql: sql)
    }

    /// Rows changed by the most recent INSERT/UPDATE/DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last successful INSERT on this connection.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

/// A prepared statement; reset and rebound for every use.
final class SQLiteStatement {
    private let stmt: OpaquePointer
    private unowned let db: SQLiteDatabase
    private let sql: String

    init(_ stmt: OpaquePointer, db: SQLiteDatabase, sql: String) {
        self.stmt = stmt
        self.db = db
        self.sql = sql
    }

    deinit { sqlite3_finalize(stmt) }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    func bind(_ index: Int32, _ value: String?) {
        if let value { sqlite3_bind_text(stmt, index, value, -1, sqliteTransient) } else { sqlite3_bind_null(stmt, index) }
    }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(stmt, index, value) }

    func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(stmt, index, value) }

    func bind(_ index: Int32, floats: [Float]) {
        floats.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(stmt, index, raw.baseAddress, Int32(raw.count), sqliteTransient)
        }
    }

    /// Steps once; true when a row is available, false when done.
    @discardableResult
    func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw RecommendError.storage("SQLite '\(db.path)' failed on `\(sql)`: \(db.lastError)")
    }

    func text(_ column: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, column) else { return nil }
        return String(cString: p)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }

    func double(_ column: Int32) -> Double { sqlite3_column_double(stmt, column) }

    func floats(_ column: Int32) -> [Float] {
        let bytes = Int(sqlite3_column_bytes(stmt, column))
        guard bytes > 0, let p = sqlite3_column_blob(stmt, column) else { return [] }
        let count = bytes / MemoryLayout<Float>.size
        return [Float](unsafeUninitializedCapacity: count) { buf, n in
            memcpyFloats(dst: buf.baseAddress!, src: p, bytes: count * MemoryLayout<Float>.size)
            n = count
        }
    }
}

@inline(__always)
private func memcpyFloats(dst: UnsafeMutablePointer<Float>, src: UnsafeRawPointer, bytes: Int) {
    UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: bytes)
}
