import ArgumentParser
import Atomics
import Foundation
import Histogram
import NIOCore
import NIOPosix
import RecdClient
import RecdProtocol

/// `recbench load`: drives a running recd over N connections and reports throughput and latency.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a running recd: closed loop by default, open loop with --rate; prints one JSON object.")

    @Option(help: "ping, embed, intent, recommend, feedback, items or mix (Load+Mix.swift).") var op: String = "ping"
    @Option(help: "Connections.") var connections: Int = 1
    @Option(help: "Seconds to run.") var duration: Double = 10
    @Option(help: "Open loop: total requests per second over all connections (default: closed loop).") var rate: Double?
    @Option(help: "Closed loop: requests in flight per connection.") var pipeline: Int = 1
    @Option(help: "Client event-loop threads.") var threads: Int = 1
    @Option(help: "Client: 'blocking' (a plain socket per connection on its own thread, one write and one read per request), 'poll' (one thread, poll(2) over plain sockets, as redis-benchmark), both closed loop with --pipeline 1 only; 'nio' (event loop; pipelining and open loop); or 'auto': for a closed loop with --pipeline 1 blocking at one connection and poll at more, for every op; nio otherwise.")
    var client: String = "auto"
    @Option(help: "recd's Unix socket.") var socket: String = {
        if let dir = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !dir.isEmpty { return dir + "/recd.sock" }
        return "/tmp/recd.sock"
    }()
    @Flag(help: "Print the result as one JSON object (always JSON; kept for symmetry with the other tools).") var json = false
    @OptionGroup(title: "Private recd on a real catalog (Load+Recommend.swift)") var recommendSetup: RecommendLoadOptions

    func validate() throws {
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1, found \(connections)") }
        guard duration > 0 else { throw ValidationError("--duration must be positive, found \(duration)") }
        guard pipeline >= 1 else { throw ValidationError("--pipeline must be at least 1, found \(pipeline)") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive, found \(rate)") }
        guard ["auto", "nio", "blocking", "poll"].contains(client) else {
            throw ValidationError("--client must be auto, nio, blocking or poll, found \(client)")
        }
        if (client == "blocking" || client == "poll") && (rate != nil || pipeline != 1) {
            throw ValidationError("--client \(client) runs a closed loop with one request in flight: drop --rate and use --pipeline 1")
        }
        try recommendSetup.validate(op: op)
    }

    func run() async throws {
        let prepared = try await recommendWorkload()  // --interactions: a private recd (Load+Recommend.swift)
        defer { prepared?.target.stop() }
        if let prepared, prepared.requests.isEmpty { return }  // --refit-under-load printed its own report
        let requests: [(Opcode, [UInt8])]
        if let prepared {
            requests = prepared.requests
        } else {
            do { requests = try LoadWorkload.requests(for: op) } catch { throw ValidationError("\(error)") }
        }
        let socket = prepared?.target.socket ?? self.socket
        if plainClient != nil {
            print(try await runPlainClients(socket: socket, requests: requests))
            return
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let completed = ManagedAtomic(0)

        var channels: [(any Channel, NIOLoopBound<LoadHandler>)] = []
        for c in 0..<connections {
            let holder = HandlerHolder()
            let schedule = rate.map { OpenLoopSchedule(totalRate: $0, connections: connections, index: c) }
            let channel: any Channel
            do {
                channel = try await ClientBootstrap(group: group)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            let handler = LoadHandler(requests: requests, schedule: schedule, pipeline: pipeline, completed: completed)
                            holder.set(NIOLoopBound(handler, eventLoop: channel.eventLoop))
                            try channel.pipeline.syncOperations.addHandler(handler)
                        }
                    }
                    .connect(unixDomainSocketPath: socket).get()
            } catch {
                FileHandle.standardError.write(Data("recbench: cannot connect to recd at \(socket): \(error)\n".utf8))
                throw ExitCode(2)
            }
            channels.append((channel, holder.get()!))
        }

        if rate != nil {
            let origin = nanos() + 5_000_000  // all connections are up: start their schedules together
            for (channel, bound) in channels { try await channel.eventLoop.submit { bound.value.startOpenLoop(at: origin) }.get() }
        }
        let start = ContinuousClock.now
        try await reportProgress(from: start, for: duration, completed: completed)
        let elapsed = (ContinuousClock.now - start).seconds
        let finalCount = completed.load(ordering: .relaxed)
        for (channel, bound) in channels {
            try await channel.eventLoop.submit { bound.value.stop() }.get()
        }
        // Let replies already on the wire arrive (they are counted in latency, not in rps).
        let graceEnd = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < graceEnd {
            var outstanding = 0
            for (channel, bound) in channels { outstanding += try await channel.eventLoop.submit { bound.value.outstanding }.get() }
            if outstanding == 0 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        var total = LoadHandler.Result()
        for (channel, bound) in channels {
            let r = try await channel.eventLoop.submit { bound.value.result }.get()
            total.histogram.add(r.histogram)
            total.requests += r.requests
            total.errors += r.errors
            total.busy += r.busy
            total.firstError = total.firstError ?? r.firstError
            total.byStatus.add(r.byStatus)
            total.sendLag.add(r.sendLag)
            try? await channel.close()
        }
        try? await group.shutdownGracefully()
        print(report(total, completedInWindow: finalCount, elapsed: elapsed))
    }

    func report(_ r: LoadHandler.Result, completedInWindow: Int, elapsed: Double) -> String {
        func ms(_ p: Double) -> String { String(format: "%.3f", Double(r.histogram.valueAtPercentile(p)) / 1000) }
        var fields: [(String, String)] = [
            ("op", "\"\(op)\""), ("mode", rate == nil ? "\"closed\"" : "\"open\""),
            ("connections", "\(connections)"), ("pipeline", "\(pipeline)"),
            ("duration_s", String(format: "%.3f", elapsed)),
            ("requests", "\(r.requests)"), ("errors", "\(r.errors)"), ("busy", "\(r.busy)"),
            ("rps", String(format: "%.1f", Double(completedInWindow) / elapsed)),
            ("p50_ms", ms(50)), ("p90_ms", ms(90)), ("p99_ms", ms(99)), ("p999_ms", ms(99.9)),
            ("max_ms", String(format: "%.3f", Double(r.histogram.max) / 1000)),
        ]
        if let rate {
            // How late the generator sent (scheduled time → write); latency above includes it.
            func lag(_ p: Double) -> String { String(format: "%.3f", Double(r.sendLag.valueAtPercentile(p)) / 1000) }
            fields += [("target_rps", String(format: "%.1f", rate)), ("send_lag_p50_ms", lag(50)), ("send_lag_p99_ms", lag(99)),
                       ("send_lag_max_ms", String(format: "%.3f", Double(r.sendLag.max) / 1000))]
        }
        fields += r.byStatus.reportFields()
        if let e = r.firstError {
            let escaped = e.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            fields.append(("first_error", "\"\(escaped)\""))
        }
        return jsonObject(fields)
    }
}

/// Hands the handler made inside the channel initializer back to the command.
final class HandlerHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var value: NIOLoopBound<LoadHandler>?
    func set(_ v: NIOLoopBound<LoadHandler>) { lock.lock(); value = v; lock.unlock() }
    func get() -> NIOLoopBound<LoadHandler>? { lock.lock(); defer { lock.unlock() }; return value }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}

/// Sleeps until `duration` seconds after `start`, printing the completed requests once a second on stderr.
func reportProgress(from start: ContinuousClock.Instant, for duration: Double, completed: ManagedAtomic<Int>) async throws {
    var lastCount = 0
    while ContinuousClock.now - start < .seconds(duration) {
        try await Task.sleep(for: .milliseconds(min(1000, Int((duration - (ContinuousClock.now - start).seconds) * 1000) + 1)))
        let count = completed.load(ordering: .relaxed)
        FileHandle.standardError.write(Data(String(format: "recbench: %.0f s  %d requests  %d/s\n",
                                                   (ContinuousClock.now - start).seconds, count, count - lastCount).utf8))
        lastCount = count
    }
}
