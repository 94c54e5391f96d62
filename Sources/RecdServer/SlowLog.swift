import Atomics
import Foundation
import Logging
import RecdProtocol

/// The slow-request log (`slow_request_ms`, off by default), like Redis's and memcached's `slowlog`:
/// a request whose total time in recd (frame read → reply written to the socket) exceeds the
/// threshold is logged with where that time went (``SlowRequestEntry``), so a latency tail can be
/// attributed to waiting (queue, event loop) or to work, and work to CPU or to a preempted thread.
///
/// Off costs nothing per request (no trace is made); on, a request costs a small object, five clock
/// reads and two reads of the thread's CPU clock.
public final class SlowLog: Sendable {
    /// Requests slower than this (nanoseconds) are logged.
    public let thresholdNanos: UInt64
    private let logger: Logger
    private let logged = ManagedAtomic<UInt64>(0)
    /// The most recent entries, newest last (at most `keep`), for tests and STATS.
    private let recentEntries = EntryRing()
    private let keep = 32

    /// - Parameter thresholdMs: log requests slower than this many milliseconds (> 0).
    public init(thresholdMs: Double, logger: Logger) {
        precondition(thresholdMs > 0, "a slow log threshold must be positive; nil turns the log off")
        thresholdNanos = UInt64(thresholdMs * 1e6)
        self.logger = logger
    }

    /// Requests logged so far.
    public var count: UInt64 { logged.load(ordering: .relaxed) }

    /// The most recent slow requests, oldest first.
    public var recent: [SlowRequestEntry] { recentEntries.snapshot() }

    /// Logs the traces of written replies that took longer than the threshold.
    func finish(_ traces: [RequestTrace]) {
        for trace in traces {
            let entry = SlowRequestEntry(trace)
            guard entry.totalNanos > thresholdNanos else { continue }
            logged.wrappingIncrement(ordering: .relaxed)
            recentEntries.append(entry, keep: keep)
            logger.warning("slow request: \(entry)")
        }
    }
}

/// A small lock-protected ring of entries.
private final class EntryRing: @unchecked Sendable {
    // Safety: `entries` is only touched under `lock`.
    private let lock = NSLock()
    private var entries: [SlowRequestEntry] = []

    func append(_ e: SlowRequestEntry, keep: Int) {
        lock.lock(); defer { lock.unlock() }
        entries.append(e)
        if entries.count > keep { entries.removeFirst(entries.count - keep) }
    }

    func snapshot() -> [SlowRequestEntry] {
        lock.lock(); defer { lock.unlock() }
        return entries
    }
}

/// When one request passed each stage (monotonic nanoseconds; 0 = the request did not pass it),
/// and the CPU time of the worker thread while it ran the request.
///
/// Made on the event loop when the frame is read, stamped by each later stage in order.
final class RequestTrace: @unchecked Sendable {
    // Safety: every field is written by exactly one stage and read only by later stages. The stages
    // hand the request on through the worker pool's lock (queued → started) or the event loop's reply
    // mailbox (answered → on loop: a releasing compare-and-exchange, an acquiring exchange; ReplyMailbox),
    // both of which order the earlier writes before the later reads.
    let opcode: Opcode
    let received: UInt64
    /// Handed to a worker pool (stamped just before the submit).
    var queued: UInt64 = 0
    /// A worker began running it: a task, or the batch holding an embed job.
    var started: UInt64 = 0
    private var cpuAtStart: UInt64 = 0
    /// The reply body was ready (engine work and serialisation done).
    var answered: UInt64 = 0
    /// CPU time of the worker thread from `started` to `answered`; nil when not run as a task.
    var cpuNanos: UInt64?
    /// The event loop took the reply.
    var onLoop: UInt64 = 0
    /// The reply's write to the socket completed.
    var written: UInt64 = 0

    init(opcode: Opcode, received: UInt64 = monotonicNanos()) {
        self.opcode = opcode
        self.received = received
    }

    /// Called on the worker thread as the task starts.
    func start() {
        started = monotonicNanos()
        cpuAtStart = threadCPUNanos()
    }

    /// Called where the reply is produced; on the thread that ran `start()` it also takes the CPU time.
    func answer() {
        answered = monotonicNanos()
        if started != 0 { cpuNanos = threadCPUNanos() &- cpuAtStart }
    }
}

/// One slow request, split into its stages (nanoseconds; nil for a stage it did not pass).
public struct SlowRequestEntry: Sendable, Equatable, CustomStringConvertible {
    public var opcode: Opcode
    /// Frame read → reply written.
    public var totalNanos: UInt64
    /// Frame read → handed to a worker pool (decode and validation on the event loop).
    public var decodeNanos: UInt64?
    /// Handed to the pool → a worker started it (for an embed job: its batch started).
    public var queuedNanos: UInt64?
    /// A worker started it (or its batch) → reply body ready.
    public var runNanos: UInt64?
    /// CPU time of the worker thread during `runNanos`; run ≫ CPU means the thread waited
    /// (a lock) or was preempted.
    public var cpuNanos: UInt64?
    /// Reply ready → the event loop took it.
    public var replyHopNanos: UInt64?
    /// The event loop took it → its write completed.
    public var writeNanos: UInt64?

    init(_ t: RequestTrace) {
        func span(_ a: UInt64, _ b: UInt64) -> UInt64? { a != 0 && b != 0 && b >= a ? b - a : nil }
        opcode = t.opcode
        let end = t.written != 0 ? t.written : max(t.onLoop, t.answered, t.received)
        totalNanos = end &- t.received
        decodeNanos = span(t.received, t.queued)
        queuedNanos = span(t.queued, t.started != 0 ? t.started : t.answered)
        runNanos = span(t.started, t.answered)
        cpuNanos = t.cpuNanos
        replyHopNanos = span(t.answered, t.onLoop)
        writeNanos = span(t.onLoop, t.written)
    }

    /// `RECOMMEND 54.210 ms: decode 0.012, queued 40.100, run 14.000 (cpu 0.600), reply hop 0.050, write 0.030`.
    public var description: String {
        func ms(_ n: UInt64) -> String { String(format: "%.3f", Double(n) / 1e6) }
        var parts: [String] = []
        if let v = decodeNanos { parts.append("decode \(ms(v))") }
        if let v = queuedNanos { parts.append("queued \(ms(v))") }
        if let v = runNanos { parts.append("run \(ms(v))" + (cpuNanos.map { " (cpu \(ms($0)))" } ?? "")) }
        if let v = replyHopNanos { parts.append("reply hop \(ms(v))") }
        if let v = writeNanos { parts.append("write \(ms(v))") }
        return "\(opcode.name) \(ms(totalNanos)) ms: " + parts.joined(separator: ", ")
    }
}

/// CPU time the calling thread has used (CLOCK_THREAD_CPUTIME_ID), in nanoseconds.
@inline(__always)
func threadCPUNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
