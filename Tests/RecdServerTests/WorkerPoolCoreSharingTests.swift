import Foundation
import Logging
import RecdModel
@testable import RecdServer
import Testing

/// Which batches may split their GEMMs with the encoder's intra-op helper thread: those that start while
/// no other worker is running (``BatchPolicy/mayShareCores(otherWorkersBusy:refusing:onlyWhenAlone:)``), set on the worker thread
/// before every batch.
@Suite struct WorkerPoolCoreSharingTests {
    let logger = Logger(label: "test")

    @Test func theRule() {
        #expect(BatchPolicy.mayShareCores(otherWorkersBusy: 0), "a lone request gets both cores")
        #expect(!BatchPolicy.mayShareCores(otherWorkersBusy: 1), "a batch next to another worker's keeps to one core")
        #expect(!BatchPolicy.mayShareCores(otherWorkersBusy: 3))
        #expect(BatchPolicy.mayShareCores(otherWorkersBusy: 1, onlyWhenAlone: false), "RECD_HELPER_ALONE=0: the earlier rule")
        #expect(!BatchPolicy.mayShareCores(otherWorkersBusy: 0, refusing: true), "a pool answering BUSY leaves the second core to the event loop")
        #expect(!BatchPolicy.mayShareCores(otherWorkersBusy: 0, refusing: true, onlyWhenAlone: false))
    }

    /// A pool whose encoder records, by each batch's first text, whether the worker thread allowed the
    /// helper while it ran (`allowed`).
    func recordingPool(workers: Int, capacity: Int) -> (pool: WorkerPool, allowed: Locked<[String: Bool]>) {
        let allowed = Locked<[String: Bool]>([:])
        let encoder = HashingEncoder(dimension: 8, onBatch: { texts in
            allowed.withLock { $0[texts[0]] = PackedGEMM.helperAllowedOnThisThread }
        })
        let pool = WorkerPool(workers: workers, capacity: capacity, encoder: encoder,
                              batching: BatchPolicy(maxTexts: 4, maxWait: 0), logger: logger)
        return (pool, allowed)
    }

    /// Embeds `text` on `pool` and waits for the answer.
    func embed(_ pool: WorkerPool, _ text: String) {
        let done = DispatchSemaphore(value: 0)
        #expect(pool.submitEmbed(.init(texts: [text]) { _, _ in done.signal() }))
        #expect(done.wait(timeout: .now() + 10) == .success)
    }

    @Test func noBatchTakesTheHelperWhileThePoolRefuses() throws {
        let (pool, allowed) = recordingPool(workers: 1, capacity: 1)
        defer { pool.shutdown() }
        func setMemory(_ nanos: UInt64) { pool.lock.lock(); pool.refusalMemory = nanos; pool.lock.unlock() }
        func embed(_ text: String) { self.embed(pool, text) }
        embed("before any refusal")
        // A refusal: one task runs, one waits (the queue's capacity), a third job is refused.
        setMemory(3_600_000_000_000)   // an hour: the next batches fall within it however slow the host
        let release = DispatchSemaphore(value: 0), running = DispatchSemaphore(value: 0)
        #expect(pool.submitTask { _ in running.signal(); release.wait() })
        running.wait()
        let queuedDone = DispatchSemaphore(value: 0)
        #expect(pool.submitTask { _ in queuedDone.signal() })
        #expect(!pool.submitEmbed(.init(texts: ["refused"]) { _, _ in }), "the full queue refuses")
        release.signal()
        #expect(queuedDone.wait(timeout: .now() + 10) == .success)
        embed("while refusing")
        setMemory(0)   // the refusal is now older than the memory
        embed("after refusing")
        #expect(allowed.withLock { $0 } == ["before any refusal": true, "while refusing": false, "after refusing": true],
                "found \(allowed.withLock { $0 })")
    }

    @Test func aBatchBesideARunningWorkerDoesNotTakeTheHelperAndALoneOneDoes() throws {
        // What the worker thread allowed while the encoder ran each text's batch.
        let (pool, allowed) = recordingPool(workers: 2, capacity: 16)
        defer { pool.shutdown() }
        func embed(_ text: String) { self.embed(pool, text) }
        embed("alone")
        let release = DispatchSemaphore(value: 0), running = DispatchSemaphore(value: 0)
        #expect(pool.submitTask { _ in running.signal(); release.wait() })
        running.wait()
        embed("beside a running task")
        release.signal()
        // The task's worker finishes: wait for the pool to count no worker busy (a fixed 50 ms sleep
        // assumed the woken thread ran within it).
        for _ in 0..<2_000 {
            pool.lock.lock(); let busy = pool.busy; pool.lock.unlock()
            if busy == 0 { break }
            Thread.sleep(forTimeInterval: 0.005)
        }
        embed("alone again")
        #expect(allowed.withLock { $0 } == ["alone": true, "beside a running task": false, "alone again": true],
                "the flag is set per batch: found \(allowed.withLock { $0 })")
    }
}
