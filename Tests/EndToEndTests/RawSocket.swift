import Foundation
import RecdProtocol

/// A blocking Unix-socket connection that sends arbitrary bytes (malformed frames included).
final class RawSocket {
    let fd: Int32

    init(_ path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { Foundation.close(fd); throw E2EError("connect \(path): errno \(errno)") }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    static func canConnect(_ path: String) -> Bool {
        guard let s = try? RawSocket(path) else { return false }
        s.close()
        return true
    }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until one whole response frame is in, or nil at EOF.
    func readFrame(_ decoder: inout FrameDecoder) throws -> Frame? {
        while true {
            if let f = try decoder.next() { return f }
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            decoder.feed(buf[0..<n])
        }
    }

    /// True when the server closed the connection (recv returns 0).
    func readsEOF() -> Bool {
        var b: UInt8 = 0
        return recv(fd, &b, 1, 0) == 0
    }

    func close() { Foundation.close(fd) }
}
