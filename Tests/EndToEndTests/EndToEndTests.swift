import Foundation
import RecdClient
import RecdProtocol
import Testing

@Suite(.serialized) struct EndToEndTests {
    @Test func recctlTalksToTheDaemon() async throws {
        let d = try DaemonProcess()
        let ping = try await run("recctl", ["ping", "--socket", d.socketPath])
        #expect(ping.status == 0, "\(ping.err)")
        #expect(ping.out.hasPrefix("PONG"))

        let embed = try await run("recctl", ["embed-remote", "--socket", d.socketPath, "--json", "red shoes"])
        #expect(embed.status == 0, "\(embed.err)")
        let json = try JSONSerialization.jsonObject(with: Data(embed.out.utf8)) as? [String: Any]
        #expect(json?["dimension"] as? Int == 384)

        let intent = try await run("recctl", ["intent", "--socket", d.socketPath, "where is my order"])
        #expect(intent.status == 1, "an op without its engine must exit non-zero")
        #expect(intent.err.contains("UNAVAILABLE") && intent.err.contains("intent engine"), "\(intent.err)")

        let stats = try await run("recctl", ["stats", "--socket", d.socketPath, "--json"])
        #expect(stats.status == 0)
        let s = try Recd_V1_StatsResponse(jsonString: stats.out)
        #expect(s.ops.first { $0.op == "PING" }?.requests == 1)
        #expect(s.ops.first { $0.op == "INTENT" }?.errors == 1)
        #expect(s.rssBytes > 0)

        let nope = try await run("recctl", ["ping", "--socket", d.socketPath + ".missing"])
        #expect(nope.status != 0)
        #expect(nope.err.contains(".missing"))

        d.process.interrupt()  // SIGINT drains like SIGTERM
        #expect(await d.waitForExit() == 0, "daemon stderr: \(d.stderrText())")
        #expect(!FileManager.default.fileExists(atPath: d.socketPath), "the socket file is removed on exit")
    }

    @Test func malformedFrameClosesOnlyThatConnection() async throws {
        let d = try DaemonProcess()
        let client = try await RecdClient.connect(socketPath: d.socketPath)
        try await client.ping()

        let raw = try RawSocket(d.socketPath)
        raw.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        var decoder = FrameDecoder(direction: .response)
        let reply = try #require(try raw.readFrame(&decoder))
        #expect(reply.header.status == .badRequest)
        #expect(ErrorBody.decodeMessage(reply.body).message.contains("magic"))
        #expect(raw.readsEOF(), "the daemon closes a connection after a malformed frame")
        raw.close()

        // The other client is still served, on the same connection.
        try await client.ping()
        #expect(try await client.embed(["still here"]).count == 1)
        await client.close()
        d.process.terminate()
        #expect(await d.waitForExit() == 0, "daemon stderr: \(d.stderrText())")
    }

    @Test func oversizedFrameIsTooLargeAndUnknownVersionListsSupported() async throws {
        let d = try DaemonProcess()
        let raw = try RawSocket(d.socketPath)
        raw.send(FrameHeader.request(.embed, id: 5, bodyLength: 4 * 1024 * 1024 + 1).bytes)
        var decoder = FrameDecoder(direction: .response)
        let reply = try #require(try raw.readFrame(&decoder))
        #expect(reply.header.status == .tooLarge)
        #expect(reply.header.requestID == 5)
        #expect(raw.readsEOF())
        raw.close()

        let raw2 = try RawSocket(d.socketPath)
        var header = FrameHeader.request(.ping, id: 6, bodyLength: 0).bytes
        header[2] = 9
        raw2.send(header)
        var decoder2 = FrameDecoder(direction: .response)
        let reply2 = try #require(try raw2.readFrame(&decoder2))
        #expect(reply2.header.status == .unsupportedVersion)
        #expect(ErrorBody.decodeMessage(reply2.body).supportedVersions == [1])
        #expect(raw2.readsEOF())
        raw2.close()

        // Unknown opcode: answered, connection kept.
        let raw3 = try RawSocket(d.socketPath)
        raw3.send(Frame(header: .request(Opcode(rawValue: 0x7F), id: 7, bodyLength: 0), body: [1, 2]).bytes
                  + FrameHeader.request(.ping, id: 8, bodyLength: 0).bytes)
        var decoder3 = FrameDecoder(direction: .response)
        #expect(try raw3.readFrame(&decoder3)?.header.status == .unknownOpcode)
        let pong = try #require(try raw3.readFrame(&decoder3))
        #expect(pong.header.requestID == 8 && pong.header.status == .ok)
        raw3.close()
        d.process.terminate()
        #expect(await d.waitForExit() == 0, "daemon stderr: \(d.stderrText())")
    }

