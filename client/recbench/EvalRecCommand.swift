import ArgumentParser
import Foundation
import RecdClient
import RecdModel
import RecdProtocol

/// `recbench eval-rec`: leave-last-out evaluation of recommendations through a fresh recd.
///
/// Per user the last interaction by timestamp is held out; all earlier ones go in through FEEDBACK
/// (as purchases, with their timestamps). recd is then restarted so the collaborative model is fitted
/// on exactly the training events (automatic refits are off while feeding), and RECOMMEND is asked
/// for every user over the full catalog with everything the user already saw excluded.
struct EvalRecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-rec",
        abstract: "Leave-last-out evaluation of RECOMMEND through a fresh recd; prints recall/ndcg at 10 and 20 as JSON.")

    @Option(help: "interactions.tsv: user, item, timestamp (tab-separated, header line).") var interactions: String
    @Option(help: "items.jsonl: the catalog (id, title, category, …).") var items: String
    @Option(help: "Weights file.") var model: String = DefaultWeightsPath.path
    @Option(help: "Requests in flight.") var concurrency: Int = 32
    @Option(help: "Seconds to wait for recd to start (catalog embedding included).") var startTimeout: Double = 1800
    @Option(help: "Seconds to wait for the model fit.") var fitTimeout: Double = 1800
    @Option(name: .customLong("engine-setting"),
            help: "KEY=VALUE for the evaluated recd's config `engines` map, e.g. recommend.ease_min_item_users=3 (repeatable).")
    var engineSettings: [String] = []
    @Flag(help: "Print one JSON object (the only output format).") var json = false

    func run() async throws {
        let split = try RecSplit.load(interactions)
        let itemCount = try String(contentsOfFile: items, encoding: .utf8).split(separator: "\n").count
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("recbench-rec-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let feedConfig = dir.appendingPathComponent("feed.json")
        try Data(#"{"engines": {"recommend.refit_after_events": "1000000000", "recommend.refit_interval_seconds": "0", "recommend.fit_on_start": "false"}}"#.utf8)
            .write(to: feedConfig)
        let args = ["--model", model, "--catalog", items]

        // 1. Load: start, feed every training event durably, stop.
        let loadStart = Date()
        log("starting recd with \(itemCount) items")
        var daemon = try DaemonProcess(directory: dir, arguments: args + ["--config", feedConfig.path])
        let feeder = try await daemon.waitReady(timeout: startTimeout)
        log("feeding \(split.train.count) events of \(split.test.count) users")
        let events = split.train
        try await forEachConcurrently(Array(stride(from: 0, to: events.count, by: 256)), width: concurrency) { start in
            for e in events[start..<min(start + 256, events.count)] {
                var f = Recd_V1_FeedbackRequest()
                f.user = e.user
                f.item = e.item
                f.event = .purchase
                f.timestampMs = e.timestamp
                f.idempotencyKey = "\(e.user)/\(e.item)/\(e.timestamp)"
                let request = f
                // BUSY: refused, nothing stored; the idempotency key makes any resend safe anyway.
                _ = try await BusyRetry().run { try await feeder.feedback(request) }
            }
        }
        await feeder.close()
        daemon.stop()
        let loadSeconds = Date().timeIntervalSince(loadStart)

        // 2. Train: restart; recd replays the store and fits in the background.
        let trainStart = Date()
        var trainArgs = args
        if !engineSettings.isEmpty {
            var engines: [String: String] = [:]
            for s in engineSettings {
                guard let eq = s.firstIndex(of: "="), eq != s.startIndex else { throw ValidationError("--engine-setting expects KEY=VALUE, found '\(s)'") }
                engines[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            let trainConfig = dir.appendingPathComponent("train.json")
            try JSONSerialization.data(withJSONObject: ["engines": engines], options: [.sortedKeys]).write(to: trainConfig)
            trainArgs += ["--config", trainConfig.path]
        }
        daemon = try DaemonProcess(directory: dir, arguments: trainArgs)
        defer { daemon.stop() }
        let client = try await daemon.waitReady(timeout: startTimeout)
        log("fitting the collaborative model")
        let deadline = Date().addingTimeInterval(fitTimeout)
        while true {
            let x = try await client.stats().extras
            if (Double(x["recommend.fit.count"] ?? "0") ?? 0) >= 1, x["recommend.fit.running"] == "0" { break }
            guard Date() < deadline else { throw DaemonFailed(message: "the model fit did not finish within \(Int(fitTimeout)) s") }
            try await Task.sleep(for: .milliseconds(500))
        }
        let trainSeconds = Date().timeIntervalSince(trainStart)

        // 3. Evaluate.
        let evalStart = Date()
        let ranks = PredictionBox(count: split.test.count, initial: "")
        let tests = split.test
        let c = client
        try await forEachConcurrently(Array(tests.indices), width: concurrency) { i in
            var r = Recd_V1_RecommendRequest()
            r.user = tests[i].user
            r.k = 20
            r.consumed = .excludeSeen
            let request = r
            let got = try await BusyRetry().run { try await c.recommend(request) }.items.map(\.itemID)
            ranks.set(i, got.firstIndex(of: tests[i].item).map(String.init) ?? "")
        }
        let evalSeconds = Date().timeIntervalSince(evalStart)
        await client.close()
        var result = RecSplit.metrics(ranks: ranks.values.map { Int($0) })
        result["users"] = split.test.count
        result["items"] = itemCount
        result["load_seconds"] = (loadSeconds * 10).rounded() / 10
        result["train_seconds"] = (trainSeconds * 10).rounded() / 10
        result["eval_seconds"] = (evalSeconds * 10).rounded() / 10
        try printJSON(result)
    }

    func log(_ s: String) { FileHandle.standardError.write(Data("recbench: \(s)\n".utf8)) }
}

/// The leave-last-out split and the ranking metrics; pure.
struct RecSplit {
    struct Event: Sendable { var user: String; var item: String; var timestamp: Int64 }
    var train: [Event] = []
    var test: [Event] = []

    static func load(_ path: String) throws -> RecSplit {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var byUser: [String: [Event]] = [:]
        for (n, line) in text.split(separator: "\n").enumerated() where n > 0 {
            let f = line.split(separator: "\t")
            guard f.count >= 3, let ts = Int64(f[2].trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("\(path) line \(n + 1): expected user<TAB>item<TAB>timestamp")
            }
            byUser[String(f[0]), default: []].append(Event(user: String(f[0]), item: String(f[1]), timestamp: ts))
        }
        var s = RecSplit()
        for user in byUser.keys.sorted() {
            let events = byUser[user]!.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
            guard events.count >= 2 else { continue }
            s.train += events.dropLast()
            s.test.append(events.last!)
        }
        return s
    }

    /// recall@k and ndcg@k (one held-out item per user) from the 0-based rank of that item, nil if absent.
    static func metrics(ranks: [Int?]) -> [String: Any] {
        var out: [String: Any] = [:]
        for k in [10, 20] {
            var hits = 0.0, dcg = 0.0
            for r in ranks { if let r, r < k { hits += 1; dcg += 1 / log2(Double(r) + 2) } }
            let n = Double(max(1, ranks.count))
            out["recall@\(k)"] = (hits / n * 10000).rounded() / 10000
            out["ndcg@\(k)"] = (dcg / n * 10000).rounded() / 10000
        }
        return out
    }
}
