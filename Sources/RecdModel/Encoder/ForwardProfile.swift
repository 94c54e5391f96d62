#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time spent in each step of the fp32 forward pass, summed over every chunk a workspace
/// ran, with the arithmetic of the linear layers, so a benchmark can report realised GFLOP/s per GEMM
/// shape inside the real run (FORMAT.md, "Where the fp32 time goes").
///
/// Off unless `RECD_PROFILE=1` is set when the workspace is made (or `EncoderWorkspace.profile` is
/// enabled by hand): when off, each step costs one predictable branch.
public struct ForwardProfile: Sendable, Equatable {
    /// The steps of a forward pass, in the order they run.
    public enum Step: Int, CaseIterable, Sendable {
        case embeddings, embedNorm, qkv, attention, attnOut, attnNorm, ffnIn, ffnOut, ffnNorm, pool

        /// Name used in reports, e.g. `ffn_in`.
        public var name: String {
            switch self {
            case .embeddings: "embeddings"
            case .embedNorm: "embed_norm"
            case .qkv: "qkv_gemm"
            case .attention: "attention"
            case .attnOut: "attn_out_gemm"
            case .attnNorm: "attn_norm"
            case .ffnIn: "ffn_in_gemm"
            case .ffnOut: "ffn_out_gemm"
            case .ffnNorm: "ffn_norm"
            case .pool: "pool"
            }
        }
    }

    /// Seconds per step, indexed by `Step.rawValue`.
    public var seconds: [Double] = Array(repeating: 0, count: Step.allCases.count)
    /// CPU seconds of the running thread per step (differs from `seconds` when the thread waited for a
    /// core on a busy host, or had the intra-op helper compute part of a GEMM).
    public var cpuSeconds: [Double] = Array(repeating: 0, count: Step.allCases.count)
    /// Floating-point operations per step (2·m·n·k for the linear layers, 0 for the others).
    public var flops: [Double] = Array(repeating: 0, count: Step.allCases.count)
    /// Chunks (forward passes over one workspace-full of sequences) measured.
    public var chunks = 0
    /// Tokens over all measured chunks.
    public var tokens = 0

    /// An empty profile.
    public init() {}

    /// Seconds over all steps.
    public var totalSeconds: Double { seconds.reduce(0, +) }

    /// Adds another profile's figures (e.g. two workers') to this one.
    public mutating func add(_ other: ForwardProfile) {
        for i in seconds.indices {
            seconds[i] += other.seconds[i]
            cpuSeconds[i] += other.cpuSeconds[i]
            flops[i] += other.flops[i]
        }
        chunks += other.chunks
        tokens += other.tokens
    }

    /// `RECD_PROFILE` is set to something other than `0`.
    public static var requestedByEnvironment: Bool {
        guard let raw = getenv("RECD_PROFILE") else { return false }
        let value = String(cString: raw)
        return !value.isEmpty && value != "0"
    }
}

/// Times the steps of one chunk into a workspace's profile; a no-op value when profiling is off.
struct StepClock {
    private var last: UInt64
    private var lastCPU: UInt64
    let on: Bool

    init(on: Bool) {
        self.on = on
        last = on ? StepClock.nowNanoseconds() : 0
        lastCPU = on ? StepClock.nowNanoseconds(CLOCK_THREAD_CPUTIME_ID) : 0
    }

    /// Charges the time since the previous mark to `step` (and `flops` to it).
    @inline(__always)
    mutating func mark(_ step: ForwardProfile.Step, flops: Double = 0, into ws: EncoderWorkspace) {
        guard on else { return }
        let t = StepClock.nowNanoseconds(), c = StepClock.nowNanoseconds(CLOCK_THREAD_CPUTIME_ID)
        ws.profileData.seconds[step.rawValue] += Double(t &- last) * 1e-9
        ws.profileData.cpuSeconds[step.rawValue] += Double(c &- lastCPU) * 1e-9
        ws.profileData.flops[step.rawValue] += flops
        last = t
        lastCPU = c
    }

    static func nowNanoseconds(_ clock: clockid_t = CLOCK_MONOTONIC) -> UInt64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
