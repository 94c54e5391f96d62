import Testing
@testable import RecdModel

/// The packed GEMM's fused epilogue (C = bias + A·Wᵀ, then GELU) against the passes it replaces: a bias
/// fill, `multiplyAccumulate`, `VectorMath.geluInPlace`. Bit for bit, on each kernel level (AVX-512, AVX2, portable),
/// for few rows (panels-outer order) and many (blocked order, several k blocks), alone and shared with the
/// intra-op helper. In the serialized `PackedGEMMTests` suite because the kernel switches are process-wide.
extension PackedGEMMTests {
    @Test(arguments: KernelISA.allCases) func fusedEpilogueIsBitwiseTheUnfusedPasses(isa: KernelISA) {
        Self.withPath(isa: isa) {
            let saved = PackedGEMM.intraOpHelper
            defer { PackedGEMM.intraOpHelper = saved }
            for (m, n, k) in [(12, 1152, 384), (7, 45, 384), (25, 1536, 384), (131, 416, 1537), (60, 384, 1536)] {
                let lda = k + 3, ldc = n + 5
                let a = Self.values(m * lda, seed: UInt64(m + 7 * k))
                let w = Self.values(n * k, seed: UInt64(n + 3 * k))
                let bias = Self.values(n, seed: UInt64(n))
                let garbage = Self.values(m * ldc, seed: 5)
                let packed = w.withUnsafeBufferPointer { PackedWeight($0.baseAddress!, n: n, k: k) }
                for gelu in [false, true] {
                    // Unfused: C = bias in every row, C += A·Wᵀ, then GELU row by row.
                    var want = garbage
                    for r in 0..<m { for j in 0..<n { want[r * ldc + j] = bias[j] } }
                    a.withUnsafeBufferPointer { ap in
                        want.withUnsafeMutableBufferPointer { cp in
                            packed.multiplyAccumulate(m: m, a: ap.baseAddress!, lda: lda, c: cp.baseAddress!, ldc: ldc)
                            if gelu { for r in 0..<m { VectorMath.geluInPlace(cp.baseAddress! + r * ldc, count: n) } }
                        }
                    }
                    for helper in [false, true] {
                        PackedGEMM.intraOpHelper = helper
                        var got = garbage
                        a.withUnsafeBufferPointer { ap in
                            bias.withUnsafeBufferPointer { bp in
                                got.withUnsafeMutableBufferPointer { cp in
                                    packed.multiplySplit(m: m, a: ap.baseAddress!, lda: lda, bias: bp.baseAddress!, gelu: gelu,
                                                         c: cp.baseAddress!, ldc: ldc)
                                }
                            }
                        }
                        #expect(got == want, "m \(m) n \(n) k \(k) gelu \(gelu) helper \(helper): fused differs from unfused")
                    }
                }
            }
        }
    }
}
