import Foundation
import Logging
import RecdProtocol
@testable import RecdServer
import Testing

/// Records every encoder call's texts.
final class BatchLog: Sendable {
    let batches = Locked<[[String]]>([])
    func add(_ texts: [String]) { batches.withLock { $0.append(texts) } }
    var all: [[String]] { batches.withLock { $0 } }
}

/// Holds the worker inside the encoder call for `texts` until ``release()``, so a test can queue work
/// behind it without sleeping: call ``hold(_:)`` from the stand-in encoder's `onBatch`.
final class HeldCall: Sendable {
    let texts: [String]
    private let started = DispatchSemaphore(value: 0), gate = DispatchSemaphore(value: 0)
    init(_ texts: [String]) { self.texts = texts }
    /// On the worker: blocks when this is the held call.
    func hold(_ texts: [String]) { if texts == self.texts { started.signal(); gate.wait() } }
    /// On the test: whether the worker entered the held call within 10 s.
    func waitUntilHeld() -> Bool { started.wait(timeout: .now() + 10) == .success }
    func release() { gate.signal() }
}

@Suite struct WorkerPoolTests {
    let logger = Logger(label: "test")

    @Test func concurrentEmbedsAreBatchedIntoOneEncoderCall() throws {
        let log = BatchLog()
        // One worker, held inside its first call: the next requests queue up meanwhile and must come out
        // as one batch.
        let held = HeldCall(["first"])
        let encoder = HashingEncoder(dimension: 8) { log.add($0); held.hold($0) }
        let pool = WorkerPool(workers: 1, capacity: 64, encoder: encoder, maxBatchTexts: 32,
                              maxBatchWait: .zero, logger: logger)
        defer { pool.shutdown() }
        let done = DispatchGroup()
        let results = Locked<[String: [Float]]>([:])
        func submit(_ text: String) {
            done.enter()
            #expect(pool.submitEmbed(.init(texts: [text]) { result, _ in
                results.withLock { $0[text] = try! result.get()[0] }
                done.leave()
            }))
        }
        submit("first")
        #expect(held.waitUntilHeld())  // the worker is now inside the first call
        for i in 0..<10 { submit("text \(i)") }
        held.release()
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(log.all.count == 2, "expected 2 encoder calls, got \(log.all.map(\.count))")
        #expect(log.all.last?.count == 10)
        // Every job got its own text's vector back, not a neighbour's.
        for i in 0..<10 {
            #expect(results.withLock { $0["text \(i)"] } == encoder.vector("text \(i)"))
        }
    }

    @Test func batchesNeverExceedMaxBatchTexts() throws {
        let log = BatchLog()
        let encoder = HashingEncoder(dimension: 8, delay: .milliseconds(100), onBatch: log.add)
        let pool = WorkerPool(workers: 1, capacity: 64, encoder: encoder, maxBatchTexts: 4,
                              maxBatchWait: .zero, logger: logger)
        defer { pool.shutdown() }
        let done = DispatchGroup()
        for i in 0..<11 {
            done.enter()
            _ = pool.submitEmbed(.init(texts: ["t\(i)"]) { _, _ in done.leave() })
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(log.all.allSatisfy { $0.count <= 4 })
        #expect(log.all.map(\.count).reduce(0, +) == 11)
    }

    /// The batch sizes of ten one-text jobs from `flow` queued behind a busy worker (one worker), on a model
    /// whose batches cost 10 ms per text.
    func batchSizesBehindABusyWorker(_ batching: BatchPolicy, flow: CallerFlow = .anonymous) -> [Int] {
        let log = BatchLog()
        // "first" holds the worker inside its call until the ten are queued: a fixed 3 ms sleep, then a
        // 1 ms poll for the call to start, each let a loaded CI run batch the ten in two parts.
        let held = HeldCall(["first"])
        let encoder = HashingEncoder(dimension: 8, delayPerText: .milliseconds(10)) { log.add($0); held.hold($0) }
        let pool = WorkerPool(workers: 1, capacity: 64, encoder: encoder, batching: batching, logger: logger,
                              warmUp: { _ in })
        defer { pool.shutdown() }
        pool.waitUntilWarm()
        let warmUpCalls = log.all.count
        let done = DispatchGroup()
        func submit(_ text: String) {
            done.enter()
            #expect(pool.submitEmbed(.init(texts: [text]) { _, _ in done.leave() }, flow: flow))
        }
        submit("first")
        #expect(held.waitUntilHeld())
        for i in 0..<10 { submit("text \(i)") }
        held.release()
        #expect(done.wait(timeout: .now() + 10) == .success)
        return log.all.dropFirst(warmUpCalls + 1).map(\.count)
    }

    /// With a 25 ms run budget the ten texts come out in batches of at most 2 (10 ms alone + 10 ms per
    /// further text); without a budget, as one batch of 10 (the control: the same pool otherwise).
    @Test func theBatchRunBudgetCutsBatchesOfAModelThatDoesNotAmortise() throws {
        let budgeted = batchSizesBehindABusyWorker(BatchPolicy(maxTexts: 32, maxWait: 0, maxRunNanos: 25_000_000))
        #expect(budgeted.reduce(0, +) == 10)
        #expect(budgeted.allSatisfy { $0 <= 2 }, "batches \(budgeted)")
        let unbudgeted = batchSizesBehindABusyWorker(BatchPolicy(maxTexts: 32, maxWait: 0))
        #expect(unbudgeted == [10], "batches \(unbudgeted)")
    }

    /// The same ten texts with a 25 ms budget for bulk batches only: from a bulk connection they come out
    /// in batches of at most 2, from a light one as one batch of 10.
    @Test func theBulkBudgetCutsOnlyBulkBatches() throws {
        let policy = BatchPolicy(maxTexts: 32, maxWait: 0, bulkMaxRunNanos: 25_000_000)
        let bulk = batchSizesBehindABusyWorker(policy, flow: CallerFlow(id: 1, depth: 50))
        #expect(bulk.reduce(0, +) == 10)
        #expect(bulk.allSatisfy { $0 <= 2 }, "batches \(bulk)")
        let light = batchSizesBehindABusyWorker(policy, flow: CallerFlow(id: 1, depth: 1))
        #expect(light == [10], "batches \(light)")
    }

    @Test func batchWaitCollectsRequestsArrivingWhileTheOtherWorkerIsBusy() throws {
        let log = BatchLog()
        let encoder = HashingEncoder(dimension: 8, onBatch: log.add)
        let pool = WorkerPool(workers: 2, capacity: 64, encoder: encoder,
                              batching: BatchPolicy(maxTexts: 3, maxWait: 2_000_000_000, idleGap: 500_000_000), logger: logger)
        defer { pool.shutdown() }
        let release = DispatchSemaphore(value: 0)
        let blocked = DispatchSemaphore(value: 0)
        #expect(pool.submitTask { _ in blocked.signal(); release.wait() })   // the other worker is busy
        blocked.wait()
        let done = DispatchGroup()
        for i in 0..<3 {
            done.enter()
            _ = pool.submitEmbed(.init(texts: ["t\(i)"]) { _, _ in done.leave() })
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        release.signal()
        #expect(log.all.map(\.count) == [3], "three requests 20 ms apart share one call while the other worker is busy")
    }

    @Test func aLoneRequestDoesNotWaitForCompany() throws {
        let log = BatchLog()
        let encoder = HashingEncoder(dimension: 8, onBatch: log.add)
        // A wait long enough to see: a lone request must not pay it.
        let pool = WorkerPool(workers: 2, capacity: 64, encoder: encoder, maxBatchTexts: 32,
                              maxBatchWait: .seconds(5), logger: logger)
        defer { pool.shutdown() }
        for i in 0..<3 {
            let done = DispatchSemaphore(value: 0)
            let start = ContinuousClock.now
            #expect(pool.submitEmbed(.init(texts: ["alone \(i)"]) { _, _ in done.signal() }))
            done.wait()
            // Half the wait: a stall of a loaded machine is not mistaken for waiting for company.
            #expect(ContinuousClock.now - start < .milliseconds(2_500), "one request in flight ran without waiting for a batch")
        }
        #expect(log.all.map(\.count) == [1, 1, 1])
    }

    @Test func warmUpRunsOnEveryWorkerAndCalibratesTheCosts() throws {
        let ran = Locked(0)
        let pool = WorkerPool(workers: 2, capacity: 8, encoder: HashingEncoder(dimension: 8, delay: .milliseconds(2)),
                              batching: BatchPolicy(maxTexts: 8, maxWait: 0), logger: logger,
                              warmUp: { _ in ran.withLock { $0 += 1 } })
        defer { pool.shutdown() }
        pool.waitUntilWarm()
        #expect(ran.withLock { $0 } == 2)
        let costs = pool.serviceCosts
        #expect(costs.calibrated)
        #expect(costs.single >= 2_000_000, "the fake encoder sleeps 2 ms per call")
        #expect(pool.admissionLimitNanos == nil, "the pool was made with admission off")
    }

    @Test func fullQueueRefusesAtOnce() throws {
        // "running" holds the only worker until the queue has been tried: a submit that waited for room
        // would never return (the test's time bound catches it), and no sleep decides what is queued.
        let held = HeldCall(["running"])
        let encoder = HashingEncoder(dimension: 8, onBatch: held.hold)
        let pool = WorkerPool(workers: 1, capacity: 2, encoder: encoder, maxBatchTexts: 1,
                              maxBatchWait: .zero, logger: logger)
        defer { pool.shutdown() }
        let done = DispatchGroup()
        done.enter()
        #expect(pool.submitEmbed(.init(texts: ["running"]) { _, _ in done.leave() }))
        #expect(held.waitUntilHeld())
        #expect(pool.submitEmbed(.init(texts: ["q1"]) { _, _ in }))
        #expect(pool.submitEmbed(.init(texts: ["q2"]) { _, _ in }))
        let start = Date()
        #expect(!pool.submitEmbed(.init(texts: ["q3"]) { _, _ in }), "a third queued job must be refused")
        #expect(Date().timeIntervalSince(start) < 1, "refusal must not wait")
        #expect(pool.depth == 2)
        held.release()
        _ = done.wait(timeout: .now() + 5)
    }

    @Test func shutdownFinishesQueuedJobs() {
        let encoder = HashingEncoder(dimension: 8, delay: .milliseconds(20))
        let pool = WorkerPool(workers: 2, capacity: 16, encoder: encoder, maxBatchTexts: 1,
                              maxBatchWait: .zero, logger: logger)
        let count = Locked(0)
        for _ in 0..<8 { _ = pool.submitEmbed(.init(texts: ["x"]) { _, _ in count.withLock { $0 += 1 } }) }
        pool.shutdown()
        #expect(count.withLock { $0 } == 8)
        #expect(!pool.submitTask { _ in }, "a stopped pool takes no work")
    }
}
