import CDNNL
#if canImport(Glibc)
import Glibc
#endif

/// oneDNN facts for the int8 path: its ISA dispatch, version and thread count (the matmuls are `Int8Matmul`).
///
/// Debian's libdnnl is built with the OpenMP CPU runtime (`DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP`,
/// linked against libgomp), so its thread count is OpenMP's: `OMP_NUM_THREADS` at start-up, or
/// `setThreads` (which calls libgomp's `omp_set_num_threads`, found at run time because recd does not
/// link libgomp itself). Note that `omp_set_num_threads` applies to the calling thread's later
/// parallel regions: call it on each worker thread that runs the int8 path.
public enum Int8GEMM {
    /// The most capable instruction set oneDNN will dispatch to on this CPU, e.g. `avx512_core_amx`.
    public static var effectiveISA: String {
        let isa = dnnl_get_effective_cpu_isa()
        switch isa {
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
        case dnnl_cpu_isa_avx2: return "avx2"
        case dnnl_cpu_isa_avx: return "avx"
        case dnnl_cpu_isa_sse41: return "sse41"
        default: return "isa 0x\(String(isa.rawValue, radix: 16))"
        }
    }

    /// oneDNN's version, e.g. `2.6.0`.
    public static var version: String {
        guard let v = dnnl_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.patch)"
    }

    private typealias SetThreadsFn = @convention(c) (Int32) -> Void
    private typealias GetThreadsFn = @convention(c) () -> Int32

    /// libgomp's `omp_set_num_threads`, looked up once (nil if libgomp is not loaded).
    private static let setThreadsFn: SetThreadsFn? = {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_set_num_threads") else { return nil }
        return unsafeBitCast(sym, to: SetThreadsFn.self)
    }()

    /// Sets the OpenMP thread count oneDNN uses for calls made later from the calling thread.
    /// Returns false if libgomp's `omp_set_num_threads` is not loaded (then only `OMP_NUM_THREADS` works).
    @discardableResult
    public static func setThreads(_ n: Int) -> Bool {
        guard let setThreadsFn else { return false }
        setThreadsFn(Int32(max(1, n)))
        return true
    }

    /// The OpenMP threads one int8 forward pass uses unless its ``Int8Scratch/ompThreads`` says otherwise:
    /// `OMP_NUM_THREADS` when set to a positive number, else 1. libgomp's own default is one thread per
    /// CPU for every calling thread, so each worker of a pool would start a team as large as the machine
    /// and the teams' spinning threads would take the CPUs the other workers need (recd's daemon served
    /// int8 EMBED at 1 connection 2–4× slower than the encoder alone until session 9).
    public static let defaultThreadsPerCall: Int = {
        if let v = getenv("OMP_NUM_THREADS"), let n = Int(String(cString: v).split(separator: ",").first ?? ""), n > 0 {
            return n
        }
        return 1
    }()

    /// OpenMP's maximum thread count for the calling thread (what oneDNN will use), or nil if unknown.
    public static var threads: Int? {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_get_max_threads") else { return nil }
        return Int(unsafeBitCast(sym, to: GetThreadsFn.self)())
    }
}
