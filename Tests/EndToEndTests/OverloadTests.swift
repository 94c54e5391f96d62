import Foundation
import RecdProtocol
import Testing

/// Overload with `max_queue_delay_ms: "auto"`: a burst far beyond what the workers can do in one service time gets
/// BUSY at once, while the admitted requests are answered. The fake encoder sleeps 1 s per call,
/// so "at once" (well under one call) cannot be confused with being served.
@Suite(.serialized) struct OverloadTests {
    /// Sends `count` single-text EMBEDs in one write and returns each reply's status and arrival time (s).
    func burst(_ d: DaemonProcess, count: Int) throws -> [(status: Status, seconds: Double)] {
        let raw = try RawSocket(d.socketPath)
        defer { raw.close() }
        var bytes: [UInt8] = []
        for i in 0..<count {
            var r = Recd_V1_EmbedRequest()
            r.texts = ["burst \(i)"]
            let body: [UInt8] = try r.serializedBytes()
            bytes += FrameHeader.request(.embed, id: UInt32(i + 1), bodyLength: body.count).bytes + body
        }
        let start = ContinuousClock.now
        raw.send(bytes)
        var decoder = FrameDecoder(direction: .response)
        var replies: [(Status, Double)] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while replies.count < count {
            while let frame = try decoder.next() {
                replies.append((frame.header.status, (ContinuousClock.now - start).secondsDouble))
            }
            if replies.count == count { break }
            // Other tests' child processes exit meanwhile: retry a recv that SIGCHLD interrupted.
            let n = buffer.withUnsafeMutableBytes { recv(raw.fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            decoder.feed(buffer[0..<n])
        }
        return replies
    }

    @Test func aBurstGetsBusyAtOnceWithAutomaticAdmission() async throws {
        let d = try DaemonProcess(["--fake-encoder-delay-ms", "1000", "--workers", "1", "--max-queue-delay-ms", "auto"])
        let replies = try burst(d, count: 100)
        #expect(replies.count == 100, "every request is answered")
        let busy = replies.filter { $0.status == .busy }
        let ok = replies.filter { $0.status == .ok }
        #expect(busy.count + ok.count == 100, "only OK and BUSY: \(Set(replies.map(\.status.name)))")
        // One call takes up to 32 texts: what is running, one batch taken while the burst is read and one
        // queued batch (≤ 1.5 calls of estimated wait) are admitted, at most 65; everything else is refused.
        #expect(busy.count >= 30, "the automatic limit refuses what would wait longer than about one call: \(busy.count) BUSY")
        #expect(ok.count >= 1)
        // "At once" without a wall-clock bound (the suite also runs under TSan on a loaded machine): every
        // BUSY reply arrives before the first OK, which needs a whole 1 s call; a BUSY decided only after
        // a call would arrive with or after that OK.
        let slowestBusy = busy.map(\.seconds).max() ?? 0
        let firstOK = ok.map(\.seconds).min() ?? .infinity
        #expect(firstOK >= 1.0, "an OK needs a whole fake call: first after \(firstOK) s")
        #expect(slowestBusy < firstOK, "BUSY is answered at once, not after a call: slowest after \(slowestBusy) s, first OK after \(firstOK) s")
        d.process.terminate()
        #expect(await d.waitForExit() == 0)
    }

    @Test func turningAdmissionOffQueuesTheBurstInstead() async throws {
        let d = try DaemonProcess(["--fake-encoder-delay-ms", "200", "--workers", "1", "--max-queue-delay-ms", "0"])
        let replies = try burst(d, count: 100)
        #expect(replies.count == 100)
        #expect(replies.allSatisfy { $0.status == .ok }, "queue_capacity (256) alone admits all 100")
        d.process.terminate()
        #expect(await d.waitForExit() == 0)
    }

    @Test func theDefaultQueuesADeepBurst() async throws {
        let d = try DaemonProcess(["--fake-encoder-delay-ms", "200", "--workers", "1"])
        let replies = try burst(d, count: 100)
        #expect(replies.allSatisfy { $0.status == .ok },
                "adaptive admission (the default) never refuses one connection's own burst: no other caller to protect")
        d.process.terminate()
        #expect(await d.waitForExit() == 0)
    }
}

extension Duration {
    var secondsDouble: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}
