import Atomics
import Foundation

/// The worker's short spin before parking (``WorkerSpinning``).
extension WorkerPool {
    /// The spin budget: `RECD_WORKER_SPIN_US` microseconds (at most 10,000), default 0 = off. Off by default
    /// until a quiet-machine A/B shows it pays (session 8 could not measure it: the machine was at load
    /// 4–8 throughout); ~200 µs covers one closed-loop round trip through the event loop and a client here.
    static func spinBudgetNanos() -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment["RECD_WORKER_SPIN_US"], let us = UInt64(text) else { return 0 }
        return min(us, 10_000) * 1_000
    }

    /// Jobs taken by a spinning worker so far (no semaphore posted for them).
    var spinClaimCount: UInt64 { spinClaims.load(ordering: .relaxed) }

    /// Spins for a job when ``WorkerSpinning`` says so: true when this worker should look at the queue
    /// again instead of parking (an arrival claimed it, something is queued, or the pool is stopping).
    /// Caller holds `lock` and holds it again on return; the lock is released while spinning.
    func spinForJob(_ index: Int) -> Bool {
        guard spinning.startSpinning(index, otherWorkersBusy: busy) else { return false }
        let seen = spinClaims.load(ordering: .relaxed)
        let deadline = monotonicNanos() &+ spinning.budgetNanos
        lock.unlock()
        var claimed = false
        spin: while true {
            for _ in 0..<64 where spinClaims.load(ordering: .acquiring) != seen {
                claimed = true
                break spin
            }
            if monotonicNanos() >= deadline { break }
        }
        lock.lock()
        let ranOut = spinning.stopSpinning(index)
        return claimed || !ranOut || !queue.isEmpty || stopping
    }
}
