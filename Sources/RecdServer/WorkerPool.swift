import Foundation
import Logging
import RecdProtocol

/// A fixed set of model worker threads behind one bounded queue.
///
/// EMBED-like jobs that are queued together are micro-batched: a worker takes the first one and
/// every embed job queued behind it, up to the batch's text limit, and makes one encoder call for
/// all of them. Whether it waits for more first is ``BatchPolicy``'s decision: only while every
/// other worker is busy, so a lone request never waits.
///
/// A full queue refuses the job at once (the caller answers BUSY) instead of growing, and so does
/// ``AdmissionPolicy`` when the work already queued would keep the job waiting too long: each job's
/// cost is estimated from measured service times (``ServiceCosts``). A queue bound in jobs alone cannot
/// do this: 256 queued embeds are a few milliseconds of work when batched and far more when they are
/// not, and the admitted requests' latency is what a caller feels. With `.adaptive` the estimate refuses
/// only while the queue is standing (``AdmissionControl``).
///
/// Jobs wait in two lanes (``PoolQueue``): those of connections that send slowly (``PipelineDepth``) are
/// taken before those of fast senders, so a flood on some connections does not queue everyone else's
/// requests behind its own.
public final class WorkerPool: @unchecked Sendable {
    /// An embedding job: `completion` runs on the worker thread with this job's vectors.
    public struct EmbedJob: Sendable {
        public var texts: [String]
        /// True for intent features (embedding + the encoder's intent-layer pools), false for embeddings.
        /// Both kinds share micro-batches: the pools cost one pass over the hidden states.
        public var intentFeatures: Bool
        public var completion: @Sendable (Result<[[Float]], any Error>, HandlerContext) -> Void
        /// The request's slow-log trace (nil when the log is off): stamped started when its batch begins,
        /// so the log splits an embed job's time into its queue wait and its batch's run.
        var trace: RequestTrace?
        public init(texts: [String], intentFeatures: Bool = false,
                    completion: @escaping @Sendable (Result<[[Float]], any Error>, HandlerContext) -> Void) {
            self.texts = texts
            self.intentFeatures = intentFeatures
            self.completion = completion
        }
    }

    enum Job: Sendable {
        case embed(EmbedJob)
        case task(@Sendable (HandlerContext) -> Void)
    }

    /// Jobs with when they were queued (ns), so their wait can be reported, and where they came from.
    struct Queued: PoolQueueEntry {
        var job: Job
        var enqueued: UInt64
        var flow: CallerFlow
        var texts: Int {
            if case .embed(let e) = job { return e.texts.count }
            return 0
        }
    }

    let encoder: (any TextEncoder)?
    let batching: BatchPolicy
    let admission: AdmissionPolicy
    public let capacity: Int
    let workers: Int
    let logger: Logger
    let onBatch: @Sendable (BatchReport) -> Void
    let warmUp: (@Sendable (HandlerContext) -> Void)?

    /// Each worker's parking spot: it waits here when it has nothing to do (or holds a partial batch
    /// and waits for more); ``WorkerParking`` decides who posts it. Never blocks the poster.
    let parkers: [DispatchSemaphore]
    /// Signalled as workers finish their warm-up (``waitUntilWarm()``); not used while serving.
    let warmCondition = NSCondition()

