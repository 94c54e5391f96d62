import Testing
@testable import RecdModel

/// The intra-op helper: a split GEMM gives bitwise the same result as one thread, and the encoder
/// reproduces the reference with the helper on and off. In the serialized `PackedGEMMTests` suite because
/// `intraOpHelper` is process-wide.
extension PackedGEMMTests {
    @Test(arguments: KernelISA.allCases) func splitGEMMIsBitwiseTheSame(isa: KernelISA) {
        Self.withPath(isa: isa) {
            var splits = 0
            // `tries` split products of one shape, each compared bit for bit with one thread's; stops early
            // once the helper has taken a chunk when `untilSplit`.
            func check(_ m: Int, _ n: Int, _ k: Int, tries: Int, untilSplit: Bool = false) {
                let a = Self.values(m * k, seed: UInt64(m * 3 + k))
                let w = Self.values(n * k, seed: UInt64(n + k))
                let c0 = Self.values(m * n, seed: 11)
                let packed = w.withUnsafeBufferPointer { PackedWeight($0.baseAddress!, n: n, k: k) }
                var single = c0, split = c0
                a.withUnsafeBufferPointer { ap in
                    single.withUnsafeMutableBufferPointer { packed.multiplyAccumulate(m: m, a: ap.baseAddress!, lda: k, c: $0.baseAddress!, ldc: n) }
                    for _ in 0..<tries where !(untilSplit && splits > 0) {
                        split = c0
                        let didSplit = split.withUnsafeMutableBufferPointer {
                            packed.multiplyAccumulateForcingSplit(m: m, a: ap.baseAddress!, lda: k, c: $0.baseAddress!, ldc: n)
                        }
                        if didSplit { splits += 1 }
                        #expect(split == single, "m \(m) n \(n) k \(k): split result differs from one thread")
                    }
                }
            }
            for (m, n, k) in [(12, 1152, 384), (12, 384, 1536), (100, 1536, 384), (60, 416, 1537), (1, 64, 3), (3, 45, 7), (5, 32, 9)] {
                check(m, n, k, tries: 5)
            }
            // n = 32 is a single panel and never splits; the others split whenever the helper is free. On a
            // loaded machine the helper thread can be off its core for all 30 tries: give it up to 500 more.
            if splits == 0 { check(100, 1536, 384, tries: 500, untilSplit: true) }
            #expect(splits > 0, "the helper never took a split")
        }
    }

    @Test(arguments: [false, true]) func encoderMatchesReferenceWithHelper(on: Bool) throws {
        KernelSwitch.lock.lock(); defer { KernelSwitch.lock.unlock() }
        let model = try EncoderModel.load(path: Fixtures.packedPath.get(), kernel: .packed)
        let saved = PackedGEMM.intraOpHelper
        PackedGEMM.intraOpHelper = on
        defer { PackedGEMM.intraOpHelper = saved }
        let ws = EncoderWorkspace(model: model, maxBatch: 8, maxTokens: 2048)
        let cases = Fixtures.reference.cases
        let batch = try model.embed(ids: cases.map(\.input_ids), workspace: ws)
        for (c, got) in zip(cases, batch) {
            let (cosine, maxDiff) = ReferenceEmbeddingTests.compare(got, c.embedding)
            #expect(cosine >= 0.9999 && maxDiff <= 1e-4, "helper \(on): cosine \(cosine), max |diff| \(maxDiff) for '\(c.text.prefix(40))'")
        }
    }
}
