import XCTest
@testable import RecdRecommend

final class RankingTests: XCTestCase {
    func testNewUserGetsPopularItemsThenQueryMatches() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        for (i, u) in ["a", "b", "c"].enumerated() {
            _ = try engine.recordBlocking(event(u, "lip-2", .purchase, at: Int64(i)))
        }
        _ = try engine.recordBlocking(event("a", "book-2", .view, at: 9))
        let cold = try engine.recommend(RecommendRequest(user: "newcomer", k: 2))
        XCTAssertEqual(cold.map(\.itemID), ["lip-2", "book-2"])
        XCTAssertEqual(cold[0].explanation, "popular in Beauty this week")
        let q = "running shoes"
        let queried = try engine.recommend(RecommendRequest(user: "newcomer", query: q, queryEmbedding: FakeEncoder.vector(q), k: 3))
        XCTAssertTrue(queried.allSatisfy { $0.itemID.hasPrefix("shoe-run") }, "\(queried.map(\.itemID))")
        XCTAssertEqual(queried[0].explanation, "matches 'running shoes'")
    }

    func testQueryExplanationNamesPriceCeiling() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        let q = "running shoes"
        let recs = try engine.recommend(RecommendRequest(user: "x", query: q, queryEmbedding: FakeEncoder.vector(q), k: 1,
                                                         filter: ItemFilter(maxPrice: 80)))
        XCTAssertEqual(recs.map(\.itemID), ["shoe-run-1"])
        XCTAssertEqual(recs[0].explanation, "matches 'running shoes' under $80")
    }

    func testNewItemWithoutInteractionsIsRecommendableByContent() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        for (i, u) in ["a", "b", "c", "d"].enumerated() {
            _ = try engine.recordBlocking(event(u, "book-1", .purchase, at: Int64(i)))
            _ = try engine.recordBlocking(event(u, "book-2", .purchase, at: Int64(i)))
        }
        _ = try engine.recordBlocking(event("u", "laptop-1", .purchase, at: 10))
        try engine.fitNow()
        XCTAssertEqual(try engine.upsert([Item(id: "laptop-new", title: "Ultrabook laptop 13 inch", description: "thin laptop computer",
                                               category: "laptops", brand: "Dell", price: 899)]), 1)
        let recs = try engine.recommend(RecommendRequest(user: "u", k: 2))
        XCTAssertEqual(recs.first?.itemID, "laptop-new", "\(recs)")
        XCTAssertEqual(recs.first?.explanation, "similar to 'Ultrabook laptop 14 inch' you bought")
    }

    func testCollaborativeExplanationNamesThePurchase() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        // Many users buy the lipstick and then the cookbook: the pair is collaborative, not textual.
        for i in 0..<6 {
            _ = try engine.recordBlocking(event("u\(i)", "lip-1", .purchase, at: 1))
            _ = try engine.recordBlocking(event("u\(i)", "book-1", .purchase, at: 2))
        }
        _ = try engine.recordBlocking(event("me", "lip-1", .purchase, at: 3))
        try engine.fitNow()
        var w = RankingWeightOverrides(interest: 0, popularity: 0)
        w.collaborative = 1
        let recs = try engine.recommend(RecommendRequest(user: "me", k: 1, weights: w))
        XCTAssertEqual(recs.first?.itemID, "book-1")
        XCTAssertTrue(recs[0].explanation == "because you bought 'Matte lipstick red'"
                      || recs[0].explanation.hasPrefix("often chosen next after 'Matte lipstick red'"), recs[0].explanation)
    }

    func testNoSignalIsNotCalledPopular() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        let recs = try engine.recommend(RecommendRequest(user: "x", k: 1, filter: ItemFilter(categories: ["laptops"])))
        XCTAssertEqual(recs.first?.explanation, "in Laptops; no interactions yet")
    }

    func testEachFilter() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        func ids(_ f: ItemFilter) throws -> Set<String> {
            Set(try engine.recommend(RecommendRequest(user: "x", k: 100, filter: f)).map(\.itemID))
        }
        XCTAssertEqual(try ids(ItemFilter(categories: ["Laptops"])), ["laptop-1", "laptop-2"])
        XCTAssertEqual(try ids(ItemFilter(brands: ["nike"])), ["shoe-run-1", "shoe-run-3"])
        XCTAssertEqual(try ids(ItemFilter(minPrice: 1000)), ["laptop-2"])
        XCTAssertEqual(try ids(ItemFilter(maxPrice: 10)), ["lip-1"])
        XCTAssertEqual(try ids(ItemFilter(categories: ["shoes"], inStockOnly: true)), ["shoe-run-1", "shoe-run-2"])
        XCTAssertEqual(try ids(ItemFilter(categories: ["books"], excludeItems: ["book-1"])), ["book-2"])
        XCTAssertEqual(try ids(ItemFilter(categories: ["no such category"])), [])
        XCTAssertEqual(try ids(ItemFilter()).count, sampleItems.count)
        // Exclusions (negated query slots end up here): case-insensitive, combined with the rest.
        XCTAssertEqual(try ids(ItemFilter(categories: ["shoes"], excludeBrands: ["NIKE"])), ["shoe-run-2"])
        XCTAssertEqual(try ids(ItemFilter(excludeCategories: ["laptops", "Books", "beauty"])), ["shoe-run-1", "shoe-run-2", "shoe-run-3"])
        XCTAssertEqual(try ids(ItemFilter(brands: ["Penguin"], excludeCategories: ["books"])), [])
        XCTAssertEqual(try ids(ItemFilter(excludeBrands: ["no such brand"])).count, sampleItems.count)
        XCTAssertEqual(Set(try engine.similar(to: "shoe-run-2", k: 10, filter: ItemFilter(excludeBrands: ["nike"])).map(\.itemID))
                        .intersection(["shoe-run-1", "shoe-run-3"]), [])
    }

    func testEachConsumedPolicy() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        _ = try engine.recordBlocking(event("u", "book-1", .purchase, at: 1))
        _ = try engine.recordBlocking(event("u", "book-2", .view, at: 2))
        _ = try engine.recordBlocking(event("u", "lip-1", .dislike, at: 3))
        func ids(_ p: ConsumedPolicy) throws -> Set<String> {
            Set(try engine.recommend(RecommendRequest(user: "u", k: 100, consumed: p)).map(\.itemID))
        }
        let all = Set(sampleItems.map(\.id))
        XCTAssertEqual(try ids(.default), all.subtracting(["book-1", "lip-1"]))
        XCTAssertEqual(try ids(.excludePurchased), all.subtracting(["book-1", "lip-1"]))
        XCTAssertEqual(try ids(.excludeSeen), all.subtracting(["book-1", "book-2", "lip-1"]))
        XCTAssertEqual(try ids(.none), all)
    }

    func testDiversityPrefersDifferentItems() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        let q = "running shoes laptop"
        let plain = try engine.recommend(RecommendRequest(user: "x", query: q, queryEmbedding: FakeEncoder.vector(q), k: 3))
        let diverse = try engine.recommend(RecommendRequest(user: "x", query: q, queryEmbedding: FakeEncoder.vector(q), k: 3, diversity: 0.7))
        XCTAssertEqual(plain.filter { $0.itemID.hasPrefix("shoe") }.count, 3, "\(plain.map(\.itemID))")
        XCTAssertTrue(diverse.contains { $0.itemID.hasPrefix("laptop") }, "\(diverse.map(\.itemID))")
    }

    func testSimilarItems() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        let recs = try engine.similar(to: "shoe-run-1", k: 2)
        XCTAssertEqual(Set(recs.map(\.itemID)), ["shoe-run-2", "shoe-run-3"])
        XCTAssertEqual(recs[0].explanation, "similar to 'Trail running shoes'")
        XCTAssertEqual(try engine.similar(to: "shoe-run-1", k: 5, filter: ItemFilter(inStockOnly: true, excludeItems: ["shoe-run-2"])).first?.itemID.hasPrefix("shoe"), false)
        XCTAssertThrowsError(try engine.similar(to: "nope")) { XCTAssertTrue("\($0)".contains("unknown item 'nope'")) }
    }

    func testRequestValidation() throws {
        let engine = try makeEngine(temporaryDirectory(self))
        defer { engine.close() }
        XCTAssertThrowsError(try engine.recommend(RecommendRequest(user: "x", k: 0))) { XCTAssertTrue("\($0)".contains("found 0")) }
        XCTAssertThrowsError(try engine.recommend(RecommendRequest(user: "x", queryEmbedding: [1, 2], k: 1))) {
            XCTAssertTrue("\($0)".contains("expected 384"), "\($0)")
        }
    }
}
