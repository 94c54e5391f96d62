import Foundation
import Logging
@testable import RecdServer
import Testing

/// Light embed jobs run between the blocks of a bulk batch (`light_preemption`).
///
/// The stand-in encoder sleeps 100 ms per text in six "blocks" and calls the worker's between-blocks hook
/// between them, so a bulk batch of six texts runs 600 ms and a light job of one text 100 ms.
@Suite struct LightPreemptionTests {
    let logger = Logger(label: "test")
    static let bulk = CallerFlow(id: 1, depth: 50)
    static let light = CallerFlow(id: 2, depth: 1)

    /// When each job completed (ns) and what it got back.
    final class Completions: Sendable {
        let order = Locked<[String]>([])
        let vectors = Locked<[String: [[Float]]]>([:])
        let done = DispatchGroup()
    }

    func pool(workers: Int, preemption: Bool, log: BatchLog, encoder: HashingEncoder? = nil) -> WorkerPool {
        let encoder = encoder ?? HashingEncoder(dimension: 8, delayPerText: .milliseconds(100), blocks: 6, onBatch: log.add)
        return WorkerPool(workers: workers, capacity: 64, encoder: encoder,
                          batching: BatchPolicy(maxTexts: 32, maxWait: 0), logger: logger, lightPreemption: preemption)
    }

    func submit(_ pool: WorkerPool, _ name: String, texts: [String], flow: CallerFlow, _ c: Completions) {
        c.done.enter()
        #expect(pool.submitEmbed(.init(texts: texts) { result, _ in
            c.order.withLock { $0.append(name) }
            c.vectors.withLock { $0[name] = try? result.get() }
            c.done.leave()
        }, flow: flow))
    }

    static let bulkTexts = (0..<6).map { "bulk text \($0)" }

    /// Waits until the encoder has begun `count` calls (it logs a call as it begins it), for at most 10 s:
    /// a fixed 50 ms sleep assumed a new worker thread started the bulk batch within it.
    static func waitForCalls(_ log: BatchLog, _ count: Int) {
        for _ in 0..<2_000 where log.all.count < count { Thread.sleep(forTimeInterval: 0.005) }
    }

    /// What happened when a bulk job of six texts (600 ms) was followed, 50 ms in, by a light one-text job.
    struct Outcome {
        var order: [String]
        var calls: [[String]]
        var betweenBlocks: Int
        var vectors: [String: [[Float]]]
        var encoder: HashingEncoder
    }

    func bulkThenLight(workers: Int, preemption: Bool) -> Outcome {
        let log = BatchLog()
        let encoder = HashingEncoder(dimension: 8, delayPerText: .milliseconds(100), blocks: 6, onBatch: log.add)
        let pool = pool(workers: workers, preemption: preemption, log: log, encoder: encoder)
        defer { pool.shutdown() }
        let c = Completions()
        submit(pool, "bulk", texts: Self.bulkTexts, flow: Self.bulk, c)
        Self.waitForCalls(log, 1)   // the worker is inside the bulk batch's first block
        submit(pool, "light", texts: ["a light query"], flow: Self.light, c)
        #expect(c.done.wait(timeout: .now() + 10) == .success)
        return Outcome(order: c.order.withLock { $0 }, calls: log.all, betweenBlocks: pool.lightBatchesBetweenBlocks,
                       vectors: c.vectors.withLock { $0 }, encoder: encoder)
    }

    @Test func aLightJobIsAnsweredInsideARunningBulkBatch() throws {
        let o = bulkThenLight(workers: 1, preemption: true)
        #expect(o.order == ["light", "bulk"])
        #expect(o.calls == [Self.bulkTexts, ["a light query"]])   // the bulk call began first
        #expect(o.betweenBlocks == 1)
        // Both got their own texts' vectors: the paused batch's results are untouched.
        #expect(o.vectors["light"] == [o.encoder.vector("a light query")])
        #expect(o.vectors["bulk"] == Self.bulkTexts.map(o.encoder.vector))
    }

    /// The control: the same pool without the option answers the light job after the bulk batch.
    @Test func withoutTheOptionTheLightJobWaitsForTheBatch() throws {
        let o = bulkThenLight(workers: 1, preemption: false)
        #expect(o.order == ["bulk", "light"])
        #expect(o.betweenBlocks == 0)
    }

    /// With another worker idle, that worker takes the light job; the bulk batch is not interrupted.
    @Test func anIdleWorkerTakesTheLightJobItself() throws {
        let o = bulkThenLight(workers: 2, preemption: true)
        #expect(o.order == ["light", "bulk"])
        #expect(o.betweenBlocks == 0)
    }

    /// A light batch never interrupts another light batch, nor is a bulk job run in between.
    @Test func onlyABulkBatchIsInterruptedAndOnlyByLightJobs() throws {
        let log = BatchLog()
        // "light 1" is held inside its call until the other two are queued, then runs 5 ms more: the bulk
        // job has not waited the 100 ms after which bulk goes first (with a 50 ms sleep in place of the
        // gate, a worker late by 50 ms on a loaded machine would have let it).
        let held = HeldCall(["a light text"])
        let encoder = HashingEncoder(dimension: 8, delayPerText: .milliseconds(5), blocks: 6) { log.add($0); held.hold($0) }
        let pool = pool(workers: 1, preemption: true, log: log, encoder: encoder)
        defer { pool.shutdown() }
        let c = Completions()
        submit(pool, "light 1", texts: ["a light text"], flow: Self.light, c)
        #expect(held.waitUntilHeld())
        submit(pool, "light 2", texts: ["another light query"], flow: CallerFlow(id: 3, depth: 1), c)
        submit(pool, "bulk", texts: ["bulk text"], flow: Self.bulk, c)
        held.release()
        #expect(c.done.wait(timeout: .now() + 10) == .success)
        #expect(c.order.withLock { $0 } == ["light 1", "light 2", "bulk"])
        #expect(pool.lightBatchesBetweenBlocks == 0)
    }

    /// A task waiting in the light lane is not run in between (it may embed with the worker's own,
    /// paused encoder): it runs after the bulk batch.
    @Test func aLightTaskWaitsForTheBulkBatch() throws {
        let log = BatchLog()
        let pool = pool(workers: 1, preemption: true, log: log)
        defer { pool.shutdown() }
        let c = Completions()
        submit(pool, "bulk", texts: Self.bulkTexts, flow: Self.bulk, c)
        Self.waitForCalls(log, 1)
        c.done.enter()
        #expect(pool.submitTask(flow: Self.light) { _ in
            c.order.withLock { $0.append("task") }
            c.done.leave()
        })
        #expect(c.done.wait(timeout: .now() + 10) == .success)
        #expect(c.order.withLock { $0 } == ["bulk", "task"])
        #expect(pool.lightBatchesBetweenBlocks == 0)
    }
}
