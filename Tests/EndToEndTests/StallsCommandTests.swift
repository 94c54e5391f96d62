import Foundation
import Testing

/// `recbench stalls` finds a stall it is given: the test stops the process (SIGSTOP) for 150 ms every
/// 0.45 s while it runs, so units span stops, took ≥ 150 ms of wall time with almost no CPU time, and are
/// reported as descheduled events of that size.
@Suite struct StallsCommandTests {
    /// Runs `recbench stalls` for 2 s while stopping it for 150 ms every 0.45 s; returns its status and output.
    static func runStopped() async throws -> (Int32, Data) {
        // On its own thread with blocking sleeps: under the parallel test run the cooperative pool can be
        // busy for seconds, and a Task.sleep there could let the run end before the stop.
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<(Int32, Data), any Error>) in
            Thread.detachNewThread {
                do {
                    let p = Process()
                    p.executableURL = Executables.url("recbench")
                    p.arguments = ["stalls", "--threads", "1", "--duration", "2", "--unit-us", "500", "--json"]
                    let out = Pipe()
                    p.standardOutput = out
                    p.standardError = FileHandle.nullDevice
                    try p.run()
                    // Stop it for 150 ms every 0.45 s until it exits, so stops land inside its timing
                    // window however long a loaded machine takes to start it.
                    while p.isRunning {
                        usleep(300_000)
                        guard p.isRunning else { break }
                        kill(p.processIdentifier, SIGSTOP)
                        usleep(150_000)
                        kill(p.processIdentifier, SIGCONT)
                    }
                    let data = out.fileHandleForReading.readDataToEndOfFile()
                    p.waitUntilExit()
                    done.resume(returning: (p.terminationStatus, data))
                } catch {
                    done.resume(throwing: error)
                }
            }
        }
    }

    /// Whether a report shows the stops: a unit of ≥ 140 ms wall, an event that lost ≥ 130 ms, descheduled.
    static func showsTheStops(_ r: [String: Any]) -> Bool {
        guard let unitMax = r["unit_ms_max"] as? Double, let lostMax = r["event_lost_ms_max"] as? Double,
              let descheduled = r["events_descheduled"] as? Int,
              let longest = r["longest"] as? [String: Any], let share = longest["cpu_share"] as? Double else { return false }
        return unitMax >= 140 && lostMax >= 130 && descheduled >= 1 && share < 0.5
    }

    @Test func aStoppedProcessIsReportedAsADescheduledStall() async throws {
        // Up to three runs: under make test's parallel load one run (of three full suites on a 2-core
        // AMD EPYC) timed only a quarter of its window's units and saw none of the stops. Every run must
        // still be a well-formed report; one of them must show the stops.
        var last = ""
        for _ in 0..<3 {
            let (status, data) = try await Self.runStopped()
            #expect(status == 0)
            last = String(decoding: data, as: UTF8.self)
            let r = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any], "\(last)")
            let units = try #require(r["units"] as? Int)
            let slow = try #require(r["slow_units"] as? Int)
            let events = try #require(r["events"] as? Int)
            #expect(units > 100)
            #expect(events <= slow && slow <= units)
            if Self.showsTheStops(r) { return }
        }
        Issue.record("no run showed a ≥ 140 ms descheduled stall; last report: \(last)")
    }

    @Test func badArgumentsAreNamed() async throws {
        let r = try await run("recbench", ["stalls", "--unit-us", "10"])
        #expect(r.status != 0)
        #expect(r.err.contains("--unit-us"), "\(r.err)")
    }
}
