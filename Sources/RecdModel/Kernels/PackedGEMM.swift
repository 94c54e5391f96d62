#if canImport(Glibc)
import Glibc
#endif
import CRecdKernels
import Dispatch

/// Which kernel the encoder's four linear layers use.
public enum LinearKernel: String, Sendable, CaseIterable {
    /// recd's packed-weight GEMM (CRecdKernels): weights re-laid out once at load, AVX-512 micro-kernel
    /// when the CPU has it, a portable loop otherwise.
    case packed
    /// OpenBLAS `sgemm` on the weights as stored (re-packs them on every call); kept for comparison.
    case openblas

    /// `RECD_KERNEL` from the environment (`packed` or `openblas`), `.packed` when unset or unknown.
    public static var fromEnvironment: LinearKernel {
        guard let raw = getenv("RECD_KERNEL") else { return .packed }
        return LinearKernel(rawValue: String(cString: raw)) ?? .packed
    }
}

/// One linear-layer weight [n, k] packed for `recd_gemm_packed`: 32-column panels, k-major, 64-byte aligned.
///
/// `@unchecked Sendable`: the buffer is written once in `init` and only read afterwards.
public final class PackedWeight: @unchecked Sendable {
    /// Output features (rows of the original weight).
    public let n: Int
    /// Input features (columns of the original weight).
    public let k: Int
    let data: UnsafeMutablePointer<Float>
    /// The memory `data` points into: this weight's own, or one block shared by all layers of a model
    /// (`PackedLayer.packAll`); kept alive as long as the weight.
    private let storage: HugeBuffer

    /// Packs the row-major weight `w[n, k]` (Hugging Face [out, in] layout) into memory of its own.
    public convenience init(_ w: UnsafePointer<Float>, n: Int, k: Int) {
        self.init(w, n: n, k: k, storage: HugeBuffer(byteCount: PackedWeight.floatCount(n: n, k: k) * 4), offset: 0)
    }

    /// Packs `w[n, k]` into `storage` at byte `offset` (which must leave room for `floatCount(n:k:)` floats).
    convenience init(_ w: UnsafePointer<Float>, n: Int, k: Int, storage: HugeBuffer, offset: Int) {
        self.init(packedIn: storage, offset: offset, n: n, k: k)
        recd_pack_nt(w, Int32(n), Int32(k), data)
    }

    /// A view of an [n, k] weight that is (or is about to be) packed into `storage` at byte `offset`.
    init(packedIn storage: HugeBuffer, offset: Int, n: Int, k: Int) {
        self.n = n
        self.k = k
        self.storage = storage
        data = storage.floats(at: offset, count: PackedWeight.floatCount(n: n, k: k))
    }

    /// Floats the packed form of an [n, k] weight takes.
    static func floatCount(n: Int, k: Int) -> Int { max(recd_packed_floats(Int32(n), Int32(k)), 16) }

    /// C[m×n] += A[m×k] · Wᵀ (row-major, leading dimensions `lda`, `ldc`), on this thread only.
    @inline(__always)
    public func multiplyAccumulate(m: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        recd_gemm_packed(Int32(m), Int32(n), Int32(k), a, Int32(lda), data, c, Int32(ldc), 0, Int32(n))
    }

    /// C[m×n] += A[m×k] · Wᵀ sharing column chunks with the intra-op helper thread when it is enabled and
    /// this is the only forward pass in progress (see `PackedGEMM.intraOpHelper`); bitwise the same result.
    @inline(__always)
    public func multiplyAccumulateSplit(m: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        recd_gemm_packed_auto(Int32(m), Int32(n), Int32(k), a, Int32(lda), data, c, Int32(ldc), nil, 0)
    }

    /// C[m×n] = bias + A[m×k] · Wᵀ (C's old contents are not read), then GELU (erf form) when `gelu`;
    /// `bias` holds n floats. Bitwise the same as filling C with the bias, `multiplyAccumulate` and
    /// `VectorMath.geluInPlace`, without those passes over C. Shares column chunks with the intra-op
    /// helper as `multiplyAccumulateSplit` does.
    @inline(__always)
    public func multiplySplit(m: Int, a: UnsafePointer<Float>, lda: Int, bias: UnsafePointer<Float>, gelu: Bool,
                              c: UnsafeMutablePointer<Float>, ldc: Int) {
        recd_gemm_packed_auto(Int32(m), Int32(n), Int32(k), a, Int32(lda), data, c, Int32(ldc), bias, gelu ? 1 : 0)
    }
}

/// The four linear-layer weights of one encoder layer, packed.
struct PackedLayer: Sendable {
    let qkv: PackedWeight
    let attnOut: PackedWeight
    let ffnIn: PackedWeight
    let ffnOut: PackedWeight

