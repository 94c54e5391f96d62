@testable import RecdServer
import Testing

/// Service-time estimates and the admission decision as pure values (nanoseconds).
@Suite struct AdmissionPolicyTests {
    /// A model calibrated at 4 ms for one text and 11 ms for eight: 1 ms per text on 3 ms fixed.
    var calibrated: ServiceCosts {
        var c = ServiceCosts()
        c.calibrate(single: 4_000_000, batch: 11_000_000, texts: 8)
        return c
    }

    @Test func calibrationSplitsFixedAndPerTextCost() {
        let c = calibrated
        #expect(c.perText == 1_000_000)
        #expect(c.fixed == 3_000_000)
        #expect(c.single == 4_000_000)
        #expect(c.queuedWork(texts: 8, tasks: 0, maxBatch: 32) == 11_000_000, "eight queued queries are one batch, not eight passes")
        #expect(c.queuedWork(texts: 40, tasks: 0, maxBatch: 32) == 2 * 3_000_000 + 40 * 1_000_000, "two batches")
        var preempted = ServiceCosts()
        preempted.calibrate(single: 4_000_000, batch: 60_000_000, texts: 8)
        #expect(preempted.perText == 1_000_000, "a slope steeper than a quarter of one text is a preempted timing: capped")
        #expect(preempted.fixed == 3_000_000)
        var flat = ServiceCosts()
        flat.calibrate(single: 50_000_000)
        #expect(flat.queuedWork(texts: 5, tasks: 0, maxBatch: 32) == 50_000_000, "an encoder timed once is all fixed cost")
    }

    @Test func measuredBatchesScaleTheModel() {
        var c = calibrated
        for _ in 0..<64 { c.recordBatch(texts: 8, nanos: 22_000_000) }   // the machine got twice as slow
        #expect(abs(c.scale - 2) < 0.01)
        #expect(c.queuedWork(texts: 8, tasks: 0, maxBatch: 32) > 21_000_000)
        #expect(c.single == 4_000_000, "only one-text batches move the single-request time")
        c.recordBatch(texts: 1, nanos: 12_000_000)
        #expect(c.single == 5_000_000, "1/8 weight to the newest")
    }

    @Test func withoutCalibrationPerTextIsLearntFromBatches() {
        var c = ServiceCosts()
        #expect(c.queuedWork(texts: 10, tasks: 0, maxBatch: 32) == 0, "nothing measured: nothing estimated")
        c.recordBatch(texts: 4, nanos: 8_000_000)
        #expect(c.perText == 2_000_000)
        c.recordTask(nanos: 3_000_000)
        #expect(c.queuedWork(texts: 3, tasks: 2, maxBatch: 32) == 3 * 2_000_000 + 2 * 3_000_000)
    }

    @Test func eightConnectionsOnTwoWorkersAreNeverRefused() {
        // Closed loop: at most seven other requests can be queued when one arrives. Whatever shape the
        // calibration found (the per-text cost is capped at a quarter of one text), they fit the limit.
        let auto = AdmissionPolicy(limit: .automatic, workers: 2)
        for (one, eight) in [(1_770_000, 4_300_000), (3_700_000, 9_000_000), (2_000_000, 40_000_000)] as [(UInt64, UInt64)] {
            var c = ServiceCosts()
            c.calibrate(single: one, batch: eight, texts: 8)
            for _ in 0..<20 { c.recordBatch(texts: 4, nanos: 7 * one) }   // and however slow batches get
            #expect(auto.admits(queuedWork: c.queuedWork(texts: 7, tasks: 0, maxBatch: 32), costs: c), "\(one) \(eight)")
            #expect(!auto.admits(queuedWork: c.queuedWork(texts: 20, tasks: 0, maxBatch: 32), costs: c),
                    "a flood's queue is refused: \(one) \(eight)")
        }
    }

    @Test func automaticLimitFollowsTheSingleRequestTime() {
        let auto = AdmissionPolicy(limit: .automatic, workers: 2)
        #expect(auto.limitNanos(ServiceCosts()) == nil, "nothing measured yet: admit")
        #expect(auto.admits(queuedWork: .max, costs: ServiceCosts()))
        let limit = UInt64(Double(calibrated.single) * AdmissionPolicy.automaticMultiple)
        #expect(auto.limitNanos(calibrated) == max(AdmissionPolicy.automaticFloor, limit))
        #expect(auto.admits(queuedWork: 2 * limit, costs: calibrated), "two workers share the queue")
        #expect(!auto.admits(queuedWork: 2 * limit + 2, costs: calibrated))
        var fast = ServiceCosts()
        fast.calibrate(single: 10_000)
        #expect(auto.limitNanos(fast) == AdmissionPolicy.automaticFloor, "never below the floor")
    }

    @Test func offAndFixedLimits() {
        #expect(AdmissionPolicy(limit: .off, workers: 1).admits(queuedWork: .max, costs: calibrated))
        let fixed = AdmissionPolicy(limit: .fixed(.milliseconds(20)), workers: 1)
        #expect(fixed.limitNanos(ServiceCosts()) == 20_000_000, "a fixed limit needs no measurement")
        #expect(fixed.admits(queuedWork: 20_000_000, costs: calibrated))
        #expect(!fixed.admits(queuedWork: 20_000_001, costs: calibrated))
        #expect(fixed.admits(queuedWork: 0, costs: calibrated), "an empty queue and idle workers admit")
        // A fixed limit counts what the running batches still need; the automatic one does not.
        #expect(fixed.admits(queuedWork: 15_000_000, running: 5_000_000, costs: calibrated))
        #expect(!fixed.admits(queuedWork: 15_000_000, running: 5_000_001, costs: calibrated))
        #expect(!fixed.admits(queuedWork: 0, running: 20_000_001, costs: calibrated), "an empty queue behind a long batch: BUSY")
        let two = AdmissionPolicy(limit: .fixed(.milliseconds(20)), workers: 2)
        #expect(two.admits(queuedWork: 10_000_000, running: 30_000_000, costs: calibrated), "two workers share queued and running work")
        #expect(!two.admits(queuedWork: 10_000_000, running: 30_000_002, costs: calibrated))
        let auto = AdmissionPolicy(limit: .automatic, workers: 1)
        #expect(auto.admits(queuedWork: 0, running: .max / 2, costs: calibrated), "auto leaves running work out")
        let half = AdmissionPolicy(limit: QueueDelaySetting.milliseconds(0.5).limit, workers: 1)
        #expect(half.limitNanos(ServiceCosts()) == 500_000, "fractions of a millisecond")
        #expect(half.admits(queuedWork: 0, running: 500_000, costs: calibrated))
        #expect(!half.admits(queuedWork: 0, running: 500_001, costs: calibrated))
    }

    /// What the running workers still need: each running one's time to its expected end, none for a
    /// worker that is parked or has overrun its estimate.
    @Test func runningRemainderSumsWhatIsLeftOfRunningWork() {
        var running = WorkerActivity(phase: .running, since: 100)
        running.expectedEnd = 1_000
        var overran = WorkerActivity(phase: .running, since: 100)
        overran.expectedEnd = 300
        var parked = WorkerActivity(phase: .parked, since: 100)
        parked.expectedEnd = 5_000   // left over from its last batch
        #expect(WorkerActivity.remainder(of: [running, overran, parked], now: 400) == 600)
        #expect(WorkerActivity.remainder(of: [running, running], now: 400) == 1_200)
        #expect(WorkerActivity.remainder(of: [running], now: 1_000) == 0)
        #expect(WorkerActivity.remainder(of: [], now: 0) == 0)
    }
}
