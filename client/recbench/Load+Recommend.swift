import ArgumentParser
import Foundation
import RecdClient
import RecdModel
import RecdProtocol

/// `recbench load --op recommend|feedback --interactions FILE --items FILE`: instead of loading a
/// running recd with a fixed handful of requests, start a private recd (same build, temporary
/// socket, store and cache, like eval-rec) serving that catalog, feed every interaction in through
/// FEEDBACK, wait for the collaborative model fit, then load it with requests for random known users.
///
/// `--state-dir DIR` keeps the store and the embedding cache in DIR, so a second run (another
/// connection count) skips embedding the catalog and feeding the interactions.
struct RecommendLoadOptions: ParsableArguments {
    @Option(help: "interactions.tsv (user, item, timestamp; header line): start a private recd with these users' feedback.")
    var interactions: String?
    @Option(help: "items.jsonl: the private recd's catalog (with --interactions).")
    var items: String?
    @Option(help: "Weights file for the private recd.")
    var model: String = DefaultWeightsPath.path
    @Option(help: "Keep the private recd's store and cache here and reuse them on the next run (default: a temporary directory, removed).")
    var stateDir: String?
    @Flag(help: "With --state-dir: leave the private recd running after the run; the next run on that directory reuses it (no restart, no refit). Stop it with SIGTERM.")
    var keepRunning = false
    @Option(help: "Distinct random known users the requests cycle through.")
    var users: Int = 4096
    @Flag(help: "Measure a model refit under load: RECOMMEND on --connections plus a FEEDBACK trickle that triggers a refit; reports latency during vs outside the fit.")
    var refitUnderLoad = false
    @Option(help: "With --refit-under-load: FEEDBACK events per second in the trickle.")
    var feedbackRate: Double = 200
    @Option(help: "With --refit-under-load: new events that trigger a refit (recommend.refit_after_events).")
    var refitAfter: Int = 2000
    @Option(name: .customLong("engine-setting"),
            help: "KEY=VALUE for the private recd's config `engines` map, e.g. recommend.fit_nice=10 (repeatable).")
    var engineSettings: [String] = []
    @Option(help: "Seconds to wait for recd to start and for the initial model fit.")
    var startTimeout: Double = 1800

    /// True when these options ask for a private recd.
    var isActive: Bool { interactions != nil }

    func validate(op: String) throws {
        guard let _ = interactions else {
            if items != nil || refitUnderLoad { throw ValidationError("--items and --refit-under-load need --interactions FILE") }
            return
        }
        guard items != nil else { throw ValidationError("--interactions needs --items FILE (the catalog the interactions name)") }
        guard ["recommend", "feedback"].contains(op) else {
            throw ValidationError("--interactions works with --op recommend or feedback, found \(op)")
        }
        guard users >= 1 else { throw ValidationError("--users must be at least 1, found \(users)") }
        if keepRunning && stateDir == nil { throw ValidationError("--keep-running needs --state-dir DIR (where the next run finds the daemon)") }
        guard feedbackRate > 0 else { throw ValidationError("--feedback-rate must be positive, found \(feedbackRate)") }
        guard refitAfter >= 1 else { throw ValidationError("--refit-after must be at least 1, found \(refitAfter)") }
        _ = try parsedEngineSettings()
    }

    /// `--engine-setting` values as a map.
    func parsedEngineSettings() throws -> [String: String] {
        var out: [String: String] = [:]
        for s in engineSettings {
            guard let eq = s.firstIndex(of: "="), eq != s.startIndex else {
                throw ValidationError("--engine-setting expects KEY=VALUE, found '\(s)'")
            }
            out[String(s[..<eq])] = String(s[s.index(after: eq)...])
        }
        return out
    }
}

/// A private recd serving a real catalog with its users' history, ready for load.
final class PreparedRecommendTarget: @unchecked Sendable {
    // Safety: set up once in `prepare`, then only read (and `stop` is idempotent via DaemonProcess).
    /// The daemon this run started and stops; nil when it reuses (or leaves running) one.
    let daemon: DaemonProcess?
    let socket: String
    let users: [String]
    let itemIDs: [String]
    private let removeDirectory: URL?

    private init(daemon: DaemonProcess?, socket: String, users: [String], itemIDs: [String], removeDirectory: URL?) {
        self.daemon = daemon
        self.socket = socket
        self.users = users
        self.itemIDs = itemIDs
        self.removeDirectory = removeDirectory
    }

