import Foundation
import RecdClient
import RecdProtocol
import RecdServer
import Testing

/// Serialized: several tests measure ordering and timing against a slow fake encoder.
@Suite(.serialized) struct ClientTests {
    @Test func pingEmbedAndStats() async throws {
        let d = try InProcessDaemon()
        let client = try await RecdClient.connect(socketPath: d.path, poolSize: 2)
        try await client.ping()
        try await client.ping(payload: [1, 2, 3])
        let vectors = try await client.embed(["red shoes", "blue shoes"])
        #expect(vectors.count == 2)
        #expect(vectors[0] == HashingEncoder(dimension: 8).vector("red shoes"))
        let stats = try await client.stats()
        #expect(stats.ops.first { $0.op == "PING" }?.requests == 2)
        #expect(stats.model.dimension == 8)
        #expect(stats.connections == 2)
        await client.close()
        await d.stop()
    }

    @Test func serverErrorsBecomeTypedErrorsWithTheDaemonsMessage() async throws {
        let d = try InProcessDaemon()
        let client = try await RecdClient.connect(socketPath: d.path)
        do {
            _ = try await client.intent("where is my order")
            Issue.record("INTENT without an intent engine must fail")
        } catch let error as RecdError {
            #expect(error.code == .unavailable)
            #expect(error.status == .unavailable)
            #expect(error.message.contains("intent engine"))
        }
        await #expect(throws: RecdError(code: .badRequest, message: "EMBED needs at least one text in `texts`, found none")) {
            _ = try await client.embed([])
        }
        await client.close()
        await d.stop()
    }

    @Test func pipelinedRepliesMatchTheirRequestsEvenOutOfOrder() async throws {
        // The encoder holds every EMBED batch at a gate that opens only after all four PINGs on the same
        // connection have been answered: the PINGs can come back only by overtaking the EMBEDs queued
        // ahead of them (a connection answered in order would never answer them, and the test fails on
        // its deadline). An ordering claim, not a timing one: a 600 ms sleep and a 150 ms head start
        // failed under `make test`'s parallel suites, whose CPU-bound tests starved the task that sends
        // the PINGs until the sleeping EMBEDs were done.
        let gate = Gate()
        let d = try InProcessDaemon(engines: Engines(encoder: HashingEncoder(dimension: 8, onBatch: { texts in
            if texts.contains(where: { $0.hasPrefix("text ") }) { gate.pass() }   // not the pool's warm-up passes
        })))
        let connection = try await RecdConnection.connect(socketPath: d.path)
        let order = OrderLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<4 {
                group.addTask {
                    var r = Recd_V1_EmbedRequest(); r.texts = ["text \(i)"]
                    let reply = try await connection.call(.embed, r, as: Recd_V1_EmbedResponse.self)
                    #expect(reply.vectors[0].values == HashingEncoder(dimension: 8).vector("text \(i)"))
                    order.add("embed")
                }
            }
            // Until a batch is held at the gate, so the EMBEDs are in recd before the PINGs are sent.
            try await gate.waitForArrival(deadline: .seconds(30))
            let pings = Task {
                try await withThrowingTaskGroup(of: Void.self) { pingGroup in
                    for _ in 0..<4 {
                        pingGroup.addTask {
                            _ = try await connection.call(.ping, Recd_V1_PingRequest(), as: Recd_V1_PingResponse.self)
                            order.add("ping")
                        }
                    }
                    try await pingGroup.waitForAll()
                }
            }
            let answered = try await gate.waitUntil(deadline: .seconds(30)) { order.all.count >= 4 }
            gate.open()
            try await pings.value
            try await group.waitForAll()
            #expect(answered, "the PINGs were not answered while EMBEDs queued ahead of them were held: \(order.all)")
        }
        #expect(order.all == ["ping", "ping", "ping", "ping", "embed", "embed", "embed", "embed"], "\(order.all)")
        await connection.close()
        await d.stop()
    }

    @Test func timeoutIsATypedError() async throws {
        let d = try InProcessDaemon(encoderDelay: .milliseconds(500))
        let connection = try await RecdConnection.connect(socketPath: d.path)
        var r = Recd_V1_EmbedRequest(); r.texts = ["slow"]
        await #expect(throws: RecdError.self) {
            _ = try await connection.call(.embed, r, as: Recd_V1_EmbedResponse.self, timeout: .milliseconds(50))
        }
        await connection.close()
        await d.stop()
    }

    @Test func busyWhenTheQueueIsFull() async throws {
        // Each call holds a worker 1 s, so the eight calls all arrive while the first ones run even when a
        // loaded machine is slow to start the tasks that send them.
        let d = try InProcessDaemon(encoderDelay: .seconds(1)) { $0.queueCapacity = 2; $0.maxBatchTexts = 1 }
        let client = try await RecdClient.connect(socketPath: d.path)
        let codes = OrderLog()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    do { _ = try await client.embed(["t\(i)"]); codes.add("ok") } catch let e as RecdError {
                        codes.add(e.code.description)
                    } catch { codes.add("other") }
                }
            }
        }
        #expect(codes.all.contains("BUSY"), "\(codes.all)")
        #expect(codes.all.contains("ok"))
        #expect(codes.all.allSatisfy { $0 == "ok" || $0 == "BUSY" })
        let stats = try await client.stats()
        #expect((stats.ops.first { $0.op == "EMBED" }?.busy ?? 0) > 0)
        await client.close()
        await d.stop()
    }

    @Test func connectionsOverTheLimitAreRefusedWithBusy() async throws {
        let d = try InProcessDaemon { $0.maxConnections = 1 }
        let first = try await RecdConnection.connect(socketPath: d.path)
        _ = try await first.call(.ping, Recd_V1_PingRequest(), as: Recd_V1_PingResponse.self)
        let second = try await RecdConnection.connect(socketPath: d.path)
        do {
            _ = try await second.call(.ping, Recd_V1_PingRequest(), as: Recd_V1_PingResponse.self)
            Issue.record("a connection over the limit must not be served")
        } catch let e as RecdError {
            // The BUSY frame usually arrives first; if the close wins the race it is CONNECTION_CLOSED.
            #expect(e.code == .busy || e.code == .connectionClosed, "\(e)")
        }
        _ = try await first.call(.ping, Recd_V1_PingRequest(), as: Recd_V1_PingResponse.self)
        await first.close()
        await d.stop()
    }

    @Test func inFlightLimitPerConnectionAnswersBusy() async throws {
        // 1.5 s per call: the five pipelined calls are all written while the first two are in flight, even on
        // a loaded machine (with 300 ms that was a narrow margin for the task group's start-up).
        let d = try InProcessDaemon(encoderDelay: .milliseconds(1_500)) { $0.maxInFlightPerConnection = 2 }
        let connection = try await RecdConnection.connect(socketPath: d.path)
        let codes = OrderLog()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<5 {
                group.addTask {
                    var r = Recd_V1_EmbedRequest(); r.texts = ["t\(i)"]
                    do { _ = try await connection.call(.embed, r, as: Recd_V1_EmbedResponse.self); codes.add("ok") } catch let e as RecdError {
                        codes.add(e.code.description)
                    } catch { codes.add("other") }
                }
            }
        }
        #expect(codes.all.filter { $0 == "ok" }.count == 2, "\(codes.all)")
        #expect(codes.all.filter { $0 == "BUSY" }.count == 3, "\(codes.all)")
        await connection.close()
        await d.stop()
    }

    @Test func connectFailureNamesTheSocket() async {
        do {
            _ = try await RecdClient.connect(socketPath: "/tmp/definitely-no-recd-here.sock")
            Issue.record("connect must fail")
        } catch let e as RecdError {
            #expect(e.code == .connectFailed)
            #expect(e.status == nil)
            #expect(e.message.contains("/tmp/definitely-no-recd-here.sock"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func secondDaemonOnTheSameSocketIsRefusedAndStaleSocketRemoved() async throws {
        let d = try InProcessDaemon()
        var conf = ServerConfiguration()
        conf.socketPath = d.path
        let second = RecdDaemon(configuration: conf, engines: Engines(), logger: .init(label: "test"))
        #expect(throws: SocketFile.Error.self) { try second.start() }
        #expect(FileManager.default.fileExists(atPath: d.path), "the refused daemon must not remove the live socket")
        await d.stop()
        // A stale socket file (no listener) is removed and replaced.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un(); addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in raw.copyBytes(from: Array(d.path.utf8) + [0]) }
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)
        #expect(FileManager.default.fileExists(atPath: d.path))
        let third = RecdDaemon(configuration: conf, engines: Engines(), logger: .init(label: "test"))
        try third.start()
        var st = stat()
        #expect(lstat(d.path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600, "socket mode must default to 0600")
        await third.stopAndWait()
    }
}

/// Holds encoder batches (on the worker thread) until the test opens it, and lets the test see that a
/// batch has arrived.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false
    private var arrivals = 0

    /// Called by the encoder for each batch: blocks until ``open()``.
    func pass() {
        condition.lock()
        arrivals += 1
        while !isOpen { condition.wait() }
        condition.unlock()
    }

    func open() { condition.lock(); isOpen = true; condition.broadcast(); condition.unlock() }

    private var arrived: Bool { condition.lock(); defer { condition.unlock() }; return arrivals > 0 }

    /// Polls until a batch is held at the gate; throws after `deadline` (the gate is opened first).
    func waitForArrival(deadline: Duration) async throws {
        guard try await waitUntil(deadline: deadline, { self.arrived }) else {
            open()
            throw GateError("no encoder batch reached the gate within \(deadline)")
        }
    }

    /// Polls `done` every 5 ms; false when `deadline` passed first.
    func waitUntil(deadline: Duration, _ done: @Sendable () -> Bool) async throws -> Bool {
        let clock = ContinuousClock(), end = clock.now + deadline
        while !done() {
            if clock.now >= end { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}

struct GateError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
