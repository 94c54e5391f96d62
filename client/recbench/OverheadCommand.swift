import ArgumentParser
import Foundation
import RecdModel
import RecdProtocol

/// `recbench overhead`: what going through recd adds to one short query, measured pair by pair.
///
/// #3 and #4 compare the daemon's one-connection p50 with the in-process encoder's. Run as two
/// separate benchmarks, that comparison is at the mercy of the machine's speed between them: on the
/// shared 2-vCPU machines the same single-query p50 moved from 3.0 to 5.8 ms within minutes, ten
/// times the 0.3 ms being judged. Here one process alternates the two for every text — encode it in
/// process, send it to recd over one blocking connection (or the other order, every second pair) —
/// so both halves of each pair run under the same conditions, and reports both p50s, their difference
/// and the median of the per-pair differences.
struct OverheadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overhead",
        abstract: "Alternate one in-process encode and one request through recd per text; print both latencies and the daemon's overhead.")

    @Option(help: "embed or intent: what recd is asked; the in-process side always runs the encoder alone.")
    var op: String = "embed"

    @Option(help: "recd's Unix socket.") var socket: String = {
        if let dir = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !dir.isEmpty { return dir + "/recd.sock" }
        return "/tmp/recd.sock"
    }()

    @Option(help: "Weights file for the in-process encoder (default: $RECD_WEIGHTS or ~/.cache/recd/all-MiniLM-L6-v2.recd); use the daemon's.")
    var model: String?

    @Option(help: "fp32 or int8: the in-process encoder's precision; use the daemon's.")
    var precision: String = "fp32"

    @Option(help: "Pairs to time (after 20 warm-up pairs).")
    var runs: Int = 400

    @Flag(help: "Print one JSON object (the only output format; kept for symmetry with the other tools).")
    var json = false

    func validate() throws {
        guard ["embed", "intent"].contains(op) else { throw ValidationError("--op must be embed or intent; found \(op)") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1; found \(runs)") }
    }

    func run() async throws {
        let encoder: Encoder
        do {
            let p = try EncoderPrecision(parsing: precision)
            let path = model ?? DefaultWeightsPath.path
            encoder = try Encoder(model: p == .int8 ? EncoderModel.load(path: path, precision: .int8)
                                                    : EncoderModel.load(path: path, kernel: .fromEnvironment))
        } catch let e as ModelError {
            throw ValidationError(e.message)
        }
        BLAS.setThreads(1)
        let ws = EncoderWorkspace(model: encoder.model, maxBatch: 1, maxTokens: 256)
        ws.int8?.ompThreads = 1
        let out = UnsafeMutablePointer<Float>.allocate(capacity: encoder.model.dimension)
        defer { out.deallocate() }

        let texts = LoadWorkload.texts
        let frames = LoadSocket.frames(try LoadWorkload.requests(for: op))
        let fd: Int32
        do { fd = try LoadSocket.connect(socket) } catch {
            FileHandle.standardError.write(Data("recbench: \(error)\n".utf8))
            throw ExitCode(2)
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)

        /// One in-process encode of text `i`, seconds.
        func local(_ i: Int) throws -> Double {
            let t = now()
            try encoder.embed(texts: [texts[i % texts.count]], workspace: ws, into: out)
            return now() - t
        }
        /// One request for text `i` through recd, seconds; throws with the reply's status unless OK.
        func remote(_ i: Int) throws -> Double {
            let t = now()
            guard LoadSocket.writeAll(fd, frames[i % frames.count]) else {
                throw LoadError("write to \(socket) failed: \(String(cString: strerror(errno)))")
            }
            let header = try LoadSocket.readReply(fd, into: &buffer)
            let elapsed = now() - t
            guard header.status == .ok else {
                let body = String(decoding: buffer[FrameHeader.size ..< FrameHeader.size + Int(header.bodyLength)], as: UTF8.self)
                throw LoadError("recd answered \(header.status) to \(op.uppercased()): \(body)")
            }
            return elapsed
        }

        for i in 0..<20 { _ = try local(i); _ = try remote(i) }
        let helperBefore = PackedGEMM.intraOpCounts, backoffsBefore = PackedGEMM.intraOpBackoffs
        var inProcess: [Double] = [], daemon: [Double] = [], differences: [Double] = []
        for i in 0..<runs {
            let (a, b): (Double, Double)
            if i % 2 == 0 { a = try local(i); b = try remote(i) } else { b = try remote(i); a = try local(i) }
            inProcess.append(a * 1000)
            daemon.append(b * 1000)
            differences.append((b - a) * 1000)
        }
        func quantile(_ v: [Double], _ q: Double) -> Double {
            let s = v.sorted()
            return s[min(s.count - 1, Int(Double(s.count) * q))]
        }
        let fields: [(String, String)] = [
            ("op", "\"\(op)\""), ("precision", "\"\(precision)\""), ("runs", "\(runs)"),
            ("inproc_p50_ms", fmt(quantile(inProcess, 0.5))), ("daemon_p50_ms", fmt(quantile(daemon, 0.5))),
            ("overhead_p50_ms", fmt(quantile(daemon, 0.5) - quantile(inProcess, 0.5))),
            ("paired_diff_p50_ms", fmt(quantile(differences, 0.5))),
            ("inproc_p90_ms", fmt(quantile(inProcess, 0.9))), ("daemon_p90_ms", fmt(quantile(daemon, 0.9))),
            // The in-process side's intra-op helper over the timed pairs (recd's are in STATS extras).
            ("inproc_helper_shared_gemms", "\(PackedGEMM.intraOpCounts.sharedGEMMs - helperBefore.sharedGEMMs)"),
            ("inproc_helper_chunks", "\(PackedGEMM.intraOpCounts.helperChunks - helperBefore.helperChunks)"),
            ("inproc_helper_backoffs", "\(PackedGEMM.intraOpBackoffs - backoffsBefore)"),
        ]
        print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
    }
}
