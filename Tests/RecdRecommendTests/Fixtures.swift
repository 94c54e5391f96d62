import Foundation
import XCTest
@testable import RecdRecommend

/// A deterministic stand-in for the sentence encoder: bag of words hashed into 384 dimensions,
/// so texts sharing words are similar. Counts calls so tests can prove the cache works.
final class FakeEncoder: @unchecked Sendable {
    // Safety: `calls` and `texts` are guarded by `lock`.
    private let lock = NSLock()
    private var _texts = 0
    var textsEmbedded: Int { lock.lock(); defer { lock.unlock() }; return _texts }

    static func vector(_ text: String) -> [Float] {
        var v = [Float](repeating: 0, count: 384)
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in word.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            v[Int(h % 384)] += 1
        }
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return n > 0 ? v.map { $0 / n } : v
    }

    var embed: EmbedFunction {
        { [self] texts in
            lock.lock(); _texts += texts.count; lock.unlock()
            return texts.map(Self.vector)
        }
    }
}

/// A small catalog with clear word overlap inside each group.
let sampleItems: [Item] = [
    Item(id: "shoe-run-1", title: "Trail running shoes", description: "lightweight running shoe", category: "shoes", brand: "Nike", price: 79, tags: ["running"]),
    Item(id: "shoe-run-2", title: "Road running shoes", description: "cushioned running shoe", category: "shoes", brand: "Asics", price: 120, tags: ["running"]),
    Item(id: "shoe-run-3", title: "Racing running flats", description: "fast running shoe", category: "shoes", brand: "Nike", price: 150, tags: ["running"], inStock: false),
    Item(id: "laptop-1", title: "Ultrabook laptop 14 inch", description: "thin laptop computer", category: "laptops", brand: "Lenovo", price: 999, attributes: ["color": "Silver"]),
    Item(id: "laptop-2", title: "Gaming laptop 16 inch", description: "fast laptop computer", category: "laptops", brand: "Asus", price: 1499, attributes: ["color": "Black"]),
    Item(id: "book-1", title: "Cooking with herbs", description: "a cookbook", category: "books", brand: "Penguin", price: 25, attributes: ["size": "Paperback"]),
    Item(id: "book-2", title: "Baking bread at home", description: "a cookbook", category: "books", brand: "Penguin", price: 30),
    Item(id: "lip-1", title: "Matte lipstick red", description: "long lasting lipstick", category: "beauty", brand: "Maybelline", price: 9),
    Item(id: "lip-2", title: "Gloss lipstick pink", description: "shiny lipstick", category: "beauty", brand: "L'Oreal", price: 12),
]

/// A fresh directory under the system temp dir, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) -> String {
    let dir = NSTemporaryDirectory() + "recd-recommend-tests-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

func makeEngine(_ dir: String, items: [Item] = sampleItems, encoder: FakeEncoder = FakeEncoder(),
                config: RecommendConfig = RecommendConfig()) throws -> RecommendEngine {
    try RecommendEngine(config: config, items: items, feedbackPath: dir + "/feedback.sqlite",
                        embeddingCachePath: dir + "/embeddings.sqlite", embed: encoder.embed, fitOnStart: false)
}

func event(_ user: String, _ item: String, _ kind: FeedbackKind, at t: Int64, key: String? = nil, value: Double = 0) -> FeedbackEvent {
    FeedbackEvent(user: user, item: item, kind: kind, value: value, timestampMs: t, idempotencyKey: key)
}
