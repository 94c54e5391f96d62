import Testing
@testable import RecdModel

/// Per-row asymmetric activation quantisation: zero points for one-signed and mixed-sign rows, and the
/// zero-point compensation (colSum term) in the quantised product.
@Suite struct Int8ZeroPointTests {
    static func quantize(_ x: [Float], rows: Int, qmax: Int32 = 255) -> (q: [UInt8], scales: [Float], zeros: [Int32]) {
        let k = x.count / rows
        var q = [UInt8](repeating: 0, count: x.count)
        var s = [Float](repeating: 0, count: rows), z = [Int32](repeating: -1, count: rows)
        x.withUnsafeBufferPointer { xp in
            ActivationQuantizer.quantizeRows(xp.baseAddress!, rows: rows, width: k, qmax: qmax, into: &q, scales: &s, zeroPoints: &z)
        }
        return (q, s, z)
    }

    /// Every value comes back within half a step: x ≈ scale · (q − z).
    static func expectRoundTrip(_ x: [Float], rows: Int) -> [Int32] {
        let k = x.count / rows
        let (q, s, z) = quantize(x, rows: rows)
        for i in 0..<rows {
            for c in 0..<k {
                let back = s[i] * Float(Int32(q[i * k + c]) - z[i])
                #expect(abs(back - x[i * k + c]) <= s[i] * 0.5001, "row \(i) col \(c): \(x[i * k + c]) came back as \(back)")
            }
        }
        return z
    }

    @Test func allPositiveRowsUseZeroPointZero() {
        var rng = Int8GEMMTests.Random(state: 3)
        let x = rng.matrix(4 * 40, 0.5, 3)
        let z = Self.expectRoundTrip(x, rows: 4)
        #expect(z == [0, 0, 0, 0])
    }

    @Test func allNegativeRowsUseTheTopZeroPoint() {
        var rng = Int8GEMMTests.Random(state: 4)
        let x = rng.matrix(2 * 33, -3, -0.5)
        #expect(Self.expectRoundTrip(x, rows: 2) == [255, 255])
    }

    @Test func mixedSignRowsGetAnInteriorZeroPointAndExactZero() {
        // Row 0 like a GELU output (−0.17 … 4), row 1 symmetric, row 2 all zero.
        var rng = Int8GEMMTests.Random(state: 5)
        var x = rng.matrix(48, -0.17, 4) + rng.matrix(48, -2, 2) + [Float](repeating: 0, count: 48)
        x[5] = 0
        let z = Self.expectRoundTrip(x, rows: 3)
        #expect(z[0] > 0 && z[0] < 20, "GELU-like row: zero point \(z[0])")
        #expect(z[1] > 100 && z[1] < 155, "symmetric row: zero point \(z[1])")
        #expect(z[2] == 0)
        let (q, _, _) = Self.quantize(x, rows: 3)
        #expect(Int32(q[5]) == z[0], "0.0 must quantise exactly to the zero point")
    }

    /// The product of a one-signed input and of a mixed-sign input both match fp32: without the
    /// z·colSum compensation the mixed and negative cases would be off by z·Σw, far beyond tolerance.
    @Test(arguments: [(Float(0.1), Float(2)), (Float(-0.17), Float(4)), (Float(-2), Float(2)), (Float(-3), Float(-1))])
    func productCompensatesTheZeroPoint(range: (Float, Float)) throws {
        let m = 6, k = 96, n = 64
        var rng = Int8GEMMTests.Random(state: 11)
        // Weights with a non-zero mean so colSum ≠ 0 and the compensation matters.
        let x = rng.matrix(m * k, range.0, range.1), w = rng.matrix(n * k, -0.05, 0.15), b = rng.matrix(n, -1, 1)
        let got = try Int8GEMMTests.run(x: x, w: w, b: b, m: m, n: n, k: k)
        let want = Int8GEMMTests.reference(x: x, w: w, b: b, m: m, n: n, k: k)
        let err = Int8GEMMTests.relativeError(got, want)
        #expect(err <= Int8GEMMTests.tolerance, "inputs in \(range): relative error \(err)")
    }
}
