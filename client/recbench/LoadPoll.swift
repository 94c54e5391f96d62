import Atomics
import Foundation
import RecdProtocol

/// The closed-loop client for many connections with one request in flight each (`--client poll`):
/// one thread, `poll(2)` over N blocking Unix sockets, as redis-benchmark drives its connections
/// from one event loop. Per reply: one `read`, then one `write` of the next prebuilt frame; one
/// `poll` for however many connections are ready. No event loop framework, no allocation per
/// request, so on two cores shared with recd the client takes less of the CPU than the NIO client,
/// and the figure is more of recd's (daemon/DAEMON.md, "PING at fifty connections").
///
/// The sockets stay blocking: a `read` is only made after `poll` said the socket is readable (it
/// returns what is there), and a request frame is far smaller than the socket buffer, which holds
/// nothing else of ours (one request in flight), so its `write` does not block.
final class PollLoadClient: ClosedLoopClient, @unchecked Sendable {
    // Safety: `result` and `waitingCount` are written only by the client's thread and read after
    // `join()` (`done` is the hand-off); `stopFlag` and `completed` are atomics.

    private let fds: [Int32]
    private let frames: [[UInt8]]
    private let completed: ManagedAtomic<Int>
    private let stopFlag = ManagedAtomic(false)
    private let done = DispatchSemaphore(value: 0)
    private(set) var result = LoadHandler.Result()
    private var waitingCount = 0

    /// Connects `connections` sockets to `socket`; throws with the path and errno text when one cannot.
    init(socket: String, connections: Int, requests: [(Opcode, [UInt8])], completed: ManagedAtomic<Int>) throws {
        var fds: [Int32] = []
        do {
            for _ in 0..<connections { fds.append(try LoadSocket.connect(socket)) }
        } catch {
            for fd in fds { close(fd) }
            throw error
        }
        self.fds = fds
        frames = LoadSocket.frames(requests)
        self.completed = completed
    }

    deinit { for fd in fds { close(fd) } }

    func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "recbench-poll"
        thread.start()
    }

    /// Asks the thread to send nothing more and stop once the replies in flight are in.
    func stop() { stopFlag.store(true, ordering: .relaxed) }

    /// Waits for the thread (the replies in flight arrive, or 2 s pass without any).
    func join() { done.wait() }

    /// Requests still waiting for their reply (after `join`, only those whose reply never came).
    var outstanding: Int { waitingCount }

    /// One connection's reply being read.
    private struct Incoming {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var have = 0
        var need = FrameHeader.size
        var header: FrameHeader?
        var sent: UInt64 = 0
        var waiting = false
    }

    private func run() {
        var tally = ReplyTally(completed: completed)
        defer { result = tally.finish() }
        var conns = [Incoming](repeating: Incoming(), count: fds.count)
        var polled = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var next = 0
        func send(_ i: Int) -> Bool {
            conns[i].sent = nanos()
            conns[i].waiting = true
            waitingCount += 1
            let ok = LoadSocket.writeAll(fds[i], frames[next])
            next = next + 1 == frames.count ? 0 : next + 1
            if !ok { tally.fail("write failed: \(String(cString: strerror(errno)))") }
            return ok
        }
        for i in fds.indices where !send(i) { return }
        var stopping = false
        while waitingCount > 0 {
            if !stopping && stopFlag.load(ordering: .relaxed) { stopping = true }
            let ready = poll(&polled, nfds_t(polled.count), stopping ? 2000 : 1000)
            if ready < 0 {
                if errno == EINTR { continue }
                return tally.fail("poll failed: \(String(cString: strerror(errno)))")
            }
            if ready == 0 {
                if stopping { return tally.fail("no reply within 2 s") }
                continue
            }
            for i in polled.indices where polled[i].revents != 0 {
                polled[i].revents = 0
                switch readSome(i, &conns[i], &tally) {
                case .failed:
                    return
                case .partial:
                    continue
                case .reply(let header):
                    let micros = max(1, (nanos() &- conns[i].sent) / 1000)
                    waitingCount -= 1
                    conns[i].waiting = false
                    // Written first, accounted after, as the blocking client does: recd works meanwhile.
                    if !stopping && !stopFlag.load(ordering: .relaxed) && !send(i) { return }
                    tally.account(micros, header, body: conns[i].buffer)
                    conns[i].have = 0
                    conns[i].need = FrameHeader.size
                    conns[i].header = nil
                }
            }
        }
    }

    private enum ReadOutcome {
        case reply(FrameHeader)
        case partial
        case failed
    }

    /// One `read` on connection `i` (poll said it is readable); `.reply` once its whole frame is in.
    private func readSome(_ i: Int, _ c: inout Incoming, _ tally: inout ReplyTally) -> ReadOutcome {
        if c.buffer.count < c.need { c.buffer += [UInt8](repeating: 0, count: c.need - c.buffer.count) }
        let have = c.have
        let n = c.buffer.withUnsafeMutableBytes { read(fds[i], $0.baseAddress! + have, $0.count - have) }
        if n < 0 && errno == EINTR { return .partial }
        if n <= 0 {
            tally.fail(n == 0 ? "recd closed the connection" : "read failed: \(String(cString: strerror(errno)))")
            return .failed
        }
        c.have += n
        if c.header == nil && c.have >= FrameHeader.size {
            guard let h = LoadSocket.parseReplyHeader(c.buffer, &tally) else { return .failed }
            c.header = h
            c.need = FrameHeader.size + Int(h.bodyLength)
            if c.buffer.count < c.need { return .partial }   // grown on the next read
        }
        guard let header = c.header, c.have >= c.need else { return .partial }
        // One request in flight: the reply is exactly one frame, nothing follows it.
        return .reply(header)
    }
}

/// A closed-loop client on plain sockets, run by ``LoadCommand/runPlainClients(_:)``.
protocol ClosedLoopClient: AnyObject, Sendable {
    func start()
    func stop()
    func join()
    var result: LoadHandler.Result { get }
}
