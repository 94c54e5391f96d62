import Foundation
import Logging

/// The durable feedback log: SQLite in WAL mode with `synchronous=FULL`, written by one thread
/// that drains a queue and commits everything waiting in one transaction (group commit). It commits
/// as soon as anything is pending: waiting for the events on their way was measured slower
/// (daemon/DAEMON.md, "FEEDBACK").
///
/// An event is acknowledged only after its transaction has committed and `onCommit` has applied
/// it to in-memory state, so the caller's next request sees it. Alternative rejected: one
/// transaction per event — each commit costs an fsync, which caps throughput at the disk's fsync rate.
public final class FeedbackStore: @unchecked Sendable {
    // Safety: `pending`, `stopping` and the counters are guarded by `condition`; `connection` and
    // `taken` are used by the writer thread only (and by `init` before the thread starts).
    public typealias Completion = @Sendable (Result<FeedbackOutcome, any Error>) -> Void

    private struct Pending {
        var event: FeedbackEvent
        var completion: Completion
        /// When it was queued (monotonic nanoseconds), for the store-lag gauge.
        var queuedAt: UInt64 = DispatchTime.now().uptimeNanoseconds
    }

    /// The writer's connection and statements; released by the writer thread when it stops, which
    /// closes the database and so gives up its exclusive lock.
    private var connection: WriterConnection?
    private let condition = NSCondition()
    private var pending: [Pending] = []
    /// The writer's batch: swapped with `pending` under the lock, so taking a batch copies nothing
    /// and both arrays keep their capacity (no allocation per commit once warm).
    private var taken: [Pending] = []
    private var stopping = false
    private var writerDone = false
    private let onCommit: @Sendable ([FeedbackEvent]) -> Void
    private let logger: Logger
    /// Most events put in one transaction.
    public let maxBatch: Int

    private var committedEvents = 0
    private var committedBatches = 0
    private var duplicateEvents = 0

    /// Opens (or creates) the store at `path` and returns every stored event in commit order
    /// through `existing`, so the caller can rebuild state before new events arrive.
    /// `onCommit` runs on the writer thread after each commit with the newly recorded events,
    /// before any of them is acknowledged.
    public init(path: String, maxBatch: Int = 4096, logger: Logger = Logger(label: "recd.feedback"),
                onCommit: @escaping @Sendable ([FeedbackEvent]) -> Void) throws {
        self.connection = try WriterConnection(path: path)
        self.maxBatch = max(1, maxBatch)
        self.onCommit = onCommit
        self.logger = logger
        let thread = Thread { [unowned self] in self.writerLoop() }
        thread.name = "recd.feedback-writer"
        thread.start()
    }

    deinit { close() }

    /// Every stored event in commit order. Call before submitting new events (startup);
    /// it uses a separate read connection so it never blocks the writer.
    public static func loadAll(path: String) throws -> [FeedbackEvent] {
        let db = try SQLiteDatabase(path: path)
        let hasTable = try db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='events'")
        guard try hasTable.step() else { return [] }
        let q = try db.prepare("SELECT user,item,kind,value,ts,idem FROM events ORDER BY seq")
        var events: [FeedbackEvent] = []
        while try q.step() {
            guard let kind = FeedbackKind(rawValue: Int(q.int64(2))) else {
                throw RecommendError.storage("feedback store '\(path)': unknown event kind \(q.int64(2)) (expected 0…5)")
            }
            events.append(FeedbackEvent(user: q.text(0) ?? "", item: q.text(1) ?? "", kind: kind,
                                        value: q.double(3), timestampMs: q.int64(4), idempotencyKey: q.text(5)))
        }
        return events
    }

    /// Queues an event; `completion` runs on the writer thread after commit (or failure).
    public func submit(_ event: FeedbackEvent, completion: @escaping Completion) {
        condition.lock()
        if stopping {
            condition.unlock()
            completion(.failure(RecommendError.storage("feedback store is closed; the event was not recorded")))
            return
        }
        pending.append(Pending(event: event, completion: completion))
        condition.signal()
        condition.unlock()
    }

    /// Records an event durably; returns once it is committed and applied.
    public func record(_ event: FeedbackEvent) async throws -> FeedbackOutcome {
        try await withCheckedThrowingContinuation { cont in
            submit(event) { cont.resume(with: $0) }
        }
    }

    /// Blocking variant of `record` for callers on their own threads.
    public func recordBlocking(_ event: FeedbackEvent) throws -> FeedbackOutcome {
        let box = ResultBox()
        submit(event) { box.set($0) }
        return try box.wait()
    }

    /// Counters for the stats endpoint.
    public var stats: [String: Double] {
        condition.lock()
        defer { condition.unlock() }
        return ["feedback.committed_events": Double(committedEvents),
                "feedback.committed_batches": Double(committedBatches),
                "feedback.duplicates": Double(duplicateEvents),
                "feedback.queue_depth": Double(pending.count),
                // Age of the oldest event still waiting for the writer (0 when caught up).
                "feedback.lag_seconds": pending.first.map { Double(DispatchTime.now().uptimeNanoseconds &- $0.queuedAt) / 1e9 } ?? 0]
    }

