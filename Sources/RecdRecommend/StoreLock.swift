import Foundation

/// One daemon per store directory: an exclusive `flock(2)` on `DIR/recd.lock`, held for as long as the
/// value lives (the daemon keeps it for its whole run).
///
/// Why: each daemon keeps the store's contents in memory (the feedback log, the catalog journal) and the
/// feedback log's SQLite connection is in exclusive locking mode, so a second daemon cannot serve the same
/// store. Before this lock it found out late and unclearly: it loaded the model and the catalog, then
/// failed after SQLite's 5 s busy timeout with "cannot prepare `SELECT 1 FROM sqlite_master …`: database
/// is locked". Now it stops before loading anything, naming the directory and the holder's pid.
///
/// Why `flock` and not a pid file alone: the kernel drops the lock when its holder exits however it exits
/// (SIGKILL, a crash), so no stale lock is ever left to clean up; the pid written into the file is only for
/// the message.
public final class StoreLock: Sendable {
    /// The lock file.
    public let path: String
    private let fd: Int32

    /// Creates `directory` if needed and takes its lock without waiting.
    ///
    /// Throws `.storage` naming the directory and, when it can be read, the holding process's pid if
    /// another process holds it; and `.storage` with the system's reason if the directory or the file cannot
    /// be made.
    public init(directory: String) throws(RecommendError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .storage("cannot create the store directory \(directory): \(error.localizedDescription)")
        }
        path = directory + "/recd.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .storage("cannot open the store lock \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let holder = Self.readPid(fd)
            close(fd)
            guard reason == EWOULDBLOCK else {
                throw .storage("cannot lock the store \(directory) (\(path)): \(String(cString: strerror(reason)))")
            }
            let who = holder.map { "another recd (pid \($0))" } ?? "another recd"
            throw .storage("the store \(directory) is in use by \(who); stop it, or give this daemon its own --store DIR")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { close(fd) }

    /// The pid written in the lock file by its holder, if it reads as one.
    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text).flatMap { $0 > 0 ? $0 : nil }
    }
}
