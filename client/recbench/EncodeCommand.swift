import ArgumentParser
import Foundation
import RecdModel

/// `recbench encode`: in-process encoder benchmark over the same texts as the ONNX Runtime anchors.
/// Timings include tokenization, as the anchors' do.
struct EncodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Benchmark the encoder in process: single-query latency, query and document throughput, load time.")

    @Option(name: .long, help: "Weights file (default: $RECD_WEIGHTS or ~/.cache/recd/all-MiniLM-L6-v2.recd).")
    var model: String?

    @Option(name: .long, help: "fp32 or int8.")
    var precision: String = "fp32"

    /// Default 1: on this 2-core machine one BLAS thread measured faster for single queries and no slower
    /// for batches (OpenBLAS's second thread mostly waits at small M); the daemon scales with workers instead.
    @Option(name: .long, help: "OpenBLAS threads (process-wide) and oneDNN's OpenMP threads per encoding thread (int8).")
    var threads: Int = 1

    @Option(name: .long, help: "Workers for the throughput runs: each batch is split across this many threads, each with its own workspace (single-query latency always uses one).")
    var workers: Int = 1

    @Option(name: .long, help: "Queries per batch for the throughput run.")
    var batch: Int = 32

    @Option(name: .customLong("doc-batch"), help: "Documents per batch for the document throughput run.")
    var docBatch: Int = 16

    @Option(name: .long, help: "Single-query runs for the latency percentiles (at least 200).")
    var runs: Int = 200

    @Option(name: .long, help: "Linear-layer kernel: packed (recd's GEMM) or openblas (default: $RECD_KERNEL, else packed).")
    var kernel: String?

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @Flag(name: .customLong("load-only"), help: "Only load the model and print the load figures (load_ms and its stages), then exit.")
    var loadOnly = false

    @Flag(name: .long, help: "Also report wall time per forward-pass step and realised GFLOP/s per GEMM shape for the throughput runs (fp32; same as RECD_PROFILE=1).")
    var profile = false

    func run() async throws {
        let path = model ?? DefaultWeightsPath.path
        let linearKernel: LinearKernel
        if let kernel {
            guard let k = LinearKernel(rawValue: kernel) else {
                throw ValidationError("--kernel: expected one of \(LinearKernel.allCases.map(\.rawValue)), found '\(kernel)'")
            }
            linearKernel = k
        } else {
            linearKernel = .fromEnvironment
        }
        let encoder: Encoder
        let vmBefore = VMStat.read()
        let loadCPU = processCPU()
        do {
            let p = try EncoderPrecision(parsing: precision)
            encoder = try Encoder(model: p == .int8 ? EncoderModel.load(path: path, precision: .int8)
                                                    : EncoderModel.load(path: path, kernel: linearKernel))
        } catch let e as ModelError {
            throw ValidationError(e.message)
        }
        let loadCPUms = (processCPU() - loadCPU) * 1000
        let vmDelta = VMStat.read().delta(since: vmBefore)
        let loadFields: [(String, String)] = [
            ("load_ms", fmt(encoder.model.loadMilliseconds)),
            // Process CPU time (all threads) of building the encoder (model load + tokenizer): its cost without waiting for a core.
            ("load_cpu_ms", fmt(loadCPUms)),
            // Per load stage: wall ms, process CPU ms, minor page faults; and the host's huge-page faults and
            // compaction stalls during the load (/proc/vmstat, system-wide: other processes count too).
            ("load_stages", loadStagesJSON(encoder.model.loadProfile)),
            ("load_vmstat", vmDelta.json),
        ]
        if loadOnly {
            let fields = [("precision", "\"\(precision)\""), ("kernel", "\"\(encoder.model.linearKernel.rawValue)\""),
                          ("huge_pages", "\(HugePages.advised)")] + loadFields
            if json {
                print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
            } else {
                for (k, v) in fields { print("\(k): \(v)") }
            }
            return
        }
        BLAS.setThreads(threads)
        let ws = EncoderWorkspace(model: encoder.model, maxBatch: max(batch, docBatch), maxTokens: max(batch, docBatch) * 256)
        ws.int8?.ompThreads = threads
        let dim = encoder.model.dimension
        let out = UnsafeMutablePointer<Float>.allocate(capacity: max(batch, docBatch) * dim)
        defer { out.deallocate() }

        func encode(_ texts: ArraySlice<String>) throws {
            try encoder.embed(texts: Array(texts), workspace: ws, into: out)
        }
        // Warm-up: first touches of weights and workspace, OpenBLAS thread start.
        for i in 0..<20 { try encode(EncodeWorkload.queries[i..<i + 1]) }
        try encode(EncodeWorkload.queries[0..<batch])
        try encode(EncodeWorkload.docs[0..<docBatch])

        var latencies: [Double] = []
        var cpuTimes: [Double] = []
        let n = max(runs, 200)
        for i in 0..<n {
            let q = EncodeWorkload.queries[i % EncodeWorkload.queries.count]
            let c = threadCPU()
            let t = now()
            try encode([q][...])
            latencies.append(now() - t)
            cpuTimes.append(threadCPU() - c)
        }
        latencies.sort()
        cpuTimes.sort()
        let p50 = latencies[latencies.count / 2] * 1000
        let p99 = latencies[Int(Double(latencies.count) * 0.99)] * 1000
        // The same single-text runs over the eight texts `recbench load` sends (5–10 tokens, shorter than
        // the queries above): the in-process figure a daemon's EMBED / INTENT p50 compares with like for like.
        var loadTextLatencies: [Double] = []
        for i in 0..<n {
            let t = now()
            try encode([LoadWorkload.texts[i % LoadWorkload.texts.count]][...])
            loadTextLatencies.append(now() - t)
        }
        loadTextLatencies.sort()
        let loadTextsP50 = loadTextLatencies[loadTextLatencies.count / 2] * 1000

        let pool = WorkerSet(encoder: encoder, workers: max(1, workers), maxBatch: max(batch, docBatch), ompThreads: threads,
                             profiling: profile || ForwardProfile.requestedByEnvironment)
        /// Items per wall second, and per CPU second of the calling thread (meaningful with 1 thread, 1 worker).
        func throughput(_ items: [String], _ size: Int) throws -> (wall: Double, cpu: Double, report: String) {
            pool.resetStats()
            let c = threadCPU()
            let t = now()
            var i = 0
            while i < items.count {
                try pool.encode(Array(items[i..<min(i + size, items.count)]))
                i += size
            }
            let wall = now() - t
            return (Double(items.count) / wall, Double(items.count) / (threadCPU() - c), pool.report(wall: wall))
        }
        let (qps, qpcs, queryReport) = try throughput(EncodeWorkload.queries, batch)
        let (dps, dpcs, docReport) = try throughput(EncodeWorkload.docs, docBatch)
        let queryTokens = encoder.tokenize(EncodeWorkload.queries[0]).count
        let docTokens = encoder.tokenize(EncodeWorkload.docs[0]).count

        let fields: [(String, String)] = [
            ("precision", "\"\(precision)\""),
            ("kernel", "\"\(encoder.model.linearKernel.rawValue)\""),
            ("avx512", "\(PackedGEMM.usesAVX512)"),
            ("kernel_isa", "\"\(PackedGEMM.isa)\""),
            // The GEMM helper thread (on by default, RECD_INTRA_OP=0 turns it off): with it,
            // single_cpu_p50_ms counts only the calling thread's share of the GEMMs.
            ("intra_op", "\(PackedGEMM.intraOpHelper && encoder.model.linearKernel == .packed && encoder.model.precision == .fp32)"),
            // Packed weights and workspaces advised as transparent huge pages (RECD_HUGEPAGES=0 turns it off),
            // and how much of the process's memory the kernel actually put on them.
            ("huge_pages", "\(HugePages.advised)"),
            ("anon_huge_mb", HugePages.anonymousHugeBytes.map { fmt(Double($0) / 1_048_576) } ?? "null"),
            ("threads", "\(threads)"),
            ("workers", "\(max(1, workers))"),
            ("batch", "\(batch)"),
            ("doc_batch", "\(docBatch)"),
            ("single_runs", "\(n)"),
            ("single_p50_ms", fmt(p50)),
            ("single_p99_ms", fmt(p99)),
            ("load_texts_single_p50_ms", fmt(loadTextsP50)),
            ("queries_per_s", fmt(qps)),
            ("docs_per_s", fmt(dps)),
        ] + loadFields + [
            // CPU time of the calling thread per single query: on a shared, loaded machine this shows the
            // cost without time spent waiting for a core (meaningful with --threads 1 only).
            ("single_cpu_p50_ms", fmt(cpuTimes[cpuTimes.count / 2] * 1000)),
            ("queries_per_cpu_s", fmt(qpcs)),
            ("docs_per_cpu_s", fmt(dpcs)),
            ("blas_core", "\"\(OpenBLASCoreType.current)\""),
            ("compute_path", "\"\(encoder.model.pathDescription)\""),
            ("omp_threads", "\(Int8GEMM.threads ?? -1)"),
            ("query_tokens", "\(queryTokens)"),
            ("doc_tokens", "\(docTokens)"),
        ] + (pool.profiling ? [("profile_queries", queryReport), ("profile_docs", docReport)] : [])
        if json {
            print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        } else {
            for (k, v) in fields { print("\(k): \(v)") }
        }
    }
}

