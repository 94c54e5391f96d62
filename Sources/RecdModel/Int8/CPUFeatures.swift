#if canImport(Glibc)
import Glibc
#endif

/// The x86 instruction-set features the int8 path cares about, read once from the CPU.
///
/// Read from `/proc/cpuinfo` flags (what the kernel reports after cpuid, so features the OS does not
/// enable, e.g. AMX tiles without XSAVE permission, are not claimed). oneDNN does its own cpuid dispatch
/// on top; this only decides the activation range (see `Int8Path`) and what `info` reports.
public struct CPUFeatures: Sendable, Equatable {
    /// AVX-512 VNNI (`vpdpbusd` on zmm): u8·s8 dot products accumulated straight into s32.
    public var avx512VNNI: Bool
    /// AVX-VNNI (the VEX-encoded ymm form, e.g. Alder Lake).
    public var avxVNNI: Bool
    /// AMX int8 tiles.
    public var amxInt8: Bool

    /// True if either VNNI form is present: u8·s8 products do not saturate in 16-bit intermediates.
    public var hasVNNI: Bool { avx512VNNI || avxVNNI }

    /// Features parsed from a `/proc/cpuinfo` text (the first `flags` line).
    public init(cpuinfo: String) {
        var flags = Set<Substring>()
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("flags") {
            if let colon = line.firstIndex(of: ":") {
                flags = Set(line[line.index(after: colon)...].split(separator: " "))
            }
            break
        }
        avx512VNNI = flags.contains("avx512_vnni")
        avxVNNI = flags.contains("avx_vnni")
        amxInt8 = flags.contains("amx_int8")
    }

    /// This machine's features (all false if `/proc/cpuinfo` cannot be read).
    public static let current: CPUFeatures = CPUFeatures(cpuinfo: readSmallFile("/proc/cpuinfo") ?? "")
}

/// Reads a small text file (such as a /proc file, whose size is reported as 0) with plain `read(2)`.
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
        if n <= 0 { break }
        bytes += chunk[0..<n]
        if bytes.count > 1 << 22 { break }
    }
    return String(decoding: bytes, as: UTF8.self)
}
