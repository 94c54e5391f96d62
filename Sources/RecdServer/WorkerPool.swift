import Foundation
import Logging
import RecdProtocol

/// A fixed set of model worker threads behind one bounded queue.
///
/// EMBED-like jobs that are queued together are micro-batched: a worker takes the first
/// one and every embed job queued behind it, up to `maxBatchTexts` texts, optionally
/// waiting `maxBatchWait` for more, and makes one encoder call for all of them.
/// A full queue refuses the job at once (the caller answers BUSY) instead of growing.
///
/// With `maxQueueDelay` set, a job is also refused when the work already queued would keep it
/// waiting longer than that: each job's cost is estimated from recent measurements (time per
/// embedded text, amortised over batches, and time per other task) and the estimated wait is the
/// queued cost divided by the workers. Work already running is left out: a job's cost leaves the
/// estimate when a worker takes it, before its reply is sent, so a client with one request in
/// flight is never refused because of its own previous request, and an idle queue always admits. A queue bound in jobs alone cannot do this:
/// 256 queued embeds are a few milliseconds of work when batched and far more when they are not,
/// and the admitted requests' latency is what a caller feels.
public final class WorkerPool: @unchecked Sendable {
    /// An embedding job: `completion` runs on the worker thread with this job's vectors.
    public struct EmbedJob: Sendable {
        public var texts: [String]
        /// True for intent features (embedding + the encoder's intent-layer pools), false for embeddings.
        /// Both kinds share micro-batches: the pools cost one pass over the hidden states.
        public var intentFeatures: Bool
        public var completion: @Sendable (Result<[[Float]], any Error>, HandlerContext) -> Void
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

    private let encoder: (any TextEncoder)?
    private let maxBatchTexts: Int
    private let maxBatchWait: Duration
    public let capacity: Int
    private let workers: Int
    private let maxQueueDelay: UInt64?
    private let logger: Logger
    private let onBatch: @Sendable (Int) -> Void

    // Everything below is protected by `condition`.
    private let condition = NSCondition()
    private var queue: RingBuffer<Queued>
    /// Estimated nanoseconds of work in `queue`.
    private var queuedCost: UInt64 = 0
    /// Moving averages (1/8 weight to the newest): nanoseconds per embedded text (a batch's time
    /// divided by its texts) and per task.
    private var textCost: UInt64 = 0
    private var taskCost: UInt64 = 0
    private var stopping = false
    private var running = 0
    private let exited = DispatchGroup()

    /// Starts `workers` threads. `onBatch` is told the size of every encoder call (for STATS).
    /// `maxQueueDelay`: refuse jobs whose estimated wait exceeds it (nil: only `capacity` bounds the queue).
    public init(workers: Int, capacity: Int, encoder: (any TextEncoder)?, maxBatchTexts: Int,
                maxBatchWait: Duration, maxQueueDelay: Duration? = nil, logger: Logger,
                threadName: String = "recd-worker",
                onBatch: @escaping @Sendable (Int) -> Void = { _ in }) {
        precondition(workers >= 1 && capacity >= 1 && maxBatchTexts >= 1)
        self.encoder = encoder
        self.capacity = capacity
        self.workers = workers
        self.maxQueueDelay = maxQueueDelay.map { UInt64(max(0, $0.seconds) * 1e9) }
        self.maxBatchTexts = maxBatchTexts
        self.maxBatchWait = maxBatchWait
        self.logger = logger
        self.onBatch = onBatch
        self.queue = RingBuffer(capacity: capacity)
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

    /// Jobs waiting for a worker.
    public var depth: Int {
        condition.lock(); defer { condition.unlock() }
        return queue.count
    }

    /// Queues an embed job; false when the queue is full or the pool is stopping.
    public func submitEmbed(_ job: EmbedJob) -> Bool { submit(.embed(job)) }

    /// Queues a task; false when the queue is full or the pool is stopping.
    public func submitTask(_ task: @escaping @Sendable (HandlerContext) -> Void) -> Bool { submit(.task(task)) }

    private func submit(_ job: Job) -> Bool {
        condition.lock()
        let cost: UInt64
        switch job {
        case .embed(let e): cost = UInt64(e.texts.count) &* textCost
        case .task: cost = taskCost
        }
        guard !stopping, queue.count < capacity, admits() else {
            condition.unlock()
            return false
        }
        queue.append(Queued(job: job, cost: cost))
        queuedCost &+= cost
        condition.unlock()
        condition.signal()
        return true
    }

    /// The current estimate of one task's cost in nanoseconds (0 until a task has run).
    var estimatedTaskCost: UInt64 {
        condition.lock(); defer { condition.unlock() }
        return taskCost
    }

    /// Whether a new job may queue: its estimated wait is within `maxQueueDelay`. Caller holds `condition`.
    private func admits() -> Bool {
        guard let maxQueueDelay else { return true }
        return queuedCost / UInt64(workers) <= maxQueueDelay
    }

    /// Jobs with their estimated cost (ns), so taking a job subtracts what queuing it added.
    private struct Queued {
        var job: Job
        var cost: UInt64
    }

    /// Takes a batch's estimated cost off the queue's. Caller holds `condition`.
    private func started(_ cost: UInt64) {
        queuedCost &-= cost
    }

    /// Records a finished batch: its measured time updates the cost estimate of texts (`texts` > 0)
    /// or of tasks.
    private func finished(nanos: UInt64, texts: Int) {
        condition.lock()
        if texts > 0 {
            let perText = nanos / UInt64(texts)
            textCost = textCost == 0 ? perText : textCost - textCost / 8 + perText / 8
        } else {
            taskCost = taskCost == 0 ? nanos : taskCost - taskCost / 8 + nanos / 8
        }
        condition.unlock()
    }

    /// Lets queued jobs finish, then stops and joins the threads.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        exited.wait()
    }

