import Foundation
import Testing
@testable import RecdModel
import CRecdKernels

/// The AVX-512 and AVX2 bodies of LayerNorm, softmax and the fused attention give bitwise the same
/// floats, so an embedding (and every intent answer built on it) does not depend on which of the two
/// the CPU has. Both are checked here against one scalar model of the AVX-512 order: each sum over a
/// row runs in 16 lanes (lane j takes elements j, j + 16, … in order, tails adding +0), then lane j +
/// lane j + 8, j + 4, j + 2, j + 1 (what clang compiles `_mm512_reduce_add_ps` to); products that the
/// kernels fuse are fused here (`addingProduct`). On a CPU with AVX-512 the model is checked against
/// that body, on any x86 CPU against the AVX2 body. Exp is lane-wise and identical on both (the same
/// polynomial; `ElementwiseKernelTests`), so the model takes its values from `ElementwiseKernels.exp`.
extension PackedGEMMTests {
    /// Accumulates `x` (padded with zeros to a multiple of 16) into 16 lanes with `step` (lane j takes
    /// elements j, j + 16, … in order), then reduces them as `_mm512_reduce_add_ps`: lane j + lane j + 8,
    /// j + 4, j + 2, j + 1.
    static func sixteenLanes(_ x: [Float], _ step: (inout Float, Float) -> Void) -> Float {
        var lanes = [Float](repeating: 0, count: 16)
        for i in 0..<(x.count + 15) / 16 * 16 { step(&lanes[i % 16], i < x.count ? x[i] : 0) }
        var width = 8
        while width >= 1 {
            for j in 0..<width { lanes[j] = lanes[j] + lanes[j + width] }
            width /= 2
        }
        return lanes[0]
    }

    /// Σ `x` in the AVX-512 kernels' order (see above).
    static func sum16(_ x: [Float]) -> Float { sixteenLanes(x) { $0 += $1 } }

    /// Σ x·x in the same order, each step one fused multiply-add.
    static func sumSquares16(_ x: [Float]) -> Float { sixteenLanes(x) { $0.addProduct($1, $1) } }

    /// The vector levels this CPU runs (the portable C loops sum in plain order and are not part of this).
    static var vectorLevels: [KernelISA] { [KernelISA.avx512, .avx2].filter { $0 <= PackedGEMM.cpuISA } }

    static func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }

    @Test(arguments: [KernelISA.avx512, .avx2]) func layerNormSumsInSixteenLaneOrder(isa: KernelISA) {
        guard Self.vectorLevels.contains(isa) else { return }
        Self.withPath(isa: isa) {
            // 384 (MiniLM's width), a 16-lane tail of 1–15 and of 9 (both halves of an AVX2 pair), and 8.
            for n in [384, 1536, 37, 25, 16, 8, 1] {
                let rows = 3
                let x = Self.values(rows * n, seed: UInt64(n) + 11).map { $0 * 3 + 0.5 }
                let gamma = Self.values(n, seed: 7).map { $0 + 1 }, beta = Self.values(n, seed: 8)
                let eps: Float = 1e-12
                let got = ElementwiseKernels.layerNorm(x, rows: rows, n: n, gamma: gamma, beta: beta, eps: eps)
                var want = [Float]()
                for r in 0..<rows {
                    let row = Array(x[r * n..<(r + 1) * n])
                    let mean = Self.sum16(row) / Float(n)
                    let inv = 1 / (Self.sumSquares16(row.map { $0 - mean }) / Float(n) + eps).squareRoot()
                    for i in 0..<n { want.append(beta[i].addingProduct((row[i] - mean) * inv, gamma[i])) }
                }
                let mismatches = zip(Self.bits(got), Self.bits(want)).filter { $0 != $1 }.count
                #expect(mismatches == 0, "\(isa) LayerNorm n \(n): \(mismatches) of \(rows * n) values differ from the 16-lane order")
            }
        }
    }

    @Test(arguments: [KernelISA.avx512, .avx2]) func softmaxSumsInSixteenLaneOrder(isa: KernelISA) {
        guard Self.vectorLevels.contains(isa) else { return }
        Self.withPath(isa: isa) {
            for n in [1, 5, 8, 9, 16, 17, 25, 104, 256] {
                let x = Self.values(n, seed: UInt64(n) + 99).map { $0 * 20 }
                let got = ElementwiseKernels.softmax(x)
                let mx = x.max()!
                let e = ElementwiseKernels.exp(x.map { $0 - mx })
                let inv = 1 / Self.sum16(e)
                let want = e.map { $0 * inv }
                let mismatches = zip(Self.bits(got), Self.bits(want)).filter { $0 != $1 }.count
                #expect(mismatches == 0, "\(isa) softmax n \(n): \(mismatches) of \(n) values differ from the 16-lane order")
            }
        }
    }

    @Test(arguments: [KernelISA.avx512, .avx2]) func attentionSumsInSixteenLaneOrder(isa: KernelISA) {
        guard Self.vectorLevels.contains(isa) else { return }
        Self.withPath(isa: isa) {
            for (heads, d, len) in [(12, 32, 1), (12, 32, 9), (12, 32, 12), (12, 32, 17), (4, 48, 40)] {
                let h = heads * d
                let qkv = Self.values(len * 3 * h, seed: UInt64(len) + 5).map { $0 * 2 }
                let got = ElementwiseKernels.attention(qkv: qkv, len: len, heads: heads, d: d)
                let scale = 1 / Float(d).squareRoot()
                var want = [Float](repeating: 0, count: len * h)
                for head in 0..<heads {
                    for i in 0..<len {
                        // Scores: Σ_dd q·k fused, dd in order; then the scale.
                        let scores: [Float] = (0..<len).map { j in
                            var acc: Float = 0
                            for dd in 0..<d { acc.addProduct(qkv[i * 3 * h + head * d + dd], qkv[j * 3 * h + h + head * d + dd]) }
                            return acc * scale
                        }
                        let mx = scores.max()!
                        let e = ElementwiseKernels.exp(scores.map { $0 - mx })
                        let inv = 1 / Self.sum16(e)
                        // Context: Σ_j p_j · v_j fused, j in order; normalised once at the end.
                        for c in 0..<d {
                            var acc: Float = 0
                            for j in 0..<len { acc.addProduct(e[j], qkv[j * 3 * h + 2 * h + head * d + c]) }
                            want[i * h + head * d + c] = acc * inv
                        }
                    }
                }
                let mismatches = zip(Self.bits(got), Self.bits(want)).filter { $0 != $1 }.count
                #expect(mismatches == 0, "\(isa) attention len \(len), d \(d): \(mismatches) of \(len * h) values differ from the 16-lane order")
            }
        }
    }
}
