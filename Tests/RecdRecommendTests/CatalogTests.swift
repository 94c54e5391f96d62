import XCTest
@testable import RecdRecommend

final class CatalogTests: XCTestCase {
    func testLoadsFullAndMinimalJSONLines() throws {
        let text = """
        {"id": "7806397051", "title": "WAWO 15 Color Palette", "category": "beauty"}

        {"id":"p1","title":"Phone","description":"d","category":"phones","brand":"Apple","price":"799.5","currency":"USD","tags":["5g"],"attributes":{"color":"Blue","storage":128},"in_stock":false}
        """
        let items = try Item.parseJSONLines(text)
        XCTAssertEqual(items.count, 2)
        XCTAssertEqual(items[0].category, "beauty")
        XCTAssertNil(items[0].price)
        XCTAssertTrue(items[0].inStock)
        XCTAssertEqual(items[1].price, 799.5)
        XCTAssertEqual(items[1].attributes["storage"], "128")
        XCTAssertFalse(items[1].inStock)
    }

    func testBadLineNamesTheLineAndTheProblem() {
        XCTAssertThrowsError(try Item.parseJSONLines("{\"id\":\"a\"}\n{\"title\":\"no id\"}")) {
            XCTAssertTrue("\($0)".hasPrefix("catalog line 2: item has no \"id\" field"), "\($0)")
        }
        XCTAssertThrowsError(try Item.parseJSONLines("{\"id\":\"a\",\"price\":-3}")) {
            XCTAssertTrue("\($0)".contains("price must be a finite number ≥ 0, found -3"), "\($0)")
        }
    }

    func testUpsertDeleteGetAndVocabulary() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        XCTAssertEqual(engine.itemCount, sampleItems.count)
        var changed = sampleItems[0]
        changed.price = 60
        try engine.upsert([changed])
        XCTAssertEqual(engine.item(id: "shoe-run-1")?.price, 60)
        XCTAssertEqual(engine.itemCount, sampleItems.count)
        XCTAssertEqual(try engine.delete(ids: ["shoe-run-1", "missing"]), 1)
        XCTAssertNil(engine.item(id: "shoe-run-1"))
        XCTAssertFalse(try engine.recommend(RecommendRequest(user: "x", k: 100)).contains { $0.itemID == "shoe-run-1" })
        let v = engine.vocabulary
        XCTAssertEqual(v.categories, ["beauty", "books", "laptops", "shoes"])
        XCTAssertTrue(v.brands.contains("Penguin"))
        XCTAssertEqual(v.colors, ["Black", "Silver"])
        XCTAssertEqual(v.sizes, ["Paperback"])
    }

    func testRestartReEmbedsNothing() throws {
        let dir = temporaryDirectory(self)
        let first = FakeEncoder()
        var engine = try makeEngine(dir, encoder: first)
        XCTAssertEqual(first.textsEmbedded, sampleItems.count)
        engine.close()
        let second = FakeEncoder()
        engine = try makeEngine(dir, encoder: second)
        defer { engine.close() }
        XCTAssertEqual(second.textsEmbedded, 0, "every embedding came from the on-disk cache")
        var edited = sampleItems[7]
        edited.title = "Velvet lipstick red"
        XCTAssertEqual(try engine.upsert([edited]), 1, "a changed text is embedded again")
        XCTAssertEqual(second.textsEmbedded, 1)
    }

    func testEmbeddingProgressIsReported() throws {
        let dir = temporaryDirectory(self)
        let progress = ProgressLog()
        let engine = try RecommendEngine(items: sampleItems, feedbackPath: dir + "/f.sqlite", embeddingCachePath: nil,
                                         embed: FakeEncoder().embed, progress: { progress.add($0, $1) }, fitOnStart: false)
        defer { engine.close() }
        XCTAssertEqual(progress.values.last?.0, sampleItems.count)
        XCTAssertEqual(progress.values.last?.1, sampleItems.count)
    }

    func testWrongEmbeddingWidthIsAnError() {
        let dir = temporaryDirectory(self)
        XCTAssertThrowsError(try RecommendEngine(items: sampleItems, feedbackPath: dir + "/f.sqlite", embeddingCachePath: nil,
                                                 embed: { $0.map { _ in [1, 2, 3] } })) {
            XCTAssertTrue("\($0)".contains("3 floats, expected 384"), "\($0)")
        }
    }
}

final class ProgressLog: @unchecked Sendable {
    // Safety: `values` is guarded by `lock`.
    private let lock = NSLock()
    private var _values: [(Int, Int)] = []
    func add(_ a: Int, _ b: Int) { lock.lock(); _values.append((a, b)); lock.unlock() }
    var values: [(Int, Int)] { lock.lock(); defer { lock.unlock() }; return _values }
}