    // Everything below is protected by `lock`.
    let lock = NSLock()
    var parking = WorkerParking()
    /// The two lanes, with their texts and tasks: what the wait estimates are made of.
    var queue: PoolQueue<Queued>
    /// Whether each lane's queue is standing (used with `.adaptive` admission).
    var control = AdmissionControl()
    var costs = ServiceCosts()
    /// Workers running a batch or task now.
    var busy = 0
    /// Texts in the embed batches running now, and how many such batches (a collecting worker's are not counted).
    var runningTexts = 0
    var runningBatches = 0
    /// Workers holding a partial batch and waiting for more (at most one while the policy holds).
    var collecting = 0
    /// When the newest job was queued (ns).
    var lastArrival: UInt64 = 0
    /// When a job was last refused for a full queue or its estimated wait (ns; 0 = never).
    var lastRefusal: UInt64 = 0
    var stopping = false
    /// Workers that finished their warm-up.
    var warmed = 0
    /// Serialises the workers' warm-ups.
    let warmUpLock = NSLock()
    let exited = DispatchGroup()
    /// What each worker is doing and since when (the stall report's view).
    var activity: [WorkerActivity]
    /// Log a job that waited longer than this (ns) with every worker's activity; 0 = off.
    let stallReportNanos: UInt64
    let threadName: String
    /// Nice value each worker thread gives itself (0 = unchanged).
    let nice: Int
    /// CPUs the worker threads pin themselves to, worker `i` to `cpus[i % count]`; empty = not pinned.
    let cpus: [Int]
    /// Whether a worker running a bulk batch runs waiting light embed jobs between its blocks
    /// (``runLightBetweenBlocks(_:context:)``; `light_preemption`).
    let lightPreemption: Bool
    /// Light batches run between a bulk batch's blocks so far (STATS `pool.light_between_blocks`).
    var lightRunsBetweenBlocks = 0
    /// Whether only a batch that starts with every other worker idle may use the encoder's intra-op helper
    /// (``BatchPolicy/mayShareCores(otherWorkersBusy:refusing:onlyWhenAlone:)``); `RECD_HELPER_ALONE=0` (or `off`)
    /// restores the earlier rule, for comparison.
    let helperOnlyWhenAlone: Bool = {
        let env = ProcessInfo.processInfo.environment["RECD_HELPER_ALONE"]
        return env != "0" && env != "off"
    }()

    /// Starts `workers` threads.
    /// - Parameters:
    ///   - batching: micro-batch size and wait (``BatchPolicy``).
    ///   - queueDelay: admission by estimated wait (``AdmissionPolicy``).
    ///   - onBatch: told about every batch or task after it ran (STATS).
    ///   - warmUp: run once on every worker thread before it takes jobs, after the pool's own warm-up
    ///     passes (``waitUntilWarm()`` returns when all are done).
    ///   - stallReportMs: log (warning) every job that waited longer than this for a worker, with what
    ///     each worker was doing then (``StallReport``); nil = off. The daemon passes `slow_request_ms`.
    ///   - nice: each worker thread sets its own nice value to this (1...19) as it starts; 0 = unchanged
    ///     (`worker_nice`).
    ///   - lightPreemption: a worker running a bulk batch runs waiting light embed jobs between the
    ///     encoder's blocks, on a second small encoder worker (`light_preemption`).
    ///   - cpus: each worker thread pins itself to one of these as it starts (``WorkerPlacement``,
    ///     `worker_cpus`); empty = not pinned.
    public init(workers: Int, capacity: Int, encoder: (any TextEncoder)?, batching: BatchPolicy,
                queueDelay: QueueDelayLimit = .off, logger: Logger, threadName: String = "recd-worker",
                stallReportMs: Double? = nil, nice: Int = 0, lightPreemption: Bool = false, cpus: [Int] = [],
                onBatch: @escaping @Sendable (BatchReport) -> Void = { _ in },
                warmUp: (@Sendable (HandlerContext) -> Void)? = nil) {
        precondition(workers >= 1 && capacity >= 1)
        self.encoder = encoder
        self.capacity = capacity
        self.workers = workers
        self.batching = batching
        self.admission = AdmissionPolicy(limit: queueDelay, workers: workers)
        self.logger = logger
        self.onBatch = onBatch
        self.warmUp = warmUp
        self.queue = PoolQueue(capacity: capacity)
        self.activity = Array(repeating: WorkerActivity(), count: workers)
        self.stallReportNanos = stallReportMs.map { UInt64(max(0, $0) * 1e6) } ?? 0
        self.parkers = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
        self.threadName = threadName
        self.nice = nice
        self.cpus = cpus
        self.lightPreemption = lightPreemption && encoder != nil
        var threads: [Thread] = []
        for i in 0..<workers {
            exited.enter()
            let thread = Thread { [self] in
                self.workerMain(index: i)
                self.exited.leave()
            }
            thread.name = "\(threadName)-\(i)"
            thread.stackSize = 8 << 20
            // Not stored in the pool: a Thread keeps its closure, and so `self`, for as long as the
            // Thread object lives; a pool holding its Threads was a cycle that leaked the pool, its
            // encoder and the server's Metrics (LSan's report "reached from LatencyHistogram.record").
            // `shutdown()` joins through `exited`.
            threads.append(thread)
        }
        for t in threads { t.start() }
    }

