import Testing
@testable import RecdModel

/// recd's packed GEMM against a naive triple loop on odd shapes, on the AVX-512, AVX2 and portable paths,
/// and the encoder end to end on each kernel.
@Suite(.serialized) struct PackedGEMMTests {
    /// Deterministic pseudo-random floats in [-1, 1).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var s = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            s ^= s << 13; s ^= s >> 7; s ^= s << 17
            return Float(Int64(bitPattern: s >> 11) % 2_000_000) / 1_000_000 - 1
        }
    }

    /// Max |packed − naive| for C = C0 + A·Wᵀ with lda = k + 3 and ldc = n + 5 (padding must stay untouched).
    static func maxError(m: Int, n: Int, k: Int) -> (err: Float, paddingTouched: Bool) {
        let lda = k + 3, ldc = n + 5
        let a = values(m * lda, seed: UInt64(m * 31 + k))
        let w = values(n * k, seed: UInt64(n * 17 + k))
        let c0 = values(m * ldc, seed: UInt64(m + n + k))
        var want = c0
        for r in 0..<m {
            for j in 0..<n {
                var acc: Double = 0
                for kk in 0..<k { acc += Double(a[r * lda + kk]) * Double(w[j * k + kk]) }
                want[r * ldc + j] = Float(Double(c0[r * ldc + j]) + acc)
            }
        }
        var got = c0
        let packed = w.withUnsafeBufferPointer { PackedWeight($0.baseAddress!, n: n, k: k) }
        a.withUnsafeBufferPointer { ap in
            got.withUnsafeMutableBufferPointer { cp in
                packed.multiplyAccumulate(m: m, a: ap.baseAddress!, lda: lda, c: cp.baseAddress!, ldc: ldc)
            }
        }
        var err: Float = 0, touched = false
        for r in 0..<m {
            for j in 0..<ldc {
                if j < n { err = max(err, abs(got[r * ldc + j] - want[r * ldc + j])) }
                else if got[r * ldc + j] != c0[r * ldc + j] { touched = true }
            }
        }
        return (err, touched)
    }

    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 384, 384), (7, 45, 384), (13, 1152, 384), (13, 77, 1536), (257, 1536, 384), (257, 384, 1536),
        (1, 1, 1), (12, 33, 5), (25, 16, 1536),
        // The many-rows (blocked) order: m > 24; n over several 12-panel column blocks with a partial last
        // panel; k over several 384-deep k blocks with a short last one; m at and just past the switch.
        (24, 100, 400), (50, 1000, 800), (131, 416, 1537), (203, 96, 384),
    ]

    @Test(arguments: KernelISA.allCases) func matchesNaiveLoop(isa: KernelISA) {
        Self.withPath(isa: isa) {
        for s in Self.shapes {
            let (err, touched) = Self.maxError(m: s.m, n: s.n, k: s.k)
            // fp32 accumulation of k products of magnitude ≤ 1: error grows ~ sqrt(k)·eps·|sum|.
            #expect(err <= 2e-4 * Float(s.k).squareRoot(), "m \(s.m) n \(s.n) k \(s.k): max error \(err)")
            #expect(!touched, "m \(s.m) n \(s.n) k \(s.k): wrote past column n")
        }
        }
    }

    /// The AVX-512 packer (16 × 16 transposes, masked k tails, zero columns past n) writes exactly the
    /// floats of the portable packing loop, on every test shape and the model's four shapes.
    @Test func avx512PackingIsThePortablePacking() {
        KernelSwitch.lock.lock(); defer { KernelSwitch.lock.unlock() }
        defer { PackedGEMM.forcePortable(false) }
        let shapes = Self.shapes.map { ($0.n, $0.k) } + [(1152, 384), (384, 384), (1536, 384), (384, 1536), (31, 17), (64, 16)]
        for (n, k) in shapes {
            let w = Self.values(n * k, seed: UInt64(n * 7 + k))
            func pack(portable: Bool) -> [Float] {
                PackedGEMM.forcePortable(portable)
                let p = w.withUnsafeBufferPointer { PackedWeight($0.baseAddress!, n: n, k: k) }
                return Array(UnsafeBufferPointer(start: p.data, count: PackedWeight.floatCount(n: n, k: k)))
            }
            let portable = pack(portable: true), vector = pack(portable: false)
            let firstDiff = zip(portable, vector).enumerated().first { $0.element.0.bitPattern != $0.element.1.bitPattern }?.offset
            #expect(firstDiff == nil, "[\(n), \(k)]: AVX-512 packing differs from the portable loop at float \(firstDiff ?? -1)")
        }
    }

    /// A row's result is bitwise the same whether it is multiplied alone (few-rows order) or among many
    /// (blocked order, k in blocks): a text's embedding must not depend on the batch it was sent in.
    @Test(arguments: KernelISA.allCases) func rowResultDoesNotDependOnRowCount(isa: KernelISA) {
        Self.withPath(isa: isa) {
        for (n, k) in [(384, 1536), (1536, 384), (100, 1537)] {
            let many = 40
            let a = Self.values(many * k, seed: UInt64(k)), w = Self.values(n * k, seed: UInt64(n))
            let bias = Self.values(n, seed: 7)
            let packed = w.withUnsafeBufferPointer { PackedWeight($0.baseAddress!, n: n, k: k) }
            func run(rows: Int) -> [Float] {
                var c = [Float](repeating: 0, count: rows * n)
                a.withUnsafeBufferPointer { ap in
                    bias.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            packed.multiplySplit(m: rows, a: ap.baseAddress!, lda: k, bias: bp.baseAddress!, gelu: true,
                                                 c: cp.baseAddress!, ldc: n)
                        }
                    }
                }
                return c
            }
            let all = run(rows: many)
            for rows in [1, 5, 24, 25] {
                let some = run(rows: rows)
                #expect(Array(all[0..<(rows * n)]) == some, "n \(n) k \(k): first \(rows) rows differ from the same rows among \(many)")
            }
        }
        }
    }

    @Test func kernelChoiceFollowsLoadOption() throws {
        let path = try Fixtures.packedPath.get()
        #expect(try EncoderModel.load(path: path, kernel: .openblas).linearKernel == .openblas)
        #expect(try EncoderModel.load(path: path, kernel: .packed).linearKernel == .packed)
    }

    /// Every kernel (packed AVX-512, packed AVX2, packed portable, OpenBLAS) reproduces the reference
    /// embeddings (a level the CPU lacks runs at the CPU's best).
    @Test(arguments: ["avx512", "avx2", "portable", "openblas"]) func encoderMatchesReference(path kernelPath: String) throws {
        KernelSwitch.lock.lock(); defer { KernelSwitch.lock.unlock() }
        let model = try EncoderModel.load(path: Fixtures.packedPath.get(), kernel: kernelPath == "openblas" ? .openblas : .packed)
        PackedGEMM.limitISA(kernelPath == "portable" ? .portable : kernelPath == "avx2" ? .avx2 : .avx512)
        defer { PackedGEMM.limitISA(.avx512) }
        let ws = EncoderWorkspace(model: model, maxBatch: 1, maxTokens: 256)
        for c in Fixtures.reference.cases.prefix(kernelPath == "avx512" || kernelPath == "avx2" ? 33 : 8) {
            let got = try model.embed(ids: [c.input_ids], workspace: ws)[0]
            let (cosine, maxDiff) = ReferenceEmbeddingTests.compare(got, c.embedding)
            #expect(cosine >= 0.9999 && maxDiff <= 1e-4, "\(kernelPath): cosine \(cosine), max |diff| \(maxDiff) for '\(c.text.prefix(40))'")
        }
    }
}
