import Foundation
import Logging
import RecdModel
@testable import RecdServer
import Testing

/// `worker_cpus`: each model worker pins itself to its CPU, every other thread (and the encoder's intra-op
/// helper) keeps to the CPUs left over, and the config names a CPU recd may not use.
@Suite struct WorkerPlacementTests {
    let logger = Logger(label: "test")

    @Test func theWorkersCPUsAndTheRest() throws {
        let p = try WorkerPlacement(workerCPUs: [1], allowed: [0, 1])
        #expect(p.otherCPUs == [0])
        #expect(p.cpu(forWorker: 0) == 1 && p.cpu(forWorker: 1) == 1, "more workers than CPUs share them in turn")
        let two = try WorkerPlacement(workerCPUs: [3, 1], allowed: [0, 1, 2, 3])
        #expect(two.otherCPUs == [0, 2])
        #expect(two.cpu(forWorker: 0) == 3 && two.cpu(forWorker: 1) == 1 && two.cpu(forWorker: 2) == 3)
        #expect(try WorkerPlacement(workerCPUs: [0, 1], allowed: [0, 1]).otherCPUs == [], "workers on every CPU: the rest is left alone")
        #expect(try WorkerPlacement(workerCPUs: [], allowed: [0, 1]).cpu(forWorker: 0) == nil)
    }

    @Test func aCPUOutsideTheAllowedSetOrListedTwiceIsNamed() {
        let outside = #expect(throws: ConfigFile.Error.self) { _ = try WorkerPlacement(workerCPUs: [2], allowed: [0, 1]) }
        #expect(outside?.description == "worker_cpus: CPU 2 is not one recd may run on (allowed: 0, 1)")
        let twice = #expect(throws: ConfigFile.Error.self) { _ = try WorkerPlacement(workerCPUs: [1, 1], allowed: [0, 1]) }
        #expect(twice?.description.contains("lists CPU 1 twice") == true)
        let negative = #expect(throws: ConfigFile.Error.self) { _ = try WorkerPlacement(workerCPUs: [-1], allowed: [0, 1]) }
        #expect(negative?.description.contains("CPU -1 is not one recd may run on") == true)
    }

    @Test func theConfigFileReadsAndChecksWorkerCPUs() throws {
        func apply(_ json: String) throws -> ServerConfiguration {
            var c = ServerConfiguration()
            try configFile(json).apply(to: &c)
            try c.validateLimits()
            return c
        }
        #expect(ServerConfiguration().workerCPUs == [], "the documented default: nothing pinned")
        let allowed = ThreadAffinity.cpus()
        try #require(!allowed.isEmpty)
        #expect(try apply("{\"worker_cpus\": [\(allowed.last!)]}").workerCPUs == [allowed.last!])
        let e = #expect(throws: ConfigFile.Error.self) { _ = try apply(#"{"worker_cpus": [100000]}"#) }
        #expect(e?.description.contains("worker_cpus: CPU 100000 is not one recd may run on") == true)
        #expect(ConfigFile.knownKeys.contains("worker_cpus"))
        #expect(ServerConfiguration().effectiveJSON(engines: [:]).contains("\"worker_cpus\" : ["))
    }

    @Test func eachWorkerPinsItselfAndTheCallerIsLeftAlone() {
        let allowed = ThreadAffinity.cpus()
        let cpu = allowed.last ?? 0
        let before = ThreadAffinity.cpus()
        let pool = WorkerPool(workers: 1, capacity: 4, encoder: nil, batching: BatchPolicy(maxTexts: 1, maxWait: 0),
                              logger: logger, cpus: [cpu])
        defer { pool.shutdown() }
        let seen = Locked<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        #expect(pool.submitTask { _ in seen.withLock { $0 = ThreadAffinity.cpus() }; done.signal() })
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(seen.withLock { $0 } == [cpu], "the worker runs on its CPU only")
        #expect(ThreadAffinity.cpus() == before, "the thread that made the pool keeps its CPUs")
    }

    @Test func theIntraOpHelperKeepsToTheCPUsItIsGiven() throws {
        let allowed = ThreadAffinity.cpus()
        try #require(!allowed.isEmpty)
        #expect(ThreadAffinity.startIntraOpHelper())
        var tid: Int32 = 0
        for _ in 0..<2_000 where tid == 0 {
            tid = ThreadAffinity.intraOpHelperThreadID
            if tid == 0 { Thread.sleep(forTimeInterval: 0.005) }
        }
        try #require(tid != 0, "the helper thread never ran")
        defer { _ = ThreadAffinity.restrictIntraOpHelper(to: allowed) }   // the process-wide helper, for the other tests
        #expect(ThreadAffinity.restrictIntraOpHelper(to: [allowed[0]]) == nil)
        #expect(ThreadAffinity.cpus(ofThread: tid) == [allowed[0]])
        #expect(ThreadAffinity.restrictIntraOpHelper(to: allowed) == nil)
        #expect(ThreadAffinity.cpus(ofThread: tid) == allowed)
        #expect(ThreadAffinity.restrictIntraOpHelper(to: []) != nil, "an empty list is refused")
    }
}
