import ArgumentParser
import Atomics
import Foundation
import RecdClient
import RecdIntent
import RecdModel
import RecdProtocol

/// `recbench eval-intent`: trains a fresh recd on a train file and scores INTENT on a test file.
struct EvalIntentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-intent",
        abstract: "Start a recd with --train as its intent set, send every --test line as INTENT, print scores as JSON.")

    @Option(help: "Training set: JSONL {\"text\",\"intent\"} (\"oos\" = out of scope) or a recd intents file.") var train: String
    @Option(help: "Test set: JSONL {\"text\",\"intent\"}.") var test: String
    @Option(help: "Weights file.") var model: String = DefaultWeightsPath.path
    @Option(help: "Requests in flight.") var concurrency: Int = 16
    @Option(help: "Seconds to wait for recd to train and start.") var startTimeout: Double = 900
    @Option(help: "fp32 or int8: the encoder precision recd trains and answers with.") var precision: String = "fp32"
    @Flag(help: "Print one JSON object (the only output format).") var json = false

    func validate() throws {
        guard EncoderPrecision(rawValue: precision) != nil else {
            let accepted = EncoderPrecision.allCases.map(\.rawValue).joined(separator: " or ")
            throw ValidationError("--precision must be \(accepted); found \(precision)")
        }
    }

    func run() async throws {
        let tests = try IntentScoring.load(test)
        // Counted by recd's own loader, so an intents file (intent lines with example arrays) counts right.
        let trainCount: Int
        do { trainCount = try IntentSet.load(contentsOf: URL(fileURLWithPath: train)).examples.count } catch {
            throw ValidationError("--train \(train): \(error)")
        }
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("recbench-intent-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let started = Date()
        let daemon = try DaemonProcess(directory: dir, arguments: ["--model", model, "--intents", train, "--precision", precision])
        defer { daemon.stop() }
        FileHandle.standardError.write(Data("recbench: training recd on \(trainCount) examples…\n".utf8))
        let client = try await daemon.waitReady(timeout: startTimeout)
        let trainSeconds = Date().timeIntervalSince(started)
        // recd's user + system CPU until it answered: model load and training (the training is nearly
        // all of it). Less sensitive to other load on the machine than the wall time.
        let trainCPU = daemon.cpuSeconds()
        // Per line: the answer, and the best in-scope intent (the first alternative, also when the answer is oos).
        let predictions = PredictionBox(count: tests.count, initial: (answer: "", firstInScope: ""))
        let evalStart = Date()
        // recd answers BUSY when its queue is longer than it admits (daemon/CONFIG.md, admission): a
        // refused INTENT did nothing and is sent again after a growing delay, as a web app would.
        let busyRetries = ManagedAtomic(0)
        let retry = BusyRetry()
        try await forEachConcurrently(Array(tests.indices), width: concurrency) { i in
            let text = tests[i].text
            let r = try await retry.run(onBusy: { busyRetries.wrappingIncrement(ordering: .relaxed) }) {
                try await client.intent(text)
            }
            predictions.set(i, (r.oos ? "oos" : r.intent, r.alternatives.first?.intent ?? ""))
        }
        let evalSeconds = Date().timeIntervalSince(evalStart)
        await client.close()
        // The daemon's training log line (embed / features / each training / calibration times).
        let log = (try? String(contentsOf: dir.appendingPathComponent("recd.log"), encoding: .utf8)) ?? ""
        for line in log.split(separator: "\n") where line.contains("intent model trained") {
            FileHandle.standardError.write(Data("recbench: recd: \(line)\n".utf8))
        }
        let answers = predictions.values
        var result = IntentScoring.score(gold: tests.map(\.intent), predicted: answers.map(\.answer),
                                         firstInScope: answers.map(\.firstInScope))
        result["n_train"] = trainCount
        result["precision"] = precision
        result["n_test"] = tests.count
        result["train_seconds"] = (trainSeconds * 100).rounded() / 100
        result["eval_seconds"] = (evalSeconds * 100).rounded() / 100
        if let trainCPU { result["train_cpu_seconds"] = (trainCPU * 100).rounded() / 100 }
        result["busy_retries"] = busyRetries.load(ordering: .relaxed)
        try printJSON(result)
    }
}

/// Predictions filled in from concurrent tasks.
final class PredictionBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Value]
    init(count: Int, initial: Value) { storage = Array(repeating: initial, count: count) }
    func set(_ i: Int, _ v: Value) { lock.lock(); storage[i] = v; lock.unlock() }
    var values: [Value] { lock.lock(); defer { lock.unlock() }; return storage }
}

/// Loading and scoring for intent evaluations; pure.
enum IntentScoring {
    struct Line { var text: String; var intent: String }

    static func load(_ path: String) throws -> [Line] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines: [Line] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any],
                  let t = obj["text"] as? String, let i = obj["intent"] as? String else {
                if raw.contains("\"examples\"") || raw.contains("\"name\"") { continue }   // intents-file definitions
                throw ValidationError("\(path) line \(n + 1): expected {\"text\": …, \"intent\": …}")
            }
            lines.append(Line(text: t, intent: i))
        }
        return lines
    }

    /// accuracy over all lines; in-scope accuracy; OOS recall (when gold has "oos"); macro F1 over gold labels;
    /// how many in-scope lines were answered oos, and of those how many had the right intent as their best
    /// in-scope alternative (`firstInScope`, one per line): what the out-of-scope threshold cost.
    static func score(gold: [String], predicted: [String], firstInScope: [String]? = nil) -> [String: Any] {
        var correct = 0, inScope = 0, inScopeCorrect = 0, inScopeAnsweredOOS = 0, answeredOOSFirstRight = 0
        var oos = 0, oosCaught = 0
        var tp: [String: Int] = [:], fp: [String: Int] = [:], fn: [String: Int] = [:]
        for (i, (g, p)) in zip(gold, predicted).enumerated() {
            if g == p { correct += 1; tp[g, default: 0] += 1 } else { fp[p, default: 0] += 1; fn[g, default: 0] += 1 }
            if g == "oos" { oos += 1; if p == "oos" { oosCaught += 1 } } else {
                inScope += 1
                if g == p { inScopeCorrect += 1 } else if p == "oos" {
                    inScopeAnsweredOOS += 1
                    if let f = firstInScope, i < f.count, f[i] == g { answeredOOSFirstRight += 1 }
                }
            }
        }
        let labels = Set(gold)
        let f1s = labels.map { l -> Double in
            let t = Double(tp[l] ?? 0), p = t + Double(fp[l] ?? 0), r = t + Double(fn[l] ?? 0)
            return t == 0 ? 0 : 2 * t / (p + r)
        }
        func pct(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : (Double(a) / Double(b) * 10000).rounded() / 100 }
        var out: [String: Any] = [
            "accuracy": pct(correct, gold.count),
            "in_scope_accuracy": pct(inScopeCorrect, inScope),
            // In-scope lines answered oos: the threshold's false alarms, part of what in-scope accuracy loses.
            "in_scope_answered_oos": inScopeAnsweredOOS,
            "macro_f1": ((f1s.reduce(0, +) / Double(max(1, f1s.count))) * 10000).rounded() / 100,
        ]
        if oos > 0 { out["oos_recall"] = pct(oosCaught, oos) }
        // Of those, the ones whose best in-scope intent was right: answers the threshold alone turned wrong.
        if firstInScope != nil { out["in_scope_answered_oos_first_right"] = answeredOOSFirstRight }
        return out
    }
}