    /// The same with the batching limits spelled out: at most `maxBatchTexts` per encoder call,
    /// waiting at most `maxBatchWait` for more; `maxQueueDelay` nil = no admission by wait.
    public convenience init(workers: Int, capacity: Int, encoder: (any TextEncoder)?, maxBatchTexts: Int,
                            maxBatchWait: Duration, maxQueueDelay: Duration? = nil, logger: Logger,
                            threadName: String = "recd-worker",
                            onBatch: @escaping @Sendable (BatchReport) -> Void = { _ in }) {
        self.init(workers: workers, capacity: capacity, encoder: encoder,
                  batching: BatchPolicy(maxTexts: maxBatchTexts, maxWait: maxBatchWait.nanoseconds),
                  queueDelay: maxQueueDelay.map { .fixed($0) } ?? .off, logger: logger, threadName: threadName,
                  onBatch: onBatch)
    }

    /// Jobs waiting for a worker.
    public var depth: Int {
        lock.lock(); defer { lock.unlock() }
        return queue.count
    }

    /// Queues an embed job from `flow`; false when the queue is full, the estimated wait too long, or the
    /// pool stopping.
    public func submitEmbed(_ job: EmbedJob, flow: CallerFlow = .anonymous) -> Bool { submit(.embed(job), flow) }

    /// Queues a task from `flow`; false when the queue is full, the estimated wait too long, or the pool stopping.
    public func submitTask(flow: CallerFlow = .anonymous, _ task: @escaping @Sendable (HandlerContext) -> Void) -> Bool {
        submit(.task(task), flow)
    }

    private func submit(_ job: Job, _ flow: CallerFlow) -> Bool {
        let now = monotonicNanos()
        lock.lock()
        guard !stopping, queue.count < capacity, admits(flow, now: now) else {
            if !stopping { lastRefusal = now }
            lock.unlock()
            return false
        }
        queue.append(Queued(job: job, enqueued: now, flow: flow))
        let isEmbed: Bool
        if case .embed = job { isEmbed = true } else { isEmbed = false }
        lastArrival = now
        let wake = parking.wakeForArrival(embed: isEmbed)
        if let wake { activity[wake].claimed = now }
        lock.unlock()
        if let wake { parkers[wake].signal() }
        return true
    }

    /// How long after refusing a job the pool counts as refusing (ns): no batch then takes the encoder's
    /// intra-op helper (``BatchPolicy/mayShareCores(otherWorkersBusy:refusing:onlyWhenAlone:)``). The
    /// standing queue's interval (100 ms): a flood keeps it refreshed, and 100 ms after the last BUSY a
    /// lone request has both cores again. Protected by `lock` (tests shorten or lengthen it).
    var refusalMemory: UInt64 = StandingQueue.defaultInterval

    /// Whether the pool refused a job within ``refusalMemory`` of `now`. Caller holds `lock`.
    func refusingLately(now: UInt64) -> Bool { lastRefusal != 0 && now &- lastRefusal < refusalMemory }

    /// A bulk job is refused when its estimated wait exceeds this many admission targets even while its lane
    /// is not standing (and other connections' jobs are queued): the flood's first interval, or one without
    /// refusals, no longer fills the queue to `queue_capacity` (daemon/DAEMON.md, "Admission that costs bulk batches as they run").
    static let bulkBoundMultiple: UInt64 = 4

    /// Estimated time (ns) for one worker to run everything queued. Caller holds `lock`.
    var queuedWork: UInt64 { Self.estimatedWork(light: queue.light, bulk: queue.bulk, costs: costs, batching: batching) }

    /// Estimated time (ns) for one worker to run the `light` and `bulk` lanes' queued work (pure).
    ///
    /// Light texts are costed in batches as `maxTexts` cuts them, not as `max_batch_ms` would: counting
    /// each of a standing queue's few texts as its own pass refused ordinary concurrency (8 closed-loop
    /// connections answered mostly BUSY; session 8). Bulk texts are costed in the batches their budget
    /// (`max_bulk_batch_ms`) really forms: costed as batches of 32, a flood's queue of one-text fp32 batches
    /// looked about 3.5 times shorter than it was, and its admitted requests waited 30–60 ms in recd where
    /// the admission meant at most its limit (daemon/DAEMON.md, "Admission that costs bulk batches as they run").
    static func estimatedWork(light: LaneLoad, bulk: LaneLoad, costs: ServiceCosts, batching: BatchPolicy) -> UInt64 {
        let bulkBatch = batching.textsWithinBudget(single: costs.currentSingle, extraPerText: costs.extraPerText, lane: .bulk)
        return costs.queuedWork(texts: light.texts, tasks: light.tasks, maxBatch: batching.maxTexts)
            &+ costs.queuedWork(texts: bulk.texts, tasks: bulk.tasks, maxBatch: bulkBatch)
    }

