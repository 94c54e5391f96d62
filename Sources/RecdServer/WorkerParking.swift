/// Which parked worker a pool wakes, and when: the pool's hand-off rules as a pure value type.
///
/// A worker with nothing to do parks on its own semaphore; whoever makes work for it (a submit, a
/// worker leaving jobs behind it, a finished batch that a collecting worker is waiting on) picks
/// exactly one parked worker here, under the pool's lock, and posts that worker's semaphore after
/// unlocking. Posting a semaphore never blocks the poster, and a worker is woken at most once per
/// park, so no wake-up is lost (the worker is off the parked lists before the lock is released) and
/// none is wasted on a worker that another wake-up already claimed.
///
/// Why not one condition variable for all workers (sessions 1–4): glibc's `pthread_cond_signal`
/// can block the *signalling* thread — the event loop, on every submit — until previously woken
/// waiters have run (its group switch waits for them), and which waiter a signal wakes is not the
/// pool's choice. Measured in session 5 (perf sched_switch on the ranking pool under open-loop
/// RECOMMEND load): the event loop slept inside `pthread_cond_signal` 73 times in 5 s, up to 18.7 ms
/// at once, reading and answering nothing meanwhile (daemon/DAEMON.md, "Hand-offs").
///
/// Idle workers are woken longest-parked first (a queue), as glibc's condition variable roughly did:
/// work spreads over the workers. Tried and dropped (session 5): newest-parked first, for the warmer
/// caches; it concentrates moderate load on one thread, and on a CPU-starved machine one thread gets
/// one thread's share of the cores: at 1,500 rps (Beauty, 8 connections, load average 5–10) it answered
/// BUSY in 4 of 4 alternating pairs (351–2,648) where the condition variable answered 0–698;
/// longest-parked first: 1,604 / 169 / 0 against 1,683 / 0 / 0.
struct WorkerParking: Sendable, Equatable {
    /// Workers parked with nothing to do, oldest first (woken from the front).
    private(set) var idle: [Int] = []
    /// Workers parked while holding a partial batch, waiting for more texts or a deadline.
    private(set) var collecting: [Int] = []

    init() {}

    /// Parked workers with nothing to do.
    var idleCount: Int { idle.count }

    /// Records that `worker` parks with nothing to do.
    mutating func parkIdle(_ worker: Int) {
        precondition(!idle.contains(worker) && !collecting.contains(worker), "worker \(worker) parked twice")
        idle.append(worker)
    }

    /// Records that `worker` parks holding a partial batch.
    mutating func parkCollecting(_ worker: Int) {
        precondition(!idle.contains(worker) && !collecting.contains(worker), "worker \(worker) parked twice")
        collecting.append(worker)
    }

    /// After a timed park ran out: true when `worker` was still parked (now removed), false when a
    /// wake-up already claimed it (its semaphore was or will be posted: the caller must consume it).
    mutating func unparkAfterTimeout(_ worker: Int) -> Bool {
        if let i = collecting.firstIndex(of: worker) { collecting.remove(at: i); return true }
        if let i = idle.firstIndex(of: worker) { idle.remove(at: i); return true }
        return false
    }

    /// A job was queued: the worker to wake, if any. An embed job goes to a collecting worker first
    /// (it is waiting for exactly this), else to the longest-idle worker; a task to the longest-idle
    /// worker, else to a collecting one (which then runs its partial batch at once and comes back for
    /// the task instead of waiting out its deadline). Nil when every worker is running or already
    /// woken: they take the job when they come back to the queue.
    mutating func wakeForArrival(embed: Bool) -> Int? {
        if embed, !collecting.isEmpty { return collecting.removeFirst() }
        if !idle.isEmpty { return idle.removeFirst() }
        return collecting.isEmpty ? nil : collecting.removeFirst()
    }

    /// A worker took a job and left more queued: another idle worker to take the rest, if any.
    mutating func wakeForBacklog() -> Int? { idle.isEmpty ? nil : idle.removeFirst() }

    /// A batch or task finished: collecting workers re-decide (one fewer worker is busy now).
    mutating func wakeCollectors() -> [Int] {
        defer { collecting.removeAll() }
        return collecting
    }

    /// Shutdown or warm-up change: every parked worker.
    mutating func wakeAll() -> [Int] {
        defer { idle.removeAll(); collecting.removeAll() }
        return collecting + idle
    }
}
