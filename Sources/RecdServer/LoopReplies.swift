import Foundation
import NIOCore
import NIOPosix
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
/// only the post that finds it empty wakes the loop (one byte on the loop's wake-up socket,
/// ``openWakeUp()``); the loop then counts every reply waiting in ``Metrics``, writes each into its
/// connection's buffer and flushes each connection once.
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
    /// The sending end of the wake-up socket (``openWakeUp()``); -1 until then, and then the
    /// loop is woken with `execute`. Set once, before any request is served.
    private var wakeFD: Int32 = -1

    /// Made before the loop runs anything (the daemon makes one per loop of its group).
    init(eventLoop: any EventLoop, metrics: Metrics) {
        self.eventLoop = eventLoop
        self.metrics = metrics
    }

    deinit { if wakeFD >= 0 { close(wakeFD) } }

    /// Opens a socket pair whose receiving end is a channel on the loop (``WakeUpHandler`` drains
    /// the mailbox when it is readable): a worker then wakes the loop with one `send(2)` and no
    /// user-space lock. `EventLoop.execute` takes NIO's task lock, which the loop itself takes at
    /// every iteration; workers were measured asleep on it (daemon/DAEMON.md, "Reply hand-off").
    /// Call once, before serving.
    func openWakeUp() throws {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            throw RequestError(.internal, "cannot create the reply wake-up socket pair: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        do {
            _ = try NIOPipeBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(WakeUpHandler(replies: self))
                    }
                }
                .takingOwnershipOfDescriptor(input: fds[0]).wait()
        } catch {
            close(fds[0]); close(fds[1])
            throw error
        }
        wakeFD = fds[1]
    }

    /// From any thread other than the event loop's: queues `reply` and wakes the loop if nothing
    /// was queued already.
    func post(_ reply: PendingReply) {
        guard mailbox.post(reply) else { return }
        if wakeFD >= 0 {
            var byte: UInt8 = 1
            // Full (EAGAIN): wake-ups are already waiting to be read, and each read drains.
            _ = send(wakeFD, &byte, 1, Int32(MSG_NOSIGNAL))
        } else {
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

/// The receiving end of a loop's wake-up socket: every read means "the mailbox has replies".
final class WakeUpHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let replies: LoopReplies

    init(replies: LoopReplies) { self.replies = replies }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func channelReadComplete(context: ChannelHandlerContext) {
        replies.drain()
    }
}