private func processCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func fmt(_ x: Double) -> String { String(format: "%.4f", x) }


/// Splits a batch across worker threads, each with its own workspace and output rows.
/// `@unchecked Sendable`: worker k touches only `workspaces[k]`, `busy[k]`, `tokenizing[k]` and its own
/// slice of `out`; the calling thread reads them only between `encode` calls.
private final class WorkerSet: @unchecked Sendable {
    let encoder: Encoder
    let workspaces: [EncoderWorkspace]
    let out: UnsafeMutablePointer<Float>
    /// oneDNN's OpenMP thread count is per calling thread: each worker sets it before encoding.
    let ompThreads: Int
    /// Whether the workspaces record a `ForwardProfile` and `report` describes it.
    let profiling: Bool
    /// Per worker: wall seconds inside `encode` (tokenising + forward pass) and of that, tokenising.
    let busy: UnsafeMutablePointer<Double>
    let tokenizing: UnsafeMutablePointer<Double>

    init(encoder: Encoder, workers: Int, maxBatch: Int, ompThreads: Int, profiling: Bool) {
        self.encoder = encoder
        self.ompThreads = ompThreads
        self.profiling = profiling
        workspaces = (0..<workers).map { _ in EncoderWorkspace(model: encoder.model, maxBatch: maxBatch, maxTokens: maxBatch * 256) }
        for ws in workspaces {
            ws.profiling = profiling
            ws.int8?.ompThreads = ompThreads
        }
        out = .allocate(capacity: maxBatch * encoder.model.dimension)
        busy = .allocate(capacity: workers)
        tokenizing = .allocate(capacity: workers)
        resetStats()
    }

