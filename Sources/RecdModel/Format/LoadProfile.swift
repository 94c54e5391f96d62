#if canImport(Glibc)
import Glibc
#endif
import CRecdKernels

/// Where `EncoderModel.load` spent its time (FORMAT.md, "Load time"), stage by stage: wall and process
/// CPU milliseconds and minor page faults, so a slow `load_ms` can be told apart as waiting for a core
/// (wall well above CPU / threads), faulting memory in (many faults), or work.
///
/// Always recorded: a load reads the clocks a handful of times, nothing per tensor byte.
public struct LoadProfile: Sendable, Equatable {
    /// The stages of a load, in the order they run.
    public enum Stage: Int, CaseIterable, Sendable {
        /// open + fstat + mmap of the file (`MAP_POPULATE`: the page-cache pages are mapped here).
        case map
        /// Header checksum, decoding the config, tokenizer settings, vocabulary and tensor table, and
        /// checking every required tensor's entry.
        case header
        /// XXH64 of every tensor and LZ4 decoding into the weights buffer, two tensors at a time.
        case verifyDecode
        /// Packing the linear-layer weights into GEMM panels (`.packed` kernel only).
        case pack
        /// Quantising the linear layers (`.int8` only).
        case quantize

        /// Name used in reports, e.g. `verify_decode`.
        public var name: String {
            switch self {
            case .map: "map"
            case .header: "header"
            case .verifyDecode: "verify_decode"
            case .pack: "pack"
            case .quantize: "quantize"
            }
        }
    }

    /// One stage's cost.
    public struct Sample: Sendable, Equatable {
        /// Wall milliseconds.
        public var wallMs: Double = 0
        /// CPU milliseconds of the whole process (all threads) during the stage.
        public var cpuMs: Double = 0
        /// Minor page faults of the whole process during the stage.
        public var minorFaults: Int = 0
    }

    /// Per stage, indexed by `Stage.rawValue`; zero for stages a load did not run.
    public var stages: [Sample] = Array(repeating: Sample(), count: Stage.allCases.count)
    /// Inside `verifyDecode`: thread-CPU milliseconds, summed over the threads, spent computing
    /// checksums and spent decoding (LZ4, or copying a tensor stored uncompressed, with the page faults
    /// of the destination).
    public var hashCpuMs: Double = 0
    public var decodeCpuMs: Double = 0

    /// An empty profile.
    public init() {}

    /// The sample of `stage`.
    public subscript(stage: Stage) -> Sample {
        get { stages[stage.rawValue] }
        set { stages[stage.rawValue] = newValue }
    }

    /// Wall milliseconds over all stages.
    public var totalWallMs: Double { stages.reduce(0) { $0 + $1.wallMs } }
}

/// Reads wall time, process CPU time and minor faults at the end of each load stage.
struct LoadClock {
    private var wall: Double
    private var cpu: Double
    private var faults: Int

    init() {
        wall = LoadClock.wallNow()
        cpu = LoadClock.cpuNow()
        faults = LoadClock.faultsNow()
    }

    /// Records the time since the previous mark (or `init`) as `stage` in `profile`.
    mutating func mark(_ stage: LoadProfile.Stage, into profile: inout LoadProfile) {
        let w = LoadClock.wallNow(), c = LoadClock.cpuNow(), f = LoadClock.faultsNow()
        profile[stage] = LoadProfile.Sample(wallMs: (w - wall) * 1000, cpuMs: (c - cpu) * 1000, minorFaults: f - faults)
        wall = w
        cpu = c
        faults = f
    }

    static func wallNow() -> Double { seconds(CLOCK_MONOTONIC) }
    static func cpuNow() -> Double { seconds(CLOCK_PROCESS_CPUTIME_ID) }
    /// CPU seconds of the calling thread.
    static func threadCPUNow() -> Double { seconds(CLOCK_THREAD_CPUTIME_ID) }

    private static func seconds(_ clock: clockid_t) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    private static func faultsNow() -> Int { Int(recd_minor_faults()) }
}
