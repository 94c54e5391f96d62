import Foundation
import RecdProtocol
import Testing

/// `recbench load` with one connection runs its blocking-socket client (LoadBlocking.swift), with more
/// its poll client (LoadPoll.swift): their counts must match what the daemon answered, and error
/// replies must be counted as errors.
@Suite(.serialized) struct LoadClientTests {
    private func report(_ out: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
    }

    /// Runs `recbench load` against `d` and returns its JSON report and request count.
    private func load(_ d: DaemonProcess, op: String, connections: Int, duration: String,
                      extra: [String] = []) async throws -> (report: [String: Any], requests: Int, out: String) {
        let load = try await run("recbench", ["load", "--socket", d.socketPath, "--op", op] + extra
                                 + ["--connections", String(connections), "--duration", duration, "--json"])
        #expect(load.status == 0, "\(load.err)")
        let r = try report(load.out)
        return (r, try #require(r["requests"] as? Int), load.out)
    }

    /// A PING load whose every reply was OK; returns the client's count and the daemon's.
    private func pingCounts(connections: Int) async throws -> (requests: Int, answered: Int) {
        let d = try DaemonProcess()
        defer { d.terminate() }
        let (r, requests, out) = try await load(d, op: "ping", connections: connections, duration: "0.5")
        #expect(requests > 10, "\(out)")   // a floor that a loaded machine still clears (debug build, 0.5 s)
        #expect(r["errors"] as? Int == 0)
        #expect((r["statuses"] as? [String: Any])?["OK"] as? Int == requests)
        let stats = try await run("recctl", ["stats", "--socket", d.socketPath, "--json"])
        let s = try Recd_V1_StatsResponse(jsonString: stats.out)
        return (requests, Int(s.ops.first { $0.op == "PING" }?.requests ?? 0))
    }

    /// An INTENT load against a daemon without an intent engine: every reply is an error.
    private func expectIntentErrorsCounted(connections: Int, extra: [String] = []) async throws {
        let d = try DaemonProcess()  // no intent engine: every INTENT is UNAVAILABLE
        defer { d.terminate() }
        let (r, requests, out) = try await load(d, op: "intent", connections: connections, duration: "0.3", extra: extra)
        #expect(requests > 0)
        #expect(r["errors"] as? Int == requests)
        #expect((r["first_error"] as? String)?.contains("UNAVAILABLE") == true, "\(out)")
    }

    @Test func oneConnectionPingIsCountedLikeTheDaemonCountsIt() async throws {
        let (requests, answered) = try await pingCounts(connections: 1)
        // Every reply the client counted was a PING the daemon answered (the daemon may have answered
        // one more: the client's last request when it stopped).
        #expect(answered >= requests && answered <= requests + 1, "daemon answered \(answered), client counted \(requests)")
    }

    @Test func oneConnectionErrorRepliesAreCountedAsErrors() async throws {
        try await expectIntentErrorsCounted(connections: 1)
    }

    @Test func pollClientOverSeveralConnectionsIsCountedLikeTheDaemonCountsIt() async throws {
        let (requests, answered) = try await pingCounts(connections: 5)
        // The poll client waits for every reply in flight when it stops, so it counts them all.
        #expect(answered == requests, "daemon answered \(answered), client counted \(requests)")
    }

    @Test func pollClientCountsErrorReplies() async throws {
        try await expectIntentErrorsCounted(connections: 3, extra: ["--client", "poll"])
    }

    @Test func plainClientsRefusePipeliningAndTheOpenLoop() async throws {
        for client in ["blocking", "poll"] {
            for extra in [["--pipeline", "2"], ["--rate", "100"]] {
                let load = try await run("recbench", ["load", "--socket", "/nonexistent.sock", "--op", "ping",
                                                      "--client", client, "--json"] + extra)
                #expect(load.status != 0)
                #expect(load.err.contains("--client \(client)"), "\(load.err)")
            }
        }
    }
}
