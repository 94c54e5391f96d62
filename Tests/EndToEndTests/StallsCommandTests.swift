import Foundation
import Testing

/// `recbench stalls` finds a stall it is given: the test stops the process (SIGSTOP) for 150 ms every
/// 0.45 s while it runs, so units span stops, took ≥ 150 ms of wall time with almost no CPU time, and are
/// reported as descheduled events of that size.
@Suite struct StallsCommandTests {
    @Test func aStoppedProcessIsReportedAsADescheduledStall() async throws {
        // On its own thread with blocking sleeps: under the parallel test run the cooperative pool can be
        // busy for seconds, and a Task.sleep there could let the run end before the stop.
        let (status, data) = try await withCheckedThrowingContinuation { (done: CheckedContinuation<(Int32, Data), any Error>) in
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
        #expect(status == 0)
        let r = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        let units = try #require(r["units"] as? Int)
        let slow = try #require(r["slow_units"] as? Int)
        let events = try #require(r["events"] as? Int)
        #expect(units > 100)
        #expect(events >= 1 && events <= slow && slow <= units)
        #expect(try #require(r["unit_ms_max"] as? Double) >= 140, "\(String(decoding: data, as: UTF8.self))")
        #expect(try #require(r["event_lost_ms_max"] as? Double) >= 130)
        #expect(try #require(r["events_descheduled"] as? Int) >= 1)
        let longest = try #require(r["longest"] as? [String: Any])
        #expect(try #require(longest["cpu_share"] as? Double) < 0.5, "\(longest)")
    }

    @Test func badArgumentsAreNamed() async throws {
        let r = try await run("recbench", ["stalls", "--unit-us", "10"])
        #expect(r.status != 0)
        #expect(r.err.contains("--unit-us"), "\(r.err)")
    }
}
