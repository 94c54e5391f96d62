import XCTest
@testable import RecdRecommend

/// ITEMS changes are journalled: a reopened engine over the same base catalog and journal sees every
/// upsert and delete that returned, in the order they were made.
final class CatalogJournalTests: XCTestCase {
    func open(_ dir: String) throws -> RecommendEngine {
        try RecommendEngine(items: sampleItems, feedbackPath: dir + "/feedback.sqlite", embeddingCachePath: nil,
                            catalogJournalPath: dir + "/catalog.sqlite", embed: FakeEncoder().embed, fitOnStart: false)
    }

    func testUpsertsAndDeletesSurviveReopen() throws {
        let dir = temporaryDirectory(self)
        let first = try open(dir)
        var changed = sampleItems[0]
        changed.price = 61
        let added = Item(id: "new-1", title: "Wool socks", category: "shoes", brand: "Acme", price: 5)
        try first.upsert([changed, added])
        XCTAssertEqual(try first.delete(ids: [sampleItems[1].id, "never-existed"]), 1)
        try first.upsert([Item(id: "gone-later", title: "Temporary", price: 1)])
        try first.delete(ids: ["gone-later"])
        var again = added
        again.title = "Wool socks, grey"
        try first.upsert([again])
        first.close()

        let second = try open(dir)
        defer { second.close() }
        XCTAssertEqual(second.item(id: changed.id)?.price, 61, "an upsert replaces the base catalog's item")
        XCTAssertEqual(second.item(id: "new-1")?.title, "Wool socks, grey", "the latest upsert of an id wins")
        XCTAssertNil(second.item(id: sampleItems[1].id), "a deleted base item stays deleted")
        XCTAssertNil(second.item(id: "gone-later"))
        XCTAssertNil(second.item(id: "never-existed"))
        XCTAssertEqual(second.itemCount, sampleItems.count - 1 + 1)
    }

    func testDeletedThenUpsertedItemIsBack() throws {
        let dir = temporaryDirectory(self)
        let first = try open(dir)
        try first.delete(ids: [sampleItems[2].id])
        try first.upsert([sampleItems[2]])
        first.close()
        let second = try open(dir)
        defer { second.close() }
        XCTAssertEqual(second.item(id: sampleItems[2].id), sampleItems[2])
        XCTAssertEqual(second.itemCount, sampleItems.count)
    }
}
