import Foundation
import Logging
import Synchronization
@testable import RecdServer
import Testing

/// Admission by estimated wait (`maxQueueDelay`): costs come from measured jobs, so the test makes
/// the measurement with a job that sleeps a known minimum and then checks which jobs are admitted.
/// No assertion depends on how fast the machine is: sleeps only make jobs slower than the limit.
@Suite struct AdmissionTests {
    let logger = Logger(label: "test")

    /// Runs one task of `seconds` (60 ms unless told) to completion so the pool's task cost estimate is at least that.
    func calibrate(_ pool: WorkerPool, seconds: Double = 0.06) {
        let done = DispatchSemaphore(value: 0)
        #expect(pool.submitTask { _ in Thread.sleep(forTimeInterval: seconds); done.signal() })
        done.wait()
        // The worker records the cost just after the task returns.
        for _ in 0..<1000 where pool.estimatedTaskCost == 0 { Thread.sleep(forTimeInterval: 0.005) }
        #expect(pool.estimatedTaskCost >= UInt64(seconds * 1e9))
    }

    /// Submits until admitted (the pool frees its estimate just after a job returns); false after 10 s.
    func submitEventually(_ pool: WorkerPool, _ body: @escaping @Sendable (HandlerContext) -> Void) -> Bool {
        for _ in 0..<2000 {
            if pool.submitTask(body) { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return false
    }

    /// A fixed limit counts the queued work and what the running task still needs (its estimate, ≥ 500 ms,
    /// from when the worker took it): behind it even an empty queue refuses, until the estimate has run out.
    @Test func jobsWaitingLongerThanTheLimitAreRefused() {
        let pool = WorkerPool(workers: 1, capacity: 64, encoder: nil, maxBatchTexts: 1, maxBatchWait: .zero,
                              maxQueueDelay: .milliseconds(10), logger: logger)
        defer { pool.shutdown() }
        calibrate(pool, seconds: 0.5)
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()
        finished.enter()
        #expect(pool.submitTask { _ in release.wait(); finished.leave() }, "an idle pool admits whatever the estimate")
        for _ in 0..<1000 where pool.depth > 0 { Thread.sleep(forTimeInterval: 0.005) }   // the worker takes it
        #expect(!pool.submitTask { _ in }, "the queue is empty, but the running task is expected to need ~500 ms more: BUSY")
        #expect(pool.depth == 0, "the refused job was not queued")
        // Past its estimate the running task counts nothing; a queued task, estimated ≥ 500 ms, still does.
        Thread.sleep(forTimeInterval: 0.6)
        finished.enter()
        let admitted = pool.submitTask { _ in finished.leave() }
        if !admitted { finished.leave() }
        #expect(admitted, "the running task overran its estimate: it no longer counts")
        #expect(!pool.submitTask { _ in }, "one queued task estimated at ≥ 500 ms exceeds a 10 ms limit: BUSY")
        #expect(pool.depth == 1, "the refused job was not queued")
        release.signal()
        #expect(finished.wait(timeout: .now() + 30) == .success)
        let ran = DispatchSemaphore(value: 0)
        #expect(submitEventually(pool) { _ in ran.signal() }, "once the queue is empty and the worker free, jobs are admitted")
        ran.wait()
    }

    /// Adaptive admission through the pool: one connection's deep pipeline is admitted while it is alone,
    /// and held to the bound once another connection was refused behind it (the pool hands each job's
    /// ``CallerFlow/id`` to ``AdmissionControl``). Sleeps only make the queue longer than the bound.
    @Test func aPipelineIsHeldToTheBoundOnceAnotherConnectionIsRefused() {
        let encoder = HashingEncoder(dimension: 8, delay: .milliseconds(20))
        let pool = WorkerPool(workers: 1, capacity: 64, encoder: encoder, batching: BatchPolicy(maxTexts: 1, maxWait: 0),
                              queueDelay: .adaptive, logger: logger)
        defer { pool.shutdown() }
        let done = DispatchGroup()
        func submit(_ flow: CallerFlow) -> Bool {
            done.enter()
            let admitted = pool.submitEmbed(.init(texts: ["a query"]) { _, _ in done.leave() }, flow: flow)
            if !admitted { done.leave() }
            return admitted
        }
        let a = CallerFlow(id: 1, depth: 50), b = CallerFlow(id: 2, depth: 50)
        #expect(submit(a))
        done.wait()   // one text alone measured: the target is 1.5 times it, the bound 4 targets
        for _ in 0..<1000 where pool.admissionLimitNanos == nil { Thread.sleep(forTimeInterval: 0.005) }
        #expect(pool.admissionLimitNanos != nil)
        for i in 0..<30 { #expect(submit(a), "a's own pipeline is admitted while it is alone (job \(i))") }
        #expect(!submit(b), "b would wait behind ~29 of a's 20 ms jobs, past the bound")
        #expect(!submit(a), "b was refused behind a's pipeline: a is now held to the same bound")
        #expect(done.wait(timeout: .now() + 30) == .success)
    }

    @Test func withoutALimitOnlyCapacityRefuses() {
        let pool = WorkerPool(workers: 1, capacity: 2, encoder: nil, maxBatchTexts: 1, maxBatchWait: .zero, logger: logger)
        defer { pool.shutdown() }
        calibrate(pool)
        let release = DispatchSemaphore(value: 0)
        #expect(pool.submitTask { _ in release.wait() })
        for _ in 0..<1000 where pool.depth > 0 { Thread.sleep(forTimeInterval: 0.005) }   // the worker takes it
        #expect(pool.submitTask { _ in })
        #expect(pool.submitTask { _ in })
        #expect(!pool.submitTask { _ in }, "capacity 2 is full")
        release.signal()
    }

    @Test func configFileAndCheckKnowTheSetting() throws {
        var c = ServerConfiguration()
        #expect(c.queueDelayLimit == .adaptive, "adaptive by default: bursts that drain and one connection's own pipeline are served")
        var file = ConfigFile()
        file.max_queue_delay_ms = .milliseconds(25)
        try file.apply(to: &c)
        #expect(c.queueDelayLimit == .fixed(.milliseconds(25)))
        file.max_queue_delay_ms = .milliseconds(0)
        try file.apply(to: &c)
        #expect(c.queueDelayLimit == .off, "0 turns it off")
        file.max_queue_delay_ms = .auto
        try file.apply(to: &c)
        #expect(c.queueDelayLimit == .automatic)
        file.max_queue_delay_ms = .adaptive
        try file.apply(to: &c)
        #expect(c.queueDelayLimit == .adaptive)
        file.max_queue_delay_ms = .milliseconds(-1)
        try file.apply(to: &c)
        #expect(throws: ConfigFile.Error.self) { try c.validateLimits() }
        #expect(ConfigFile.knownKeys.contains("max_queue_delay_ms"))
        #expect(QueueDelaySetting(parsing: "auto") == .auto)
        #expect(QueueDelaySetting(parsing: "12") == .milliseconds(12))
        #expect(QueueDelaySetting(parsing: "0.25") == .milliseconds(0.25), "fractions: --max-queue-delay-ms 0.25")
        #expect(QueueDelaySetting(parsing: "soon") == nil)
        #expect(QueueDelaySetting(parsing: "nan") == nil)
        #expect(QueueDelaySetting(parsing: "inf") == nil)
        file.max_queue_delay_ms = .milliseconds(0.5)
        try file.apply(to: &c)
        #expect(c.queueDelayLimit == .fixed(.microseconds(500)))
        try c.validateLimits()
        file.max_queue_delay_ms = .milliseconds(-0.5)
        try file.apply(to: &c)
        #expect { try c.validateLimits() } throws: { error in
            "\(error)".contains("max_queue_delay_ms must be at least 0, found -0.5")
        }
    }

    @Test func configFileTakesANumberOrAuto() throws {
        func decode(_ json: String) throws -> ConfigFile { try JSONDecoder().decode(ConfigFile.self, from: Data(json.utf8)) }
        #expect(try decode(#"{"max_queue_delay_ms": 7}"#).max_queue_delay_ms == .milliseconds(7))
        #expect(try decode(#"{"max_queue_delay_ms": 0.5}"#).max_queue_delay_ms == .milliseconds(0.5))
        #expect(try decode(#"{"max_queue_delay_ms": "auto"}"#).max_queue_delay_ms == .auto)
        #expect(try decode(#"{"max_queue_delay_ms": "adaptive"}"#).max_queue_delay_ms == .adaptive)
        #expect(throws: DecodingError.self) { try decode(#"{"max_queue_delay_ms": "12"}"#) }
        #expect(try decode(#"{}"#).max_queue_delay_ms == nil)
        #expect(throws: DecodingError.self) { try decode(#"{"max_queue_delay_ms": "later"}"#) }
        var c = ServerConfiguration()
        c.queueDelayLimit = .off
        #expect(c.effectiveJSON(engines: [:]).contains(#""max_queue_delay_ms" : 0"#))
        c.queueDelayLimit = .fixed(.milliseconds(25))
        #expect(c.effectiveJSON(engines: [:]).contains(#""max_queue_delay_ms" : 25,"#), "a whole number stays whole")
        c.queueDelayLimit = .fixed(.microseconds(500))
        #expect(c.effectiveJSON(engines: [:]).contains(#""max_queue_delay_ms" : 0.5,"#))
        c.queueDelayLimit = .automatic
        #expect(c.effectiveJSON(engines: [:]).contains(#""max_queue_delay_ms" : "auto""#))
        c.queueDelayLimit = .adaptive
        #expect(c.effectiveJSON(engines: [:]).contains(#""max_queue_delay_ms" : "adaptive""#))
    }
}

/// The admission's estimate of the queued work: bulk texts costed in the batches `max_bulk_batch_ms` forms.
@Suite struct QueuedWorkEstimateTests {
    let ms: UInt64 = 1_000_000

    /// A model at 4 ms alone and 4 ms per further text (fp32-like: its `perText` is capped at 1 ms, its
    /// fixed part 3 ms). Ten queued texts are one batch of 10 light (13 ms) but five batches of 2 under an
    /// 8 ms bulk budget (25 ms).
    @Test func bulkTextsAreCostedInTheBatchesTheirBudgetForms() {
        var costs = ServiceCosts()
        costs.calibrate(single: 4 * ms, batch: 32 * ms, texts: 8)
        let ten = LaneLoad(jobs: 10, texts: 10, tasks: 0), none = LaneLoad()
        let bulkBudget = BatchPolicy(maxTexts: 32, maxWait: 0, bulkMaxRunNanos: 8 * ms)
        #expect(WorkerPool.estimatedWork(light: ten, bulk: none, costs: costs, batching: bulkBudget) == 13 * ms)
        #expect(WorkerPool.estimatedWork(light: none, bulk: ten, costs: costs, batching: bulkBudget) == 25 * ms)
        #expect(WorkerPool.estimatedWork(light: ten, bulk: ten, costs: costs, batching: bulkBudget) == 38 * ms)
        // Without a bulk budget, bulk texts are costed like light ones.
        let noBudget = BatchPolicy(maxTexts: 32, maxWait: 0)
        #expect(WorkerPool.estimatedWork(light: none, bulk: ten, costs: costs, batching: noBudget) == 13 * ms)
        // `max_batch_ms` alone leaves the light estimate at batches of `maxTexts` (session 8).
        let allBudget = BatchPolicy(maxTexts: 32, maxWait: 0, maxRunNanos: 8 * ms)
        #expect(WorkerPool.estimatedWork(light: ten, bulk: none, costs: costs, batching: allBudget) == 13 * ms)
    }
}
