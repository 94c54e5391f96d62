/// Whether a worker that runs out of work spins briefly for the next job before it parks, and who
/// takes a job that arrives while it spins: the pool's short-spin rule as a pure value type.
///
/// At one connection, closed loop, the pool goes idle after every reply and the next request comes
/// back one round trip later (reply hop to the event loop, the client, the request's read and decode:
/// ~0.1 ms). A parked worker is then woken through its semaphore (a futex wake from the event loop,
/// and on this KVM guest the wake of an idle vCPU), which sits on every request's path. A worker that
/// spins for that round trip takes the job from an atomic instead (daemon/DAEMON.md, "Worker spin").
///
/// It spins only when it pays and costs nobody a core:
/// - only when the last idle gap (the whole pool idle → the next arrival) was within the budget, so a
///   daemon whose callers pause (open loop at low rates, a web app between users) parks at once; one
///   spin that runs out measures a long gap and stops the spinning until a short gap is seen again;
/// - only while no other worker is running (the spinner would take the core the running batch, its
///   intra-op helper or the event loop needs — the same rule as the helper's spin, session 7);
/// - at most one worker at a time.
///
/// A job that arrives while a worker spins goes to the spinner (no semaphore posted), except an embed
/// job while a worker holds a partial batch: that one is waiting for exactly this.
struct WorkerSpinning: Sendable, Equatable {
    /// Longest spin (ns); 0 = never spin.
    let budgetNanos: UInt64
    /// The worker spinning now, if any.
    private(set) var spinner: Int?
    /// When the pool last went idle (no worker running, nothing queued); 0 while busy.
    private(set) var idleSince: UInt64 = 0
    /// The last idle gap (pool idle → next arrival, ns); nil until one was seen.
    private(set) var lastGap: UInt64?

    init(budgetNanos: UInt64) {
        self.budgetNanos = budgetNanos
    }

    /// The pool went idle at `now` (its last running batch or task finished and nothing is queued).
    mutating func poolIdle(at now: UInt64) {
        idleSince = now
    }

    /// A job was queued at `now`: closes the idle gap, if one was open.
    mutating func arrival(at now: UInt64) {
        guard idleSince != 0 else { return }
        lastGap = now >= idleSince ? now - idleSince : 0
        idleSince = 0
    }

    /// A worker with nothing to do asks whether to spin; true makes it the spinner.
    mutating func startSpinning(_ worker: Int, otherWorkersBusy: Int) -> Bool {
        guard budgetNanos > 0, spinner == nil, otherWorkersBusy == 0, let gap = lastGap, gap <= budgetNanos else {
            return false
        }
        spinner = worker
        return true
    }

    /// A job was queued: the spinning worker that takes it (it stops spinning), or nil.
    /// `embed` with `collectorWaiting`: a worker holding a partial batch takes it instead.
    mutating func claim(embed: Bool, collectorWaiting: Bool) -> Int? {
        guard let s = spinner, !(embed && collectorWaiting) else { return nil }
        spinner = nil
        return s
    }

    /// The spin of `worker` ran out: true when it was still the spinner (now removed; it parks), false
    /// when an arrival claimed it meanwhile (a job is on its way to it).
    mutating func stopSpinning(_ worker: Int) -> Bool {
        guard spinner == worker else { return false }
        spinner = nil
        return true
    }
}
