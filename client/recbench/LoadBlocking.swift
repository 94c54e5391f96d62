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
/// Used for every op (`LoadCommand.usesBlockingClient`), so every op's one-connection figure is
/// taken the same way.
final class BlockingLoadConnection: @unchecked Sendable {
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
        fd = try Self.connect(socket)
        // ids need not be unique with one request outstanding; each frame is encoded once.
        frames = requests.enumerated().map { i, r in
            var frame = [UInt8](repeating: 0, count: FrameHeader.size)
            frame.withUnsafeMutableBytes { FrameHeader.request(r.0, id: UInt32(i + 1), bodyLength: r.1.count).write(to: $0) }
            return frame + r.1
        }
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
        var statusCounts = [UInt64](repeating: 0, count: 1 << 16)
        var next = 0
        // The previous reply's bookkeeping is done after the next request is written, while recd
        // works on it: done before the write it would only delay the request, and done after it the
        // client usually finds the reply already there instead of sleeping in read() for it.
        var previous: (micros: UInt64, header: FrameHeader)?
        defer {
            if let previous { account(previous.micros, previous.header, &statusCounts, body: buffer) }
            finish(statusCounts)
        }
        while !stopFlag.load(ordering: .relaxed) {
            let sent = nanos()
            waiting = true
            guard writeAll(frames[next]) else { return fail("write failed: \(String(cString: strerror(errno)))") }
            next = next + 1 == frames.count ? 0 : next + 1
            if let p = previous {
                account(p.micros, p.header, &statusCounts, body: buffer)
                previous = nil
            }
            guard let header = readReply(into: &buffer) else { return }
            waiting = false
            previous = (max(1, (nanos() &- sent) / 1000), header)
        }
    }

    /// Records one reply (its body is still in `body` when it is an error).
    private func account(_ micros: UInt64, _ header: FrameHeader, _ statusCounts: inout [UInt64], body: [UInt8]) {
        _ = result.histogram.record(micros)
        statusCounts[Int(header.status.rawValue)] += 1
        if header.status == .ok { _ = result.byStatus.ok.record(micros) }
        result.requests += 1
        if header.status == .busy {
            result.busy += 1
            _ = result.byStatus.busy.record(micros)
        } else if header.status != .ok {
            result.errors += 1
            if result.firstError == nil {
                let bytes = Array(body[FrameHeader.size..<(FrameHeader.size + Int(header.bodyLength))])
                result.firstError = "\(header.status.name): " + ErrorBody.decodeMessage(bytes).message
            }
        }
        completed.wrappingIncrement(ordering: .relaxed)
    }

    private func finish(_ statusCounts: [UInt64]) {
        for (raw, n) in statusCounts.enumerated() where n > 0 {
            result.byStatus.counts[Status(rawValue: UInt16(raw)).name, default: 0] += n
        }
    }

    private func fail(_ message: String) {
        result.firstError = result.firstError ?? message
    }

    private func writeAll(_ frame: [UInt8]) -> Bool {
        frame.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    /// Reads one whole reply frame into `buffer` (grown if needed); nil after recording why it failed.
    private func readReply(into buffer: inout [UInt8]) -> FrameHeader? {
        var have = 0
        var need = FrameHeader.size
        var header: FrameHeader?
        while have < need {
            if buffer.count < need { buffer += [UInt8](repeating: 0, count: need - buffer.count) }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + have, $0.count - have) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                fail("no reply within 2 s")
                return nil
            }
            if n <= 0 {
                fail(n == 0 ? "recd closed the connection" : "read failed: \(String(cString: strerror(errno)))")
                return nil
            }
            have += n
            if header == nil && have >= FrameHeader.size {
                do {
                    header = try buffer.withUnsafeBytes { raw in
                        try FrameHeader.parse(UnsafeRawBufferPointer(rebasing: raw[0..<FrameHeader.size]),
                                              limits: FrameLimits(maxBodyBytes: 64 << 20), direction: .response)
                    }
                } catch {
                    fail("unreadable reply header: \(error)")
                    return nil
                }
                need = FrameHeader.size + Int(header!.bodyLength)
            }
        }
        // One request in flight: the reply is exactly one frame, nothing follows it.
        return header
    }

    private static func connect(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoadError("cannot create a Unix socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw LoadError("socket path is \(bytes.count) bytes, longer than a Unix socket allows: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw LoadError("cannot connect to recd at \(path): \(message)")
        }
        // Bounds the wait for the last reply after stop(), like the NIO client's 2 s grace.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }
}

extension LoadCommand {
    /// True when this run uses ``BlockingLoadConnection`` (see `--client`).
    var usesBlockingClient: Bool {
        switch client {
        case "blocking": true
        case "nio": false
        default: rate == nil && pipeline == 1 && connections == 1
        }
    }

    /// The closed loop on blocking connections: the same progress lines and report as the NIO path.
    func runBlocking(socket: String, requests: [(Opcode, [UInt8])]) async throws -> String {
        let completed = ManagedAtomic(0)
        var conns: [BlockingLoadConnection] = []
        for _ in 0..<connections {
            do {
                conns.append(try BlockingLoadConnection(socket: socket, requests: requests, completed: completed))
            } catch {
                FileHandle.standardError.write(Data("recbench: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        let start = ContinuousClock.now
        for c in conns { c.start() }
        try await reportProgress(from: start, for: duration, completed: completed)
        let elapsed = (ContinuousClock.now - start).seconds
        let finalCount = completed.load(ordering: .relaxed)
        let all = conns
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
