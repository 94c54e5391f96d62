/// What `recbench stalls` measured: fixed units of work timed on each thread, and the summary of the
/// units that took far longer than the median — the machine's own stalls, measured with no recd running.
struct StallUnit: Sendable {
    /// Start, monotonic milliseconds since the run began.
    var startMs: Double
    /// Wall time of the unit (ms).
    var wallMs: Double
    /// The thread's CPU time during the unit (ms): about `wallMs` when the thread ran the whole time (a
    /// slow unit then ran slowly: the host took the CPU without the guest seeing it), far less when the
    /// guest's scheduler took the thread off its CPU.
    var cpuMs: Double
}

/// Slow units of all threads merged into events: units that overlap in time are one event (a stall of
/// the whole machine shows up on every thread at once).
struct StallSummary: Sendable {
    var threads: Int
    var units: Int
    var medianMs: Double
    var p99Ms: Double
    var maxMs: Double
    var slowFactor: Double
    var slowUnits: Int
    /// Merged slow units; `runningSlow` ones had CPU time ≥ half their wall time.
    var events: [Event]

    struct Event: Sendable {
        var startMs: Double
        var endMs: Double
        var wallMs: Double { endMs - startMs }
        /// Largest extra time of one of its units over the median (ms).
        var lostMs: Double
        /// CPU over wall summed over its slow units.
        var cpuShare: Double
        var runningSlow: Bool { cpuShare >= 0.5 }
    }

    /// Summarises per-thread units: a unit is slow when it took more than `slowFactor` × the median
    /// unit (over all threads).
    init(units perThread: [[StallUnit]], slowFactor: Double) {
        threads = perThread.count
        let all = perThread.flatMap { $0 }
        units = all.count
        let sorted = all.map(\.wallMs).sorted()
        func pct(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        medianMs = pct(0.5)
        p99Ms = pct(0.99)
        maxMs = sorted.last ?? 0
        self.slowFactor = slowFactor
        let median = medianMs
        let slow = all.filter { $0.wallMs > slowFactor * median }.sorted { $0.startMs < $1.startMs }
        slowUnits = slow.count
        var merged: [Event] = []
        var cpu = 0.0, wall = 0.0
        for u in slow {
            let end = u.startMs + u.wallMs
            if var last = merged.last, u.startMs <= last.endMs {
                last.endMs = max(last.endMs, end)
                last.lostMs = max(last.lostMs, u.wallMs - median)
                cpu += u.cpuMs; wall += u.wallMs
                last.cpuShare = wall > 0 ? cpu / wall : 0
                merged[merged.count - 1] = last
            } else {
                cpu = u.cpuMs; wall = u.wallMs
                merged.append(Event(startMs: u.startMs, endMs: end, lostMs: u.wallMs - median,
                                    cpuShare: wall > 0 ? cpu / wall : 0))
            }
        }
        events = merged
    }

    /// One JSON object (keys in a fixed order) for a run of `seconds`.
    func json(seconds: Double) -> String {
        func f(_ v: Double) -> String { String(format: "%.3f", v) }
        let lost = events.map(\.lostMs).sorted()
        let longest = events.max { $0.lostMs < $1.lostMs }
        var fields: [(String, String)] = [
            ("threads", "\(threads)"), ("duration_s", f(seconds)), ("units", "\(units)"),
            ("unit_ms_median", f(medianMs)), ("unit_ms_p99", f(p99Ms)), ("unit_ms_max", f(maxMs)),
            ("slow_factor", f(slowFactor)), ("slow_units", "\(slowUnits)"), ("events", "\(events.count)"),
            ("events_per_s", f(seconds > 0 ? Double(events.count) / seconds : 0)),
            ("events_running_slow", "\(events.filter(\.runningSlow).count)"),
            ("events_descheduled", "\(events.filter { !$0.runningSlow }.count)"),
            ("event_lost_ms_p50", f(lost.isEmpty ? 0 : lost[lost.count / 2])),
            ("event_lost_ms_max", f(lost.last ?? 0)),
            ("lost_ms_per_s", f(seconds > 0 ? lost.reduce(0, +) / seconds : 0)),
        ]
        if let longest {
            fields.append(("longest", "{\"at_s\":\(f(longest.startMs / 1000)),\"wall_ms\":\(f(longest.wallMs)),\"cpu_share\":\(f(longest.cpuShare))}"))
        }
        return jsonObject(fields)
    }
}
