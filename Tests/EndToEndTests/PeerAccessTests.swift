import Foundation
import RecdClient
import RecdProtocol
import Testing

/// `--allow-uid`: the daemon checks each connection's peer uid (SO_PEERCRED) on accept.
@Suite(.serialized) struct PeerAccessTests {
    /// A uid that is neither this test's nor root's.
    static let strangerUID: UInt32 = getuid() == 4242 ? 4343 : 4242

    @Test func connectionFromAUidNotAllowedIsClosedUnansweredAndLogged() async throws {
        let me = getuid()
        let d = try DaemonProcess(["--allow-uid", String(Self.strangerUID)])
        let raw = try RawSocket(d.socketPath)
        raw.send(Frame(header: .request(.ping, id: 7, bodyLength: 0), body: []).bytes)
        var decoder = FrameDecoder(direction: .response)
        let reply = try raw.readFrame(&decoder)
        #expect(reply == nil, "a refused peer must get no answer, only a closed connection")
        raw.close()

        d.process.terminate()
        #expect(await d.waitForExit() == 0, "daemon stderr: \(d.stderrText())")
        let log = d.stderrText()
        #expect(log.contains("refused connection from uid \(me)"), "daemon log: \(log)")
        #expect(log.contains("--allow-uid \(me)"), "the log line says how to let the uid in: \(log)")
    }

    @Test func connectionFromAnAllowedUidIsServed() async throws {
        let d = try DaemonProcess(["--allow-uid", String(Self.strangerUID), "--allow-uid", String(getuid())])
        let client = try await RecdClient.connect(socketPath: d.socketPath)
        try await client.ping()
        #expect(try await client.embed(["allowed"]).count == 1)
        await client.close()
        d.process.terminate()
        #expect(await d.waitForExit() == 0, "daemon stderr: \(d.stderrText())")
        #expect(!d.stderrText().contains("refused connection"))
    }

    @Test func defaultAllowsTheDaemonsOwnUid() async throws {
        let d = try DaemonProcess()
        let client = try await RecdClient.connect(socketPath: d.socketPath)
        try await client.ping()
        await client.close()
        d.process.terminate()
        #expect(await d.waitForExit() == 0, "daemon stderr: \(d.stderrText())")
    }

    @Test func socketFileIsOwnerOnlyByDefault() async throws {
        let d = try DaemonProcess()
        let attributes = try FileManager.default.attributesOfItem(atPath: d.socketPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.uint16Value == 0o600)
        d.process.terminate()
        #expect(await d.waitForExit() == 0, "daemon stderr: \(d.stderrText())")
    }
}
