import Foundation
import RecdClient
import RecdProtocol
import Testing

/// Nothing acknowledged is lost: sustained, pipelined FEEDBACK (with idempotency keys) and ITEMS
/// upserts over several connections, then recd is killed with SIGKILL (or stopped with SIGTERM)
/// mid-stream and restarted on the same store. The real daemon and model (ITEMS embeds titles).
///
/// Exactly once is shown with counts, not timing: after the restart every acknowledged key retried
/// is a duplicate (present), every unacknowledged key retried is accepted, and the store then holds
/// exactly one event per distinct key (the event count the daemon replays at its next start).
@Suite(.serialized) struct CrashSafetyTests {
    /// What the load sent and what came back, per idempotency key / item id.
    final class Ledger: @unchecked Sendable {
        // Safety: every field is guarded by `lock`.
        enum Outcome: Equatable { case ok, status(Status), failed }
        private let lock = NSLock()
        private var _sent: [String] = []
        private var outcomes: [String: Outcome] = [:]
        private var sentBeforeSignal: Set<String> = []
        private var signalled = false
        private var okCount = 0

        func sending(_ key: String) {
            lock.lock(); defer { lock.unlock() }
            _sent.append(key)
            if !signalled { sentBeforeSignal.insert(key) }
        }
        func finished(_ key: String, _ outcome: Outcome) {
            lock.lock(); defer { lock.unlock() }
            outcomes[key] = outcome
            if outcome == .ok { okCount += 1 }
        }
        /// Marks the moment the signal is sent: keys sent until now were in flight or done by then.
        func signal() { lock.lock(); signalled = true; lock.unlock() }
        var acknowledged: Int { lock.lock(); defer { lock.unlock() }; return okCount }
        var sent: [String] { lock.lock(); defer { lock.unlock() }; return _sent }
        func keys(_ outcome: Outcome) -> [String] {
            lock.lock(); defer { lock.unlock() }
            return _sent.filter { outcomes[$0] == outcome }
        }
        /// Keys sent before the signal whose request ended without any reply.
        var unansweredBeforeSignal: [String] {
            lock.lock(); defer { lock.unlock() }
            return _sent.filter { sentBeforeSignal.contains($0) && (outcomes[$0] ?? .failed) == .failed }
        }
        /// Every non-OK status answered.
        var statuses: [Status] {
            lock.lock(); defer { lock.unlock() }
            return outcomes.values.compactMap { if case .status(let s) = $0 { s } else { nil } }
        }
        var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return signalled }
    }

    static let catalogIDs = ["lap-1", "lap-2", "lap-3", "sho-1", "sho-2", "hp-1", "hp-2", "bk-1"]

    /// The event for `key`, the same every time (a retry resends the same event).
    static func feedback(_ key: String) -> Recd_V1_FeedbackRequest {
        let h = key.utf8.reduce(0) { $0 &* 31 &+ Int($1) } & 0xffff
        var r = Recd_V1_FeedbackRequest()
        r.user = "crash-u\(h % 5)"
        r.item = catalogIDs[h % catalogIDs.count]
        r.event = .click
        r.idempotencyKey = key
        return r
    }

    static func item(_ id: String) -> Recd_V1_Item {
        var item = Recd_V1_Item()
        item.id = id
        item.title = "Crash test gadget \(id)"
        item.category = "gadgets"
        item.brand = "Acme"
        item.price = 10
        item.inStock = true
        return item
    }

    /// Runs `lanes` concurrent request loops on each of `connections` clients until the daemon stops
    /// answering or the ledger is signalled and the lane sees a non-OK answer.
    static func load(socket: String, connections: Int, lanes: Int, prefix: String, ledger: Ledger,
                     send: @escaping @Sendable (RecdClient, String, Int) async throws -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            for c in 0..<connections {
                group.addTask {
                    guard let client = try? await RecdClient.connect(socketPath: socket, timeout: .seconds(120)) else { return }
                    await withTaskGroup(of: Void.self) { lanesGroup in
                        for l in 0..<lanes {
                            lanesGroup.addTask {
                                var n = 0
                                while true {
                                    let key = "\(prefix)-c\(c)-l\(l)-\(n)"
                                    n += 1
                                    ledger.sending(key)
                                    do {
                                        try await send(client, key, c * lanes + l)
                                        ledger.finished(key, .ok)
                                    } catch let e as RecdError {
                                        if let status = e.status {
                                            ledger.finished(key, .status(status))
                                            if ledger.isStopped { return }
                                        } else {
                                            ledger.finished(key, .failed)
                                            return
                                        }
                                    } catch {
                                        ledger.finished(key, .failed)
                                        return
                                    }
                                }
                            }
                        }
                    }
                    await client.close()
                }
            }
        }
    }

    static func sendFeedback(_ client: RecdClient, _ key: String, _ lane: Int) async throws {
        _ = try await client.feedback(feedback(key))
    }

    static func sendUpsert(_ client: RecdClient, _ key: String, _ lane: Int) async throws {
        _ = try await client.upsertItems([item(key)])
    }

    /// Waits (generously) until `ledger` has `count` acknowledgements.
    static func waitForAcks(_ ledgers: [(Ledger, Int)]) async throws {
        let deadline = Date().addingTimeInterval(300)
        while ledgers.contains(where: { $0.0.acknowledged < $0.1 }) {
            guard Date() < deadline else {
                throw E2EError("load too slow: acknowledged \(ledgers.map(\.0.acknowledged)) of \(ledgers.map(\.1))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The event count from the daemon's last start ("feedback replayed: N events").
    static func replayedEvents(_ f: EngineEndToEndTests.Fixture) throws -> Int {
        let log = try String(contentsOf: f.dir.appendingPathComponent("recd.log"), encoding: .utf8)
        let pattern = try Regex(#"feedback replayed: (\d+) events"#)
        guard let last = log.matches(of: pattern).last, let n = Int(last.output[1].substring ?? "") else {
            throw E2EError("no 'feedback replayed' line in the daemon log")
        }
        return n
    }

    /// Retries `keys` as FEEDBACK (same keys, same events); returns how many were duplicates.
    static func retryFeedback(_ client: RecdClient, _ keys: [String]) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            var duplicates = 0
            for (i, key) in keys.enumerated() {
                if i >= 32, let d = try await group.next() { duplicates += d ? 1 : 0 }
                group.addTask { try await client.feedback(feedback(key)).duplicate }
            }
            for try await d in group { duplicates += d ? 1 : 0 }
            return duplicates
        }
    }

    static func catalogCount(_ client: RecdClient) async throws -> Int {
        let extras = try await client.stats().extras
        guard let n = extras["catalog.items"].flatMap({ Int($0) }) else { throw E2EError("STATS has no catalog.items: \(extras)") }
        return n
    }

    @Test func sigkillLosesNothingAcknowledged() async throws {
        let f = try await EngineEndToEndTests.Fixture()
        let events = Ledger(), items = Ledger()
        let socket = f.socket
        let loadTask = Task {
            async let a: Void = Self.load(socket: socket, connections: 4, lanes: 8, prefix: "fb", ledger: events, send: Self.sendFeedback)
            async let b: Void = Self.load(socket: socket, connections: 2, lanes: 2, prefix: "item", ledger: items, send: Self.sendUpsert)
            _ = await (a, b)
        }
        try await Self.waitForAcks([(events, 300), (items, 20)])
        events.signal(); items.signal()
        kill(f.daemon.processIdentifier, SIGKILL)
        await loadTask.value
        while f.daemon.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        #expect(f.daemon.terminationReason == .uncaughtSignal)

        try await f.start()
        let ackedEvents = events.keys(.ok), sentEvents = events.sent
        let replayed = try Self.replayedEvents(f)
        #expect(replayed >= ackedEvents.count && replayed <= sentEvents.count,
                "store after SIGKILL holds \(replayed) events: acknowledged \(ackedEvents.count), sent \(sentEvents.count)")
        let duplicates = try await Self.retryFeedback(f.client, ackedEvents)
        #expect(duplicates == ackedEvents.count, "every acknowledged event is in the store: \(duplicates) of \(ackedEvents.count)")
        let rest = sentEvents.filter { !Set(ackedEvents).contains($0) }
        _ = try await Self.retryFeedback(f.client, rest)

        let ackedItems = items.keys(.ok), sentItems = items.sent
        let got = try await f.client.getItems(ackedItems)
        #expect(got.missing.isEmpty, "acknowledged upserts lost by SIGKILL: \(got.missing)")
        let present = try await f.client.getItems(sentItems).items.count
        #expect(try await Self.catalogCount(f.client) == EngineEndToEndTests.catalogCount + present, "each item once")
        let unacked = sentItems.filter { !Set(ackedItems).contains($0) }
        if !unacked.isEmpty { _ = try await f.client.upsertItems(unacked.map(Self.item)) }

        // Exactly once: one stored event per distinct key, one catalog entry per item id.
        await f.stop()
        try await f.start()
        #expect(try Self.replayedEvents(f) == Set(sentEvents).count,
                "after retrying every key the store holds each event exactly once")
        #expect(try await Self.catalogCount(f.client) == EngineEndToEndTests.catalogCount + Set(sentItems).count)
        await f.stop()
    }

    @Test func sigtermUnderLoadFinishesInFlightAndExitsZero() async throws {
        let f = try await EngineEndToEndTests.Fixture()
        let events = Ledger()
        let socket = f.socket
        let loadTask = Task {
            await Self.load(socket: socket, connections: 4, lanes: 8, prefix: "term", ledger: events, send: Self.sendFeedback)
        }
        try await Self.waitForAcks([(events, 300)])
        events.signal()
        kill(f.daemon.processIdentifier, SIGTERM)
        await loadTask.value
        let deadline = Date().addingTimeInterval(60)
        while f.daemon.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!f.daemon.isRunning, "recd did not exit within 60 s of SIGTERM")
        #expect(f.daemon.terminationReason == .exit && f.daemon.terminationStatus == 0,
                "recd exits 0 after a drain, found \(f.daemon.terminationReason) \(f.daemon.terminationStatus); its log ends:\n\(f.logTail())")
        let unanswered = events.unansweredBeforeSignal
        #expect(unanswered.isEmpty, "requests in flight at SIGTERM got no answer: \(unanswered.prefix(5)) (\(unanswered.count))")
        let odd = events.statuses.filter { $0 != .unavailable && $0 != .busy }
        #expect(odd.isEmpty, "while draining, requests are answered OK or UNAVAILABLE; found \(odd.prefix(5).map(\.name))")

        try await f.start()
        let acked = events.keys(.ok)
        let replayed = try Self.replayedEvents(f)
        #expect(replayed >= acked.count, "store after SIGTERM holds \(replayed) events, \(acked.count) were acknowledged")
        #expect(try await Self.retryFeedback(f.client, acked) == acked.count, "every acknowledged event is in the store")
        await f.stop()
    }
}

extension EngineEndToEndTests {
    /// Items in `catalog`.
    static var catalogCount: Int { catalog.split(separator: "\n").count }
}