    /// Stops accepting events, commits what is queued and stops the writer thread.
    public func close() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !writerDone { condition.wait() }
        condition.unlock()
    }

    private func writerLoop() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty && stopping {
                connection = nil  // closes the database: a later store on this path may open it
                writerDone = true
                condition.broadcast()
                condition.unlock()
                return
            }
            if pending.count <= maxBatch {
                swap(&pending, &taken)   // `taken` is empty here: the previous batch was cleared
            } else {
                taken.append(contentsOf: pending.prefix(maxBatch))
                pending.removeFirst(maxBatch)
            }
            condition.unlock()
            commit(taken)
            taken.removeAll(keepingCapacity: true)
        }
    }

    private func commit(_ batch: [Pending]) {
        guard let connection else { return }
        let (db, insert, begin, commitStatement) = (connection.db, connection.insert, connection.begin, connection.commit)
        var outcomes: [FeedbackOutcome] = []
        outcomes.reserveCapacity(batch.count)
        do {
            defer { begin.reset() }
            try begin.step()
            do {
                for p in batch {
                    let e = p.event
                    insert.reset()
                    insert.bind(1, e.user)
                    insert.bind(2, e.item)
                    insert.bind(3, Int64(e.kind.rawValue))
                    insert.bind(4, e.value)
                    insert.bind(5, e.timestampMs)
                    insert.bind(6, e.idempotencyKey)
                    try insert.step()
                    if db.changes == 1 {
                        outcomes.append(.recorded(sequence: db.lastInsertRowID))
                    } else {
                        outcomes.append(.duplicate(sequence: try sequence(ofKey: e.idempotencyKey)))
                    }
                }
                insert.reset()
                commitStatement.reset()
                try commitStatement.step()
                commitStatement.reset()
            } catch {
                insert.reset()
                commitStatement.reset()
                try? db.execute("ROLLBACK")
                throw error
            }
        } catch {
            logger.error("feedback batch of \(batch.count) events failed: \(error)")
            for p in batch { p.completion(.failure(error)) }
            return
        }
        let recorded = zip(batch, outcomes).compactMap { $1.isDuplicate ? nil : $0.event }
        if !recorded.isEmpty { onCommit(recorded) }
        condition.lock()
        committedEvents += recorded.count
        committedBatches += 1
        duplicateEvents += batch.count - recorded.count
        condition.unlock()
        for (p, o) in zip(batch, outcomes) { p.completion(.success(o)) }
    }

    /// The stored sequence of the event with this idempotency key (inside the writer's transaction).
    private func sequence(ofKey key: String?) throws -> Int64 {
        guard let key else { throw RecommendError.storage("feedback insert was ignored but the event has no idempotency key") }
        guard let lookup = connection?.lookup else { throw RecommendError.storage("feedback store is closed") }
        lookup.reset()
        defer { lookup.reset() }
        lookup.bind(1, key)
        guard try lookup.step() else {
            throw RecommendError.storage("feedback insert was ignored but no event has idempotency key '\(key)'")
        }
        return lookup.int64(0)
    }
}

/// The writer's SQLite connection: WAL, `synchronous=FULL`, and `locking_mode=EXCLUSIVE`, so the
/// file lock is taken once and held instead of being taken and dropped with `fcntl` around every
/// transaction (six calls per commit, measured), and the WAL index lives in the process's memory
/// instead of the `-shm` file. Durability is unchanged: COMMIT still returns only after the WAL is
/// fsynced. Nothing else opens the feedback database while a store is open (`loadAll` runs first);
/// a second process is refused with SQLITE_BUSY, as it would be on the socket anyway.
private final class WriterConnection {
    let db: SQLiteDatabase
    let insert: SQLiteStatement
    /// The sequence of the event recorded with an idempotency key (answers a duplicate).
    let lookup: SQLiteStatement
    let begin: SQLiteStatement
    let commit: SQLiteStatement

    init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
        let existing = try db.prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='events'")
        let fresh = try !existing.step()
        existing.reset()
        if fresh {
            // The idempotency key is unique through a partial index: an event without a key adds no
            // index entry, so its commit writes one b-tree page fewer. (Stores created before session 5
            // declare `idem TEXT UNIQUE`, which indexes every row, NULLs included; they keep working as they are.)
            try db.execute("""
                BEGIN;
                CREATE TABLE events(
                  seq INTEGER PRIMARY KEY, user TEXT NOT NULL, item TEXT NOT NULL, kind INTEGER NOT NULL,
                  value REAL NOT NULL, ts INTEGER NOT NULL, idem TEXT);
                CREATE UNIQUE INDEX events_idem ON events(idem) WHERE idem IS NOT NULL;
                COMMIT;
                """)
        }
        insert = try db.prepare("INSERT OR IGNORE INTO events(user,item,kind,value,ts,idem) VALUES(?,?,?,?,?,?)")
        lookup = try db.prepare("SELECT seq FROM events WHERE idem=?")
        begin = try db.prepare("BEGIN IMMEDIATE")
        commit = try db.prepare("COMMIT")
    }
}

/// A one-shot result a blocking caller waits for.
private final class ResultBox: @unchecked Sendable {
    // Safety: `result` is guarded by `condition`.
    private let condition = NSCondition()
    private var result: Result<FeedbackOutcome, any Error>?

    func set(_ r: Result<FeedbackOutcome, any Error>) {
        condition.lock()
        result = r
        condition.signal()
        condition.unlock()
    }

    func wait() throws -> FeedbackOutcome {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return try result!.get()
    }
}
