import Foundation
import Testing

/// `recbench stalls` finds a stall it is given: the test stops the process (SIGSTOP) for 150 ms in the
/// middle of its run (0.4 s after it says it started timing), so at least one unit spans the stop, took ≥ 150 ms of wall time with almost no CPU
/// time, and is reported as a descheduled event of that size.
@Suite struct StallsCommandTests {
    @Test func aStoppedProcessIsReportedAsADescheduledStall() async throws {
        let p = Process()
        p.executableURL = Executables.url("recbench")
        p.arguments = ["stalls", "--threads", "1", "--duration", "3", "--unit-us", "500", "--json"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Stop it only once it is timing units (a loaded machine can take longer than the run to start it).
        var said = Data()
        while !String(decoding: said, as: UTF8.self).contains("timing units") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said.append(chunk)
        }
        try await Task.sleep(for: .milliseconds(400))
        kill(p.processIdentifier, SIGSTOP)
        try await Task.sleep(for: .milliseconds(150))
        kill(p.processIdentifier, SIGCONT)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let r = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        let units = try #require(r["units"] as? Int)
        let slow = try #require(r["slow_units"] as? Int)
        let events = try #require(r["events"] as? Int)
        #expect(units > 100)
        #expect(events >= 1 && events <= slow && slow <= units)
        #expect(try #require(r["unit_ms_max"] as? Double) >= 140)
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
