import Foundation

/// Light requests between the blocks of a bulk batch.
///
/// A light caller's request (``PoolQueue``'s light lane) is taken before bulk work, but only when a
/// worker is free to take anything: with every worker inside a long bulk batch — a flood's, or a bulk
/// client's batch of 32 texts — it waits for the first of them to end, up to a whole batch. So a worker
/// running a bulk batch checks the light lane after each transformer block (the encoder's
/// ``TextEncoderWorker/setBetweenBlocks(_:)`` hook, five times per MiniLM pass) and, when light embed jobs
/// wait and no other worker is free, runs them there and then on a second, small encoder worker with
/// scratch of its own, replies, and resumes the paused batch. The light request then waits for at most
/// one block instead of a batch; the bulk batch is later by the light pass, which is the priority the
/// light lane already gives. Tasks are never run in between (a task may embed with the worker's own
/// encoder, whose scratch holds the paused batch). Why blocks and not a request's own batch: the
/// encoder's passes are not resumable mid-GEMM, and between two blocks the paused pass holds no lock,
/// no GEMM and no helper thread.
extension WorkerPool {
    /// Most texts one light batch run between blocks takes (the second worker's batch size); a first job
    /// with more is still taken whole (its encoder call runs in chunks).
    static let betweenBlocksTexts = 4

    /// Between two blocks of a bulk batch: when light embed jobs wait and every worker
    /// is busy, takes them from the light lane (up to ``betweenBlocksTexts`` texts), runs them with
    /// `context` (the worker's second encoder), completes them and returns the nanoseconds this took;
    /// 0 when it ran nothing.
    func runLightBetweenBlocks(context: HandlerContext) -> UInt64 {
        lock.lock()
        // A free worker (parked, collecting) takes a light job itself; stopping workers take nothing new.
        guard !stopping, queue.light.jobs > 0, busy >= workers, collecting == 0 else {
            lock.unlock()
            return 0
        }
        let took = monotonicNanos()
        var jobs: [EmbedJob] = [], count = 0, oldest = took
        while let head = queue.first(.light), case .embed(let job) = head.job,
              jobs.isEmpty || count + job.texts.count <= Self.betweenBlocksTexts {
            guard let taken = queue.removeFirst(.light) else { break }
            if jobs.isEmpty {
                noteTaken(taken, from: .light, at: took)
                oldest = taken.enqueued
            }
            jobs.append(job)
            count += job.texts.count
        }
        guard !jobs.isEmpty else {
            lock.unlock()
            return 0
        }
        runningTexts += count
        lightRunsBetweenBlocks += 1
        lock.unlock()
        let texts = runBatch(jobs, context: context)
        let run = monotonicNanos() &- took
        lock.lock()
        runningTexts -= count
        costs.recordBatch(texts: texts, nanos: run)
        lock.unlock()
        onBatch(BatchReport(texts: texts, jobs: jobs.count, oldestWaitNanos: took &- oldest, runNanos: run, lane: .light))
        return run
    }

    /// Light batches run between a bulk batch's blocks since the pool started.
    public var lightBatchesBetweenBlocks: Int {
        lock.lock(); defer { lock.unlock() }
        return lightRunsBetweenBlocks
    }
}
