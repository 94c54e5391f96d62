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

    @Test func oneConnectionPingIsCountedLikeTheDaemonCountsIt() async throws {
        let d = try DaemonProcess()
        defer { d.terminate() }
        let load = try await run("recbench", ["load", "--socket", d.socketPath, "--op", "ping",
                                              "--connections", "1", "--duration", "0.5", "--json"])
        #expect(load.status == 0, "\(load.err)")
        let r = try report(load.out)
        let requests = try #require(r["requests"] as? Int)
        #expect(requests > 100, "\(load.out)")
        #expect(r["errors"] as? Int == 0)
        #expect((r["statuses"] as? [String: Any])?["OK"] as? Int == requests)
        let stats = try await run("recctl", ["stats", "--socket", d.socketPath, "--json"])
        let s = try Recd_V1_StatsResponse(jsonString: stats.out)
        // Every reply the client counted was a PING the daemon answered (the daemon may have answered
        // one more: the client's last request when it stopped).
        let answered = Int(s.ops.first { $0.op == "PING" }?.requests ?? 0)
        #expect(answered >= requests && answered <= requests + 1, "daemon answered \(answered), client counted \(requests)")
    }

    @Test func oneConnectionErrorRepliesAreCountedAsErrors() async throws {
        let d = try DaemonProcess()  // no intent engine: every INTENT is UNAVAILABLE
        defer { d.terminate() }
        let load = try await run("recbench", ["load", "--socket", d.socketPath, "--op", "intent",
                                              "--connections", "1", "--duration", "0.3", "--json"])
        #expect(load.status == 0, "\(load.err)")
        let r = try report(load.out)
        let requests = try #require(r["requests"] as? Int)
        #expect(requests > 0)
        #expect(r["errors"] as? Int == requests)
        #expect((r["first_error"] as? String)?.contains("UNAVAILABLE") == true, "\(load.out)")
    }

    @Test func pollClientOverSeveralConnectionsIsCountedLikeTheDaemonCountsIt() async throws {
        let d = try DaemonProcess()
        defer { d.terminate() }
        let load = try await run("recbench", ["load", "--socket", d.socketPath, "--op", "ping",
                                              "--connections", "5", "--duration", "0.5", "--json"])
        #expect(load.status == 0, "\(load.err)")
        let r = try report(load.out)
        let requests = try #require(r["requests"] as? Int)
        #expect(requests > 100, "\(load.out)")
        #expect(r["errors"] as? Int == 0)
        #expect((r["statuses"] as? [String: Any])?["OK"] as? Int == requests)
        let stats = try await run("recctl", ["stats", "--socket", d.socketPath, "--json"])
        let s = try Recd_V1_StatsResponse(jsonString: stats.out)
        // The poll client waits for every reply in flight when it stops, so it counts them all.
        let answered = Int(s.ops.first { $0.op == "PING" }?.requests ?? 0)
        #expect(answered == requests, "daemon answered \(answered), client counted \(requests)")
    }

    @Test func pollClientCountsErrorReplies() async throws {
        let d = try DaemonProcess()  // no intent engine: every INTENT is UNAVAILABLE
        defer { d.terminate() }
        let load = try await run("recbench", ["load", "--socket", d.socketPath, "--op", "intent", "--client", "poll",
                                              "--connections", "3", "--duration", "0.3", "--json"])
        #expect(load.status == 0, "\(load.err)")
        let r = try report(load.out)
        let requests = try #require(r["requests"] as? Int)
        #expect(requests > 0)
        #expect(r["errors"] as? Int == requests)
        #expect((r["first_error"] as? String)?.contains("UNAVAILABLE") == true, "\(load.out)")
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
