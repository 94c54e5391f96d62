#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore

/// Which local users may talk to recd: the uids allowed to connect, checked with
/// SO_PEERCRED on every accepted connection.
///
/// The socket file's mode (0600 by default) is the first gate; this is the second, and
/// it still holds when an operator opens the file to a group (`socket_group`, 0660) or
/// the directory's permissions are looser than intended. A refused connection is closed
/// before any byte is read, and logged with the peer's uid and pid.
public struct PeerAccess: Sendable, Hashable {
    /// Uids allowed to connect.
    public var allowedUIDs: Set<UInt32>

    /// Allows exactly `uids`.
    public init(allowedUIDs: Set<UInt32>) {
        self.allowedUIDs = allowedUIDs
    }

    /// The default: the daemon's own uid and root.
    public static var ownerAndRoot: PeerAccess {
        PeerAccess(allowedUIDs: [UInt32(getuid()), 0])
    }

    /// True when `uid` may connect.
    public func allows(uid: UInt32) -> Bool { allowedUIDs.contains(uid) }

    /// The allow-list for log lines, sorted: "0, 1000".
    public var listDescription: String {
        allowedUIDs.sorted().map(String.init).joined(separator: ", ")
    }
}

/// The kernel's record of who is on the other end of a Unix socket: Linux `struct ucred`
/// (pid_t, uid_t, gid_t, each 32 bits, in that order), which Swift's Glibc module does not
/// export because it sits behind _GNU_SOURCE. Three 4-byte fields, so the Swift layout is
/// the C one (12 bytes, no padding); a static assertion in the tests pins the size.
struct PeerCredentials: Sendable, Hashable {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32
}

extension PeerAccess {
    /// Reads the peer's credentials on `channel` and succeeds when they are allowed;
    /// otherwise logs the refusal and fails, so the caller's initializer closes the channel.
    /// Runs on the channel's event loop (from a child channel initializer).
    func admit(_ channel: any Channel, logger: Logger) -> EventLoopFuture<Void> {
        guard let provider = channel as? any SocketOptionProvider else {
            logger.warning("refused a connection: cannot read its peer credentials (channel \(type(of: channel)) has no socket options)")
            return channel.eventLoop.makeFailedFuture(PeerRefused(uid: nil))
        }
        let access = self
        return provider.unsafeGetSocketOption(level: .socket, name: NIOBSDSocket.Option(rawValue: SO_PEERCRED))
            .flatMapThrowing { (peer: PeerCredentials) in
                guard access.allows(uid: peer.uid) else {
                    logger.warning("refused connection from uid \(peer.uid) (pid \(peer.pid), gid \(peer.gid)): not in the allowed uids [\(access.listDescription)]; start recd with --allow-uid \(peer.uid) to let it in")
                    throw PeerRefused(uid: peer.uid)
                }
            }
    }
}

/// A connection refused by ``PeerAccess``; the channel is closed.
struct PeerRefused: Error, CustomStringConvertible {
    var uid: UInt32?
    var description: String {
        uid.map { "peer uid \($0) is not allowed to connect" } ?? "peer credentials could not be read"
    }
}
