import Foundation
@testable import RecdServer
import Testing

/// The workers' reply hand-off list (``ReplyMailbox``): who schedules the consumer, order, no loss.
@Suite struct ReplyMailboxTests {
    @Test func onlyThePostThatFindsItEmptySchedulesTheConsumer() {
        let box = ReplyMailbox<Int>()
        #expect(box.isEmpty)
        #expect(box.post(1), "the first post finds it empty: it must schedule the drain")
        #expect(!box.post(2), "a drain is already scheduled: later posts ride along")
        #expect(!box.post(3))
        var items: [Int] = []
        box.takeAll(into: &items)
        #expect(items == [1, 2, 3], "oldest first")
        #expect(box.isEmpty)
        #expect(box.post(4), "empty again after the drain: the next post schedules another")
        items = [0]
        box.takeAll(into: &items)
        #expect(items == [0, 4], "appended after what the caller had")
        box.takeAll(into: &items)
        #expect(items == [0, 4], "nothing new")
    }

    /// Four threads post 20,000 items each while a consumer drains whenever it is told to (a post
    /// returned true) or finds work: every item arrives exactly once, each thread's in its order, and
    /// the consumer is never left with items and no schedule.
    @Test func concurrentPostersLoseNothingAndKeepEachThreadsOrder() {
        struct Item: Sendable { var thread: Int; var seq: Int }
        let box = ReplyMailbox<Item>()
        let threads = 4, perThread = 20_000
        let schedules = Locked(0)
        let start = DispatchGroup()
        let posters = DispatchGroup()
        for t in 0..<threads {
            posters.enter()
            start.enter()
            Thread.detachNewThread {
                start.leave()
                start.wait()
                for i in 0..<perThread where box.post(Item(thread: t, seq: i)) {
                    schedules.withLock { $0 += 1 }
                }
                posters.leave()
            }
        }
        var received: [Item] = []
        var drains = 0
        var scratch: [Item] = []
        while posters.wait(timeout: .now()) == .timedOut || !box.isEmpty {
            scratch.removeAll(keepingCapacity: true)
            box.takeAll(into: &scratch)
            if !scratch.isEmpty { drains += 1 }
            received += scratch
        }
        #expect(received.count == threads * perThread)
        var next = [Int](repeating: 0, count: threads)
        var inOrder = true
        for item in received {
            if item.seq != next[item.thread] { inOrder = false }
            next[item.thread] = item.seq + 1
        }
        #expect(inOrder, "each poster's items come out in the order it posted them")
        #expect(next == [Int](repeating: perThread, count: threads))
        let scheduled = schedules.withLock { $0 }
        // Each drain that found items emptied the box, so the next post after it found it empty.
        #expect(scheduled >= drains && scheduled <= threads * perThread, "scheduled \(scheduled), drains \(drains)")
    }

    @Test func itemsLeftInADroppedMailboxAreReleased() {
        final class Payload: Sendable {}
        weak var probe: Payload?
        do {
            let box = ReplyMailbox<Payload>()
            let p = Payload()
            probe = p
            box.post(p)
        }
        #expect(probe == nil, "the mailbox's deinit releases what nobody took")
    }
}
