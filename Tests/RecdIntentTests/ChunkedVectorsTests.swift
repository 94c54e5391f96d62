import XCTest
@testable import RecdIntent

/// L-BFGS's vector work on several threads must give bitwise the same numbers as on one, so the
/// `threads` option changes a model only through the objective's shards.
final class ChunkedVectorsTests: XCTestCase {
    /// 4.5 chunks: a partial last chunk and an odd chunk count split over threads.
    let n = ChunkedVectors.chunk * 9 / 2

    func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    func testKernelsAreTheSameOnOneAndSeveralThreads() {
        let n = self.n
        let a = random(n, seed: 1), b = random(n, seed: 2)
        let one = ChunkedVectors(count: n, threads: 1), four = ChunkedVectors(count: n, threads: 4)
        defer { one.free(); four.free() }
        XCTAssertEqual(four.threads, 2, "5 chunks give two threads (two chunks at least each)")
        let d1 = one.dot(a, b), d4 = four.dot(a, b)
        XCTAssertEqual(d1.bitPattern, d4.bitPattern)
        var exact = 0.0
        for i in 0..<n { exact += Double(a[i]) * Double(b[i]) }
        XCTAssertEqual(d1, exact, accuracy: 1e-3, "dot product: Float lanes within a 4096-float block, Double across them")
        XCTAssertEqual(one.maxAbs(a), a.map(abs).max()!)
        XCTAssertEqual(four.maxAbs(a), a.map(abs).max()!)
        var y1 = b, y4 = b
        y1.withUnsafeMutableBufferPointer { one.axpy(0.3, a, $0.baseAddress!) }
        y4.withUnsafeMutableBufferPointer { four.axpy(0.3, a, $0.baseAddress!) }
        XCTAssertEqual(y1, y4)
        XCTAssertEqual(y1[n - 1], b[n - 1] + 0.3 * a[n - 1], accuracy: 1e-6, "the partial last chunk is covered")
        var c = [Float](repeating: 0, count: n)
        c.withUnsafeMutableBufferPointer { four.combine(a, -2, b, into: $0.baseAddress!) }
        XCTAssertEqual(c[n - 1], a[n - 1] - 2 * b[n - 1], accuracy: 1e-6)
        c.withUnsafeMutableBufferPointer { four.difference(a, b, into: $0.baseAddress!) }
        XCTAssertEqual(c[12_345], a[12_345] - b[12_345])
        c.withUnsafeMutableBufferPointer { four.scale(a, by: 0.5, into: $0.baseAddress!) }
        XCTAssertEqual(c[n - 1], 0.5 * a[n - 1])
        c.withUnsafeMutableBufferPointer { four.copy(b, into: $0.baseAddress!) }
        XCTAssertEqual(c, b)
    }

    /// A whole L-BFGS run on a separable quadratic: the same iterate bit for bit with 1 and 3 threads,
    /// and at the minimum.
    func testLBFGSIsTheSameOnOneAndSeveralThreads() {
        let n = self.n
        let target = random(n, seed: 3)
        let weights = random(n, seed: 4).map { 1 + abs($0) * 9 }   // curvatures 1…10
        func run(threads: Int) -> ([Float], LBFGS.Outcome) {
            var x = [Float](repeating: 0, count: n)
            var lbfgs = LBFGS()
            lbfgs.maxIterations = 100
            lbfgs.threads = threads
            let outcome = x.withUnsafeMutableBufferPointer { xp in
                lbfgs.minimize(xp.baseAddress!, count: n) { p, g in
                    var f = 0.0
                    for i in 0..<n {
                        let r = p[i] - target[i]
                        g[i] = weights[i] * r
                        f += 0.5 * Double(weights[i] * r * r)
                    }
                    return f
                }
            }
            return (x, outcome)
        }
        let (x1, o1) = run(threads: 1), (x3, o3) = run(threads: 3)
        XCTAssertEqual(o1.iterations, o3.iterations)
        XCTAssertEqual(o1.loss.bitPattern, o3.loss.bitPattern)
        XCTAssertEqual(x1, x3)
        XCTAssertLessThan(o1.loss, 1e-3)
        for i in stride(from: 0, to: n, by: 997) { XCTAssertEqual(x1[i], target[i], accuracy: 1e-2) }
    }
}
