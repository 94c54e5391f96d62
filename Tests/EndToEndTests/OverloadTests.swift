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

    /// A config file holding `json`, for options without a flag.
    func config(_ json: String) throws -> String {
        let path = NSTemporaryDirectory() + "recd-overload-\(UUID().uuidString.prefix(8)).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// One request frame of `opcode` with `body`.
    func frame(_ opcode: Opcode, id: UInt32, _ body: [UInt8] = []) -> [UInt8] {
        FrameHeader.request(opcode, id: id, bodyLength: body.count).bytes + body
    }

    /// One write's worth of frames: EMBEDs with ids 1…`embeds` (one short text each), then a PING with id 99.
    func embedsThenPing(_ embeds: Int) throws -> [UInt8] {
        let embed = try heldEmbedBody()
        var bytes: [UInt8] = []
        for i in 1...embeds { bytes += frame(.embed, id: UInt32(i), embed) }
        return bytes + frame(.ping, id: 99)
    }

    /// Reads `count` frames from `raw`, each with its arrival time (s since `start`); retries a recv that
    /// SIGCHLD interrupted.
    func read(_ raw: RawSocket, count: Int, since start: ContinuousClock.Instant) throws -> [(frame: Frame, seconds: Double)] {
        var decoder = FrameDecoder(direction: .response)
        var frames: [(Frame, Double)] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while frames.count < count {
            while let f = try decoder.next() { frames.append((f, (ContinuousClock.now - start).secondsDouble)) }
            if frames.count >= count { break }
            let n = buffer.withUnsafeMutableBytes { recv(raw.fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw E2EError("connection ended after \(frames.count) of \(count) replies") }
            decoder.feed(buffer[0..<n])
        }
        return frames
    }

    /// Two EMBEDs (ids `first`, `first` + 1) in one write.
    func twoEmbeds(_ first: UInt32) throws -> [UInt8] {
        let embed = try heldEmbedBody()
        return frame(.embed, id: first, embed) + frame(.embed, id: first + 1, embed)
    }

    /// The body of an EMBED of one short text.
    func heldEmbedBody() throws -> [UInt8] {
        var r = Recd_V1_EmbedRequest()
        r.texts = ["held"]
        return try r.serializedBytes()
    }

    /// Back-off after BUSY (`busy_backoff_ms`, ``BusyBackoff``), session 15: the frames already read
    /// are all answered at once, BUSY or not; only reading *more* of the connection waits for the pause,
    /// one pause per read burst, doubling with each burst refused in a row, while another connection is
    /// served meanwhile. BUSY here comes from the in-flight limit (1) with a request held by a 2 s fake
    /// encoder, so it is deterministic. Time is only checked from below (a pause is a minimum) or as an
    /// order of replies, so a slow machine cannot fail it.
    @Test func aConnectionAnsweredBusyIsPausedWhileAnotherIsServed() async throws {
        let d = try DaemonProcess(["--fake-encoder-delay-ms", "2000", "--workers", "1",
                                   "--config", try config(#"{"max_in_flight_per_connection": 1, "busy_backoff_ms": 1000}"#)])
        let flooding = try RawSocket(d.socketPath), other = try RawSocket(d.socketPath)
        defer { flooding.close(); other.close() }
        let start = ContinuousClock.now
        // One write: an EMBED that stays in flight, ten more (each BUSY), then a PING. All eleven after the
        // first are answered before the held EMBED's reply: nothing already read waits for a pause.
        flooding.send(try embedsThenPing(11))
        let first = try read(flooding, count: 11, since: start)
        #expect(first.filter { $0.frame.header.status == .busy }.count == 10,
                "\(first.map { ($0.frame.header.requestID, $0.frame.header.status.name) })")
        #expect(first.contains { $0.frame.header.opcode == .ping && $0.frame.header.status == .ok })
        #expect(!first.contains { $0.frame.header.requestID == 1 }, "the held EMBED is still running")
        // Nine more bursts of two, each sent once the last one's BUSY replies are in: each burst is read only
        // after the pause the one before started, 1 + 2 + … + 256 ms = 511 ms in all (the first burst's
        // pause, 1 ms, included).
        for burst in 0..<9 {
            flooding.send(try twoEmbeds(UInt32(20 + 2 * burst)))
            let replies = try read(flooding, count: 2, since: start)
            #expect(replies.allSatisfy { $0.frame.header.status == .busy }, "burst \(burst)")
        }
        let elapsed = (ContinuousClock.now - start).secondsDouble
        #expect(elapsed >= 0.5, "ten refused bursts in a row are read after the pauses: \(elapsed) s")
        other.send(frame(.ping, id: 7))
        let otherPing = try read(other, count: 1, since: start)[0]
        #expect(otherPing.frame.header.status == .ok, "the other connection is served")
        let held = try read(flooding, count: 1, since: start)[0]
        #expect(held.frame.header.requestID == 1 && held.frame.header.status == .ok, "the admitted EMBED is served")
        // STATS counts one pause per refused burst.
        other.send(frame(.stats, id: 8))
        let stats = try Recd_V1_StatsResponse(serializedBytes: try read(other, count: 1, since: start)[0].frame.body)
        #expect(stats.extras["connections.busy_pauses"] == "10", "\(stats.extras)")
        d.process.terminate()
        #expect(await d.waitForExit() == 0)
    }

    @Test func aPausedConnectionsFramesAreAnsweredWhenRecdStops() async throws {
        // SIGTERM while a connection is paused after BUSY, with frames of it unread in its socket: the drain
        // must wait for the pause and answer them (UNAVAILABLE; the PING OK), not close the connection on
        // them. One EMBED is admitted (in flight for 1.1 s); nine bursts refused in a row by the in-flight
        // limit pause 1, 2, … 256 ms, so the tenth burst's pause runs from ~0.51 to ~1.02 s. A last write
        // (an EMBED and a PING) goes into that pause, and the stop comes right after it.
        let d = try DaemonProcess(["--fake-encoder-delay-ms", "1100", "--workers", "1",
                                   "--config", try config(#"{"max_in_flight_per_connection": 1, "busy_backoff_ms": 5000}"#)])
        let flooding = try RawSocket(d.socketPath)
        defer { flooding.close() }
        let start = ContinuousClock.now
        flooding.send(try embedsThenPing(2))
        var replies = try read(flooding, count: 2, since: start)   // the BUSY for 2 and the PING
        for burst in 0..<9 {
            flooding.send(try twoEmbeds(UInt32(20 + 2 * burst)))
            replies += try read(flooding, count: 2, since: start)
        }
        var r = Recd_V1_EmbedRequest()
        r.texts = ["late"]
        flooding.send(frame(.embed, id: 50, try r.serializedBytes()) + frame(.ping, id: 51))
        try await Task.sleep(for: .milliseconds(50))
        d.process.terminate()
        let stoppedAfter = ContinuousClock.now - start
        replies += try read(flooding, count: 3, since: start)   // 1 (held), 50 and 51, in some order
        let statuses = replies.map { ($0.frame.header.requestID, $0.frame.header.status.name) }
        #expect(Set(replies.map(\.frame.header.requestID)).count == 23, "every frame answered once: \(statuses)")
        #expect(replies.contains { $0.frame.header.requestID == 1 && $0.frame.header.status == .ok }, "\(statuses)")
        #expect(replies.allSatisfy { [.ok, .busy, .unavailable].contains($0.frame.header.status) }, "\(statuses)")
        // Only when the stop came inside the tenth pause: on a slow machine the held EMBED may finish first
        // and a later one be admitted (which resets the back-off), or the stop come after the pause. Either
        // way every frame is still answered, checked above.
        let allRefused = replies.filter { (20...37).contains($0.frame.header.requestID) }.allSatisfy { $0.frame.header.status == .busy }
        if stoppedAfter < .milliseconds(950) && allRefused {
            #expect(replies.contains { $0.frame.header.requestID == 50 && $0.frame.header.status == .unavailable },
                    "the frame read after the stop is refused (stopped after \(stoppedAfter)): \(statuses)")
        }
        #expect(await d.waitForExit() == 0)
    }

    /// Session 15: frames read in the same burst as a pool BUSY are answered at once, not one per pause:
    /// the later frames of the refused operation BUSY from their headers, others as usual. A worker held
    /// 3 s by one EMBED, one more queued (`queue_capacity` 1): of twelve more EMBEDs, a STATS and a PING
    /// written together, the EMBEDs are BUSY and the STATS and PING OK, all before the held EMBED's reply.
    /// Before, each of the twelve waited for a doubling pause (1 + 2 + … + 2,048 ms) and the STATS behind
    /// them for all of them, after the held EMBED's reply. (Should the first EMBED still be queued when
    /// the burst is read, the second is BUSY too; the order checked is the same.)
    @Test func framesBehindAPoolBusyInTheSameBurstAreAnsweredAtOnce() async throws {
        let d = try DaemonProcess(["--fake-encoder-delay-ms", "3000", "--workers", "1",
                                   "--config", try config(#"{"queue_capacity": 1, "max_queue_delay_ms": 0, "busy_backoff_ms": 5000}"#)])
        let raw = try RawSocket(d.socketPath)
        defer { raw.close() }
        let embed = try heldEmbedBody()
        let start = ContinuousClock.now
        raw.send(frame(.embed, id: 1, embed))
        try await Task.sleep(for: .milliseconds(300))   // EMBED 1 is running; the next fills the queue
        var bytes = frame(.embed, id: 2, embed)
        for id in 3...14 { bytes += frame(.embed, id: UInt32(id), embed) }
        raw.send(bytes + frame(.stats, id: 15) + frame(.ping, id: 16))
        var early: [(frame: Frame, seconds: Double)] = []
        while !Set(3...16).isSubset(of: Set(early.map(\.frame.header.requestID))) {
            early += try read(raw, count: 1, since: start)
        }
        let statuses = early.map { ($0.frame.header.requestID, $0.frame.header.status.name) }
        #expect(!early.contains { $0.frame.header.requestID == 1 }, "all answered before the held EMBED: \(statuses)")
        #expect(early.filter { (3...14).contains($0.frame.header.requestID) }.allSatisfy { $0.frame.header.status == .busy }, "\(statuses)")
        #expect(early.filter { $0.frame.header.requestID >= 15 }.allSatisfy { $0.frame.header.status == .ok }, "\(statuses)")
        let busyBody = early.first { $0.frame.header.requestID == 14 }.map { String(decoding: $0.frame.body, as: UTF8.self) } ?? ""
        #expect(busyBody.contains("recd is overloaded"), "the BUSY answered from the header says why: \(busyBody)")
        d.process.terminate()
        #expect(await d.waitForExit() == 0)
    }

    @Test func aBurstGetsBusyAtOnceWithAutomaticAdmission() async throws {
        // Back-off off: this checks the admission rule, which answers each refused request at once; with
        // back-off the later frames of the burst would be read only after growing pauses.
        let d = try DaemonProcess(["--fake-encoder-delay-ms", "1000", "--workers", "1", "--max-queue-delay-ms", "auto",
                                   "--config", try config(#"{"busy_backoff_ms": 0}"#)])
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

    @Test func withBackOffEveryRequestOfARefusedBurstIsStillAnswered() async throws {
        // The default back-off (50 ms cap): refused requests pause the connection, nothing is dropped.
        let d = try DaemonProcess(["--fake-encoder-delay-ms", "300", "--workers", "1", "--max-queue-delay-ms", "auto"])
        let replies = try burst(d, count: 100)
        #expect(replies.count == 100, "every request is answered")
        #expect(replies.allSatisfy { $0.status == .ok || $0.status == .busy }, "\(Set(replies.map(\.status.name)))")
        #expect(replies.contains { $0.status == .busy } && replies.contains { $0.status == .ok })
        let raw = try RawSocket(d.socketPath)
        defer { raw.close() }
        raw.send(frame(.stats, id: 1))
        let stats = try Recd_V1_StatsResponse(serializedBytes: try read(raw, count: 1, since: .now)[0].frame.body)
        #expect((Int(stats.extras["connections.busy_pauses"] ?? "") ?? 0) >= 1, "\(stats.extras)")
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

    /// STATS' runs per lane.
    func lanes(_ d: DaemonProcess) throws -> (light: Int, bulk: Int) {
        let raw = try RawSocket(d.socketPath)
        defer { raw.close() }
        raw.send(frame(.stats, id: 1))
        let stats = try Recd_V1_StatsResponse(serializedBytes: try read(raw, count: 1, since: .now)[0].frame.body)
        return (Int(stats.extras["pool.light_runs"] ?? "") ?? -1, Int(stats.extras["pool.bulk_runs"] ?? "") ?? -1)
    }

    /// STATS' runs per lane after `count` EMBEDs written at once on one connection. A worker counts its
    /// batch just after replying, so STATS is read until it has counted at least one more run and two
    /// reads 50 ms apart agree.
    func lanesAfterBurst(_ d: DaemonProcess, count: Int) throws -> (light: Int, bulk: Int) {
        let start = try lanes(d)
        let replies = try burst(d, count: count)
        #expect(replies.allSatisfy { $0.status == .ok })
        var last = try lanes(d)
        for _ in 0..<200 {
            Thread.sleep(forTimeInterval: 0.05)
            let now = try lanes(d)
            if now == last && now.light + now.bulk > start.light + start.bulk { return now }
            last = now
        }
        return last
    }

    /// A connection that writes 32 requests at once has sent them all in this window: its first request
    /// already waits in the bulk lane (``PipelineDepth``, the waiting frames counted), where a flood's
    /// first requests are bounded by admission. Eight at once stay light.
    @Test func requestsWrittenTogetherAreBulkFromTheFirst() async throws {
        let d = try DaemonProcess(["--fake-encoder-delay-ms", "5", "--workers", "1"])
        let before = try lanesAfterBurst(d, count: 1)
        #expect(before.light >= 1 && before.bulk == 0, "one request alone is light: \(before)")
        let deep = try lanesAfterBurst(d, count: 32)
        #expect(deep.light == before.light, "none of the 32 ran from the light lane: \(before) → \(deep)")
        #expect(deep.bulk >= 1)
        d.process.terminate()
        #expect(await d.waitForExit() == 0)
        let d2 = try DaemonProcess(["--fake-encoder-delay-ms", "5", "--workers", "1"])
        let first = try lanesAfterBurst(d2, count: 1)
        let few = try lanesAfterBurst(d2, count: 8)
        #expect(few.light > first.light && few.bulk == 0, "eight at once are light: \(first) → \(few)")
        d2.process.terminate()
        #expect(await d2.waitForExit() == 0)
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
