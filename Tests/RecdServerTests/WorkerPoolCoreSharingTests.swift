import Foundation
import Logging
import RecdModel
@testable import RecdServer
import Testing

/// Which batches may split their GEMMs with the encoder's intra-op helper thread: those that start while
/// no other worker is running (``BatchPolicy/mayShareCores(otherWorkersBusy:onlyWhenAlone:)``), set on the worker thread
/// before every batch.
@Suite struct WorkerPoolCoreSharingTests {
    let logger = Logger(label: "test")

    @Test func theRule() {
        #expect(BatchPolicy.mayShareCores(otherWorkersBusy: 0), "a lone request gets both cores")
        #expect(!BatchPolicy.mayShareCores(otherWorkersBusy: 1), "a batch next to another worker's keeps to one core")
        #expect(!BatchPolicy.mayShareCores(otherWorkersBusy: 3))
        #expect(BatchPolicy.mayShareCores(otherWorkersBusy: 1, onlyWhenAlone: false), "RECD_HELPER_ALONE=0: the earlier rule")
    }

    @Test func aBatchBesideARunningWorkerDoesNotTakeTheHelperAndALoneOneDoes() throws {
        // What the worker thread allowed while the encoder ran each text's batch.
        let allowed = Locked<[String: Bool]>([:])
        let encoder = HashingEncoder(dimension: 8, onBatch: { texts in
            allowed.withLock { $0[texts[0]] = PackedGEMM.helperAllowedOnThisThread }
        })
        let pool = WorkerPool(workers: 2, capacity: 16, encoder: encoder,
                              batching: BatchPolicy(maxTexts: 4, maxWait: 0), logger: logger)
        defer { pool.shutdown() }
        func embed(_ text: String) {
            let done = DispatchSemaphore(value: 0)
            #expect(pool.submitEmbed(.init(texts: [text]) { _, _ in done.signal() }))
            #expect(done.wait(timeout: .now() + 10) == .success)
        }
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
