import Foundation
import RecdModel
import RecdProtocol

/// The worker threads: warm-up, taking batches, running them.
extension WorkerPool {
    enum Batch {
        /// `sharesCores` (both cases): the encoder may split this batch's or task's GEMMs with its intra-op
        /// helper thread (``BatchPolicy/mayShareCores(otherWorkersBusy:refusing:onlyWhenAlone:)``).
        /// `lane` (both cases): where the task or the batch's first job waited (a bulk batch may run light
        /// jobs between its blocks).
        case task(@Sendable (HandlerContext) -> Void, enqueued: UInt64, sharesCores: Bool, lane: QueueLane)
        case embeds([EmbedJob], oldest: UInt64, sharesCores: Bool, lane: QueueLane)
    }

    func workerMain(index: Int) {
        Self.setKernelThreadName("\(threadName)-\(index)")
        // Only ever lowered: a thread already at this nice value or beyond keeps its own.
        if nice > 0, Self.threadNice() < nice, !Self.setThreadNice(nice) {
            logger.warning("worker \(index) could not set its nice value to \(nice): \(String(cString: strerror(errno)))")
        }
        if let cpu = WorkerPlacement.cpu(forWorker: index, among: cpus), let problem = ThreadAffinity.restrictCurrentThread(to: [cpu]) {
            logger.warning("worker \(index) could not pin itself to CPU \(cpu): \(problem)")
        }
        var worker: (any TextEncoderWorker)?
        var workerError: (any Error)?
        if let encoder {
            do { worker = try encoder.makeWorker() } catch {
                workerError = error
                logger.error("worker \(index) could not create its encoder: \(error)")
            }
        }
        let layers = encoder?.intentLayers ?? []
        func makeContext(_ worker: (any TextEncoderWorker)?) -> HandlerContext {
            HandlerContext(embed: { texts in
                if let worker { return try worker.embed(texts) }
                if let workerError { throw workerError }
                throw RequestError.unavailable("no encoder is configured; start recd with --model FILE")
            }, intentFeatures: { texts in
                if let worker { return try worker.embed(texts, layerPools: layers) }
                if let workerError { throw workerError }
                throw RequestError.unavailable("no encoder is configured; start recd with --model FILE")
            })
        }
        let context = makeContext(worker)
        // The second, small worker for light jobs run between a bulk batch's blocks: its own scratch, so
        // the paused batch's is untouched.
        // `inBetween`: what the light batches run in between took during the current bulk batch (ns).
        var betweenBlocks: (() -> Void)?, inBetween: UInt64 = 0
        if lightPreemption, worker != nil, let encoder {
            do {
                let smallContext = makeContext(try encoder.makeWorker(maxBatch: Self.betweenBlocksTexts))
                betweenBlocks = { inBetween &+= self.runLightBetweenBlocks(context: smallContext) }
            } catch {
                logger.warning("worker \(index) runs without light jobs between blocks: its second encoder failed: \(error)")
            }
        }
        if let warmUp {
            // One worker at a time, so each times its passes without the others competing for the cores.
            warmUpLock.lock()
            if worker != nil { warmEncoder(context) }
            warmUp(context)
            warmUpLock.unlock()
            warmCondition.lock(); warmed += 1; warmCondition.broadcast(); warmCondition.unlock()
        }
        while let batch = nextBatch(index) {
            let start = monotonicNanos()
            switch batch {
            case .task(let body, let enqueued, let sharesCores, let lane):
                PackedGEMM.allowHelperOnThisThread(sharesCores)
                body(context)
                finished(index, BatchReport(texts: 0, jobs: 1, oldestWaitNanos: start &- enqueued, runNanos: monotonicNanos() &- start,
                                            lane: lane))
            case .embeds(let jobs, let oldest, let sharesCores, let lane):
                PackedGEMM.allowHelperOnThisThread(sharesCores)
                let hook = lane == .bulk ? betweenBlocks : nil
                inBetween = 0
                if let hook { worker?.setBetweenBlocks(hook) }
                let texts = runBatch(jobs, context: context)
                if hook != nil { worker?.setBetweenBlocks(nil) }
                // The light batches run in between are reported on their own, not as this batch's time.
                finished(index, BatchReport(texts: texts, jobs: jobs.count, oldestWaitNanos: start &- oldest,
                                     runNanos: (monotonicNanos() &- start) &- inBetween, lane: lane))
            }
        }
    }

