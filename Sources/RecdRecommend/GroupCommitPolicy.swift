/// When the feedback writer stops gathering events and commits them in one transaction.
///
/// A commit's fixed cost (the WAL fsync) bounds throughput when few events are in flight: eight
/// connections with one request each put at most eight events in a commit. Committing the moment the
/// first event arrives splits them: while one event's fsync runs, the other seven arrive, the next commit
/// takes those, and every event waits for up to two commits with about half of them in each (measured,
/// 8 connections: 4.0–4.4 events per commit; 7.0–7.9 with this policy). So the writer waits briefly for
/// company, but only for what is actually on its way:
///
/// - `expected` is how many events the previous commit acknowledged: their senders, answered
///   just now, are the ones likely to send again within a round trip;
/// - commit at once when the batch is full, when at least `expected` events are pending (one
///   connection, or a pipelined flood, never waits), or when `maxWait` is 0;
/// - otherwise wait, but stop `idleGap` after the newest arrival (a sender that does not answer within a
///   round trip is not coming soon) and at the latest `maxWait` after gathering began.
///
/// Rejected alternative: a fixed wait before every commit, which a lone client would pay on every event.
/// Times are nanoseconds on one monotonic clock; the type is pure so the rules are tested without threads.
public struct GroupCommitPolicy: Sendable, Equatable {
    /// Most events in one transaction.
    public var maxBatch: Int
    /// Longest wait for company after gathering began (ns); 0 = commit at once.
    public var maxWait: UInt64
    /// Stop waiting once nothing arrived for this long (ns); capped at `maxWait`.
    public var idleGap: UInt64

    /// 1 ms: a few round trips of a client on the same host even when the machine is busy, and below
    /// the time of a commit plus its acknowledgement on a slow disk.
    public static let defaultMaxWait: UInt64 = 1_000_000
    /// 250 µs: above the acknowledgement → next-event round trip of a local client (~100 µs measured
    /// on an idle host), so a closed-loop sender is not given up on while it answers.
    public static let defaultIdleGap: UInt64 = 250_000

    public init(maxBatch: Int = 4096, maxWait: UInt64 = GroupCommitPolicy.defaultMaxWait,
                idleGap: UInt64 = GroupCommitPolicy.defaultIdleGap) {
        self.maxBatch = max(1, maxBatch)
        self.maxWait = maxWait
        self.idleGap = min(idleGap, maxWait)
    }

    /// What the writer does next.
    public enum Decision: Equatable, Sendable {
        /// Commit the pending events now (at most `maxBatch` of them).
        case commit
        /// Wait for a new arrival or until this time (ns), then ask again.
        case wait(until: UInt64)
    }

    /// - Parameters:
    ///   - pending: events waiting for the writer (at least 1).
    ///   - expected: events the previous commit acknowledged (0 before the first).
    ///   - started: when the writer began gathering (after the previous commit's acknowledgements).
    ///   - lastArrival: when the newest pending event was queued (before `started` counts as `started`).
    ///   - now: the current time.
    public func decide(pending: Int, expected: Int, started: UInt64, lastArrival: UInt64, now: UInt64) -> Decision {
        guard pending < maxBatch, pending < expected, maxWait > 0 else { return .commit }
        let deadline = min(started &+ maxWait, max(lastArrival, started) &+ idleGap)
        return now >= deadline ? .commit : .wait(until: deadline)
    }
}
