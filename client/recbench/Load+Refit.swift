import Atomics
import Foundation
import Histogram
import RecdClient
import RecdProtocol

/// `recbench load --op recommend --interactions … --items … --refit-under-load`: RECOMMEND
/// on `connections` connections — closed loop, or open loop at `--rate` requests/s in total, latency
/// counted from each request's scheduled time — plus a FEEDBACK trickle on one more, against a private
/// recd that refits its collaborative model after `--refit-after` new events. A monitor polls STATS
/// to see when the refit runs; each request is classed by when it was sent (during the fit or
/// outside it) and the report gives latency for both, with the fit's own seconds.
enum RefitUnderLoad {
    /// One timed request: send time and latency in nanoseconds.
    struct Sample: Sendable {
        var sent: UInt64
        var latency: UInt64
        var ok: Bool
    }

    /// Collects samples from concurrent tasks.
    final class Samples: @unchecked Sendable {
        // Safety: `values` is only touched under `lock`.
        private let lock = NSLock()
        private var values: [Sample] = []
        func append(_ s: [Sample]) { lock.lock(); values += s; lock.unlock() }
        var all: [Sample] { lock.lock(); defer { lock.unlock() }; return values }
    }

    /// Runs the measurement; returns the JSON report.
    static func run(target: PreparedRecommendTarget, connections: Int, rate: Double?, settleSeconds: Double,
                    feedbackRate: Double, timeout: Double) async throws -> String {
        let recommends = try target.recommendRequests()
        let feedbacks = try target.feedbackRequests(count: 65536)
        let monitor = try await RecdConnection.connect(socketPath: target.socket)
        func extras() async throws -> [String: String] {
            try await monitor.call(.stats, Recd_V1_StatsRequest(), as: Recd_V1_StatsResponse.self).extras
        }
        let fitsBefore = Double(try await extras()["recommend.fit.count"] ?? "0") ?? 0
        let stop = ManagedAtomic(false)
        let recommendSamples = Samples(), feedbackSamples = Samples()
        let loadStart = nanos()

        var fitStart: UInt64?, fitEnd: UInt64?
        var fitSeconds = 0.0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<connections {
                if let rate {
                    let schedule = OpenLoopSchedule(totalRate: rate, connections: connections, index: c)
                    group.addTask {
                        try await openLoop(schedule, start: loadStart, requests: recommends, first: c * 997,
                                           socket: target.socket, stop: stop, into: recommendSamples)
                    }
                    continue
                }
                group.addTask {
                    let connection = try await RecdConnection.connect(socketPath: target.socket)
                    var mine: [Sample] = []
                    var i = c * 997
                    while !stop.load(ordering: .relaxed) {
                        let (op, body) = recommends[i % recommends.count]
                        i += 1
                        let t0 = nanos()
                        let frame = try await connection.roundTrip(op, body: body)
                        mine.append(Sample(sent: t0, latency: nanos() - t0, ok: frame.header.status == .ok))
                    }
                    recommendSamples.append(mine)
                    await connection.close()
                }
            }
            group.addTask {
                // Open loop at `feedbackRate`, pipelined on one connection (a send never waits for
                // the previous acknowledgement, which costs an fsync); latency counts from the
                // scheduled send time.
                let connection = try await RecdConnection.connect(socketPath: target.socket)
                let interval = UInt64(1e9 / feedbackRate)
                try await withThrowingTaskGroup(of: Void.self) { sends in
                    var i = 0
                    while !stop.load(ordering: .relaxed) {
                        let scheduled = loadStart + UInt64(i) * interval
                        let now = nanos()
                        if scheduled > now { try await Task.sleep(for: .nanoseconds(Int64(scheduled - now))) }
                        let (op, body) = feedbacks[i % feedbacks.count]
                        i += 1
                        sends.addTask {
                            let frame = try await connection.roundTrip(op, body: body)
                            feedbackSamples.append([Sample(sent: scheduled, latency: nanos() - scheduled, ok: frame.header.status == .ok)])
                        }
                    }
                    try await sends.waitForAll()
                }
                await connection.close()
            }
            // Monitor: find the refit's start and end, then let the load run `settleSeconds` more.
            let deadline = loadStart + UInt64(timeout * 1e9)
            while nanos() < deadline {
                try await Task.sleep(for: .milliseconds(50))
                let x = try await extras()
                let running = x["recommend.fit.running"] == "1"
                let count = Double(x["recommend.fit.count"] ?? "0") ?? 0
                if fitStart == nil && (running || count > fitsBefore) { fitStart = nanos(); log("refit started") }
                // The count moving on is the end: a busy trickle can start the next fit at once, so `running`
                // may never be seen false between two fits.
                if fitStart != nil && fitEnd == nil && count > fitsBefore {
                    fitEnd = nanos()
                    fitSeconds = Double(x["recommend.fit.last_seconds"] ?? "0") ?? 0
                    log(String(format: "refit done in %.1f s", fitSeconds))
                }
                if let fitEnd, nanos() > fitEnd + UInt64(settleSeconds * 1e9) { break }
            }
            stop.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }
        await monitor.close()
        guard let fitStart, let fitEnd else {
            throw DaemonFailed(message: "no refit finished within \(Int(timeout)) s; raise --feedback-rate or lower --refit-after")
        }
        // The monitor sees the fit up to 50 ms late; count a request as "during" if it overlaps the window.
        func split(_ samples: [Sample]) -> (during: [Sample], outside: [Sample]) {
            var during: [Sample] = [], outside: [Sample] = []
            for s in samples {
                if s.sent + s.latency >= fitStart - 50_000_000 && s.sent <= fitEnd { during.append(s) } else { outside.append(s) }
            }
            return (during, outside)
        }
        func summary(_ samples: [Sample], seconds: Double) -> String {
            var h = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            for s in samples { _ = h.record(max(1, s.latency / 1000)) }
            func ms(_ p: Double) -> String { String(format: "%.3f", Double(h.valueAtPercentile(p)) / 1000) }
            let errors = samples.filter { !$0.ok }.count
            return "{\"requests\":\(samples.count),\"errors\":\(errors),\"rps\":\(String(format: "%.1f", Double(samples.count) / max(seconds, 1e-9))),"
                + "\"p50_ms\":\(ms(50)),\"p99_ms\":\(ms(99)),\"max_ms\":\(String(format: "%.3f", Double(h.max) / 1000))}"
        }
        let total = Double(nanos() - loadStart) / 1e9
        let fitWindow = Double(fitEnd - fitStart) / 1e9
        let rec = split(recommendSamples.all), fb = split(feedbackSamples.all)
        let mode = rate.map { String(format: "\"open\",\"target_rps\":%.1f", $0) } ?? "\"closed\""
        return "{\"op\":\"refit-under-load\",\"mode\":\(mode),\"connections\":\(connections),\"items\":\(target.itemIDs.count),"
            + "\"feedback_rate\":\(String(format: "%.1f", feedbackRate)),"
            + "\"fit_seconds\":\(String(format: "%.2f", fitSeconds)),\"fit_window_seen_s\":\(String(format: "%.2f", fitWindow)),"
            + "\"duration_s\":\(String(format: "%.2f", total)),"
            + "\"recommend_during_fit\":\(summary(rec.during, seconds: fitWindow)),"
            + "\"recommend_outside_fit\":\(summary(rec.outside, seconds: total - fitWindow)),"
            + "\"feedback_during_fit\":\(summary(fb.during, seconds: fitWindow)),"
            + "\"feedback_outside_fit\":\(summary(fb.outside, seconds: total - fitWindow))}"
    }

    /// One connection's share of an open loop: request k is sent at `start + schedule.time(of: k)`
    /// (all overdue ones at once after a stall) without waiting for earlier replies; latency counts
    /// from the scheduled time.
    private static func openLoop(_ schedule: OpenLoopSchedule, start: UInt64, requests: [(Opcode, [UInt8])], first: Int,
                                 socket: String, stop: ManagedAtomic<Bool>, into samples: Samples) async throws {
        let connection = try await RecdConnection.connect(socketPath: socket)
        try await withThrowingDiscardingTaskGroup { sends in
            var k = 0
            while !stop.load(ordering: .relaxed) {
                let scheduled = start + schedule.time(of: k)
                let now = nanos()
                if scheduled > now { try await Task.sleep(for: .nanoseconds(Int64(scheduled - now))) }
                let (op, body) = requests[(first + k) % requests.count]
                k += 1
                sends.addTask {
                    let frame = try await connection.roundTrip(op, body: body)
                    samples.append([Sample(sent: scheduled, latency: nanos() - scheduled, ok: frame.header.status == .ok)])
                }
            }
        }
        await connection.close()
    }

    private static func log(_ s: String) { FileHandle.standardError.write(Data("recbench: \(s)\n".utf8)) }
}
