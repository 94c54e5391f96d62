import ArgumentParser
import Atomics
import Foundation
import Histogram
import RecdProtocol

/// The closed-loop client for one request in flight per connection (`--pipeline 1`, no `--rate`):
/// each connection is a plain blocking Unix socket on its own thread that writes a prebuilt frame
/// and reads its reply — one `write` and one `read` per request, no event loop, no task hop, no
/// allocation. At one connection the measured figure is a ping-pong between this client and recd,
/// so the client's own cost per request is part of it; redis-benchmark, the figure recd is compared
/// with, is a lean C client. The NIO client (`LoadHandler`) stays for pipelining and the open loop.
///
/// Used for every op (`LoadCommand.plainClient`), so every op's one-connection figure is taken the
/// same way; with more connections ``PollLoadClient`` drives them all from one thread.
final class BlockingLoadConnection: ClosedLoopClient, @unchecked Sendable {
    // Safety: `result` is written only by the connection's thread and read after `join()`
    // (`done` is the hand-off); `stopFlag` and `completed` are atomics.

    private let fd: Int32
    private let frames: [[UInt8]]
    private let completed: ManagedAtomic<Int>
    private let stopFlag = ManagedAtomic(false)
    private let done = DispatchSemaphore(value: 0)
    private(set) var result = LoadHandler.Result()
    private var waiting = false

    /// Connects to `socket`; throws with the path and errno text when it cannot.
    init(socket: String, requests: [(Opcode, [UInt8])], completed: ManagedAtomic<Int>) throws {
        fd = try LoadSocket.connect(socket)
        frames = LoadSocket.frames(requests)
        self.completed = completed
    }

    deinit { close(fd) }

    /// Starts the connection's thread.
    func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "recbench-conn"
        thread.start()
    }

    /// Asks the thread to stop after the reply it is waiting for.
    func stop() { stopFlag.store(true, ordering: .relaxed) }

    /// Waits for the thread to finish (its last reply arrives or the socket's 2 s receive timeout).
    func join() { done.wait() }

    /// 1 while a request is waiting for its reply (after `join`, only if the reply never came).
    var outstanding: Int { waiting ? 1 : 0 }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var tally = ReplyTally(completed: completed)
        var next = 0
        // The previous reply's bookkeeping is done after the next request is written, while recd
        // works on it: done before the write it would only delay the request, and done after it the
        // client usually finds the reply already there instead of sleeping in read() for it.
        var previous: (micros: UInt64, header: FrameHeader)?
        defer {
            if let previous { tally.account(previous.micros, previous.header, body: buffer) }
            result = tally.finish()
        }
        while !stopFlag.load(ordering: .relaxed) {
            let sent = nanos()
            waiting = true
            guard LoadSocket.writeAll(fd, frames[next]) else {
                return tally.fail("write failed: \(String(cString: strerror(errno)))")
            }
            next = next + 1 == frames.count ? 0 : next + 1
            if let p = previous {
                tally.account(p.micros, p.header, body: buffer)
                previous = nil
            }
            guard let header = readReply(into: &buffer, &tally) else { return }
            waiting = false
            previous = (max(1, (nanos() &- sent) / 1000), header)
        }
    }

    /// Reads one whole reply frame into `buffer` (grown if needed); nil after recording why it failed.
    private func readReply(into buffer: inout [UInt8], _ tally: inout ReplyTally) -> FrameHeader? {
        do { return try LoadSocket.readReply(fd, into: &buffer) } catch {
            tally.fail("\(error)")
            return nil
        }
    }
}

extension LoadCommand {
    /// The closed-loop client on plain sockets this run uses, if any (see `--client`): `blocking`
    /// (``BlockingLoadConnection``, a thread per connection), `poll` (``PollLoadClient``, one thread
    /// for all), nil for the NIO client.
    var plainClient: String? {
        switch client {
        case "blocking", "poll": client
        case "nio": nil
        default: rate == nil && pipeline == 1 ? (connections == 1 ? "blocking" : "poll") : nil
        }
    }

    /// The closed loop on plain sockets: the same progress lines and report as the NIO path.
    func runPlainClients(socket: String, requests: [(Opcode, [UInt8])]) async throws -> String {
        let completed = ManagedAtomic(0)
        var clients: [any ClosedLoopClient] = []
        do {
            if plainClient == "poll" {
                clients = [try PollLoadClient(socket: socket, connections: connections, requests: requests, completed: completed)]
            } else {
                for _ in 0..<connections {
                    clients.append(try BlockingLoadConnection(socket: socket, requests: requests, completed: completed))
                }
            }
        } catch {
            FileHandle.standardError.write(Data("recbench: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let start = ContinuousClock.now
        for c in clients { c.start() }
        try await reportProgress(from: start, for: duration, completed: completed)
        let elapsed = (ContinuousClock.now - start).seconds
        let finalCount = completed.load(ordering: .relaxed)
        let all = clients
        for c in all { c.stop() }
        // Joining blocks a thread for at most the last reply's wait: do it off the cooperative pool.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                for c in all { c.join() }
                done.resume()
            }
        }
        var total = LoadHandler.Result()
        for c in all {
            let r = c.result
            total.histogram.add(r.histogram)
            total.requests += r.requests
            total.errors += r.errors
            total.busy += r.busy
            total.firstError = total.firstError ?? r.firstError
            total.byStatus.add(r.byStatus)
        }
        return report(total, completedInWindow: finalCount, elapsed: elapsed)
    }
}
