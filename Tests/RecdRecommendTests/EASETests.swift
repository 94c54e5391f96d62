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

    func testRejectsBadParameters() {
        XCTAssertThrowsError(try EASEModel.fit(n: 0, rows: [], lambda: 1))
        XCTAssertThrowsError(try EASEModel.fit(n: 2, rows: [[0]], lambda: 0)) { error in
            XCTAssertTrue("\(error)".contains("λ must be > 0"), "\(error)")
        }
    }
}