    /// Names the calling thread for the kernel (15 bytes at most), so perf, `top -H` and /proc show
    /// `recd-rank-0` rather than the executable's name: Foundation's `Thread.name` does not reach the
    /// kernel on Linux, and `pthread_setname_np` is not exported to Swift there. Best effort.
    static func setKernelThreadName(_ name: String) {
        #if os(Linux)
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        #endif
    }

    /// Sets the calling thread's nice value (on Linux a nice value belongs to a thread, and
    /// `setpriority(PRIO_PROCESS, 0, …)` changes the caller's alone). Lowering one's own priority needs
    /// no privilege. Returns false if the kernel refused.
    static func setThreadNice(_ value: Int) -> Bool {
        #if os(Linux)
        return setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Int32(value)) == 0
        #else
        return setpriority(PRIO_PROCESS, 0, Int32(value)) == 0
        #endif
    }

    /// The calling thread's nice value.
    static func threadNice() -> Int {
        #if os(Linux)
        return Int(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
        #else
        return Int(getpriority(PRIO_PROCESS, 0))
        #endif
    }

    /// First passes on this worker's scratch memory (page faults, first-use paths), outside any request,
    /// timed to calibrate ``ServiceCosts`` (one text, then eight), so the admission estimate holds from
    /// the first request. An encoder whose first call takes over 100 ms (a test stand-in that sleeps, or a
    /// machine far too loaded to time anything) is calibrated from that call alone.
    func warmEncoder(_ context: HandlerContext) {
        func timed(_ texts: [String]) -> UInt64? {
            let start = monotonicNanos()
            guard (try? context.intentFeatures(texts)) != nil else { return nil }
            return monotonicNanos() &- start
        }
        let eight = Self.warmUpQueries
        guard let first = timed(eight) else { return }
        var one: UInt64?, batch: UInt64?
        if first < 100_000_000 {
            for round in 0..<3 {
                if let t = timed([eight[round]]) { one = min(one ?? t, t) }
                if let t = timed(eight) { batch = min(batch ?? t, t) }
            }
        }
        lock.lock()
        if let one { costs.calibrate(single: one, batch: batch, texts: eight.count) } else { costs.calibrate(single: first) }
        lock.unlock()
    }

    /// Eight short queries, the shape of typical traffic.
    static let warmUpQueries = [
        "where is my order", "red running shoes under $50", "cancel my subscription", "gift ideas for my sister",
        "how do i reset my password", "a gentle moisturiser for dry skin", "matte lipstick that lasts all day",
        "i want to return these headphones",
    ]

    /// Blocks until every worker ran its warm-up (returns at once for a pool without one).
    public func waitUntilWarm() {
        guard warmUp != nil else { return }
        warmCondition.lock(); defer { warmCondition.unlock() }
        while warmed < workers { warmCondition.wait() }
    }

    /// Records a finished batch or task: its measured time updates the estimates, and a worker
    /// holding a partial batch re-decides now that this one is no longer busy.
    private func finished(_ index: Int, _ report: BatchReport) {
        lock.lock()
        activity[index] = WorkerActivity(phase: .finishing, since: monotonicNanos())
        busy -= 1
        runningTexts -= report.texts
        if report.texts > 0 { runningBatches -= 1 }
        if report.texts > 0 {
            costs.recordBatch(texts: report.texts, nanos: report.runNanos)
        } else {
            costs.recordTask(nanos: report.runNanos)
        }
        let collectors = parking.wakeCollectors()
        for w in collectors { activity[w].claimed = monotonicNanos() }
        lock.unlock()
        for w in collectors { parkers[w].signal() }
        onBatch(report)
    }

    /// Runs one encoder call for `jobs` and completes each; returns the texts embedded.
    func runBatch(_ jobs: [EmbedJob], context: HandlerContext) -> Int {
        let texts: [String] = jobs.count == 1 ? jobs[0].texts : jobs.flatMap(\.texts)
        for job in jobs { job.trace?.start() }
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
        return texts.count
    }

    /// Blocks for the next job; collects queued embed jobs behind an embed job into one batch, waiting
    /// for more while ``BatchPolicy`` says so. Its estimated cost leaves the queue's estimate now.
    /// Jobs left queued behind it go to a parked worker (``WorkerParking``), woken after unlocking.
    private func nextBatch(_ index: Int) -> Batch? {
        lock.lock()
        var stall: StallReport?
        let batch = takeBatch(index, stall: &stall)
        let pass = batch != nil && !queue.isEmpty ? parking.wakeForBacklog() : nil
        if let pass { activity[pass].claimed = monotonicNanos() }
        lock.unlock()
        if let pass { parkers[pass].signal() }
        if let stall { logger.warning("\(stall)") }
        return batch
    }

    /// Parks this worker until a wake-up claims it. Caller holds `lock`; holds it again on return.
    private func parkIdle(_ index: Int) {
        parking.parkIdle(index)
        activity[index].claimed = 0
        lock.unlock()
        parkers[index].wait()
        lock.lock()
    }

    /// Parks this worker, holding a partial batch, until a wake-up or `until` (monotonic ns). Caller
    /// holds `lock`; holds it again on return.
    private func parkCollecting(_ index: Int, until: UInt64) {
        parking.parkCollecting(index)
        activity[index].claimed = 0
        lock.unlock()
        let now = monotonicNanos()
        let timedOut = until > now
            ? parkers[index].wait(timeout: .now() + .nanoseconds(Int(min(until - now, UInt64(Int.max))))) == .timedOut
            : true
        lock.lock()
        if timedOut && !parking.unparkAfterTimeout(index) {
            // A wake-up claimed this worker as the wait ran out: its post is on the way; consume it
            // so the next park does not return at once.
            lock.unlock()
            parkers[index].wait()
            lock.lock()
        }
    }

    /// The next batch or task, parking while the queue is empty; nil once stopping. Caller holds `lock`.
    private func takeBatch(_ index: Int, stall: inout StallReport?) -> Batch? {
        var parkedAt: UInt64 = 0, wokeAt: UInt64 = 0
        while queue.isEmpty {
            if stopping { return nil }
            parkedAt = monotonicNanos()
            activity[index] = WorkerActivity(phase: .parked, since: parkedAt)
            parkIdle(index)
            wokeAt = monotonicNanos()
        }
        let took = monotonicNanos()
        guard let next = queue.removeNext(now: took) else { preconditionFailure("a non-empty queue gave no job") }
        let head = next.entry, lane = next.lane
        noteTaken(head, from: lane, at: took)
        // Only while some worker is parked (this one included, until it takes the job): a job that waited
        // while every worker was busy is plain queueing, already in the slow log as `queued`, and
        // reporting each such job would flood the log under overload.
        if stallReportNanos > 0, took &- head.enqueued > stallReportNanos, activity.contains(where: { $0.phase == .parked }) {
            stall = StallReport(pool: threadName, worker: index, waitedNanos: took &- head.enqueued, queued: queue.count + 1,
                                wokeNanosAgo: wokeAt == 0 ? 0 : took &- wokeAt,
                                parkedNanos: wokeAt == 0 ? 0 : wokeAt &- parkedAt,
                                activities: activity.map { $0.describe(at: took) })
        }
        activity[index] = WorkerActivity(phase: .running, since: took)
        defer { busy += 1 }
        switch head.job {
        case .task(let body):
            activity[index].expectedEnd = took &+ costs.task
            return .task(body, enqueued: head.enqueued, sharesCores: mayShareCores(now: took), lane: lane)
        case .embed(let first):
            var jobs = [first]
            var count = first.texts.count
            // A light caller's batch does not carry a standing bulk queue's texts: it would run as long as
            // the flood's batches, which is what the light lane is for avoiding.
            let lightOnly = lane == .light && control.bulk.standing
            collecting += 1   // before the first take: `fairShare` counts this worker as collecting
            defer { collecting -= 1 }
            takeQueuedEmbeds(into: &jobs, count: &count, lightOnly: lightOnly, lane: lane)
            let started = monotonicNanos()
            while !stopping && count < fairShare(holding: count, lane: lane) {
                let others = busy   // this worker is not counted in `busy` yet
                let idle = workers - 1 - others - (collecting - 1)
                let decision = batching.decide(texts: count, otherWorkersBusy: others, otherWorkersIdle: idle,
                                               started: started, lastArrival: lastArrival, now: monotonicNanos())
                guard case .wait(let until) = decision else { break }
                parkCollecting(index, until: until)
                let before = jobs.count
                takeQueuedEmbeds(into: &jobs, count: &count, lightOnly: lightOnly, lane: lane)
                if jobs.count == before && !queue.isEmpty { break }  // a task (or an oversized job) is next: run
            }
            runningTexts += count
            runningBatches += 1
            activity[index].expectedEnd = monotonicNanos() &+ costs.queuedWork(texts: count, tasks: 0, maxBatch: count)
            return .embeds(jobs, oldest: head.enqueued, sharesCores: mayShareCores(now: monotonicNanos()), lane: lane)
        }
    }

    /// Whether the batch or task a worker starts now may use the encoder's intra-op helper: no other worker
    /// is busy and nothing was refused lately (``BatchPolicy/mayShareCores(otherWorkersBusy:refusing:onlyWhenAlone:)``).
    /// Caller holds `lock`; this worker is not counted in `busy` yet.
    func mayShareCores(now: UInt64) -> Bool {
        BatchPolicy.mayShareCores(otherWorkersBusy: busy, refusing: refusingLately(now: now), onlyWhenAlone: helperOnlyWhenAlone)
    }

    /// Most texts a worker holding `count` may take now (``BatchPolicy/share(ownTexts:queuedTexts:runningTexts:sharingWorkers:)``):
    /// shared with the idle workers and those running embed batches, and no more than the batch run
    /// budget for a batch headed from `lane` allows (``BatchPolicy/textsWithinBudget(single:extraPerText:lane:)``).
    /// Caller holds `lock`.
    private func fairShare(holding count: Int, lane: QueueLane) -> Int {
        let idle = workers - busy - collecting   // other idle workers: this one is counted in `collecting`
        let share = batching.share(ownTexts: count, queuedTexts: queue.total.texts, runningTexts: runningTexts,
                                   sharingWorkers: 1 + max(0, idle) + runningBatches)
        let budget = batching.textsWithinBudget(single: costs.currentSingle, extraPerText: costs.extraPerText, lane: lane)
        return max(count, min(share, budget))
    }

    /// Takes queued embed jobs, in lane order, up to this worker's fair share (only light ones when
    /// `lightOnly`) for a batch whose first job came from `lane`. Caller holds `lock`.
    private func takeQueuedEmbeds(into jobs: inout [EmbedJob], count: inout Int, lightOnly: Bool, lane: QueueLane) {
        let limit = fairShare(holding: count, lane: lane)
        let now = monotonicNanos()
        while let head = queue.peekNext(now: now), case .embed(let next) = head.job, count + next.texts.count <= limit,
              !lightOnly || queue.nextLane(now: now) == .light {
            // Not shown to the standing-queue detector: CoDel judges the queue by its head (the batch's first
            // job); a job that arrived while this worker collected waited ~0 and would reset it every batch.
            guard queue.removeNext(now: now) != nil else { break }
            jobs.append(next)
            count += next.texts.count
        }
    }

    /// Tells the lane's standing-queue detector how long a job waited. Caller holds `lock`.
    func noteTaken(_ job: Queued, from lane: QueueLane, at now: UInt64) {
        guard admission.limit == .adaptive, let target = admission.limitNanos(costs) else { return }
        control.taken(from: lane, sojourn: now &- job.enqueued, target: target, now: now)
    }
}
