import Foundation
import Logging
@testable import RecdServer
import Testing

/// Evaluates a mutating call outside `#expect`'s closures (which see their subject as immutable).
private func v<T>(_ value: T) -> T { value }

/// The pool's two lanes (``PoolQueue``) as a pure value.
@Suite struct PoolQueueTests {
    struct Job: PoolQueueEntry {
        var name: String
        var flow: CallerFlow
        var enqueued: UInt64
        var texts: Int = 1
    }

    @Test func aLightCallerIsNotQueuedBehindAFloodingConnection() {
        var q = PoolQueue<Job>(capacity: 64, starvationNanos: 100)
        let flood = CallerFlow(id: 7, depth: 32)
        for i in 0..<10 { q.append(Job(name: "flood \(i)", flow: flood, enqueued: UInt64(i))) }
        #expect(v(q.append(Job(name: "caller", flow: CallerFlow(id: 9, depth: 1), enqueued: 10))) == .light)
        #expect(v(q.append(Job(name: "caller 2", flow: CallerFlow(id: 10, depth: 2), enqueued: 11, texts: 0))) == .light)
        #expect(q.count == 12)
        #expect(q.light == LaneLoad(jobs: 2, texts: 1, tasks: 1))
        #expect(q.bulk == LaneLoad(jobs: 10, texts: 10, tasks: 0))
        #expect(q.total == LaneLoad(jobs: 12, texts: 11, tasks: 1))
        var order: [String] = []
        while let next = q.removeNext(now: 20) { order.append(next.entry.name) }
        #expect(order == ["caller", "caller 2"] + (0..<10).map { "flood \($0)" }, "light first, then bulk in arrival order")
        #expect(q.isEmpty && q.total == LaneLoad())
    }

    @Test func bulkWorkIsNeverStarved() {
        var q = PoolQueue<Job>(capacity: 8, starvationNanos: 100)
        q.append(Job(name: "bulk", flow: CallerFlow(id: 1, depth: 50), enqueued: 0))
        q.append(Job(name: "light", flow: .anonymous, enqueued: 5))
        #expect(q.nextLane(now: 100) == .light, "the bulk job waited exactly the limit: light first")
        #expect(q.peekNext(now: 101)?.name == "bulk", "waited longer than the limit: taken first")
        #expect(v(q.removeNext(now: 101))?.lane == .bulk)
        #expect(v(q.removeNext(now: 101))?.lane == .light)
        #expect(v(q.removeNext(now: 101))?.lane == nil)
    }

    @Test func knowsWhetherOtherConnectionsHaveWorkQueued() {
        var q = PoolQueue<Job>(capacity: 8)
        let a = CallerFlow(id: 1, depth: 100), b = CallerFlow(id: 2, depth: 1)
        #expect(!q.hasOtherFlows(than: 1))
        q.append(Job(name: "a1", flow: a, enqueued: 0))
        q.append(Job(name: "a2", flow: a, enqueued: 1))
        #expect(!q.hasOtherFlows(than: 1), "only its own jobs")
        #expect(q.hasOtherFlows(than: 2))
        q.append(Job(name: "b", flow: b, enqueued: 2))
        #expect(q.hasOtherFlows(than: 1))
        _ = q.removeNext(now: 3)   // b (light)
        #expect(!q.hasOtherFlows(than: 1), "b's only job left")
        _ = q.removeNext(now: 3); _ = q.removeNext(now: 3)
        #expect(!q.hasOtherFlows(than: 2))
    }

    @Test func laneFollowsTheConnectionsDepth() {
        #expect(PoolQueue<Job>.lane(for: CallerFlow(id: 1, depth: 1)) == .light)
        #expect(PoolQueue<Job>.lane(for: CallerFlow(id: 1, depth: CallerFlow.lightDepth)) == .light)
        #expect(PoolQueue<Job>.lane(for: CallerFlow(id: 1, depth: CallerFlow.lightDepth + 1)) == .bulk)
        #expect(CallerFlow(id: 1, depth: 0).depth == 1)
    }