    /// Packs every layer's four weights into one `HugeBuffer` (2 MiB aligned, huge pages advised), in
    /// the order the forward pass reads them. The weights are packed on two threads at a time, largest
    /// first, straight into the untouched block (each page is faulted in by the packing that fills it);
    /// every weight is packed by the same `recd_pack_nt` whichever thread runs it, so the block is the same.
    static func packAll(_ layers: [LayerWeights], hidden h: Int, ffn f: Int) -> [PackedLayer] {
        let shapes = [(3 * h, h), (h, h), (f, h), (h, f)]
        var carver = HugeBuffer.Carver(alignment: 4096)
        let offsets = layers.map { _ in shapes.map { carver.take(floats: PackedWeight.floatCount(n: $0.0, k: $0.1)) } }
        let storage = HugeBuffer(byteCount: max(carver.offset, 64), touched: false)
        // One job per weight: (source address, destination address, n, k); addresses cross into the
        // workers as integers, each job reading its own weight and writing its own disjoint region.
        var jobs: [(src: Int, dst: Int, n: Int, k: Int)] = []
        for (l, o) in zip(layers, offsets) {
            let sources = [l.qkvWeight, l.attnOutWeight, l.ffnInWeight, l.ffnOutWeight]
            for j in 0..<4 {
                jobs.append((Int(bitPattern: sources[j]), Int(bitPattern: storage.base) + o[j], shapes[j].0, shapes[j].1))
            }
        }
        let ordered = jobs.sorted { $0.n * $0.k > $1.n * $1.k }
        DispatchQueue.concurrentPerform(iterations: ordered.count) { i in
            let job = ordered[i]
            recd_pack_nt(UnsafePointer<Float>(bitPattern: job.src)!, Int32(job.n), Int32(job.k),
                         UnsafeMutablePointer<Float>(bitPattern: job.dst)!)
        }
        return offsets.map { o in
            PackedLayer(qkv: PackedWeight(packedIn: storage, offset: o[0], n: 3 * h, k: h),
                        attnOut: PackedWeight(packedIn: storage, offset: o[1], n: h, k: h),
                        ffnIn: PackedWeight(packedIn: storage, offset: o[2], n: f, k: h),
                        ffnOut: PackedWeight(packedIn: storage, offset: o[3], n: h, k: f))
        }
    }
}

/// The instruction-set level of the fp32 C kernels (GEMM, elementwise, attention), best last.
public enum KernelISA: Int32, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// Plain C loops (libm per element).
    case portable = 0
    /// AVX2 + FMA, 8-wide (e.g. AMD Zen 2/3).
    case avx2 = 1
    /// AVX-512 F/BW/VL, 16-wide.
    case avx512 = 2

    public static func < (a: KernelISA, b: KernelISA) -> Bool { a.rawValue < b.rawValue }
    /// `portable`, `AVX2` or `AVX-512`.
    public var description: String {
        switch self {
        case .portable: "portable"
        case .avx2: "AVX2"
        case .avx512: "AVX-512"
        }
    }
}

/// Test and diagnostics hooks of the C kernels.
public enum PackedGEMM {
    /// True when the AVX-512 micro-kernel is in use (CPU support and not capped lower).
    public static var usesAVX512: Bool { recd_kernels_have_avx512() != 0 }

    /// The level the kernels use now.
    public static var isa: KernelISA { KernelISA(rawValue: recd_kernels_isa()) ?? .portable }

    /// The best level this CPU supports.
    public static var cpuISA: KernelISA { KernelISA(rawValue: recd_kernels_cpu_isa()) ?? .portable }

    /// Caps the level the GEMM and the elementwise kernels use (process-wide; for tests and comparison).
    /// `.avx512` removes the cap.
    public static func limitISA(_ level: KernelISA) { recd_kernels_limit_isa(level.rawValue) }

    /// Forces the portable C loops (`limitISA(.portable)`), or removes the cap.
    public static func forcePortable(_ force: Bool) { recd_kernels_force_portable(force ? 1 : 0) }

    /// Whether the fp32 forward pass may split each GEMM's columns with one helper thread (process-wide).
    /// The helper is used only while a single forward pass runs in the process, so a daemon with one
    /// worker per core keeps its throughput and gains latency when only one request is being served.
    /// Default: on when the process may use two or more CPUs; `RECD_INTRA_OP=0` (or `off`) turns it off.
    /// The caller and the helper claim column chunks, so a helper that gets no core costs nothing but
    /// its share going back to the caller (see FORMAT.md, "Threads").
    public static var intraOpHelper: Bool {
        get { recd_intra_op_enabled() == 1 }
        set { recd_intra_op_enable(newValue ? 1 : 0) }
    }

    /// Forward passes in progress in this process (the helper's condition; for tests and diagnostics).
    public static var passesInProgress: Int { Int(recd_passes_in_progress()) }

    /// Since the process started: GEMMs shared with the intra-op helper, and column chunks the helper
    /// computed (diagnostics: with one worker per core busy, the helper should see almost none).
    public static var intraOpCounts: (sharedGEMMs: Int, helperChunks: Int) {
        var shared: UInt64 = 0, chunks: UInt64 = 0
        recd_intra_op_counts(&shared, &chunks)
        return (Int(shared), Int(chunks))
    }

    /// Since the process started: times a caller waited too long for the helper's chunk (the helper lost
    /// its core) and then ran its GEMMs alone for a while (diagnostics).
    public static var intraOpBackoffs: Int { Int(recd_intra_op_backoffs()) }
}

extension PackedWeight {
    /// C += A·Wᵀ shared with the helper thread whenever it is free, whatever `PackedGEMM.intraOpHelper`
    /// says (for tests); returns whether the helper computed at least one chunk.
    public func multiplyAccumulateForcingSplit(m: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        recd_gemm_packed_split(Int32(m), Int32(n), Int32(k), a, Int32(lda), data, c, Int32(ldc), nil, 0) == 1
    }
}
