import Atomics
import Foundation
import RecdProtocol

/// Server counters for STATS: per-op requests, errors, BUSY answers and latency; batch sizes.
///
/// Two locks: `lock` for the per-op counters (the event loops count replies, a drain's worth at a
/// time: ``LoopReplies``) and `poolLock` for the pool's batch sizes and timings (the workers report
/// each batch), so a worker never waits for an event loop's counting or the other way round.
/// Updates are a few additions, far cheaper than the syscalls on the same path.
public final class Metrics: @unchecked Sendable {
    struct OpCounters {
        var requests: UInt64 = 0
        var errors: UInt64 = 0
        var busy: UInt64 = 0
        /// Errors by status code (index = raw status, last slot = any status beyond the table).
        var errorsByStatus = [UInt64](repeating: 0, count: Metrics.statusSlots)
        var latency = LatencyHistogram()
    }

    /// Batch histogram bucket upper bounds (texts per encoder call).
    static let batchBounds: [UInt32] = [1, 2, 4, 8, 16, 32, 64, 128, 256]

    /// Status codes counted one by one for Prometheus; larger codes share the last slot.
    static let statusSlots = 16

    private let lock = NSLock()
    // Protected by `lock`.
    private var ops = [OpCounters](repeating: OpCounters(), count: Opcode.all.count)
    private var connections = 0

    private let poolLock = NSLock()
    // Protected by `poolLock`.
    private var batches = [UInt64](repeating: 0, count: Metrics.batchBounds.count + 1)
    private var batchTexts: UInt64 = 0
    /// Model pool timings: how long the oldest job of each batch waited for a worker, and how long
    /// each embed batch ran (forward pass and completions).
    private var poolWait = LatencyHistogram()
    private var batchRun = LatencyHistogram()
    /// The same wait by the lane the oldest job waited in (``QueueLane``), and batches and tasks per lane.
    private var laneWait = [LatencyHistogram](repeating: LatencyHistogram(), count: QueueLane.allCases.count)

    public let started = ContinuousClock.now
    /// PINGs answered OK, counted without the lock (see FrameHandler.ping).
    private let pings = ManagedAtomic<UInt64>(0)
    /// Times a connection's reads were paused after a BUSY (``BusyBackoff``), counted without the lock.
    private let busyPauses = ManagedAtomic<UInt64>(0)

    public init() {}

    /// Records one answered request of a known opcode.
    @inline(__always)
    public func record(_ opcode: Opcode, status: Status, micros: UInt64) {
        guard let i = opcode.index else { return }
        lock.lock()
        count(i, status, micros)
        lock.unlock()
    }

    /// One answered request of op index `i`. Caller holds `lock`.
    @inline(__always)
    private func count(_ i: Int, _ status: Status, _ micros: UInt64) {
        ops[i].requests += 1
        if status != .ok {
            ops[i].errors += 1
            if status == .busy { ops[i].busy += 1 }
            ops[i].errorsByStatus[min(Int(status.rawValue), Metrics.statusSlots - 1)] += 1
        }
        ops[i].latency.record(micros: micros)
    }

    /// Records replies the workers finished, taken by an event loop in one go: one lock for all.
    func record(replies: [PendingReply]) {
        guard !replies.isEmpty else { return }
        lock.lock()
        for r in replies {
            if let i = r.opcode.index { count(i, r.status, r.micros) }
        }
        lock.unlock()
    }

    /// Counts one PING answered OK; PING latency is not measured (it is answered inline).
    @inline(__always)
    public func countPing() {
        pings.wrappingIncrement(ordering: .relaxed)
    }

    /// Counts one pause of a connection's reads after a BUSY.
    func countBusyPause() {
        busyPauses.wrappingIncrement(ordering: .relaxed)
    }

    /// Pauses of connections' reads after a BUSY since start (STATS `connections.busy_pauses`).
    public var busyPauseCount: UInt64 { busyPauses.load(ordering: .relaxed) }

    /// Records one encoder call of `size` texts.
    public func recordBatch(_ size: Int) {
        poolLock.lock(); countBatch(size); poolLock.unlock()
    }

    /// Caller holds `poolLock`.
    private func countBatch(_ size: Int) {
        let bucket = Metrics.batchBounds.firstIndex { Int($0) >= size } ?? Metrics.batchBounds.count
        batches[bucket] += 1
        batchTexts += UInt64(max(0, size))
    }

    /// Records a batch or task the model pool ran: batch size (embed batches), queue wait and run time.
    public func recordPool(_ report: BatchReport) {
        poolLock.lock()
        if report.texts > 0 { countBatch(report.texts) }
        poolWait.record(micros: report.oldestWaitNanos / 1000)
        laneWait[report.lane.rawValue].record(micros: report.oldestWaitNanos / 1000)
        if report.texts > 0 { batchRun.record(micros: report.runNanos / 1000) }
        poolLock.unlock()
    }

