import Foundation
import XCTest
@testable import RecdIntent

/// Development harness, skipped unless `RECD_INTENT_EVAL` names a folder holding, for a data
/// set NAME in `RECD_INTENT_EVAL_SETS` (default `banking77,clinc150`):
/// `NAME_train.f32` and `NAME_test.f32` — little-endian Float32 sentence embeddings, one row per
/// line of `/work/shared/data/NAME/{train,test}.jsonl` (or `RECD_INTENT_DATA`), in file order;
/// the row length is the file size / line count. Prints accuracy, OOS recall and training time.
/// Meant for release builds (`swift test -c release --filter EvaluationHarnessTests`); the
/// throwaway executable used during development did the same.
final class EvaluationHarnessTests: XCTestCase {
    func testScoreOnEvaluationSets() throws {
        let env = ProcessInfo.processInfo.environment
        guard let dir = env["RECD_INTENT_EVAL"] else { throw XCTSkip("set RECD_INTENT_EVAL to run the evaluation harness") }
        let data = env["RECD_INTENT_DATA"] ?? "/work/shared/data"
        for name in (env["RECD_INTENT_EVAL_SETS"] ?? "banking77,clinc150").split(separator: ",").map(String.init) {
            func load(_ split: String) throws -> ([IntentExample], [[Float]]) {
                let text = try String(contentsOfFile: "\(data)/\(name)/\(split).jsonl", encoding: .utf8)
                let set = try IntentSet.parse(jsonLines: text, source: "\(name)/\(split).jsonl")
                let raw = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)_\(split).f32"))
                let floats = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                let d = floats.count / set.examples.count
                XCTAssertEqual(d * set.examples.count, floats.count, "\(name)_\(split).f32 is not a whole number of rows")
                return (set.examples, (0..<set.examples.count).map { Array(floats[$0 * d ..< ($0 + 1) * d]) })
            }
            let (train, trainEmb) = try load("train")
            let (test, testEmb) = try load("test")
            // Optional overrides for experiments: RECD_INTENT_EVAL_BLOCKS (dense blocks per row, default 1),
            // RECD_INTENT_EVAL_C, _ITERATIONS, _FOLD_ITERATIONS, _FOLDS, _WARM (0/1), _THREADS, _MIN_COUNT,
            // _DENSE_SCALE. Run with OPENBLAS_NUM_THREADS=1, as recd does (each training shard calls OpenBLAS).
            var options = IntentTrainingOptions(denseBlocks: Int(env["RECD_INTENT_EVAL_BLOCKS"] ?? "1") ?? 1)
            if let v = env["RECD_INTENT_EVAL_C"].flatMap(Float.init) { options.trainer.inverseRegularization = v }
            if let v = env["RECD_INTENT_EVAL_ITERATIONS"].flatMap(Int.init) { options.trainer.maxIterations = v }
            if let v = env["RECD_INTENT_EVAL_FOLD_ITERATIONS"].flatMap(Int.init) { options.trainer.foldIterations = v }
            if let v = env["RECD_INTENT_EVAL_FOLDS"].flatMap(Int.init) { options.calibrationFolds = v }
            if let v = env["RECD_INTENT_EVAL_WARM"] { options.trainer.warmStart = v != "0" }
            if let v = env["RECD_INTENT_EVAL_THREADS"].flatMap(Int.init) { options.trainer.threads = v }
            if let v = env["RECD_INTENT_EVAL_MIN_COUNT"].flatMap(Int.init) { options.trainer.minFeatureCount = v }
            if let v = env["RECD_INTENT_EVAL_DENSE_SCALE"].flatMap(Float.init) { options.trainer.denseScale = v }
            let start = Date()
            let run = try IntentClassifier.trainRun(examples: train, embeddings: trainEmb, options: options)
            let (clf, report) = (run.classifier, run.report)
            let seconds = Date().timeIntervalSince(start)
            print(String(format: "%@: features %.1f s, trainings %.1f s (each: %@), calibration %.1f s, final iterations %d, held-out (train CV) in-scope accuracy %.2f%%",
                         name, report.featureSeconds, report.trainingSeconds,
                         report.jobSeconds.map { String(format: "%.1f", $0) }.joined(separator: " "),
                         report.calibrationSeconds, report.iterations ?? -1, 100 * (report.heldOutAccuracy ?? .nan)))
            // RECD_INTENT_DUMP=DIR: held-out logits (fold order) with their labels, and the final
            // model's raw test logits, for comparing out-of-scope policies offline.
            if let dump = env["RECD_INTENT_DUMP"] {
                func write<T>(_ a: [T], _ file: String) throws {
                    try a.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: "\(dump)/\(name)_\(file)")) }
                }
                try write(run.heldOutLogits, "heldout_logits.f32")
                try write(run.heldOutLabels, "heldout_labels.i32")
                var testLogits: [Float] = []
                for (e, v) in zip(test, testEmb) {
                    testLogits += clf.model.logits(dense: v, sparse: clf.featurizer.features(of: e.text))
                }
                try write(testLogits, "test_logits.f32")
                let meta: [String: Any] = ["labels": clf.model.labels, "temperature": report.temperature, "threshold": report.threshold]
                try JSONSerialization.data(withJSONObject: meta).write(to: URL(fileURLWithPath: "\(dump)/\(name)_meta.json"))
            }
            var inScope = 0, right = 0, rightNoThreshold = 0, oos = 0, oosRight = 0
            for (e, v) in zip(test, testEmb) {
                let c = try clf.classify(text: e.text, embedding: v)
                if e.intent == IntentSet.outOfScope { oos += 1; if c.isOutOfScope { oosRight += 1 } }
                else { inScope += 1; if c.intent == e.intent { right += 1 }; if c.ranked[0].intent == e.intent { rightNoThreshold += 1 } }
            }
            print(String(format: "%@: in-scope accuracy %.2f%% (%.2f%% before threshold), oos recall %@, training %.1f s, T=%.2f threshold=%.2f",
                         name, 100 * Double(right) / Double(inScope), 100 * Double(rightNoThreshold) / Double(inScope),
                         oos > 0 ? String(format: "%.1f%%", 100 * Double(oosRight) / Double(oos)) : "n/a",
                         seconds, report.temperature, report.threshold))
        }
    }
}