    @Test func aFastSenderIsDeepAndStaysDeepForTheHoldTime() {
        var p = PipelineDepth()
        var t: UInt64 = 1_000_000
        let light = CallerFlow.lightDepth * PipelineDepth.perWindow
        for i in 0..<light {
            #expect(v(p.flow(id: 1, nowMicros: t)).isLight, "request \(i) of one window")
            t += 100
        }
        #expect(!v(p.flow(id: 1, nowMicros: t)).isLight, "one more in the same window: deep")
        let deepAt = t
        t += PipelineDepth.window   // a new window: one request alone
        #expect(!v(p.flow(id: 1, nowMicros: t)).isLight, "still the same flooding client")
        #expect(v(p.flow(id: 1, nowMicros: deepAt + PipelineDepth.hold + PipelineDepth.window)).isLight,
                "light again once it sent slowly for the hold time")
        var slow = PipelineDepth()
        for i in 0..<100 {   // 50 requests a second, sometimes read in bunches: never deep
            #expect(v(slow.flow(id: 2, nowMicros: 1_000_000 + UInt64(i / 3) * 60_000 + UInt64(i % 3))).isLight)
        }
    }

    /// Requests already read behind the one handed on count as sent in this window: a connection that
    /// sends 32 at once is deep from its first, not its 17th. A caller with two or three read together
    /// (an event loop behind) stays light.
    @Test func requestsReadTogetherCountFromTheFirst() {
        var p = PipelineDepth()
        let t: UInt64 = 1_000_000
        let light = CallerFlow.lightDepth * PipelineDepth.perWindow
        #expect(!v(p.flow(id: 1, nowMicros: t, waiting: 31)).isLight, "the first of 32 read at once")
        for i in 1..<32 {
            #expect(!v(p.flow(id: 1, nowMicros: t + UInt64(i), waiting: 31 - i)).isLight, "request \(i)")
        }
        var edge = PipelineDepth()
        #expect(v(edge.flow(id: 2, nowMicros: t, waiting: light - 1)).isLight, "16 at once is still light")
        #expect(!v(edge.flow(id: 2, nowMicros: t + 1, waiting: light - 1)).isLight, "16 more in the same window: deep")
        var probe = PipelineDepth()
        for i in 0..<100 {   // 50 requests a second, read three at a time
            let k = i % 3
            #expect(v(probe.flow(id: 3, nowMicros: 1_000_000 + UInt64(i / 3) * 60_000 + UInt64(k), waiting: 2 - k)).isLight)
        }
    }

    @Test func aConnectionAnsweredBusyIsDeepForTheHoldTime() {
        // Paused after each BUSY, a flooding connection sends one request per window: light by rate alone.
        var p = PipelineDepth()
        let t: UInt64 = 1_000_000
        #expect(v(p.flow(id: 1, nowMicros: t)).isLight)
        p.refused(nowMicros: t, framesWaiting: true)
        #expect(!v(p.flow(id: 1, nowMicros: t + PipelineDepth.window)).isLight, "refused: deep though it sends slowly")
        #expect(!v(p.flow(id: 1, nowMicros: t + PipelineDepth.hold - 1)).isLight)
        #expect(v(p.flow(id: 1, nowMicros: t + PipelineDepth.hold)).isLight, "light again a hold time after the BUSY")
    }

    /// A caller sending one request at a time, refused with nothing else waiting, stays light: held deep
    /// it would be put in the bulk lane, refused there again, held again (the lockout of session 11).
    @Test func aCallerWithNothingWaitingStaysLightWhenRefused() {
        var p = PipelineDepth()
        var t: UInt64 = 1_000_000
        for _ in 0..<50 {   // 50 requests a second, every one refused
            #expect(v(p.flow(id: 1, nowMicros: t)).isLight, "at \(t) µs")
            p.refused(nowMicros: t, framesWaiting: false)
            t += 20_000
        }
        p.refused(nowMicros: t, framesWaiting: true)
        #expect(!v(p.flow(id: 1, nowMicros: t + 1)).isLight, "with frames waiting the same refusal holds it deep")
    }

    /// The pool itself: with one worker held busy, a light caller's job queued after a deep pipeline's
    /// jobs runs before them. An ordering claim, no timing.
    @Test func thePoolServesTheLightLaneFirst() {
        let log = BatchLog()
        let pool = WorkerPool(workers: 1, capacity: 64, encoder: HashingEncoder(dimension: 8, onBatch: log.add),
                              maxBatchTexts: 1, maxBatchWait: .zero, logger: Logger(label: "test"))
        defer { pool.shutdown() }
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        #expect(pool.submitTask { _ in started.signal(); release.wait() })
        started.wait()
        let done = DispatchGroup()
        let flood = CallerFlow(id: 1, depth: 32)
        for i in 0..<5 {
            done.enter()
            #expect(pool.submitEmbed(.init(texts: ["flood \(i)"]) { _, _ in done.leave() }, flow: flood))
        }
        done.enter()
        #expect(pool.submitEmbed(.init(texts: ["caller"]) { _, _ in done.leave() }, flow: CallerFlow(id: 2, depth: 1)))
        release.signal()
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(log.all.map { $0.joined() } == ["caller"] + (0..<5).map { "flood \($0)" }, "\(log.all)")
    }
}
