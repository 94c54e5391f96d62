import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Works around OpenBLAS (0.3.21, Debian) not recognising newer Xeons (e.g. Sapphire Rapids): it falls
/// back to its generic "Prescott" SSE3 kernels, several times slower than its AVX-512 ones. The kernel
/// set is chosen once, when the library loads, from `OPENBLAS_CORETYPE`; so the only fix from inside the
/// process is to set that variable and re-execute. Rejected alternative: asking users to export it.
public enum OpenBLASCoreType {
    /// The kernel set OpenBLAS chose, e.g. "SkylakeX", "Haswell", "Prescott".
    public static var current: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The kernel set this CPU supports best, judged from /proc/cpuinfo flags, or nil if unknown.
    public static func best() -> String? {
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var cap = 0
        defer { free(line) }
        while getline(&line, &cap, file) > 0 {
            let text = String(cString: line!)
            guard text.hasPrefix("flags") else { continue }
            let flags = Set(text.split(separator: " ").map { $0.trimmingCharacters() })
            if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { return "SkylakeX" }
            if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
            return nil
        }
        return nil
    }

    /// If OpenBLAS picked a generic kernel set on a CPU that supports a better one and the user did not
    /// choose one, sets `OPENBLAS_CORETYPE` and re-executes this program with the same arguments.
    /// Call first thing in `main`. Returns normally when nothing needs doing (or exec fails).
    public static func reexecIfMisdetected() {
        guard getenv("OPENBLAS_CORETYPE") == nil, let better = best() else { return }
        let generic = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Sandybridge", "Unknown"]
        guard generic.contains(where: { current.caseInsensitiveCompare($0) }) else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}

private extension Substring {
    func trimmingCharacters() -> String {
        String(self.filter { !$0.isWhitespace })
    }
}

private extension String {
    func caseInsensitiveCompare(_ other: String) -> Bool { lowercased() == other.lowercased() }
}
