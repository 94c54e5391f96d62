/// How long a request may be expected to wait for a model worker before it is refused (BUSY).
public enum QueueDelayLimit: Sendable, Equatable, CustomStringConvertible {
    /// Only `queue_capacity` bounds the queue.
    case off
    /// Refuse when the estimated wait exceeds this.
    case fixed(Duration)
    /// Recommended against floods (`max_queue_delay_ms: "auto"`): a limit derived from the measured time of one request alone
    /// (``AdmissionPolicy/automaticMultiple`` times it, at least ``AdmissionPolicy/automaticFloor``),
    /// so it follows the precision, the kernels, the machine and the load on it.
    case automatic
    /// Refuse only while the queue is standing (``AdmissionControl``): a burst that drains is served in
    /// full, a flood is refused down to the automatic limit, and only connections sharing the queue with
    /// others are refused (`max_queue_delay_ms: "adaptive"`).
    case adaptive

    public var description: String {
        switch self {
        case .off: return "off"
        case .fixed(let d): return "\(d.inMilliseconds) ms"
        case .automatic: return "auto"
        case .adaptive: return "adaptive"
        }
    }
}

/// Admission by estimated wait: whether a new job may join the queue.
///
/// The estimated wait is the queued work's estimated time (``ServiceCosts/queuedWork(texts:tasks:maxBatch:)``)
/// divided by the workers.
/// With the automatic limit, work already running is left out, so an idle queue always admits and a
/// client with one request in flight is never refused because of its own previous request; a fixed limit
/// also counts the running work's estimated remainder (``admits(queuedWork:running:costs:)``).
///
/// Why the automatic limit is a multiple of one request's time: what a refused flood must protect is
/// the latency of the requests that are admitted, and what they are compared with is a request alone.
/// A fixed number of milliseconds is wrong by 3x between fp32 and int8 on the same machine, and again
/// between machines. Pure; the pool calls it under its lock.
public struct AdmissionPolicy: Sendable, Equatable {
    public var limit: QueueDelayLimit
    public var workers: Int

    /// The automatic limit in units of one request's measured time.
    /// 1.5: eight closed-loop connections on two workers queue at most six single-text requests,
    /// which the model costs at about 1.1 single-request times per worker, so they are never refused;
    /// 1.0 refused some of them (measured), 2.0 let a flood queue a third more work ahead of each
    /// admitted request.
    public static let automaticMultiple: Double = 1.5
    /// The automatic limit is never below this (ns), so a tiny service time (a test encoder) does not
    /// refuse ordinary bursts.
    public static let automaticFloor: UInt64 = 1_000_000

    public init(limit: QueueDelayLimit, workers: Int) {
        self.limit = limit
        self.workers = max(1, workers)
    }

    /// The limit in nanoseconds now; nil when admission by wait is off or nothing was measured yet.
    public func limitNanos(_ costs: ServiceCosts) -> UInt64? {
        switch limit {
        case .off:
            return nil
        case .fixed(let d):
            return UInt64(max(0, d.seconds) * 1e9)
        case .automatic, .adaptive:
            let single = costs.currentSingle
            guard single > 0 else { return nil }
            return max(Self.automaticFloor, UInt64(Double(single) * Self.automaticMultiple))
        }
    }

    /// Estimated wait (ns) of a job queued behind `queuedWork` ns of work.
    public func estimatedWait(queuedWork: UInt64) -> UInt64 { queuedWork / UInt64(workers) }

    /// Whether a job may queue behind `queuedWork` ns of estimated work while the workers' running batches
    /// and tasks still need `running` ns (`.adaptive` always: the pool asks ``AdmissionControl``, which
    /// also needs the queue's state).
    ///
    /// Only a fixed limit counts `running`: it is a wall-clock promise (no admitted request should wait
    /// longer than N ms for a worker), and a request queued behind a batch that has just started waits
    /// for all of it. With 16 open-loop connections at twice capacity, one worker and a 1 ms limit, leaving
    /// the running batch out let admitted requests wait 1.43 ms at the median (daemon/DAEMON.md,
    /// "Session 20"). The automatic limit keeps leaving it out: it is a multiple of one request's time
    /// chosen so that ordinary concurrency (eight closed-loop connections) is never refused, and a
    /// client's own request that is still running does not count against its next one.
    /// `running` is read only for a fixed limit (the pool sums it over its workers under its lock).
    public func admits(queuedWork: UInt64, running: @autoclosure () -> UInt64 = 0, costs: ServiceCosts) -> Bool {
        if limit == .adaptive { return true }
        guard let limitNanos = limitNanos(costs) else { return true }
        var work = queuedWork
        if case .fixed = limit { work &+= running() }
        return estimatedWait(queuedWork: work) <= limitNanos
    }
}