    /// Estimated time (ns) the running batches and tasks still need, summed over workers (each costed by
    /// ``ServiceCosts`` when it started; one that overran its estimate counts 0). Caller holds `lock`.
    func runningRemainder(now: UInt64) -> UInt64 { WorkerActivity.remainder(of: activity, now: now) }

    /// Whether a job from `flow` may queue now (``AdmissionPolicy``; with `.adaptive` ``AdmissionControl``:
    /// a light job waits for the light lane only, a bulk job for everything queued). Caller holds `lock`.
    private func admits(_ flow: CallerFlow, now: UInt64) -> Bool {
        guard admission.limit == .adaptive else {
            return admission.admits(queuedWork: queuedWork, running: runningRemainder(now: now), costs: costs)
        }
        let lane = PoolQueue<Queued>.lane(for: flow)
        let ahead = lane == .light ? Self.estimatedWork(light: queue.light, bulk: LaneLoad(), costs: costs, batching: batching) : queuedWork
        let target = admission.limitNanos(costs)
        let bound = lane == .bulk ? target.map { $0 &* Self.bulkBoundMultiple } : nil
        return control.admits(lane, flow: flow.id, wait: admission.estimatedWait(queuedWork: ahead), target: target,
                              otherFlowsQueued: queue.hasOtherFlows(than: flow.id), now: now, bound: bound)
    }

    /// The lanes whose queue is standing now (STATS): "none", "light", "bulk" or "light+bulk".
    public var standingLanes: String {
        lock.lock(); defer { lock.unlock() }
        return control.describe(now: monotonicNanos())
    }

    /// The current estimate of one task's cost in nanoseconds (0 until a task has run).
    var estimatedTaskCost: UInt64 {
        lock.lock(); defer { lock.unlock() }
        return costs.task
    }

    /// The measured service times now.
    public var serviceCosts: ServiceCosts {
        lock.lock(); defer { lock.unlock() }
        return costs
    }

    /// The admission limit in effect now (ns); nil when off or not yet measured.
    public var admissionLimitNanos: UInt64? {
        lock.lock(); defer { lock.unlock() }
        return admission.limitNanos(costs)
    }

    /// Lets queued jobs finish, then stops and joins the threads.
    public func shutdown() {
        lock.lock()
        stopping = true
        let parked = parking.wakeAll()
        for w in parked { activity[w].claimed = monotonicNanos() }
        lock.unlock()
        for w in parked { parkers[w].signal() }
        exited.wait()
    }
}

/// What the pool reports about each batch or task after it ran.
public struct BatchReport: Sendable, Equatable {
    /// Texts in the encoder call; 0 for a task.
    public var texts: Int
    /// Jobs in the batch (1 for a task).
    public var jobs: Int
    /// Time the oldest job spent queued before a worker started it (ns).
    public var oldestWaitNanos: UInt64
    /// Time the batch or task ran on its worker, completions included (ns).
    public var runNanos: UInt64
    /// The lane its first (oldest) job waited in.
    public var lane: QueueLane

    public init(texts: Int, jobs: Int, oldestWaitNanos: UInt64, runNanos: UInt64, lane: QueueLane) {
        self.texts = texts
        self.jobs = jobs
        self.oldestWaitNanos = oldestWaitNanos
        self.runNanos = runNanos
        self.lane = lane
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }

    /// Whole nanoseconds, 0 for a negative duration.
    var nanoseconds: UInt64 {
        let (s, atto) = components
        guard s >= 0, atto >= 0 else { return 0 }
        return UInt64(s) &* 1_000_000_000 &+ UInt64(atto / 1_000_000_000)
    }
}

/// Monotonic nanoseconds (the pool's clock).
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
