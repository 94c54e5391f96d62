import Atomics
import Foundation
import RecdProtocol

/// Plain-socket helpers shared by the blocking and poll load clients (LoadBlocking.swift, LoadPoll.swift).
enum LoadSocket {
    /// Each request as a whole frame, encoded once. Ids need not be unique with one request outstanding
    /// per connection.
    static func frames(_ requests: [(Opcode, [UInt8])]) -> [[UInt8]] {
        requests.enumerated().map { i, r in
            var frame = [UInt8](repeating: 0, count: FrameHeader.size)
            frame.withUnsafeMutableBytes { FrameHeader.request(r.0, id: UInt32(i + 1), bodyLength: r.1.count).write(to: $0) }
            return frame + r.1
        }
    }

    /// Writes all of `frame` to `fd` (a blocking socket); false on an error (errno says which).
    static func writeAll(_ fd: Int32, _ frame: [UInt8]) -> Bool {
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

    /// The reply header at the start of `buffer` (at least `FrameHeader.size` bytes); nil after
    /// recording why it is unreadable.
    static func parseReplyHeader(_ buffer: [UInt8], _ tally: inout ReplyTally) -> FrameHeader? {
        do { return try replyHeader(buffer) } catch {
            tally.fail("\(error)")
            return nil
        }
    }

    /// The reply header at the start of `buffer` (at least `FrameHeader.size` bytes); throws when unreadable.
    static func replyHeader(_ buffer: [UInt8]) throws -> FrameHeader {
        do {
            return try buffer.withUnsafeBytes { raw in
                try FrameHeader.parse(UnsafeRawBufferPointer(rebasing: raw[0..<FrameHeader.size]),
                                      limits: FrameLimits(maxBodyBytes: 64 << 20), direction: .response)
            }
        } catch {
            throw LoadError("unreadable reply header: \(error)")
        }
    }

    /// Reads one whole reply frame from the blocking socket `fd` into `buffer` (grown if needed) and
    /// returns its header; throws with what went wrong. With one request in flight the reply is exactly
    /// one frame and nothing follows it.
    static func readReply(_ fd: Int32, into buffer: inout [UInt8]) throws -> FrameHeader {
        var have = 0
        var need = FrameHeader.size
        var header: FrameHeader?
        while have < need {
            if buffer.count < need { buffer += [UInt8](repeating: 0, count: need - buffer.count) }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + have, $0.count - have) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw LoadError("no reply within 2 s") }
            if n <= 0 {
                throw LoadError(n == 0 ? "recd closed the connection" : "read failed: \(String(cString: strerror(errno)))")
            }
            have += n
            if header == nil && have >= FrameHeader.size {
                let h = try replyHeader(buffer)
                header = h
                need = FrameHeader.size + Int(h.bodyLength)
            }
        }
        return header!
    }

    /// A connected blocking Unix socket with a 2 s receive timeout; throws with the path and errno text.
    static func connect(_ path: String) throws -> Int32 {
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

/// One client thread's count of replies: the histograms, statuses and first error of a
/// ``LoadHandler/Result``, with per-status counts kept in a flat array until `finish()`.
struct ReplyTally {
    private(set) var result = LoadHandler.Result()
    private var statusCounts = [UInt64](repeating: 0, count: 1 << 16)
    private let completed: ManagedAtomic<Int>

    init(completed: ManagedAtomic<Int>) { self.completed = completed }

    /// Records one reply; `body` holds the whole frame (header first) when it is an error.
    mutating func account(_ micros: UInt64, _ header: FrameHeader, body: [UInt8]) {
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

    /// Notes the first failure (later ones are dropped).
    mutating func fail(_ message: String) {
        result.firstError = result.firstError ?? message
    }

    /// The result with the per-status counts folded in.
    mutating func finish() -> LoadHandler.Result {
        for (raw, n) in statusCounts.enumerated() where n > 0 {
            result.byStatus.counts[Status(rawValue: UInt16(raw)).name, default: 0] += n
        }
        statusCounts = [UInt64](repeating: 0, count: 1 << 16)
        return result
    }
}
