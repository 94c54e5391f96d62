/// The pool's stall report: when a job waited longer than the slow-request threshold, what every
/// worker of its pool was doing at the moment it was finally taken — parked (since when, and whether
/// a wake-up had already claimed it and how long ago), running a job, or finishing one. A parked
/// worker with a job queued means a late or missing wake-up; all workers running means the queue
/// waited for work (or for a preempted worker: compare with the slow log's run vs cpu).
struct WorkerActivity: Sendable, Equatable {
    enum Phase: String, Sendable { case starting, parked, running, finishing }
    var phase: Phase = .starting
    /// When the phase began (monotonic ns).
    var since: UInt64 = 0
    /// While parked: when a wake-up claimed this worker (0 = not yet).
    var claimed: UInt64 = 0
    /// While running: when its batch or task is expected to end (monotonic ns, by ``ServiceCosts``; 0 = unknown).
    var expectedEnd: UInt64 = 0

    /// The estimated time (ns) `workers` still need for what they are running at `now`: the sum over the
    /// running ones of what is left to their `expectedEnd` (pure).
    static func remainder(of workers: [WorkerActivity], now: UInt64) -> UInt64 {
        workers.reduce(0) { sum, a in a.phase == .running && a.expectedEnd > now ? sum &+ (a.expectedEnd &- now) : sum }
    }

    /// `parked 12.10 ms (claimed 3.20 ms ago)`, `running 0.52 ms`: times before `now`.
    func describe(at now: UInt64) -> String {
        func ms(_ t: UInt64) -> String { String(format: "%.2f", Double(now &- t) / 1e6) }
        var s = "\(phase.rawValue) \(ms(since)) ms"
        if phase == .parked && claimed != 0 { s += " (claimed \(ms(claimed)) ms ago)" }
        return s
    }
}

/// One stalled job as the stall report logs it.
struct StallReport: Sendable, CustomStringConvertible {
    var pool: String
    var worker: Int
    var waitedNanos: UInt64
    var queued: Int
    /// When this worker's last park ended and how long it lasted (0 = it did not park for this job).
    var wokeNanosAgo: UInt64
    var parkedNanos: UInt64
    var activities: [String]

    var description: String {
        func ms(_ n: UInt64) -> String { String(format: "%.2f", Double(n) / 1e6) }
        let me = parkedNanos == 0 ? "was running" : "was parked \(ms(parkedNanos)) ms, woke \(ms(wokeNanosAgo)) ms ago"
        let all = activities.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: ", ")
        return "pool stall: \(pool)-\(worker) took a job that waited \(ms(waitedNanos)) ms (\(queued) queued); this worker \(me); workers [\(all)]"
    }
}
