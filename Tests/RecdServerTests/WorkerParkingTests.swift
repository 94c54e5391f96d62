@testable import RecdServer
import Testing

/// The pool's hand-off rules (``WorkerParking``), without threads.
@Suite struct WorkerParkingTests {
    @Test func anArrivalWakesTheLongestIdleWorkerOnce() {
        var p = WorkerParking()
        p.parkIdle(0)
        p.parkIdle(1)
        let r1 = p.wakeForArrival(embed: false)
        #expect(r1 == 0, "the worker parked longest goes first: work spreads over the threads")
        let r2 = p.wakeForArrival(embed: false)
        #expect(r2 == 1)
        let r3 = p.wakeForArrival(embed: false)
        #expect(r3 == nil, "no worker is woken twice for one park")
        #expect(p.idleCount == 0)
    }

    @Test func anEmbedArrivalGoesToTheCollectingWorkerFirst() {
        var p = WorkerParking()
        p.parkIdle(0)
        p.parkCollecting(1)
        let r4 = p.wakeForArrival(embed: true)
        #expect(r4 == 1)
        let r5 = p.wakeForArrival(embed: true)
        #expect(r5 == 0)
    }

    @Test func aTaskArrivalPrefersAnIdleWorkerThenACollectingOne() {
        var p = WorkerParking()
        p.parkCollecting(1)
        p.parkIdle(0)
        let r6 = p.wakeForArrival(embed: false)
        #expect(r6 == 0)
        let r7 = p.wakeForArrival(embed: false)
        #expect(r7 == 1, "with no idle worker the collector runs its batch and comes back")
        let r8 = p.wakeForArrival(embed: false)
        #expect(r8 == nil)
    }

    @Test func backlogWakesOnlyIdleWorkers() {
        var p = WorkerParking()
        p.parkCollecting(1)
        let r9 = p.wakeForBacklog()
        #expect(r9 == nil, "a collecting worker already holds work")
        p.parkIdle(0)
        let r10 = p.wakeForBacklog()
        #expect(r10 == 0)
    }

    @Test func aFinishedBatchWakesEveryCollectorAndNoIdleWorker() {
        var p = WorkerParking()
        p.parkIdle(0)
        p.parkCollecting(1)
        p.parkCollecting(2)
        let r11 = p.wakeCollectors()
        #expect(r11 == [1, 2])
        let r12 = p.wakeCollectors()
        #expect(r12 == [])
        #expect(p.idleCount == 1)
    }

    @Test func aTimedOutParkKnowsWhetherAWakeUpClaimedIt() {
        var p = WorkerParking()
        p.parkCollecting(1)
        let r13 = p.unparkAfterTimeout(1)
        #expect(r13, "still parked: nobody will post it")
        p.parkCollecting(1)
        let r14 = p.wakeForArrival(embed: true)
        #expect(r14 == 1)
        let r15 = p.unparkAfterTimeout(1)
        #expect(!r15, "claimed: its post is on the way and must be consumed")
        p.parkCollecting(1)   // parking again after consuming is allowed
        let r16 = p.wakeAll()
        #expect(r16 == [1])
    }

    @Test func wakeAllTakesEveryParkedWorker() {
        var p = WorkerParking()
        p.parkIdle(0)
        p.parkIdle(2)
        p.parkCollecting(1)
        let r17 = p.wakeAll()
        #expect(Set(r17) == [0, 1, 2])
        #expect(p == WorkerParking())
    }
}
