import XCTest
@testable import RecdRecommend

final class EASETests: XCTestCase {
    /// Users {0,1}, {1,2}, {0,1,2}, λ = 1: XᵀX + I = [[3,2,1],[2,4,2],[1,2,3]], determinant 16,
    /// P = adj/16 = [[½,−¼,0],[−¼,½,−¼],[0,−¼,½]], so B[i,j] = −P[i,j]/P[j,j]:
    /// B01 = B10 = B12 = B21 = ½, B02 = B20 = 0, diagonal 0.
    func testTinyMatrixMatchesHandComputedResult() throws {
        let model = try EASEModel.fit(n: 3, rows: [[0, 1], [1, 2], [0, 1, 2]], lambda: 1)
        let expected: [[Float]] = [[0, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0]]
        for i in 0..<3 {
            for j in 0..<3 {
                XCTAssertEqual(model.weight(from: i, to: j), expected[i][j], accuracy: 1e-5, "B[\(i),\(j)]")
            }
        }
    }

    func testAsymmetricResultAndProgress() throws {
        // Items 0 and 1 co-occur twice, item 2 is alone; the Gram diagonal differs, so B is not symmetric.
        var phases: [EASEModel.Phase] = []
        let model = try EASEModel.fit(n: 3, rows: [[0, 1], [0, 1], [0], [2]], lambda: 1) { p, _ in phases.append(p) }
        // XᵀX + I = [[4,2,0],[2,3,0],[0,0,2]]; inverse of the 2×2 block = [[3,−2],[−2,4]]/8.
        XCTAssertEqual(model.weight(from: 0, to: 1), 0.5, accuracy: 1e-5)   // −(−2/8)/(4/8)
        XCTAssertEqual(model.weight(from: 1, to: 0), 2.0 / 3.0, accuracy: 1e-5)  // −(−2/8)/(3/8)
        XCTAssertEqual(model.weight(from: 0, to: 2), 0, accuracy: 1e-6)
        XCTAssertEqual(phases.first, .gram)
        XCTAssertEqual(phases.last, .done)
    }

    /// Item 2 has no users and item 4 one: with minItemUsers 2 the solve covers items {0, 1, 3} only,
    /// gives the same weights as fitting those three alone, and leaves zero rows and columns elsewhere.
    func testItemsBelowTheUserThresholdAreLeftOutOfTheSolve() throws {
        let rows: [[Int32]] = [[0, 1], [1, 3], [0, 1, 3, 4], [0, 3]]
        let model = try EASEModel.fit(n: 5, rows: rows, lambda: 1, minItemUsers: 2)
        XCTAssertEqual(model.n, 5)
        XCTAssertEqual(model.fittedItems, 3)
        let alone = try EASEModel.fit(n: 3, rows: [[0, 1], [1, 2], [0, 1, 2], [0, 2]], lambda: 1)
        let kept = [0, 1, 3]
        for (a, i) in kept.enumerated() {
            for (b, j) in kept.enumerated() {
                XCTAssertEqual(model.weight(from: i, to: j), alone.weight(from: a, to: b), accuracy: 1e-6, "B[\(i),\(j)]")
            }
        }
        for k in 0..<5 {
            for out in [2, 4] {
                XCTAssertEqual(model.weight(from: out, to: k), 0, "row \(out)")
                XCTAssertEqual(model.weight(from: k, to: out), 0, "column \(out)")
            }
        }
        XCTAssertNotEqual(model.weight(from: 0, to: 1), 0)
        // accumulate spreads a compact row over the full slot width.
        var scores = [Float](repeating: 0, count: 5)
        scores.withUnsafeMutableBufferPointer { model.accumulate(row: 3, scale: 2, into: $0.baseAddress!) }
        for j in 0..<5 { XCTAssertEqual(scores[j], 2 * model.weight(from: 3, to: j), accuracy: 1e-6) }
        scores = [Float](repeating: 0, count: 5)
        scores.withUnsafeMutableBufferPointer { model.accumulate(row: 4, scale: 2, into: $0.baseAddress!) }
        XCTAssertEqual(scores, [0, 0, 0, 0, 0])
    }

    /// The default threshold (1) only drops items nobody interacted with, whose rows and columns of B
    /// were zero anyway: the weights match a fit over the full n×n matrix.
    func testItemsWithoutUsersDoNotChangeTheWeights() throws {
        let model = try EASEModel.fit(n: 4, rows: [[0, 1], [1, 3], [0, 1, 3]], lambda: 1)
        XCTAssertEqual(model.fittedItems, 3)
        let tiny = try EASEModel.fit(n: 3, rows: [[0, 1], [1, 2], [0, 1, 2]], lambda: 1)  // the hand-computed case
        for (a, i) in [0, 1, 3].enumerated() {
            for (b, j) in [0, 1, 3].enumerated() {
                XCTAssertEqual(model.weight(from: i, to: j), tiny.weight(from: a, to: b), accuracy: 1e-6)
            }
        }
    }

    /// The engine passes `easeMinItemUsers` to the fit and reports how many items the solve covered.
    func testEngineFitsOnlyItemsWithEnoughUsers() throws {
        var config = RecommendConfig()
        config.easeMinItemUsers = 3
        config.fitThreads = 1
        let engine = try makeEngine(temporaryDirectory(self), config: config)
        defer { engine.close() }
        for i in 0..<4 {  // lip-1 and book-1: 4 users each; laptop-1: 1 user
            _ = try engine.recordBlocking(event("u\(i)", "lip-1", .purchase, at: 1))
            _ = try engine.recordBlocking(event("u\(i)", "book-1", .purchase, at: 2))
        }
        _ = try engine.recordBlocking(event("u0", "laptop-1", .purchase, at: 3))
        try engine.fitNow()
        XCTAssertEqual(engine.stats["model.fitted_items"], 2)
        XCTAssertEqual(engine.stats["model.items"], Double(sampleItems.count))
        XCTAssertEqual(engine.stats["fit.failed"], 0)
    }

    func testSelectItemsCountsUsersPerItem() {
        let (rowOf, slots) = EASEModel.selectItems(n: 4, rows: [[0, 2], [2], [2, 3], [9]], minItemUsers: 2)
        XCTAssertEqual(slots, [2])
        XCTAssertEqual(rowOf, [-1, -1, 0, -1])
        XCTAssertEqual(EASEModel.selectItems(n: 4, rows: [[0, 2], [2], [2, 3]], minItemUsers: 1).slots, [0, 2, 3])
    }

    func testRejectsBadParameters() {
        XCTAssertThrowsError(try EASEModel.fit(n: 0, rows: [], lambda: 1))
        XCTAssertThrowsError(try EASEModel.fit(n: 2, rows: [[0]], lambda: 0)) { error in
            XCTAssertTrue("\(error)".contains("λ must be > 0"), "\(error)")
        }
        XCTAssertThrowsError(try EASEModel.fit(n: 2, rows: [[0]], lambda: 1, minItemUsers: 2)) { error in
            XCTAssertTrue("\(error)".contains("no item with at least 2 users"), "\(error)")
        }
    }
}
