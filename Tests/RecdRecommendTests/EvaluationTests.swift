import Foundation
import XCTest
@testable import RecdRecommend

/// Accuracy harness on a leave-last-out data set; skipped unless `RECD_EVAL_DATA` names a folder with
/// `interactions.tsv` and `items.jsonl` (e.g. /work/shared/data/amazon-beauty). Run it in release:
///
///     RECD_EVAL_DATA=/work/shared/data/amazon-beauty swift test -c release --filter EvaluationTests
///
/// Optional: `RECD_EVAL_EMBEDDINGS=/path/prefix` with `prefix.ids` (one item id per line) and
/// `prefix.f32` (384 float32 per id, same order) supplies item embeddings; without it the content
/// signal is off. `RECD_EVAL_SPLIT=validation` evaluates on the second-to-last item instead.
final class EvaluationTests: XCTestCase {
    func testLeaveLastOutAccuracy() throws {
        let env = ProcessInfo.processInfo.environment
        guard let dir = env["RECD_EVAL_DATA"] else { throw XCTSkip("set RECD_EVAL_DATA to run the accuracy harness") }
        let items = try Item.loadJSONLines(path: dir + "/items.jsonl")
        let interactions = try Evaluation.loadInteractions(path: dir + "/interactions.tsv")
        var table: [String: [Float]] = [:]
        var config = RecommendConfig()
        if let prefix = env["RECD_EVAL_EMBEDDINGS"] {
            let ids = try String(contentsOfFile: prefix + ".ids", encoding: .utf8).split(separator: "\n").map(String.init)
            let floats = try Data(contentsOf: URL(fileURLWithPath: prefix + ".f32")).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let byID = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0) })
            for (i, id) in ids.enumerated() {
                if let item = byID[id] { table[item.embeddingText] = Array(floats[i * 384 ..< (i + 1) * 384]) }
            }
        } else {
            config.weights.interest = 0
        }
        let lookup = table
        let split: Evaluation.Split = env["RECD_EVAL_SPLIT"] == "validation" ? .validation : .test
        let report = try Evaluation.run(interactions: interactions, items: items,
                                        embed: { $0.map { lookup[$0] ?? [Float](repeating: 0, count: 384) } },
                                        config: config, split: split, workDirectory: NSTemporaryDirectory() + "recd-eval-\(getpid())")
        print("EVALUATION \(report)")
        XCTAssertGreaterThan(report.users, 0)
    }
}
