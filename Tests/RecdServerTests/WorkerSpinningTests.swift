import Foundation
@testable import RecdServer
import Testing

/// The worker's short-spin rule (``WorkerSpinning``) without threads, and the pool with a spinning worker.
@Suite struct WorkerSpinningTests {
    @Test func noSpinBeforeAnIdleGapWasSeenOrWhenOff() {
        var s = WorkerSpinning(budgetNanos: 200_000)
        let r1 = s.startSpinning(0, otherWorkersBusy: 0)
        #expect(!r1, "no gap measured yet: park")
        var off = WorkerSpinning(budgetNanos: 0)
        off.poolIdle(at: 1_000)
        off.arrival(at: 1_010)
        let r2 = off.startSpinning(0, otherWorkersBusy: 0)
        #expect(!r2, "budget 0 turns spinning off")
    }

    @Test func spinsOnlyAfterAShortGapAndStopsAfterALongOne() {
        var s = WorkerSpinning(budgetNanos: 200_000)
        s.poolIdle(at: 1_000_000)
        s.arrival(at: 1_100_000)   // 100 µs: a closed-loop round trip
        #expect(s.lastGap == 100_000)
        let r3 = s.startSpinning(0, otherWorkersBusy: 0)
        #expect(r3)
        let r4 = s.stopSpinning(0)
        #expect(r4, "ran out unclaimed: it was still the spinner")
        s.poolIdle(at: 2_000_000)
        s.arrival(at: 7_000_000)   // 5 ms: the caller paused
        let r5 = s.startSpinning(0, otherWorkersBusy: 0)
        #expect(!r5, "a long gap: park at once")
        s.poolIdle(at: 8_000_000)
        s.arrival(at: 8_200_000)   // exactly the budget
        let r6 = s.startSpinning(1, otherWorkersBusy: 0)
        #expect(r6)
    }

    @Test func anArrivalWhileThePoolIsBusyLeavesTheGapAlone() {
        var s = WorkerSpinning(budgetNanos: 200_000)
        s.poolIdle(at: 1_000)
        s.arrival(at: 51_000)
        s.arrival(at: 9_000_000)   // no idle period in between: not a gap
        #expect(s.lastGap == 50_000)
        #expect(s.idleSince == 0)
    }

    @Test func neverWhileAnotherWorkerRunsAndOneSpinnerAtATime() {
        var s = WorkerSpinning(budgetNanos: 200_000)
        s.poolIdle(at: 1_000)
        s.arrival(at: 1_010)
        let r7 = s.startSpinning(0, otherWorkersBusy: 1)
        #expect(!r7, "a running batch needs the other core")
        let r8 = s.startSpinning(0, otherWorkersBusy: 0)
        #expect(r8)
        let r9 = s.startSpinning(1, otherWorkersBusy: 0)
        #expect(!r9, "one spinner at a time")
        #expect(s.spinner == 0)
    }

    @Test func anArrivalClaimsTheSpinnerOnceUnlessACollectorWaitsForAnEmbed() {
        var s = WorkerSpinning(budgetNanos: 200_000)
        s.poolIdle(at: 1_000)
        s.arrival(at: 1_010)
        let r10 = s.startSpinning(1, otherWorkersBusy: 0)
        #expect(r10)
        let r11 = s.claim(embed: true, collectorWaiting: true)
        #expect(r11 == nil, "the partial batch takes the embed job")
        let r12 = s.claim(embed: false, collectorWaiting: true)
        #expect(r12 == 1, "a task goes to the spinner")
        let r13 = s.claim(embed: false, collectorWaiting: false)
        #expect(r13 == nil, "claimed once")
        let r14 = s.stopSpinning(1)
        #expect(!r14, "claimed before its spin ran out: a job is on its way, do not park")
    }

    /// Closed loop, one job at a time with short gaps: every job runs and the pool stops promptly even
    /// while a worker spins (a spinner is never parked where shutdown cannot reach it).
    @Test func aPoolWithSpinningWorkersRunsEveryJobAndShutsDown() throws {
        let done = DispatchSemaphore(value: 0)
        // Told after the pool's bookkeeping for the task (`finished`), as a reply round trip is in recd.
        let pool = WorkerPool(workers: 2, capacity: 16, encoder: nil, batching: BatchPolicy(maxTexts: 8, maxWait: 0),
                              logger: .init(label: "test"), onBatch: { _ in done.signal() })
        pool.lock.lock()
        pool.spinning = WorkerSpinning(budgetNanos: 2_000_000)   // on for this pool, whatever RECD_WORKER_SPIN_US says
        pool.lock.unlock()
        let ran = Locked(0)
        for _ in 0..<200 {
            #expect(pool.submitTask { _ in ran.withLock { $0 += 1 } })
            #expect(done.wait(timeout: .now() + 5) == .success)
        }
        #expect(ran.withLock { $0 } == 200)
        // Each next task is submitted microseconds after the last one ran: a spinning worker takes some.
        #expect(pool.spinClaimCount > 0, "no job was ever taken by a spinning worker")
        let start = monotonicNanos()
        pool.shutdown()
        #expect(monotonicNanos() &- start < 1_000_000_000)
    }
}