    /// Stops the daemon this run owns and removes a temporary state directory.
    func stop() {
        daemon?.stop()
        if let removeDirectory { try? FileManager.default.removeItem(at: removeDirectory) }
    }

    /// Random known users (seeded, so every run loads the same ones).
    private static func pickUsers(_ events: [InteractionLog.Event], count: Int) -> [String] {
        var generator = SplitMix(seed: 42)
        let distinct = Array(Set(events.map(\.user))).sorted()
        return (0..<min(count, distinct.count)).map { _ in distinct[Int(generator.next() % UInt64(distinct.count))] }
    }

    /// Starts recd on the catalog, feeds the interactions once (skipped when the state directory's
    /// store already holds them), restarts it so the model is fitted on exactly those events, and
    /// waits for that fit. `engineSettings` go into the serving daemon's config file.
    static func prepare(_ o: RecommendLoadOptions, engineSettings: [String: String] = [:]) async throws -> PreparedRecommendTarget {
        guard let interactionsPath = o.interactions, let itemsPath = o.items else {
            throw ValidationError("--interactions and --items are both needed")
        }
        let events = try InteractionLog.load(interactionsPath)
        let itemIDs = try InteractionLog.itemIDs(itemsPath)
        let temporary = o.stateDir == nil
        let dir = o.stateDir.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("recbench-load-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let args = ["--model", o.model, "--catalog", itemsPath]
        let marker = dir.appendingPathComponent("fed-\(events.count)")
        let socket = dir.appendingPathComponent("recd.sock").path
        if !temporary, FileManager.default.fileExists(atPath: socket),
           let running = try? await RecdClient.connect(socketPath: socket, timeout: .seconds(5)),
           let x = try? await running.stats().extras {
            await running.close()
            guard engineSettings.isEmpty else {
                throw ValidationError("a recd is already running at \(socket), but this run needs its own (with \(engineSettings)); stop it or use another --state-dir")
            }
            guard (Double(x["recommend.fit.count"] ?? "0") ?? 0) >= 1 else {
                throw ValidationError("the recd running at \(socket) has not fitted its model yet; wait for it (recctl stats) and retry")
            }
            log("reusing the recd running at \(socket)")
            return PreparedRecommendTarget(daemon: nil, socket: socket, users: pickUsers(events, count: o.users), itemIDs: itemIDs,
                                           removeDirectory: nil)
        }

        if !FileManager.default.fileExists(atPath: marker.path) {
            let feedConfig = dir.appendingPathComponent("feed.json")
            try writeConfig(["recommend.refit_after_events": "1000000000", "recommend.refit_interval_seconds": "0",
                             "recommend.fit_on_start": "false"], to: feedConfig)
            log("starting recd with the catalog \(itemsPath) (\(itemIDs.count) items; the first run embeds them)")
            let feedDaemon = try DaemonProcess(directory: dir, arguments: args + ["--config", feedConfig.path])
            do {
                let feeder = try await feedDaemon.waitReady(timeout: o.startTimeout)
                log("feeding \(events.count) interactions")
                let started = Date()
                try await forEachConcurrently(Array(stride(from: 0, to: events.count, by: 256)), width: 32) { start in
                    for e in events[start..<min(start + 256, events.count)] {
                        _ = try await feeder.feedback(e.purchase)
                    }
                }
                log(String(format: "fed in %.1f s", Date().timeIntervalSince(started)))
                await feeder.close()
            } catch {
                feedDaemon.stop()
                throw error
            }
            feedDaemon.stop()
            _ = FileManager.default.createFile(atPath: marker.path, contents: nil)
        }

        let serveConfig = dir.appendingPathComponent("serve.json")
        var settings = ["recommend.refit_interval_seconds": "0"]
        settings.merge(engineSettings) { _, new in new }
        try writeConfig(settings, to: serveConfig)
        let daemon = try DaemonProcess(directory: dir, arguments: args + ["--config", serveConfig.path])
        do {
            let client = try await daemon.waitReady(timeout: o.startTimeout)
            log("waiting for the collaborative model fit")
            let deadline = Date().addingTimeInterval(o.startTimeout)
            var fitSeconds = 0.0
            while true {
                let x = try await client.stats().extras
                if (Double(x["recommend.fit.count"] ?? "0") ?? 0) >= 1, x["recommend.fit.running"] == "0" {
                    fitSeconds = Double(x["recommend.fit.last_seconds"] ?? "0") ?? 0
                    break
                }
                guard Date() < deadline else { throw DaemonFailed(message: "the model fit did not finish within \(Int(o.startTimeout)) s") }
                try await Task.sleep(for: .milliseconds(200))
            }
            await client.close()
            log(String(format: "model fitted in %.1f s", fitSeconds))
            return PreparedRecommendTarget(daemon: o.keepRunning ? nil : daemon, socket: daemon.socket,
                                           users: pickUsers(events, count: o.users), itemIDs: itemIDs,
                                           removeDirectory: temporary ? dir : nil)
        } catch {
            daemon.stop()
            throw error
        }
    }

    /// RECOMMEND without a query (k = 10, default consumed policy) for each prepared user.
    func recommendRequests() throws -> [(Opcode, [UInt8])] {
        try users.map { user in
            var r = Recd_V1_RecommendRequest()
            r.user = user
            r.k = 10
            return (.recommend, try r.serializedBytes())
        }
    }

    /// FEEDBACK views of random catalog items by the prepared users (timestamps: now).
    func feedbackRequests(count: Int = 4096, seed: UInt64 = 7) throws -> [(Opcode, [UInt8])] {
        var generator = SplitMix(seed: seed)
        return try (0..<count).map { i in
            var f = Recd_V1_FeedbackRequest()
            f.user = users[i % users.count]
            f.item = itemIDs[Int(generator.next() % UInt64(itemIDs.count))]
            f.event = .view
            return (.feedback, try f.serializedBytes())
        }
    }

    private static func writeConfig(_ engines: [String: String], to url: URL) throws {
        let data = try JSONSerialization.data(withJSONObject: ["engines": engines], options: [.sortedKeys])
        try data.write(to: url)
    }
}

/// interactions.tsv and items.jsonl as the load setup needs them.
enum InteractionLog {
    struct Event: Sendable {
        var user: String
        var item: String
        var timestamp: Int64

