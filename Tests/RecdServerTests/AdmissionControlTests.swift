@testable import RecdServer
import Testing

/// Evaluates a mutating call outside `#expect`'s closures (which see their subject as immutable).
private func v<T>(_ value: T) -> T { value }

/// The standing-queue rule (``StandingQueue``, ``AdmissionControl``) on a hand-driven clock (ns).
@Suite struct AdmissionControlTests {
    let ms: UInt64 = 1_000_000
    let target: UInt64 = 4_000_000
    let interval = StandingQueue.defaultInterval

    /// Jobs taken every millisecond from `from` to `to` (exclusive), each having waited `sojourn`.
    func take(_ c: inout AdmissionControl, _ lane: QueueLane = .bulk, from: UInt64, to: UInt64, sojourn: UInt64) {
        var t = from
        while t < to { c.taken(from: lane, sojourn: sojourn, target: target, now: t); t += ms }
    }

    @Test func aBurstThatDrainsIsAdmittedInFull() {
        // 128 single texts queued at once and drained in 50 ms: waits well above the target, but for less
        // than an interval, then the queue is empty (waits ~0).
        var c = AdmissionControl()
        var t: UInt64 = 1_000 * ms
        for i in 0..<128 {
            #expect(v(c.admits(.bulk, wait: UInt64(i) * ms, target: target, otherFlowsQueued: true, now: t)), "job \(i)")
        }
        take(&c, from: t, to: t + 50 * ms, sojourn: 30 * ms)
        t += 50 * ms
        take(&c, from: t, to: t + 100 * ms, sojourn: 0)
        #expect(!c.bulk.standing)
        #expect(v(c.admits(.bulk, wait: 500 * ms, target: target, otherFlowsQueued: true, now: t + 100 * ms)),
                "never standing: even a long estimated wait is admitted")
    }

    @Test func aStandingQueueStartsRefusingAfterTheInterval() {
        var c = AdmissionControl()
        let t0: UInt64 = 1_000 * ms
        take(&c, from: t0, to: t0 + interval, sojourn: target)   // the last take is at t0 + interval - 1 ms
        #expect(!c.bulk.standing, "above target for less than an interval: not yet")
        #expect(v(c.admits(.bulk, wait: 50 * ms, target: target, otherFlowsQueued: true, now: t0 + interval)))
        c.taken(from: .bulk, sojourn: target, target: target, now: t0 + interval)
        #expect(c.bulk.standing, "the shortest wait stayed at or above the target for a whole interval")
        #expect(!v(c.admits(.bulk, wait: target + 1, target: target, otherFlowsQueued: true, now: t0 + interval)),
                "a job that would wait longer than the target is refused")
        #expect(v(c.admits(.bulk, wait: target, target: target, otherFlowsQueued: true, now: t0 + interval)),
                "one that fits the target is admitted")
        #expect(v(c.admits(.bulk, wait: 500 * ms, target: target, otherFlowsQueued: false, now: t0 + interval)),
                "a queue of one connection's own requests is never refused: refusing would protect no one")
        #expect(v(c.admits(.light, wait: 500 * ms, target: target, otherFlowsQueued: true, now: t0 + interval)),
                "the light lane has its own state")
    }

    @Test func oneShortWaitRestartsTheInterval() {
        var c = AdmissionControl()
        let t0: UInt64 = 1_000 * ms
        take(&c, from: t0, to: t0 + 60 * ms, sojourn: 2 * target)
        c.taken(from: .bulk, sojourn: target - 1, target: target, now: t0 + 60 * ms)   // the queue drained once
        take(&c, from: t0 + 61 * ms, to: t0 + 150 * ms, sojourn: 2 * target)
        #expect(!c.bulk.standing, "the minimum over the interval was below the target")
        take(&c, from: t0 + 150 * ms, to: t0 + 162 * ms, sojourn: 2 * target)
        #expect(c.bulk.standing, "an interval after the short wait: standing")
    }

    @Test func refusingStopsWhenTheQueueDrains() {
        var c = AdmissionControl()
        let t0: UInt64 = 1_000 * ms
        take(&c, from: t0, to: t0 + interval + ms, sojourn: 10 * ms)
        #expect(c.bulk.standing)
        var t = t0 + interval + ms
        // While the flood lasts, refusals keep it standing, although admitted jobs now wait about the target.
        for _ in 0..<300 {
            #expect(!v(c.admits(.bulk, wait: 2 * target, target: target, otherFlowsQueued: true, now: t)))
            c.taken(from: .bulk, sojourn: target / 2, target: target, now: t)
            t += ms
        }
        #expect(c.bulk.standing, "refusing is what keeps admitted waits short: it does not end because they are")
        // The flood stops: jobs fit, nothing is refused; an interval after the last refusal the lane is no
        // longer standing.
        #expect(v(c.admits(.bulk, wait: 0, target: target, otherFlowsQueued: true, now: t)))
        #expect(!v(c.admits(.bulk, wait: 2 * target, target: target, otherFlowsQueued: true, now: t)),
                "still standing: the last refusal is now")
        #expect(v(c.admits(.bulk, wait: 0, target: target, otherFlowsQueued: true, now: t + interval - 1)))
        #expect(c.bulk.standing)
        #expect(v(c.admits(.bulk, wait: 2 * target, target: target, otherFlowsQueued: true, now: t + interval)),
                "an interval without refusals: a burst is admitted again")
        #expect(!c.bulk.standing)
        #expect(c.describe(now: t + interval) == "none")
    }

    /// `bound` holds while the lane is not standing: a burst from several connections is admitted up to it
    /// (not to the queue's capacity), one connection's own pipeline is not, and a standing lane still
    /// refuses at the target.
    @Test func theBoundHoldsBeforeTheQueueStands() {
        var c = AdmissionControl()
        let t0: UInt64 = 1_000 * ms, bound = 4 * target
        #expect(!c.bulk.standing)
        #expect(v(c.admits(.bulk, wait: bound, target: target, otherFlowsQueued: true, now: t0, bound: bound)))
        #expect(!v(c.admits(.bulk, wait: bound + 1, target: target, otherFlowsQueued: true, now: t0, bound: bound)))
        #expect(v(c.admits(.bulk, wait: bound + 1, target: target, otherFlowsQueued: false, now: t0, bound: bound)),
                "a connection's own pipeline is its choice")
        #expect(v(c.admits(.bulk, wait: 100 * target, target: target, otherFlowsQueued: true, now: t0)), "no bound: as before")
        take(&c, from: t0, to: t0 + interval + 2 * ms, sojourn: target)
        #expect(c.bulk.standing)
        #expect(!v(c.admits(.bulk, wait: target + 1, target: target, otherFlowsQueued: true, now: t0 + interval + 2 * ms, bound: bound)),
                "standing: the target, not the bound")
    }

    /// A connection's own pipeline is its choice only until another connection is refused: then the same
    /// limit holds for it (under a flood, one connection's 30-deep pipeline held the queue alone while
    /// every other connection was refused). Another interval without such refusals, and it is exempt again.
    @Test func oneConnectionsPipelineIsRefusedOnceOthersAre() {
        var c = AdmissionControl()
        let t0: UInt64 = 1_000 * ms, bound = 4 * target
        let a: UInt64 = 7, b: UInt64 = 8, d: UInt64 = 9
        // Not standing: the bound.
        #expect(v(c.admits(.bulk, flow: a, wait: 10 * bound, target: target, otherFlowsQueued: false, now: t0, bound: bound)),
                "alone: its own pipeline, however deep")
        #expect(!v(c.admits(.bulk, flow: b, wait: 10 * bound, target: target, otherFlowsQueued: true, now: t0 + ms, bound: bound)))
        #expect(!v(c.admits(.bulk, flow: a, wait: bound + 1, target: target, otherFlowsQueued: false, now: t0 + 2 * ms, bound: bound)),
                "b was refused behind a's pipeline: a is held to the same bound")
        #expect(v(c.admits(.bulk, flow: a, wait: bound, target: target, otherFlowsQueued: false, now: t0 + 3 * ms, bound: bound)),
                "within the bound it is admitted")
        #expect(!v(c.admits(.bulk, flow: a, wait: bound + 1, target: target, otherFlowsQueued: false, now: t0 + 4 * ms, bound: bound)),
                "a's own refusal does not hide b's")
        #expect(v(c.admits(.light, flow: a, wait: 10 * bound, target: target, otherFlowsQueued: false, now: t0 + 5 * ms)),
                "the other lane keeps its own record")
        #expect(v(c.admits(.bulk, flow: a, wait: 10 * bound, target: target, otherFlowsQueued: false,
                           now: t0 + ms + interval, bound: bound)),
                "an interval after b's refusal: a's pipeline is its own choice again")
        // Standing: the target, and refusals of two other connections in turn.
        take(&c, from: t0 + 200 * ms, to: t0 + 200 * ms + interval + ms, sojourn: 2 * target)
        #expect(c.bulk.standing)
        let t1 = t0 + 200 * ms + interval + ms
        #expect(v(c.admits(.bulk, flow: a, wait: 2 * target, target: target, otherFlowsQueued: false, now: t1)),
                "standing, but nobody else refused: a's own pipeline")
        #expect(!v(c.admits(.bulk, flow: b, wait: 2 * target, target: target, otherFlowsQueued: true, now: t1)))
        #expect(!v(c.admits(.bulk, flow: d, wait: 2 * target, target: target, otherFlowsQueued: true, now: t1 + ms)))
        #expect(!v(c.admits(.bulk, flow: a, wait: target + 1, target: target, otherFlowsQueued: false, now: t1 + 2 * ms)),
                "others refused: a is held to the target")
        #expect(v(c.admits(.bulk, flow: a, wait: target, target: target, otherFlowsQueued: false, now: t1 + 3 * ms)))
        #expect(!v(c.admits(.bulk, flow: d, wait: target + 1, target: target, otherFlowsQueued: false, now: t1 + 4 * ms)),
                "d, refused itself before, sees a's refusal since")
    }

    @Test func nothingMeasuredAdmits() {
        var c = AdmissionControl()
        let t0: UInt64 = 1_000 * ms
        take(&c, from: t0, to: t0 + interval + 2 * ms, sojourn: target)
        #expect(c.bulk.standing)
        #expect(c.describe(now: t0 + interval + 2 * ms) == "bulk")
        #expect(v(c.admits(.bulk, wait: .max, target: nil, otherFlowsQueued: true, now: t0 + interval + 2 * ms)))
    }

    @Test func settingAndPolicy() {
        #expect(QueueDelaySetting(parsing: "adaptive") == .adaptive)
        #expect(QueueDelaySetting.adaptive.limit == .adaptive)
        #expect(QueueDelaySetting(QueueDelayLimit.adaptive) == .adaptive)
        var costs = ServiceCosts()
        costs.calibrate(single: 4_000_000, batch: 11_000_000, texts: 8)
        let policy = AdmissionPolicy(limit: .adaptive, workers: 2)
        #expect(policy.limitNanos(costs) == AdmissionPolicy(limit: .automatic, workers: 2).limitNanos(costs),
                "the target is the automatic limit")
        #expect(policy.admits(queuedWork: .max, costs: costs), "the estimate alone never refuses: the pool asks AdmissionControl")
    }
}
