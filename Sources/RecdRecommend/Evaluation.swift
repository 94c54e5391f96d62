import Foundation

/// Offline accuracy of the engine with the sequential-recommendation protocol (leave the last item out):
/// per user, the last interaction by timestamp is the target; every earlier one is fed through the
/// engine's durable feedback path; the model is fitted; then every user gets a full-catalog
/// recommendation with their earlier items excluded, scored by Recall@k and NDCG@k.
public enum Evaluation {
    /// Which interaction is held out.
    public enum Split: String, Sendable {
        /// The last interaction (report these figures).
        case test
        /// The second-to-last, training on everything before it (choose hyper-parameters here,
        /// never on the test targets).
        case validation
    }

    /// The outcome of one evaluation run.
    public struct Report: Sendable, CustomStringConvertible {
        public var split: Split
        public var users: Int
        public var items: Int
        public var k: Int
        public var recall: Double
        public var ndcg: Double
        public var feedSeconds: Double
        public var fitSeconds: Double
        /// Recommend latency without a query, wall clock, milliseconds.
        public var p50Ms: Double
        public var p99Ms: Double
        /// The same, counting only the calling thread's CPU time (excludes time the OS scheduler
        /// gave to other processes — the difference shows how loaded the machine was).
        public var cpuP50Ms: Double
        public var cpuP99Ms: Double

        public var description: String {
            String(format: "%@: users=%d items=%d recall@%d=%.4f ndcg@%d=%.4f feed=%.1fs fit=%.1fs recommend p50=%.3fms p99=%.3fms (thread CPU p50=%.3fms p99=%.3fms)",
                   split.rawValue, users, items, k, recall, k, ndcg, feedSeconds, fitSeconds, p50Ms, p99Ms, cpuP50Ms, cpuP99Ms)
        }
    }

    /// One interaction row of the data set.
    public struct Interaction: Sendable {
        public var user: String
        public var item: String
        public var timestamp: Int64
    }

    /// Reads a `user<TAB>item<TAB>timestamp` file with a header line.
    public static func loadInteractions(path: String) throws -> [Interaction] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RecommendError.invalidRequest("cannot read interactions file '\(path)'")
        }
        var out: [Interaction] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() where n > 0 {
            let f = line.split(separator: "\t")
            guard f.count >= 3, let t = Int64(f[2].trimmingCharacters(in: .whitespaces)) else {
                throw RecommendError.invalidRequest("interactions line \(n + 1): expected user<TAB>item<TAB>timestamp, found '\(line.prefix(80))'")
            }
            out.append(Interaction(user: String(f[0]), item: String(f[1]), timestamp: t))
        }
        return out
    }

    /// Runs the protocol. `workDirectory` receives the feedback and embedding-cache files.
    public static func run(interactions: [Interaction], items: [Item], embed: @escaping EmbedFunction,
                           config: RecommendConfig = RecommendConfig(), split: Split = .test, k: Int = 10,
                           workDirectory: String) throws -> Report {
        var byUser: [String: [Interaction]] = [:]
        for i in interactions { byUser[i.user, default: []].append(i) }
        var train: [FeedbackEvent] = []
        var targets: [(user: String, item: String)] = []
        for (user, var seq) in byUser {
            seq.sort { $0.timestamp < $1.timestamp }
            let cut = split == .test ? seq.count - 1 : seq.count - 2
            guard cut >= 1 else { continue }
            targets.append((user, seq[cut].item))
            for e in seq[..<cut] {
                train.append(FeedbackEvent(user: user, item: e.item, kind: .purchase, timestampMs: e.timestamp))
            }
        }
        targets.sort { $0.user < $1.user }
        try? FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let feedbackPath = workDirectory + "/feedback-\(split.rawValue).sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: feedbackPath + suffix) }
        var config = config
        config.refitAfterEvents = .max  // one fit, after all training events are in
        config.refitIntervalSeconds = 0
        let engine = try RecommendEngine(config: config, items: items, feedbackPath: feedbackPath,
                                         embeddingCachePath: workDirectory + "/embeddings.sqlite", embed: embed,
                                         fitOnStart: false)
        let feedStart = Date()
        let group = DispatchGroup()
        let failures = FailureCounter()
        for e in train {
            group.enter()
            engine.submit(e) { result in
                if case .failure = result { failures.add() }
                group.leave()
            }
        }
        group.wait()
        let feedSeconds = Date().timeIntervalSince(feedStart)
        if failures.count > 0 { throw RecommendError.storage("\(failures.count) feedback events failed to commit") }
        let fitStart = Date()
        try engine.fitNow()
        let fitSeconds = Date().timeIntervalSince(fitStart)
        var recall = 0.0, ndcg = 0.0
        var latencies: [Double] = []
        var cpu: [Double] = []
        latencies.reserveCapacity(targets.count)
        cpu.reserveCapacity(targets.count)
        for t in targets {
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = threadCPUNanoseconds()
            let recs = try engine.recommend(RecommendRequest(user: t.user, k: k, consumed: .excludeSeen))
            cpu.append(Double(threadCPUNanoseconds() - cpuStart) / 1e6)
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            if let rank = recs.firstIndex(where: { $0.itemID == t.item }) {
                recall += 1
                ndcg += 1 / log2(Double(rank) + 2)
            }
        }
        engine.close()
        latencies.sort()
        cpu.sort()
        let u = Double(max(targets.count, 1))
        func pct(_ v: [Double], _ p: Double) -> Double { v.isEmpty ? 0 : v[min(v.count - 1, Int(Double(v.count) * p))] }
        return Report(split: split, users: targets.count, items: items.count, k: k, recall: recall / u, ndcg: ndcg / u,
                      feedSeconds: feedSeconds, fitSeconds: fitSeconds, p50Ms: pct(latencies, 0.5), p99Ms: pct(latencies, 0.99),
                      cpuP50Ms: pct(cpu, 0.5), cpuP99Ms: pct(cpu, 0.99))
    }
}

private func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

private final class FailureCounter: @unchecked Sendable {
    // Safety: `value` is guarded by `lock`.
    private let lock = NSLock()
    private var value = 0
    func add() { lock.lock(); value += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return value }
}