    /// Percentiles of the pool timings for STATS `extras` (milliseconds, three decimals).
    public func poolTimingExtras() -> [String: String] {
        poolLock.lock(); defer { poolLock.unlock() }
        func ms(_ micros: UInt64) -> String { String(format: "%.3f", Double(micros) / 1000) }
        var out: [String: String] = [:]
        let lanes = QueueLane.allCases.map { ("pool.\($0)_queue_wait_ms", laneWait[$0.rawValue]) }
        for (name, h) in [("pool.queue_wait_ms", poolWait), ("pool.batch_run_ms", batchRun)] + lanes where h.total > 0 {
            out[name + ".p50"] = ms(h.percentile(0.5))
            out[name + ".p99"] = ms(h.percentile(0.99))
            out[name + ".max"] = ms(h.maxMicros)
        }
        for lane in QueueLane.allCases {
            out["pool.\(lane)_runs"] = String(laneWait[lane.rawValue].total)
        }
        if batchRun.total > 0 {
            out["pool.batch_texts.mean"] = String(format: "%.2f", Double(batchTexts) / Double(batchRun.total))
        }
        return out
    }

    /// Adjusts the open-connection count; returns the new count.
    public func connectionDelta(_ delta: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        connections += delta
        return connections
    }

    /// Count of encoder calls per batch bucket, for tests and STATS.
    public var batchCounts: [UInt64] {
        poolLock.lock(); defer { poolLock.unlock() }
        return batches
    }

    /// A consistent copy of the counters, taken under the lock, for the Prometheus exporter.
    /// Latency buckets are cumulative counts at `latencyBoundsMicros` (see `MetricsSnapshot`).
    public func snapshot(latencyBoundsMicros: [UInt64]) -> MetricsSnapshot {
        poolLock.lock()
        let batches = self.batches, batchTexts = self.batchTexts
        poolLock.unlock()
        lock.lock(); defer { lock.unlock() }
        let pingCount = pings.load(ordering: .relaxed)
        return MetricsSnapshot(
            uptimeSeconds: (ContinuousClock.now - started).seconds,
            connections: max(0, connections),
            ops: Opcode.all.enumerated().map { i, op in
                let c = ops[i]
                return MetricsSnapshot.Op(
                    name: op.name, requests: c.requests + (op == .ping ? pingCount : 0), errors: c.errors,
                    errorsByStatus: c.errorsByStatus.enumerated().compactMap { code, n in
                        n == 0 ? nil : (Status(rawValue: UInt16(code)), n)
                    },
                    latencyCumulative: c.latency.cumulativeCounts(atOrBelowMicros: latencyBoundsMicros),
                    latencyCount: c.latency.total, latencySumMicros: c.latency.sumMicros)
            },
            batchBounds: Metrics.batchBounds, batchCounts: batches, batchTexts: batchTexts)
    }

    /// Fills the transport part of a STATS response.
    public func fill(_ stats: inout Recd_V1_StatsResponse) {
        let batches = batchCounts
        lock.lock(); defer { lock.unlock() }
        stats.uptimeSeconds = (ContinuousClock.now - started).seconds
        stats.connections = UInt32(max(0, connections))
        stats.ops = Opcode.all.enumerated().map { i, op in
            var s = Recd_V1_OpStats()
            s.op = op.name
            s.requests = ops[i].requests + (op == .ping ? pings.load(ordering: .relaxed) : 0)
            s.errors = ops[i].errors
            s.busy = ops[i].busy
            let h = ops[i].latency
            s.latency.p50Ms = Double(h.percentile(0.5)) / 1000
            s.latency.p90Ms = Double(h.percentile(0.9)) / 1000
            s.latency.p99Ms = Double(h.percentile(0.99)) / 1000
            s.latency.p999Ms = Double(h.percentile(0.999)) / 1000
            s.latency.maxMs = Double(h.maxMicros) / 1000
            return s
        }
        stats.batchSizes = batches.enumerated().map { i, count in
            var b = Recd_V1_BatchBucket()
            b.maxSize = i < Metrics.batchBounds.count ? Metrics.batchBounds[i] : UInt32.max
            b.count = count
            return b
        }
    }

    /// Resident set size from /proc/self/statm (pages × page size); 0 where unavailable.
    public static func residentBytes() -> UInt64 {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = UInt64(fields[1]) else { return 0 }
        return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// Monotonic microseconds, for request latency.
@inline(__always)
func monotonicMicros() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
}
