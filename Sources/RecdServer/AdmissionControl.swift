/// Whether one lane's queue is *standing*: CoDel's test (Nichols & Jacobson, "Controlling Queue Delay",
/// 2012) applied to a worker pool's jobs instead of a router's packets.
///
/// A queue that forms and drains is a burst, and serving it is what a queue is for: 128 single texts
/// pipelined on one connection are four batches, 25–50 ms of work on two workers. A queue whose
/// *shortest* wait stays above the target for a whole interval is not draining: arrivals exceed what
/// the workers do, and every job admitted into it waits for the backlog. So:
///
/// - **entering**: every job taken from the lane for `interval` waited at least `target` (the minimum
///   sojourn over the interval is above the target) → standing;
/// - **while standing** ``AdmissionControl`` refuses what would wait longer than the target;
/// - **leaving**: once nothing was refused for a whole `interval` (demand fell back under what the
///   workers do, or the queue drained).
///
/// Why leaving is not CoDel's "a packet below target": while refusing, the admitted jobs' waits sit around
/// the target by construction, so half of them are below it; leaving at the first one let the queue fill
/// to `queue_capacity` again within milliseconds, and the flood's admitted requests with it.
///
/// All times are monotonic nanoseconds; pure, so the rule is tested with a hand-driven clock.
public struct StandingQueue: Sendable, Equatable {
    /// CoDel's default interval: longer than a legitimate burst takes to drain, short enough that a
    /// flood is refused within a tenth of a second.
    public static let defaultInterval: UInt64 = 100_000_000
    public let interval: UInt64
    /// When the current run of above-target waits began (0 = the last wait was below target).
    private(set) var aboveSince: UInt64 = 0
    /// When the lane became standing, and the last refusal since (0 = none).
    private(set) var standingSince: UInt64 = 0
    private(set) var lastRefusal: UInt64 = 0
    /// The connection refused at `lastRefusal`, and the last refusal of any other connection (when, whom):
    /// together they tell whether a connection other than a given one was refused lately.
    private(set) var lastRefusedFlow: UInt64 = 0
    private(set) var otherRefusal: UInt64 = 0
    private(set) var otherRefusedFlow: UInt64 = 0
    public private(set) var standing = false

    public init(interval: UInt64 = StandingQueue.defaultInterval) {
        self.interval = max(1, interval)
    }

    /// A worker took a job that had waited `sojourn` ns.
    public mutating func taken(sojourn: UInt64, target: UInt64, now: UInt64) {
        expire(now: now)
        if sojourn >= target {
            if aboveSince == 0 { aboveSince = now }
            if !standing && now &- aboveSince >= interval {
                standing = true
                standingSince = now
                lastRefusal = 0
            }
        } else {
            aboveSince = 0
        }
    }

    /// A job for this lane from connection `flow` was refused at `now`.
    public mutating func refused(flow: UInt64, now: UInt64) {
        if lastRefusal != 0 && flow != lastRefusedFlow {
            otherRefusal = lastRefusal
            otherRefusedFlow = lastRefusedFlow
        }
        lastRefusal = now
        lastRefusedFlow = flow
    }

    /// Whether a connection other than `flow` was refused within the last interval.
    public func refusedOther(than flow: UInt64, now: UInt64) -> Bool {
        func recent(_ t: UInt64) -> Bool { t != 0 && now &- t < interval }
        return (recent(lastRefusal) && lastRefusedFlow != flow) || (recent(otherRefusal) && otherRefusedFlow != flow)
    }

    /// Leaves the standing state once nothing was refused for an interval.
    public mutating func expire(now: UInt64) {
        guard standing, now &- max(standingSince, lastRefusal) >= interval else { return }
        standing = false
        aboveSince = 0
    }
}

/// Adaptive admission (`max_queue_delay_ms: "adaptive"`): refuse (BUSY) only while a lane's queue is
/// standing (``StandingQueue``), only a job that would wait longer than the target, and only when
/// other callers want the workers too: the queue holds another connection's work, or another connection
/// was refused within the interval. Refusing protects other callers; a queue of one
/// connection's own pipelined requests is that connection's choice (`max_in_flight_per_connection`
/// bounds it) — until others are refused because of it. A burst that drains is admitted in full; a flood
/// is refused within an interval.
///
/// Why "refused lately" counts: under a flood from many connections, each paused after its BUSY
/// (`busy_backoff_ms`), the queue soon held one connection's pipeline alone, 30 jobs deep; its jobs were
/// admitted as its own choice while every other connection was refused, so one connection had the
/// workers and its requests waited ~100 ms in recd, ten times the target (daemon/DAEMON.md, "One
/// connection held the queue").
///
/// Each lane (``QueueLane``) has its own state: a light caller's short waits must not mask a standing
/// bulk queue, nor a standing bulk queue refuse light callers, who are served first anyway.
public struct AdmissionControl: Sendable, Equatable {
    public private(set) var light: StandingQueue
    public private(set) var bulk: StandingQueue

    public init(interval: UInt64 = StandingQueue.defaultInterval) {
        light = StandingQueue(interval: interval)
        bulk = StandingQueue(interval: interval)
    }

    /// The lane's state.
    public subscript(lane: QueueLane) -> StandingQueue {
        get { lane == .light ? light : bulk }
        set { if lane == .light { light = newValue } else { bulk = newValue } }
    }

    /// A worker took a job from `lane` that had waited `sojourn` ns; `target` is the admission target (ns).
    public mutating func taken(from lane: QueueLane, sojourn: UInt64, target: UInt64, now: UInt64) {
        self[lane].taken(sojourn: sojourn, target: target, now: now)
    }

    /// Whether a job for `lane` may join the queue.
    /// - Parameters:
    ///   - wait: its estimated wait (ns): the work queued ahead of it divided by the workers.
    ///   - target: the admission target (ns); nil = not measured yet: admit.
    ///   - flow: the connection the job comes from (``CallerFlow/id``).
    ///   - otherFlowsQueued: whether another connection has jobs queued. If not, the job is refused only
    ///     when another connection was refused within the interval (its own pipeline held the queue).
    ///   - bound: the longest wait admitted while the lane is *not* standing (nil: none). The pool passes
    ///     ``WorkerPool/bulkBoundMultiple`` times the target for bulk jobs, so the queue a flood builds
    ///     before it is judged standing (in its first interval, or after one without refusals) is bounded
    ///     too, not only by `queue_capacity`.
    public mutating func admits(_ lane: QueueLane, flow: UInt64 = 0, wait: UInt64, target: UInt64?, otherFlowsQueued: Bool,
                                now: UInt64, bound: UInt64? = nil) -> Bool {
        self[lane].expire(now: now)
        guard let target else { return true }
        guard otherFlowsQueued || self[lane].refusedOther(than: flow, now: now) else { return true }
        let limit = self[lane].standing ? target : bound
        guard let limit, wait > limit else { return true }
        self[lane].refused(flow: flow, now: now)
        return false
    }

    /// The lanes standing now, for STATS: "none", "light", "bulk" or "light+bulk".
    public func describe(now: UInt64) -> String {
        var l = light, b = bulk
        l.expire(now: now); b.expire(now: now)
        switch (l.standing, b.standing) {
        case (false, false): return "none"
        case (true, false): return "light"
        case (false, true): return "bulk"
        case (true, true): return "light+bulk"
        }
    }
}