    deinit {
        out.deallocate()
        busy.deallocate()
        tokenizing.deallocate()
    }

    /// `PackedGEMM.intraOpCounts` when the stats were last reset.
    private var helperAtReset = (sharedGEMMs: 0, helperChunks: 0)

    func resetStats() {
        helperAtReset = PackedGEMM.intraOpCounts
        for k in workspaces.indices {
            busy[k] = 0
            tokenizing[k] = 0
            workspaces[k].resetProfile()
        }
    }

    private func run(_ texts: ArraySlice<String>, worker k: Int) throws {
        let t0 = now()
        let ids = texts.map(encoder.tokenize)
        let t1 = now()
        try encoder.model.embed(ids: ids, workspace: workspaces[k], into: out + texts.startIndex * encoder.model.dimension)
        tokenizing[k] += t1 - t0
        busy[k] += now() - t0
    }

    func encode(_ texts: [String]) throws {
        let n = workspaces.count
        if n == 1 { return try run(texts[...], worker: 0) }
        let per = (texts.count + n - 1) / n
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: n) { k in
            let lo = min(k * per, texts.count), hi = min(lo + per, texts.count)
            guard lo < hi else { return }
            do {
                try run(texts[lo..<hi], worker: k)
            } catch { errors.set(error) }
        }
        if let e = errors.error { throw e }
    }

    /// A JSON object: per worker the share of `wall` it was busy and tokenising; with profiling, per
    /// forward-pass step the wall milliseconds summed over workers, its share, and GFLOP/s for the GEMMs.
    func report(wall: Double) -> String {
        var p = ForwardProfile()
        for ws in workspaces { p.add(ws.profile) }
        let busyShare = workspaces.indices.map { fmt(busy[$0] / wall) }.joined(separator: ", ")
        let tokShare = workspaces.indices.map { fmt(tokenizing[$0] / wall) }.joined(separator: ", ")
        var fields = ["\"wall_ms\": \(fmt(wall * 1000))", "\"busy_share\": [\(busyShare)]", "\"tokenize_share\": [\(tokShare)]",
                      "\"helper_shared_gemms\": \(PackedGEMM.intraOpCounts.sharedGEMMs - helperAtReset.sharedGEMMs)",
                      "\"helper_chunks\": \(PackedGEMM.intraOpCounts.helperChunks - helperAtReset.helperChunks)",
                      "\"chunks\": \(p.chunks)", "\"tokens\": \(p.tokens)", "\"forward_ms\": \(fmt(p.totalSeconds * 1000))"]
        var gemmSeconds = 0.0, gemmFlops = 0.0
        for step in ForwardProfile.Step.allCases {
            let s = p.seconds[step.rawValue], f = p.flops[step.rawValue], cpu = p.cpuSeconds[step.rawValue]
            var entry = "\"ms\": \(fmt(s * 1000)), \"cpu_ms\": \(fmt(cpu * 1000)), \"share\": \(fmt(p.totalSeconds > 0 ? s / p.totalSeconds : 0))"
            if f > 0 {
                entry += ", \"gflops\": \(fmt(f / s / 1e9)), \"gflops_per_cpu_s\": \(fmt(f / cpu / 1e9))"
                gemmSeconds += s
                gemmFlops += f
            }
            fields.append("\"\(step.name)\": {\(entry)}")
        }
        if gemmSeconds > 0 { fields.append("\"gemm_gflops\": \(fmt(gemmFlops / gemmSeconds / 1e9))") }
        if p.totalSeconds > 0 { fields.append("\"forward_gflops\": \(fmt(gemmFlops / p.totalSeconds / 1e9))") }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}

private final class ErrorBox: @unchecked Sendable {
    // @unchecked Sendable: `error` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: Error?
    func set(_ e: Error) { lock.lock(); stored = e; lock.unlock() }
    var error: Error? { lock.lock(); defer { lock.unlock() }; return stored }
}
