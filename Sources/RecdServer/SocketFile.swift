import Foundation

/// The Unix socket file: liveness probe of a previous owner, stale removal, permissions.
public enum SocketFile {
    /// Why the daemon cannot take the socket path.
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// True when something accepts connections on `path` (another live recd).
    public static func isLive(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    /// Checks, without changing anything, that `path` could be bound: nothing there, or a stale socket.
    /// Refuses when a live server owns it or when it is not a socket. True when a stale socket is there.
    ///
    /// The daemon asks this before it loads its engines (the model, the catalog, intent training: up to a
    /// minute), so a second recd on a live socket stops at once instead of after loading; ``prepare(_:)``
    /// checks again when binding.
    public static func check(_ path: String) throws(SocketFile.Error) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0 else { return false }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else {
            throw Error(description: "\(path) exists and is not a socket; remove it or choose another --socket path")
        }
        if isLive(path) {
            throw Error(description: "another recd is already serving \(path); stop it first or choose another --socket path")
        }
        return true
    }

    /// Makes `path` free to bind: refuses when a live server owns it, removes a stale socket,
    /// refuses to remove anything that is not a socket. True when it removed a stale socket.
    public static func prepare(_ path: String) throws(SocketFile.Error) -> Bool {
        guard try check(path) else { return false }
        guard unlink(path) == 0 else {
            throw Error(description: "cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
        }
        return true
    }

    /// Applies mode and, when given, group to the bound socket file.
    public static func setPermissions(_ path: String, mode: UInt16, group: String?) throws(SocketFile.Error) {
        if let group {
            guard let entry = getgrnam(group) else {
                throw Error(description: "socket group '\(group)' does not exist; check --socket-group")
            }
            guard chown(path, UInt32.max, entry.pointee.gr_gid) == 0 else {
                throw Error(description: "cannot give \(path) to group '\(group)': \(String(cString: strerror(errno)))")
            }
        }
        guard chmod(path, mode_t(mode)) == 0 else {
            throw Error(description: "cannot set mode \(String(mode, radix: 8)) on \(path): \(String(cString: strerror(errno)))")
        }
    }
}
