import NIOCore
import RecdProtocol

/// One finished request on its way from a worker thread to its connection's event loop.
struct PendingReply: Sendable {
    let handler: NIOLoopBound<FrameHandler>
    let opcode: Opcode
    let id: UInt32
    let status: Status
    let body: [UInt8]
    /// Frame read → reply ready (µs), for the op's latency in STATS.
    let micros: UInt64
    let trace: RequestTrace?
}

/// The reply hand-off of one event loop: workers post finished replies to a ``ReplyMailbox``, and
/// only the post that finds it empty schedules a task (`EventLoop.execute`); that task counts them
/// in ``Metrics``, writes every reply posted until it runs into its connection's buffer and then
/// flushes each connection once.
///
/// Before (sessions 1–5) every reply was its own `execute` from the worker (a closure allocated, two
/// of NIO's locks taken, and the worker asleep on them whenever the loop held them), the worker took
/// the metrics lock, and each connection's flush was a second, in-loop `execute`. Now a worker's
/// hand-off is one allocation and one compare-and-exchange, and the replies that finish while the
/// first one waits for the loop ride along with it (daemon/DAEMON.md, "Reply hand-off").
final class LoopReplies: @unchecked Sendable {
    // Safety: `replies` and `touched` (the drain's scratch memory, reused) are touched only by
    // `drain()`, which runs only on `eventLoop`; everything else is immutable or thread-safe.
    let eventLoop: any EventLoop
    private let metrics: Metrics
    private let mailbox = ReplyMailbox<PendingReply>()
    private var replies: [PendingReply] = []
    private var touched: [FrameHandler] = []

    /// Made before the loop runs anything (the daemon makes one per loop of its group).
    init(eventLoop: any EventLoop, metrics: Metrics) {
        self.eventLoop = eventLoop
        self.metrics = metrics
    }

    /// From any thread other than the event loop's: queues `reply` and wakes the loop if nothing
    /// was queued already.
    func post(_ reply: PendingReply) {
        if mailbox.post(reply) {
            eventLoop.execute { self.drain() }
        }
    }

    /// On the event loop: hands every queued reply to its connection, then flushes each connection once.
    func drain() {
        eventLoop.assertInEventLoop()
        mailbox.takeAll(into: &replies)
        metrics.record(replies: replies)   // one lock for all of them, on this thread, not the workers'
        for r in replies {
            let handler = r.handler.value
            if handler.deliver(r) { touched.append(handler) }
        }
        replies.removeAll(keepingCapacity: true)
        for h in touched { h.flushDelivered() }
        touched.removeAll(keepingCapacity: true)
    }
}