    @Test func sigtermFinishesRequestsInFlightThenExitsZero() async throws {
        let d = try DaemonProcess(["--fake-encoder-delay-ms", "400", "--workers", "1"])
        let raw = try RawSocket(d.socketPath)
        var bytes: [UInt8] = []
        for id in UInt32(1)...3 {
            var request = Recd_V1_EmbedRequest()
            request.texts = ["in flight \(id)"]
            let body: [UInt8] = try request.serializedBytes()
            bytes += Frame(header: .request(.embed, id: id, bodyLength: body.count), body: body).bytes
        }
        raw.send(bytes + FrameHeader.request(.ping, id: 9, bodyLength: 0).bytes)
        // A connection's frames are read in order and PING is answered at once, so the PONG shows the
        // three embeds were admitted (queued or running) before the SIGTERM below; no sleep to guess it.
        var decoder = FrameDecoder(direction: .response)
        let pong = try #require(try raw.readFrame(&decoder))
        #expect(pong.header.opcode == .ping && pong.header.requestID == 9)
        d.process.terminate()
        var replies: [UInt32: Status] = [:]
        for _ in 0..<3 {
            guard let frame = try raw.readFrame(&decoder) else { break }
            replies[frame.header.requestID] = frame.header.status
        }
        #expect(replies == [1: .ok, 2: .ok, 3: .ok], "every request in flight at SIGTERM gets its reply: \(replies)")
        raw.close()
        #expect(await d.waitForExit() == 0, "daemon stderr: \(d.stderrText())")
        #expect(!RawSocket.canConnect(d.socketPath))
    }

    @Test func secondDaemonOnALiveSocketRefusesToStart() async throws {
        let d = try DaemonProcess()
        let second = try await run("recd", ["--socket", d.socketPath, "--fake-encoder"])
        #expect(second.status != 0)
        #expect(second.err.contains("already serving"), "\(second.err)")
        #expect(RawSocket.canConnect(d.socketPath), "the first daemon keeps its socket")
        d.process.terminate()
        #expect(await d.waitForExit() == 0, "daemon stderr: \(d.stderrText())")
    }

    @Test func secondDaemonOnAStoreInUseRefusesToStart() async throws {
        let dir = NSTemporaryDirectory() + "recd-e2e-store-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let catalog = dir + "/catalog.jsonl"
        try Data(EngineEndToEndTests.catalog.utf8).write(to: URL(fileURLWithPath: catalog))
        let flags = ["--catalog", catalog, "--store", dir + "/store", "--cache-dir", dir + "/cache"]
        let d = try DaemonProcess(flags)
        // Another socket, the same store: refused before anything loads, naming the store and its holder
        // (before the lock it failed after SQLite's 5 s busy timeout: "database is locked").
        let second = try await run("recd", ["--socket", dir + "/second.sock", "--fake-encoder"] + flags)
        #expect(second.status == 1)
        #expect(second.err.contains("the store \(dir)/store is in use by another recd (pid \(d.process.processIdentifier))"),
                "\(second.err)")
        #expect(!second.err.contains("database is locked"), "\(second.err)")
        #expect(RawSocket.canConnect(d.socketPath), "the first daemon keeps serving")
        d.process.terminate()
        #expect(await d.waitForExit() == 0, "daemon stderr: \(d.stderrText())")
        // The lock goes with its holder: the store serves a new daemon at once.
        let third = try DaemonProcess(flags)
        third.process.terminate()
        #expect(await third.waitForExit() == 0, "daemon stderr: \(third.stderrText())")
    }
}