    private func workerMain(index: Int) {
        var worker: (any TextEncoderWorker)?
        var workerError: (any Error)?
        if let encoder {
            do { worker = try encoder.makeWorker() } catch {
                workerError = error
                logger.error("worker \(index) could not create its encoder: \(error)")
            }
        }
        let layers = encoder?.intentLayers ?? []
        let context = HandlerContext(embed: { texts in
            if let worker { return try worker.embed(texts) }
            if let workerError { throw workerError }
            throw RequestError.unavailable("no encoder is configured; start recd with --model FILE")
        }, intentFeatures: { texts in
            if let worker { return try worker.embed(texts, layerPools: layers) }
            if let workerError { throw workerError }
            throw RequestError.unavailable("no encoder is configured; start recd with --model FILE")
        })
        while let batch = nextBatch() {
            let start = DispatchTime.now().uptimeNanoseconds
            let texts: Int
            switch batch {
            case .task(let body):
                body(context)
                texts = 0
            case .embeds(let jobs):
                runBatch(jobs, context: context)
                texts = jobs.reduce(0) { $0 + $1.texts.count }
            }
            finished(nanos: DispatchTime.now().uptimeNanoseconds - start, texts: texts)
        }
    }

    private func runBatch(_ jobs: [EmbedJob], context: HandlerContext) {
        let texts: [String] = jobs.count == 1 ? jobs[0].texts : jobs.flatMap(\.texts)
        onBatch(texts.count)
        let features = jobs.contains { $0.intentFeatures }
        let result: Result<[[Float]], any Error> = Result { try features ? context.intentFeatures(texts) : context.embed(texts) }
        switch result {
        case .failure:
            for job in jobs { job.completion(result, context) }
        case .success(let vectors) where vectors.count != texts.count:
            let error = RequestError(.internal, "encoder returned \(vectors.count) vectors for \(texts.count) texts")
            for job in jobs { job.completion(.failure(error), context) }
        case .success(let vectors):
            var start = 0
            let dimension = encoder?.dimension ?? 0
            for job in jobs {
                let end = start + job.texts.count
                var mine = jobs.count == 1 ? vectors : Array(vectors[start..<end])
                if features && !job.intentFeatures {   // an EMBED job batched with intent jobs: the embedding part
                    mine = mine.map { Array($0.prefix(dimension)) }
                }
                job.completion(.success(mine), context)
                start = end
            }
        }
    }

    private enum Batch {
        case task(@Sendable (HandlerContext) -> Void)
        case embeds([EmbedJob])
    }

    /// Blocks for the next job; collects queued embed jobs behind an embed job into one batch.
    /// Its estimated cost leaves the queue's estimate now.
    private func nextBatch() -> Batch? {
        condition.lock(); defer { condition.unlock() }
        while queue.isEmpty {
            if stopping { return nil }
            condition.wait()
        }
        let head = queue.removeFirst()
        var cost = head.cost
        defer { started(cost) }
        switch head.job {
        case .task(let body):
            return .task(body)
        case .embed(let first):
            var jobs = [first]
            var count = first.texts.count
            takeQueuedEmbeds(into: &jobs, count: &count, cost: &cost)
            if count < maxBatchTexts && maxBatchWait > .zero && !stopping {
                let deadline = Date().addingTimeInterval(maxBatchWait.seconds)
                while count < maxBatchTexts && !stopping {
                    if !condition.wait(until: deadline) { break }
                    let before = jobs.count
                    takeQueuedEmbeds(into: &jobs, count: &count, cost: &cost)
                    if jobs.count == before && !queue.isEmpty { break }  // a task is next: stop waiting
                }
            }
            if !queue.isEmpty { condition.signal() }  // leave the rest to another worker
            return .embeds(jobs)
        }
    }

    private func takeQueuedEmbeds(into jobs: inout [EmbedJob], count: inout Int, cost: inout UInt64) {
        while let head = queue.first, case .embed(let next) = head.job, count + next.texts.count <= maxBatchTexts {
            _ = queue.removeFirst()
            jobs.append(next)
            count += next.texts.count
            cost &+= head.cost
        }
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}
