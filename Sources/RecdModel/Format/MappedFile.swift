#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory; unmapped when released.
///
/// `@unchecked Sendable`: the mapping is `PROT_READ` and never changes after `init`, so concurrent reads are safe.
final class MappedFile: @unchecked Sendable {
    /// Start of the mapping (nil for an empty file).
    let base: UnsafeRawPointer?
    /// Size of the file in bytes.
    let count: Int
    let path: String

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ModelError(.io, "cannot open '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw ModelError(.io, "cannot stat '\(path)': \(String(cString: strerror(errno)))")
        }
        count = Int(st.st_size)
        if count == 0 {
            base = nil
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            throw ModelError(.io, "cannot mmap '\(path)' (\(count) bytes): \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }
}