        /// The event as eval-rec feeds it: a purchase at its own time, idempotent.
        var purchase: Recd_V1_FeedbackRequest {
            var f = Recd_V1_FeedbackRequest()
            f.user = user
            f.item = item
            f.event = .purchase
            f.timestampMs = timestamp
            f.idempotencyKey = "\(user)/\(item)/\(timestamp)"
            return f
        }
    }

    /// Every interaction, in file order (header line skipped).
    static func load(_ path: String) throws -> [Event] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var out: [Event] = []
        for (n, line) in text.split(separator: "\n").enumerated() where n > 0 {
            let f = line.split(separator: "\t")
            guard f.count >= 3, let ts = Int64(f[2].trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("\(path) line \(n + 1): expected user<TAB>item<TAB>timestamp")
            }
            out.append(Event(user: String(f[0]), item: String(f[1]), timestamp: ts))
        }
        guard !out.isEmpty else { throw ValidationError("\(path) has no interactions") }
        return out
    }

    /// The `id` of every line of a JSONL catalog.
    static func itemIDs(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var out: [String] = []
        for (n, line) in text.split(separator: "\n").enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = object["id"].map({ "\($0)" }) else {
                throw ValidationError("\(path) line \(n + 1): expected a JSON object with an id")
            }
            out.append(id)
        }
        guard !out.isEmpty else { throw ValidationError("\(path) has no items") }
        return out
    }
}

/// A small deterministic generator (SplitMix64), so two runs load the same users.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func log(_ s: String) { FileHandle.standardError.write(Data("recbench: \(s)\n".utf8)) }

extension LoadCommand {
    /// With `--interactions`: starts the private recd and returns its socket and request bodies
    /// (nil without it). With `--refit-under-load` it runs that measurement, prints it, and returns
    /// an empty workload to say the command is done.
    func recommendWorkload() async throws -> (target: PreparedRecommendTarget, requests: [(Opcode, [UInt8])])? {
        let o = recommendSetup
        guard o.isActive else { return nil }
        var settings = try o.parsedEngineSettings()
        if o.refitUnderLoad { settings["recommend.refit_after_events"] = "\(o.refitAfter)" }
        let target = try await PreparedRecommendTarget.prepare(o, engineSettings: settings)
        do {
            if o.refitUnderLoad {
                print(try await RefitUnderLoad.run(target: target, connections: connections, rate: rate, settleSeconds: duration,
                                                   feedbackRate: o.feedbackRate, timeout: o.startTimeout))
                return (target, [])
            }
            return (target, op == "feedback" ? try target.feedbackRequests() : try target.recommendRequests())
        } catch {
            target.stop()
            throw error
        }
    }
}
