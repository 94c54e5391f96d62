import Foundation
import Logging
@testable import RecdServer
import Testing

/// `worker_nice`: every worker thread lowers its own priority as it starts, the caller's thread keeps its
/// own, and the config file accepts 0...19 only.
@Suite struct WorkerNiceTests {
    let logger = Logger(label: "test")

    /// The nice value a task on `pool` sees on its worker thread.
    func niceInTask(_ pool: WorkerPool) -> Int? {
        let seen = Locked<Int?>(nil)
        let done = DispatchSemaphore(value: 0)
        #expect(pool.submitTask { _ in seen.withLock { $0 = WorkerPool.threadNice() }; done.signal() })
        #expect(done.wait(timeout: .now() + 10) == .success)
        return seen.withLock { $0 }
    }

    @Test func workersLowerTheirOwnPriorityOnly() {
        let before = WorkerPool.threadNice()
        let niced = WorkerPool(workers: 2, capacity: 8, encoder: nil, batching: BatchPolicy(maxTexts: 1, maxWait: 0),
                               logger: logger, nice: 7)
        defer { niced.shutdown() }
        let plain = WorkerPool(workers: 1, capacity: 8, encoder: nil, batching: BatchPolicy(maxTexts: 1, maxWait: 0),
                               logger: logger)
        defer { plain.shutdown() }
        // Both workers of the niced pool: two tasks held at once land on different threads.
        let hold = DispatchSemaphore(value: 0), seen = Locked<[Int]>([]), started = DispatchSemaphore(value: 0)
        for _ in 0..<2 {
            #expect(niced.submitTask { _ in seen.withLock { $0.append(WorkerPool.threadNice()) }; started.signal(); hold.wait() })
        }
        started.wait(); started.wait()
        hold.signal(); hold.signal()
        // Lowered to 7, never raised: a test run already above 7 keeps its own value.
        #expect(seen.withLock { $0 } == [max(before, 7), max(before, 7)])
        #expect(niceInTask(plain) == before, "nice 0 leaves a worker at the process's value")
        #expect(WorkerPool.threadNice() == before, "the calling thread is not changed")
    }

    @Test func configAcceptsZeroToNineteen() throws {
        func apply(_ json: String) throws -> ServerConfiguration {
            var c = ServerConfiguration()
            try configFile(json).apply(to: &c)
            return c
        }
        #expect(ServerConfiguration().workerNice == 0, "the documented default: unchanged")
        #expect(try apply(#"{"worker_nice": 5}"#).workerNice == 5)
        #expect(try apply(#"{"worker_nice": 19}"#).workerNice == 19)
        for bad in [-1, 20] {
            let e = #expect(throws: ConfigFile.Error.self) { _ = try apply("{\"worker_nice\": \(bad)}") }
            #expect(e?.description.contains("worker_nice") == true && e?.description.contains("found \(bad)") == true)
        }
        #expect(ConfigFile.knownKeys.contains("worker_nice"))
        #expect(ServerConfiguration().effectiveJSON(engines: [:]).contains("\"worker_nice\" : 0"))
    }
}
