@testable import RecdServer
import Testing

/// The micro-batching rule as a pure function: times are plain nanoseconds.
@Suite struct BatchPolicyTests {
    let policy = BatchPolicy(maxTexts: 8, maxWait: 500_000, idleGap: 150_000)

    @Test func aLoneRequestRunsAtOnce() {
        // One connection: nothing else is running, so no company can be on its way.
        #expect(policy.decide(texts: 1, otherWorkersBusy: 0, otherWorkersIdle: 1, started: 1_000, lastArrival: 1_000, now: 1_000) == .run)
        // A pool of one worker has no other worker whose replies could bring more.
        #expect(policy.decide(texts: 1, otherWorkersBusy: 0, otherWorkersIdle: 0, started: 1_000, lastArrival: 1_000, now: 1_000) == .run)
    }

    @Test func anIdleWorkerServesTheNextArrivalSoNobodyWaits() {
        #expect(policy.decide(texts: 1, otherWorkersBusy: 1, otherWorkersIdle: 1, started: 0, lastArrival: 0, now: 0) == .run)
    }

    @Test func waitsWhileEveryOtherWorkerIsBusy() {
        #expect(policy.decide(texts: 2, otherWorkersBusy: 1, otherWorkersIdle: 0, started: 1_000, lastArrival: 900, now: 1_000)
                == .wait(until: 151_000), "until one idle gap after collecting began")
        #expect(policy.decide(texts: 3, otherWorkersBusy: 1, otherWorkersIdle: 0, started: 1_000, lastArrival: 100_000, now: 120_000)
                == .wait(until: 250_000), "each arrival extends the wait by the gap")
    }

    @Test func stopsAfterAQuietGapOrTheLongestWait() {
        #expect(policy.decide(texts: 2, otherWorkersBusy: 1, otherWorkersIdle: 0, started: 0, lastArrival: 10_000, now: 160_000) == .run,
                "nothing arrived for 150 µs")
        #expect(policy.decide(texts: 5, otherWorkersBusy: 1, otherWorkersIdle: 0, started: 0, lastArrival: 450_000, now: 500_000) == .run,
                "arrivals keep coming, but 500 µs is the most a batch waits")
        #expect(policy.decide(texts: 5, otherWorkersBusy: 1, otherWorkersIdle: 0, started: 0, lastArrival: 450_000, now: 480_000)
                == .wait(until: 500_000))
    }

    @Test func aFullBatchOrAZeroWaitRuns() {
        #expect(policy.decide(texts: 8, otherWorkersBusy: 1, otherWorkersIdle: 0, started: 0, lastArrival: 0, now: 0) == .run)
        let never = BatchPolicy(maxTexts: 8, maxWait: 0)
        #expect(never.decide(texts: 1, otherWorkersBusy: 3, otherWorkersIdle: 0, started: 0, lastArrival: 0, now: 0) == .run)
        #expect(never.idleGap == 0, "the gap is capped at the longest wait")
    }

    @Test func aWorkerTakesItsFairShareOfWhatIsInFlight() {
        let two = BatchPolicy(maxTexts: 32, maxWait: 500_000)
        // Eight closed-loop queries, two running on the other worker: this one takes four, not six,
        // and the other takes the rest when its batch is done.
        #expect(two.share(ownTexts: 1, queuedTexts: 5, runningTexts: 2, sharingWorkers: 2) == 4)
        // A burst into an idle pool is split between the workers.
        #expect(two.share(ownTexts: 1, queuedTexts: 7, runningTexts: 0, sharingWorkers: 2) == 4)
        // Odd counts round up, so nothing is left for a third pass.
        #expect(two.share(ownTexts: 1, queuedTexts: 2, runningTexts: 0, sharingWorkers: 2) == 2)
    }

    @Test func theShareNeverDropsBelowWhatIsHeldNorExceedsTheBatch() {
        let two = BatchPolicy(maxTexts: 32, maxWait: 500_000)
        #expect(two.share(ownTexts: 20, queuedTexts: 0, runningTexts: 2, sharingWorkers: 2) == 20, "a large request stays whole")
        #expect(two.share(ownTexts: 1, queuedTexts: 127, runningTexts: 0, sharingWorkers: 2) == 32, "a pipelined burst fills a batch")
        #expect(two.share(ownTexts: 1, queuedTexts: 0, runningTexts: 0, sharingWorkers: 2) == 1,
                "one connection: the other worker is idle, nothing else to share")
        let one = BatchPolicy(maxTexts: 8, maxWait: 500_000)
        #expect(one.share(ownTexts: 1, queuedTexts: 6, runningTexts: 0, sharingWorkers: 1) == 8,
                "one worker (or the other busy with a non-embed task) takes the whole queue and keeps collecting")
        #expect(one.share(ownTexts: 1, queuedTexts: 0, runningTexts: 0, sharingWorkers: 1) == 8)
    }
}

/// The batch run budget: how many texts fit, from the measured one-text time and per-text slope.
@Suite struct BatchRunBudgetTests {
    let ms: UInt64 = 1_000_000

    @Test func aModelThatBarelyAmortisesGetsSmallBatches() {
        // fp32 short queries here: ~2 ms alone, ~2 ms per further text.
        let p = BatchPolicy(maxTexts: 32, maxWait: 500_000, maxRunNanos: 8 * ms)
        #expect(p.textsWithinBudget(single: 2 * ms, extraPerText: 2 * ms) == 4)
    }

