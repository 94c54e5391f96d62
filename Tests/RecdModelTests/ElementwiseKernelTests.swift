import Foundation
import Testing
@testable import RecdModel
import CRecdKernels

/// The C non-GEMM kernels (exp, erf, GELU, LayerNorm, softmax, fused attention) against plain
/// double-precision references, on each instruction-set level the CPU has (AVX-512, AVX2, portable).
/// An extension of `PackedGEMMTests` so these run serialized with the other tests that flip the
/// process-wide portable switch.
extension PackedGEMMTests {
    /// `count` evenly spaced floats from `lo` to `hi`.
    static func grid(_ lo: Double, _ hi: Double, _ count: Int) -> [Float] {
        (0..<count).map { Float(lo + (hi - lo) * Double($0) / Double(count - 1)) }
    }

    /// Runs `body` with the kernels capped at `isa` (a level above the CPU's runs at the CPU's best).
    static func withPath(isa: KernelISA, _ body: () -> Void) {
        KernelSwitch.lock.lock(); defer { KernelSwitch.lock.unlock() }
        PackedGEMM.limitISA(isa)
        defer { PackedGEMM.limitISA(.avx512) }
        #expect(PackedGEMM.isa == min(isa, PackedGEMM.cpuISA))
        body()
    }

    @Test(arguments: KernelISA.allCases) func expIsWithinTwoUlp(isa: KernelISA) {
        Self.withPath(isa: isa) {
            let x = Self.grid(-87, 88, 400_003)
            let y = ElementwiseKernels.exp(x)
            var worst = 0.0, at: Float = 0
            for (xi, yi) in zip(x, y) {
                let want = Foundation.exp(Double(xi))
                let rel = abs(Double(yi) - want) / want
                if rel > worst { worst = rel; at = xi }
            }
            #expect(worst <= 2.4e-7, "exp: max relative error \(worst) at \(at)")
        }
    }

    @Test(arguments: KernelISA.allCases) func erfIsWithinBound(isa: KernelISA) {
        Self.withPath(isa: isa) {
            let x = Self.grid(-6, 6, 600_001)
            let y = ElementwiseKernels.onePlusErf(x)
            var worst = 0.0, at: Float = 0
            for (xi, yi) in zip(x, y) {
                let err = abs(Double(yi) - (1 + Foundation.erf(Double(xi))))
                if err > worst { worst = err; at = xi }
            }
            // Results lie in [0, 2]: 1.5e-7 is ~1.25 ulp of a value in [1, 2).
            #expect(worst <= 1.5e-7, "1 + erf: max absolute error \(worst) at \(at)")
        }
    }

    @Test(arguments: KernelISA.allCases) func geluMatchesErfForm(isa: KernelISA) {
        Self.withPath(isa: isa) {
            // An odd count exercises the masked tail.
            let x = Self.grid(-12, 12, 240_001)
            let y = ElementwiseKernels.gelu(x)
            var worst = 0.0, at: Float = 0
            for (xi, yi) in zip(x, y) {
                let d = Double(xi)
                let want = 0.5 * d * (1 + Foundation.erf(d / 2.0.squareRoot()))
                let err = abs(Double(yi) - want) / max(1, abs(d))
                if err > worst { worst = err; at = xi }
            }
            #expect(worst <= 2e-7, "GELU: max error (scaled by max(1, |x|)) \(worst) at \(at)")
        }
    }

    @Test(arguments: KernelISA.allCases) func layerNormMatchesDoubleReference(isa: KernelISA) {
        Self.withPath(isa: isa) {
            for n in [384, 1536, 37, 16, 1] {
                let rows = 5
                let x = Self.values(rows * n, seed: UInt64(n)).map { $0 * 3 + 0.5 }
                let gamma = Self.values(n, seed: 7).map { $0 + 1 }
                let beta = Self.values(n, seed: 8)
                let got = ElementwiseKernels.layerNorm(x, rows: rows, n: n, gamma: gamma, beta: beta, eps: 1e-12)
                var worst = 0.0
                for r in 0..<rows {
                    let row = x[r * n..<(r + 1) * n].map(Double.init)
                    let mean = row.reduce(0, +) / Double(n)
                    let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
                    for i in 0..<n {
                        let want = (row[i] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[i]) + Double(beta[i])
                        worst = max(worst, abs(Double(got[r * n + i]) - want))
                    }
                }
                #expect(worst <= 1e-5, "LayerNorm n \(n): max error \(worst)")
            }
        }
    }

