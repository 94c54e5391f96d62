import XCTest
@testable import RecdRecommend

final class DemoCatalogTests: XCTestCase {
    func testBundledDemoCatalogLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let items = try Item.loadJSONLines(path: root.appendingPathComponent("daemon/demo/catalog.jsonl").path)
        XCTAssertGreaterThanOrEqual(items.count, 300)
        XCTAssertEqual(Set(items.map(\.id)).count, items.count, "ids are unique")
        let vocabulary = CatalogVocabulary(items: items)
        XCTAssertTrue(Set(["laptops", "phones", "headphones", "shoes", "books", "beauty", "kitchen", "toys"]).isSubset(of: vocabulary.categories))
        XCTAssertTrue(items.contains { $0.title.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) } }, "has Chinese titles")
        XCTAssertTrue(items.allSatisfy { $0.price != nil && !$0.brand.isEmpty })
        XCTAssertGreaterThan(vocabulary.colors.count, 3)
    }
}
