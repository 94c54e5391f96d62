import ArgumentParser
import Foundation
import RecdClient
import RecdProtocol

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Show the daemon's counters and latencies.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let s = try await connection.with { try await $0.stats() }
        try connection.output(s) {
            var lines = [
                "\(s.version), up \(String(format: "%.1f", s.uptimeSeconds)) s, \(s.connections) connections, RSS \(s.rssBytes / 1_048_576) MiB",
                "model: \(s.model.name.isEmpty ? "(none)" : s.model.name) dim \(s.model.dimension)",
                "workers \(s.workers), queue \(s.queueDepth)/\(s.queueCapacity)",
                "op              requests   errors     busy    p50 ms    p99 ms   p999 ms",
            ]
            for op in s.ops where op.requests > 0 {
                lines.append(op.op.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + String(format: "%10llu %8llu %8llu %9.3f %9.3f %9.3f", op.requests, op.errors, op.busy,
                             op.latency.p50Ms, op.latency.p99Ms, op.latency.p999Ms))
            }
            let batches = s.batchSizes.filter { $0.count > 0 }.map { "<=\($0.maxSize == UInt32.max ? "inf" : String($0.maxSize)): \($0.count)" }
            if !batches.isEmpty { lines.append("encoder batches " + batches.joined(separator: ", ")) }
            for (k, v) in s.extras.sorted(by: { $0.key < $1.key }) { lines.append("\(k): \(v)") }
            return lines.joined(separator: "\n")
        }
    }
}
