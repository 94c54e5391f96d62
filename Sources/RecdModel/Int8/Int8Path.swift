/// How the int8 path runs on this machine: the activation range and what to report.
///
/// With VNNI, oneDNN multiplies u8·s8 with `vpdpbusd`, accumulating straight into s32, so weights use
/// -127...127. Without VNNI (plain AVX2/AVX-512), its kernels use `vpmaddubsw`, whose pairwise u8·s8 sums
/// saturate at 16 bits (2·255·127 > 32767); weights are then kept to 7 bits, -63...63 (2·255·63 = 32130
/// cannot saturate). The bit is taken from the weights, not the activations: per-row weight ranges are
/// tame, while activation rows carry BERT's outlier features (7-bit activations measured cosine 0.972 on
/// the reference set, 7-bit weights 0.9897; with VNNI the minimum is 0.9935).
public struct Int8Path: Sendable, Equatable, CustomStringConvertible {
    /// The CPU features the choice was made from.
    public let cpu: CPUFeatures
    /// Largest quantised activation value (u8): always 255.
    public let activationMax: Int32 = 255
    /// Largest quantised weight magnitude (s8): 127 with VNNI, 63 without.
    public let weightMax: Int32

    /// The path for the given CPU features.
    public init(cpu: CPUFeatures) {
        self.cpu = cpu
        weightMax = cpu.hasVNNI ? 127 : 63
    }

    /// The path for this machine.
    public static let current = Int8Path(cpu: .current)

    /// E.g. `int8 (oneDNN 2.6.3 matmul, isa avx512_core_amx, AVX-512 VNNI, s8 weights ±127)`.
    public var description: String { description(implementation: "isa \(Int8GEMM.effectiveISA)") }

    /// The description with the implementation's name: oneDNN's (e.g. `brg:avx512_core_amx_int8`) for
    /// `.onednn`, recd's own GEMM's, as given, for `.recd`.
    func description(implementation: String, kernel: Int8Kernel = .onednn) -> String {
        let vnni = cpu.avx512VNNI ? "AVX-512 VNNI" : cpu.avxVNNI ? "AVX-VNNI" : "no VNNI: 7-bit weights"
        let what = kernel == .recd ? implementation : "oneDNN \(Int8GEMM.version) matmul \(implementation)"
        return "int8 (\(what), \(vnni), s8 weights ±\(weightMax))"
    }
}