    @Test func aModelThatAmortisesGetsLargeBatchesUpToMaxTexts() {
        let p = BatchPolicy(maxTexts: 32, maxWait: 500_000, maxRunNanos: 8 * ms)
        #expect(p.textsWithinBudget(single: ms, extraPerText: ms / 4) == 29)
        #expect(p.textsWithinBudget(single: ms, extraPerText: ms / 100) == 32, "never above maxTexts")
        #expect(p.textsWithinBudget(single: ms, extraPerText: 0) == 32, "a zero slope is capped, not a division by zero")
    }

    @Test func oneTextAlwaysFits() {
        let p = BatchPolicy(maxTexts: 32, maxWait: 500_000, maxRunNanos: 8 * ms)
        #expect(p.textsWithinBudget(single: 9 * ms, extraPerText: ms) == 1, "one text over the budget still runs")
        #expect(p.textsWithinBudget(single: 8 * ms, extraPerText: ms) == 1)
    }

    /// `bulkMaxRunNanos` holds bulk batches only, to the shorter of the two budgets.
    @Test func theBulkBudgetAppliesToBulkBatchesOnly() {
        let bulkOnly = BatchPolicy(maxTexts: 32, maxWait: 0, bulkMaxRunNanos: 8 * ms)
        #expect(bulkOnly.textsWithinBudget(single: 2 * ms, extraPerText: 2 * ms, lane: .bulk) == 4)
        #expect(bulkOnly.textsWithinBudget(single: 2 * ms, extraPerText: 2 * ms, lane: .light) == 32)
        #expect(bulkOnly.textsWithinBudget(single: 2 * ms, extraPerText: 2 * ms) == 32, "the lane-less budget is max_batch_ms's")
        let both = BatchPolicy(maxTexts: 32, maxWait: 0, maxRunNanos: 12 * ms, bulkMaxRunNanos: 8 * ms)
        #expect(both.textsWithinBudget(single: 2 * ms, extraPerText: 2 * ms, lane: .light) == 6)
        #expect(both.textsWithinBudget(single: 2 * ms, extraPerText: 2 * ms, lane: .bulk) == 4)
        let looser = BatchPolicy(maxTexts: 32, maxWait: 0, maxRunNanos: 8 * ms, bulkMaxRunNanos: 20 * ms)
        #expect(looser.textsWithinBudget(single: 2 * ms, extraPerText: 2 * ms, lane: .bulk) == 4, "never longer than max_batch_ms")
        let none = BatchPolicy(maxTexts: 32, maxWait: 0)
        #expect(none.textsWithinBudget(single: 2 * ms, extraPerText: 2 * ms, lane: .bulk) == 32)
    }

    @Test func noBudgetOrNothingMeasuredMeansMaxTexts() {
        #expect(BatchPolicy(maxTexts: 16, maxWait: 0).textsWithinBudget(single: 2 * ms, extraPerText: 2 * ms) == 16)
        #expect(BatchPolicy(maxTexts: 16, maxWait: 0, maxRunNanos: 8 * ms).textsWithinBudget(single: 0, extraPerText: 0) == 16)
    }
}

/// `ServiceCosts.extraPerText`: the uncapped slope the budget uses, from warm-up and then from batches.
@Suite struct ServiceCostsSlopeTests {
    let ms: UInt64 = 1_000_000

    @Test func warmUpSetsTheUncappedSlope() {
        var c = ServiceCosts()
        c.calibrate(single: 2 * ms, batch: 16 * ms, texts: 8)   // 2 ms per further text
        #expect(c.extraPerText == 2 * ms)
        #expect(c.perText == ms / 2, "the admission model's slope stays capped at a quarter")
    }

    @Test func theCalibratedSlopeScalesWithWhatBatchesTakeNow() {
        var c = ServiceCosts()
        c.calibrate(single: 2 * ms, batch: 16 * ms, texts: 8)
        let p = BatchPolicy(maxTexts: 32, maxWait: 0, maxRunNanos: 8 * ms)
        #expect(p.textsWithinBudget(single: c.currentSingle, extraPerText: c.extraPerText) == 4)
        // A slower machine (every batch twice the model): one text and the slope both double.
        for _ in 0..<80 { c.recordBatch(texts: 1, nanos: 4 * ms) }
        #expect(c.extraPerText > 3 * ms, "slope \(c.extraPerText)")
        #expect(p.textsWithinBudget(single: c.currentSingle, extraPerText: c.extraPerText) == 2)
    }

    @Test func contendedBatchesDoNotInflateTheCalibratedSlope() {
        var c = ServiceCosts()
        c.calibrate(single: ms, batch: 2_750_000, texts: 8)   // int8-like: 0.25 ms per further text
        // Batches of 4 that ran next to the other worker and took 3 singles, between single-text ones.
        for _ in 0..<40 { c.recordBatch(texts: 1, nanos: ms); c.recordBatch(texts: 4, nanos: 3 * ms) }
        let p = BatchPolicy(maxTexts: 32, maxWait: 0, maxRunNanos: 8 * ms)
        #expect(p.textsWithinBudget(single: c.currentSingle, extraPerText: c.extraPerText) >= 12,
                "slope \(c.extraPerText), single \(c.currentSingle)")
    }

    @Test func withoutWarmUpOnlyBatchesOfTwoOrMoreMeasureIt() {
        var c = ServiceCosts()
        c.recordBatch(texts: 1, nanos: 2 * ms)
        #expect(c.extraPerText == 0)
        c.recordBatch(texts: 3, nanos: 6 * ms)
        #expect(c.extraPerText > 0)
    }
}
