import Foundation
import RecdModel

/// `recbench encode`'s load figures: the model's per-stage load profile, and the host's huge-page and
/// compaction counters around the load (a `MADV_HUGEPAGE` fault that finds no free 2 MiB page compacts
/// memory synchronously under THP defrag `madvise`, which shows up as a slow `load_ms`).

/// One JSON object: per stage `{"ms", "cpu_ms", "faults"}`, then the checksum and decode CPU split.
func loadStagesJSON(_ p: LoadProfile) -> String {
    var fields = LoadProfile.Stage.allCases.compactMap { stage -> String? in
        let s = p[stage]
        guard s.wallMs > 0 else { return nil }
        return "\"\(stage.name)\": {\"ms\": \(fmt1(s.wallMs)), \"cpu_ms\": \(fmt1(s.cpuMs)), \"faults\": \(s.minorFaults)}"
    }
    fields.append("\"hash_cpu_ms\": \(fmt1(p.hashCpuMs))")
    fields.append("\"decode_cpu_ms\": \(fmt1(p.decodeCpuMs))")
    return "{" + fields.joined(separator: ", ") + "}"
}

private func fmt1(_ x: Double) -> String { String(format: "%.2f", x) }

/// The /proc/vmstat counters that tell whether huge-page allocation had to compact memory or reclaim
/// it directly (`allocstall_*`: an allocation that sleeps in reclaim waits off-CPU).
struct VMStat {
    static let names = ["thp_fault_alloc", "thp_fault_fallback", "compact_stall", "compact_fail", "allocstall_normal",
                        "allocstall_movable", "pgfault"]
    var values: [String: Int]

    /// The current counters (empty where /proc/vmstat is unreadable, e.g. not Linux).
    static func read() -> VMStat {
        guard let text = try? String(contentsOfFile: "/proc/vmstat", encoding: .utf8) else { return VMStat(values: [:]) }
        var values: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, names.contains(String(parts[0])), let v = Int(parts[1]) else { continue }
            values[String(parts[0])] = v
        }
        return VMStat(values: values)
    }

    /// Counter increases since `earlier`.
    func delta(since earlier: VMStat) -> VMStat {
        VMStat(values: values.reduce(into: [:]) { out, kv in
            if let before = earlier.values[kv.key] { out[kv.key] = kv.value - before }
        })
    }

    /// A JSON object in `names` order, or `null` when nothing was read.
    var json: String {
        let present = VMStat.names.filter { values[$0] != nil }
        guard !present.isEmpty else { return "null" }
        return "{" + present.map { "\"\($0)\": \(values[$0]!)" }.joined(separator: ", ") + "}"
    }
}
