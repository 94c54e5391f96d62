import CRecdKernels
import Foundation
import Testing
@testable import RecdModel

/// The C quantisation kernels (int8_quant.c, int8_avx2.c): the AVX-512 and AVX2 versions (each level the
/// CPU has) against the scalar ones on awkward widths (tails of every length), and the scalar ones
/// against the documented formulas.
@Suite struct Int8KernelTests {
    static let widths = [1, 3, 15, 16, 17, 100, 384, 385, 1536]

    @Test(arguments: widths)
    func weightQuantisationAgreesAndFollowsTheFormula(k: Int) {
        let n = 5
        var rng = Int8GEMMTests.Random(state: UInt64(k))
        var w = rng.matrix(n * k, -0.3, 0.3)
        for c in 0..<k { w[3 * k + c] = 0 }   // an all-zero row: scale 1, codes 0
        var q1 = [Int8](repeating: 0, count: n * k), q2 = q1
        var s1 = [Float](repeating: 0, count: n), s2 = s1
        var z1 = [Int32](repeating: 0, count: n), z2 = z1
        recd_i8_quantize_weights(w, Int32(n), Int32(k), 127, &q1, &s1, &z1)
        recd_i8_quantize_weights_portable(w, Int32(n), Int32(k), 127, &q2, &s2, &z2)
        #expect(q1 == q2 && s1 == s2 && z1 == z2)
        for j in 0..<n {
            let maxAbs = (0..<k).map { abs(w[j * k + $0]) }.max()!
            #expect(s2[j] == (maxAbs > 0 ? maxAbs / 127 : 1))
            #expect(z2[j] == (0..<k).reduce(Int32(0)) { $0 + Int32(q2[j * k + $1]) })
            for c in 0..<k {
                #expect(abs(Float(q2[j * k + c]) * s2[j] - w[j * k + c]) <= s2[j] * 0.5001)
                #expect(abs(Int(q2[j * k + c])) <= 127)
            }
        }
    }

    @Test(arguments: widths, KernelISA.allCases)
    func activationQuantisationAgrees(k: Int, isa: KernelISA) {
        PackedGEMMTests.withPath(isa: isa) {
            let rows = 4
            var rng = Int8GEMMTests.Random(state: UInt64(k) + 100)
            let x = rng.matrix(k, -0.17, 4) + rng.matrix(k, -3, -1) + rng.matrix(k, 0.5, 2) + rng.matrix(k, -2, 2)
            var q1 = [UInt8](repeating: 0, count: rows * k), q2 = q1
            var s1 = [Float](repeating: 0, count: rows), s2 = s1
            var z1 = [Int32](repeating: 0, count: rows), z2 = z1
            recd_i8_quantize_rows(x, Int32(rows), Int32(k), 255, &q1, &s1, &z1)
            recd_i8_quantize_rows_portable(x, Int32(rows), Int32(k), 255, &q2, &s2, &z2)
            #expect(q1 == q2 && s1 == s2 && z1 == z2)
        }
    }

    @Test(arguments: widths, KernelISA.allCases)
    func dequantisationAgrees(n: Int, isa: KernelISA) {
        PackedGEMMTests.withPath(isa: isa) {
            let rows = 3
            var rng = Int8GEMMTests.Random(state: UInt64(n) + 200)
            let p = (0..<rows * n).map { _ in Int32(rng.next(-2e6, 2e6)) }
            let aScale = rng.matrix(rows, 0.001, 0.05), wScale = rng.matrix(n, 0.0005, 0.002), bias = rng.matrix(n, -1, 1)
            let aZero: [Int32] = [0, 17, 255], wSum = (0..<n).map { _ in Int32(rng.next(-3000, 3000)) }
            let prior = rng.matrix(rows * n, -5, 5)
            for accumulate in [0, 1] {
                var o1 = prior, o2 = prior
                recd_i8_dequantize_rows(p, Int32(rows), Int32(n), aScale, aZero, wScale, wSum, bias, &o1, Int32(accumulate))
                recd_i8_dequantize_rows_portable(p, Int32(rows), Int32(n), aScale, aZero, wScale, wSum, bias, &o2, Int32(accumulate))
                for i in 0..<rows * n {
                    let r = i / n, j = i % n
                    let exact = Double(p[i] - aZero[r] * wSum[j]) * Double(aScale[r]) * Double(wScale[j]) + Double(bias[j])
                        + (accumulate == 1 ? Double(prior[i]) : 0)
                    let tol = 1e-5 * max(1, abs(exact))
                    #expect(abs(Double(o1[i]) - exact) <= tol && abs(Double(o2[i]) - exact) <= tol,
                            "[\(r), \(j)] accumulate \(accumulate): \(o1[i]) / \(o2[i]) vs \(exact)")
                }
            }
        }
    }

    /// The fused dequantise + GELU + quantise: AVX-512 (polynomial erf) and scalar (erff) give the same
    /// codes up to one step at rounding ties, and the codes decode to GELU of the dequantised value.
    @Test(arguments: widths, KernelISA.allCases)
    func fusedGELUAgreesAndDecodesToGELU(n: Int, isa: KernelISA) {
        PackedGEMMTests.withPath(isa: isa) {
            let rows = 3
            var rng = Int8GEMMTests.Random(state: UInt64(n) + 300)
            let p = (0..<rows * n).map { _ in Int32(rng.next(-3e5, 3e5)) }
            let aScale = rng.matrix(rows, 0.001, 0.01), wScale = rng.matrix(n, 0.0005, 0.002), bias = rng.matrix(n, -1, 1)
            let aZero: [Int32] = [0, 40, 200], wSum = (0..<n).map { _ in Int32(rng.next(-300, 300)) }
            var tmp = [Float](repeating: 0, count: n)
            var q1 = [UInt8](repeating: 0, count: rows * n), q2 = q1
            var s1 = [Float](repeating: 0, count: rows), s2 = s1
            var z1 = [Int32](repeating: 0, count: rows), z2 = z1
            recd_i8_dequantize_gelu_quantize_rows(p, Int32(rows), Int32(n), aScale, aZero, wScale, wSum, bias, &tmp, 255, &q1, &s1, &z1)
            recd_i8_dequantize_gelu_quantize_rows_portable(p, Int32(rows), Int32(n), aScale, aZero, wScale, wSum, bias, &tmp, 255, &q2, &s2, &z2)
            for r in 0..<rows {
                #expect(abs(s1[r] - s2[r]) <= 1e-6 * s2[r] && abs(z1[r] - z2[r]) <= 1, "row \(r): scale \(s1[r]) / \(s2[r]), zero \(z1[r]) / \(z2[r])")
                for j in 0..<n {
                    let i = r * n + j
                    #expect(abs(Int(q1[i]) - Int(q2[i])) <= 1, "[\(r), \(j)]: codes \(q1[i]) / \(q2[i])")
                    let v = Double(p[i] - aZero[r] * wSum[j]) * Double(aScale[r]) * Double(wScale[j]) + Double(bias[j])
                    let gelu = 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
                    let back = Double(s1[r]) * Double(Int32(q1[i]) - z1[r])
                    #expect(abs(back - gelu) <= Double(s1[r]) * 1.01, "[\(r), \(j)]: GELU(\(v)) = \(gelu) decoded as \(back)")
                }
            }
        }
    }
}
