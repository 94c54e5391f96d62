import XCTest
@testable import RecdRecommend

/// The ranking's selection and reduction kernels against straightforward references.
final class RankKernelTests: XCTestCase {

    /// What the heap keeps, as a set.
    private func heapPool(k: Int, scores: [Float], allowed: [Bool]) -> Set<Int32> {
        var top = TopK(k: k)
        for j in scores.indices where allowed[j] { top.insert(Int32(j), scores[j]) }
        return Set(top.entries.map(\.slot))
    }

    private func radixPool(k: Int, scores: [Float], allowed: [Bool]) -> [Int32] {
        let n = scores.count
        let keys = UnsafeMutablePointer<UInt32>.allocate(capacity: max(n, 1))
        let ties = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
        let histogram = UnsafeMutablePointer<UInt32>.allocate(capacity: PoolSelection.buckets)
        defer { keys.deallocate(); ties.deallocate(); histogram.deallocate() }
        var out: [Int32] = []
        scores.withUnsafeBufferPointer { s in
            allowed.withUnsafeBufferPointer { a in
                PoolSelection.select(k: k, n: n, scores: s.baseAddress!, allowed: a.baseAddress!, keys: keys,
                                     histogram: histogram, ties: ties, into: &out)
            }
        }
        return out
    }

    /// Same set as the heap for dense random scores, heavy ties (a few distinct values, many zeros,
    /// ±0), scores that differ only in their lowest bits, every allowed fraction, and k around the
    /// allowed count. A bug in any radix level shows as a different set.
    func testRadixSelectKeepsTheHeapsSet() {
        var rng = SplitMix(state: 7)
        let shapes: [(String, (inout SplitMix) -> Float)] = [
            ("dense", { Float.random(in: -1...1, using: &$0) }),
            ("few values", { Float(Int.random(in: 0...4, using: &$0)) * 0.25 }),
            ("mostly zero", { Int.random(in: 0..<10, using: &$0) == 0 ? Float.random(in: 0...1, using: &$0) : 0 }),
            ("signed zeros", { Bool.random(using: &$0) ? -0.0 : 0.0 }),
            ("low bits", { Float(bitPattern: 0x3F80_0000 | UInt32.random(in: 0..<64, using: &$0)) }),
            ("negatives", { -Float.random(in: 0...1000, using: &$0) }),
        ]
        for (name, draw) in shapes {
            for n in [1, 17, 500, 3000] {
                for allowedFraction in [1.0, 0.5, 0.02] {
                    let scores = (0..<n).map { _ in draw(&rng) }
                    let allowed = (0..<n).map { _ in Double.random(in: 0..<1, using: &rng) < allowedFraction }
                    let allowedCount = allowed.filter { $0 }.count
                    for k in [1, 10, 400, allowedCount, allowedCount + 1] where k > 0 {
                        let radix = radixPool(k: k, scores: scores, allowed: allowed)
                        XCTAssertEqual(radix.count, Set(radix).count, "\(name) n=\(n) k=\(k): a slot twice")
                        XCTAssertEqual(Set(radix), heapPool(k: k, scores: scores, allowed: allowed),
                                       "\(name) n=\(n) allowed=\(allowedFraction) k=\(k)")
                    }
                }
            }
        }
    }

    func testRadixSelectTakesNothingForZeroKOrEmptyCatalog() {
        XCTAssertEqual(radixPool(k: 0, scores: [1, 2], allowed: [true, true]), [])
        XCTAssertEqual(radixPool(k: 3, scores: [], allowed: []), [])
        XCTAssertEqual(radixPool(k: 3, scores: [1, 2], allowed: [false, false]), [])
    }

    func testKeyOrdersFloats() {
        let values: [Float] = [-.infinity, -3.5, -1, -Float.leastNonzeroMagnitude, 0, Float.leastNonzeroMagnitude, 0.5, 1, 1e30, .infinity]
        for (a, b) in zip(values, values.dropFirst()) {
            XCTAssertLessThan(PoolSelection.key(a), PoolSelection.key(b), "\(a) < \(b)")
        }
        XCTAssertEqual(PoolSelection.key(-0.0), PoolSelection.key(0.0))
        XCTAssertEqual(PoolSelection.key(.nan), 1)
        XCTAssertGreaterThan(PoolSelection.key(-.infinity), 1)
    }

    func testMaxMatchesAScalarLoop() {
        var rng = SplitMix(state: 11)
        for n in [1, 2, 15, 16, 17, 33, 1000, 12101] {
            for sign in [Float(1), -1] {
                let x = (0..<n).map { _ in sign * Float.random(in: 0...100, using: &rng) }
                let got = x.withUnsafeBufferPointer { VectorKernels.max(n, $0.baseAddress!) }
                XCTAssertEqual(got, x.max()!, "n=\(n) sign=\(sign)")
            }
        }
        XCTAssertEqual([Float(-0.0), 0.0, -0.0].withUnsafeBufferPointer { VectorKernels.max(3, $0.baseAddress!) }.sign, .plus)
        XCTAssertEqual([Float]().withUnsafeBufferPointer { VectorKernels.max(0, $0.baseAddress ?? UnsafePointer(bitPattern: 8)!) },
                       -.infinity)
    }
}