    @Test(arguments: KernelISA.allCases) func softmaxMatchesDoubleReference(isa: KernelISA) {
        Self.withPath(isa: isa) {
            for n in [1, 5, 16, 17, 104, 256] {
                let x = Self.values(n, seed: UInt64(n) + 99).map { $0 * 20 }
                let got = ElementwiseKernels.softmax(x)
                let mx = Double(x.max()!)
                let e = x.map { Foundation.exp(Double($0) - mx) }
                let sum = e.reduce(0, +)
                let worst = zip(got, e).map { abs(Double($0) - $1 / sum) }.max()!
                #expect(worst <= 1e-6, "softmax n \(n): max error \(worst)")
            }
        }
    }

    @Test(arguments: KernelISA.allCases) func attentionMatchesDoubleReference(isa: KernelISA) {
        Self.withPath(isa: isa) {
            // d = 48 also runs the AVX-512 path's 16-column tail of the context (d = 32 is two full vectors);
            // lengths cover the 32- and 16-wide score steps and partial 12-row blocks.
            for (heads, d, len) in [(12, 32, 1), (12, 32, 12), (12, 32, 17), (12, 32, 40), (4, 48, 13), (4, 48, 40)] {
                let h = heads * d
                let qkv = Self.values(len * 3 * h, seed: UInt64(len) + 5).map { $0 * 2 }
                let got = ElementwiseKernels.attention(qkv: qkv, len: len, heads: heads, d: d)
                var worst = 0.0
                let scale = 1 / Double(d).squareRoot()
                for head in 0..<heads {
                    for i in 0..<len {
                        var s = (0..<len).map { j in
                            (0..<d).reduce(0.0) { $0 + Double(qkv[i * 3 * h + head * d + $1]) * Double(qkv[j * 3 * h + h + head * d + $1]) } * scale
                        }
                        let mx = s.max()!
                        s = s.map { Foundation.exp($0 - mx) }
                        let sum = s.reduce(0, +)
                        for c in 0..<d {
                            let want = (0..<len).reduce(0.0) { $0 + s[$1] / sum * Double(qkv[$1 * 3 * h + 2 * h + head * d + c]) }
                            worst = max(worst, abs(Double(got[i * h + head * d + c]) - want))
                        }
                    }
                }
                #expect(worst <= 1e-5, "attention len \(len), d \(d): max error \(worst)")
            }
        }
    }
}

extension PackedGEMMTests {
    /// `recd_axpy` (the intent trainer's sparse rows) is bitwise y + a·x computed as a multiply then an
    /// add, on every level and every tail length: training results must not depend on the CPU.
    @Test(arguments: KernelISA.allCases) func axpyIsBitwiseMultiplyThenAdd(isa: KernelISA) {
        Self.withPath(isa: isa) {
            for n in [1, 7, 8, 15, 16, 17, 31, 150, 1000] {
                let x = Self.values(n, seed: UInt64(n) + 3), y0 = Self.values(n, seed: UInt64(n) + 4)
                let a: Float = 0.7310586
                var y = y0
                x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { recd_axpy(Int32(n), a, xp.baseAddress!, $0.baseAddress!) } }
                let want = (0..<n).map { k -> Float in
                    let product = a * x[k]
                    return y0[k] + product
                }
                let diff = (0..<n).first { y[$0].bitPattern != want[$0].bitPattern }
                #expect(diff == nil, "n \(n): first difference at \(diff ?? -1)")
            }
        }
    }
}
