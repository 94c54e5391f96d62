import XCTest
@testable import RecdIntent

final class ModelCacheTests: XCTestCase {
    var dir: URL!

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("recd-intent-cache-\(UUID().uuidString)")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// An embedder that counts its calls, so a cache hit is visible as zero calls.
    final class CountingEmbedder: @unchecked Sendable {
        var calls = 0
        func embed(_ texts: [String]) -> [[Float]] {
            calls += 1
            return texts.map { t in
                var v = (0..<8).map { Float((t.unicodeScalars.reduce(0) { $0 &+ Int($1.value) } &* ($0 + 3)) % 17) - 8 }
                let n = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-6)
                v = v.map { $0 / n }
                return v
            }
        }
    }

    func set(_ extra: String = "") throws -> IntentSet {
        try IntentSet.parse(jsonLines: """
        {"intent": "buy", "examples": ["buy a phone", "I want to buy shoes", "purchase a laptop", "我要买手机"\(extra)]}
        {"intent": "track", "examples": ["where is my order", "track my package", "when will it arrive", "我的快递到哪了"]}
        """)
    }

    func testHitOnIdenticalExamplesMissWhenChanged() throws {
        let cache = IntentModelCache(directory: dir)
        let e = CountingEmbedder()
        let first = try IntentEngine.build(intents: set(), encoderID: "test", options: fastOptions(folds: 0), cache: cache, embed: e.embed)
        XCTAssertEqual(e.calls, 1)
        let second = try IntentEngine.build(intents: set(), encoderID: "test", options: fastOptions(folds: 0), cache: cache, embed: e.embed)
        XCTAssertEqual(e.calls, 1, "identical examples and options must load from the cache")
        XCTAssertEqual(first.classifier, second.classifier)
        _ = try IntentEngine.build(intents: set(", \"buy a watch\""), encoderID: "test", options: fastOptions(folds: 0), cache: cache, embed: e.embed)
        XCTAssertEqual(e.calls, 2, "changed examples must retrain")
        var o = fastOptions(folds: 0); o.trainer.maxIterations += 1
        _ = try IntentEngine.build(intents: set(), encoderID: "test", options: o, cache: cache, embed: e.embed)
        XCTAssertEqual(e.calls, 3, "changed options must retrain")
        _ = try IntentEngine.build(intents: set(), encoderID: "other-encoder", options: fastOptions(folds: 0), cache: cache, embed: e.embed)
        XCTAssertEqual(e.calls, 4, "another encoder must retrain")
    }

    func testRoundTripAndDamagedFile() throws {
        let e = CountingEmbedder()
        let s = try set()
        let (clf, _) = try IntentClassifier.train(examples: s.examples, embeddings: e.embed(s.examples.map(\.text)), options: fastOptions())
        let data = clf.serialized(key: 42)
        XCTAssertEqual(try IntentClassifier.deserialize(data, expectedKey: 42), clf)
        XCTAssertThrowsError(try IntentClassifier.deserialize(data, expectedKey: 43)) { XCTAssertTrue("\($0)".contains("expected key")) }
        var flipped = data
        flipped[flipped.count / 2] ^= 0x10
        XCTAssertThrowsError(try IntentClassifier.deserialize(flipped, expectedKey: 42)) { XCTAssertTrue("\($0)".contains("checksum")) }
        XCTAssertThrowsError(try IntentClassifier.deserialize(data.prefix(30), expectedKey: 42))
        // A damaged cache file makes build retrain instead of failing.
        let cache = IntentModelCache(directory: dir)
        let key = IntentModelCache.key(examples: s.examples, options: fastOptions(folds: 0), encoderID: "t")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("garbage".utf8).write(to: cache.url(for: key))
        _ = try IntentEngine.build(intents: s, encoderID: "t", options: fastOptions(folds: 0), cache: cache, embed: e.embed)
        XCTAssertEqual(try cache.load(key: key)?.model.labels, ["buy", "track"])
    }
}
