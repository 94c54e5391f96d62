import CRecdKernels
import Foundation
import Testing
@testable import RecdModel

/// recd's own int8 GEMM (int8_gemm.c) and the choice between it and oneDNN's matmul (`Int8Kernel`):
/// the packed layout, exact s32 products against a scalar integer reference at every ISA level the CPU
/// has, and the model's embeddings the same through either kernel.
@Suite struct Int8RecdGEMMTests {
    /// Random 7-bit weights [n, k] with ±63 present, and u8 activations [m, k] with 0 and 255 present.
    static func operands(m: Int, n: Int, k: Int, seed: UInt64) -> (a: [UInt8], q: [Int8]) {
        var rng = Int8GEMMTests.Random(state: seed)
        var q = (0..<n * k).map { _ in Int8(Int(rng.next(-63, 64))) }
        var a = (0..<m * k).map { _ in UInt8(Int(rng.next(0, 256))) }
        q[0] = 63; q[n * k - 1] = -63
        a[0] = 255; a[m * k - 1] = 0
        return (a, q)
    }

    /// Σ a[i, t] · q[j, t] in Int64.
    static func reference(a: [UInt8], q: [Int8], m: Int, n: Int, k: Int) -> [Int32] {
        var c = [Int32](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Int64 = 0
                for t in 0..<k { s += Int64(a[i * k + t]) * Int64(q[j * k + t]) }
                c[i * n + j] = Int32(s)
            }
        }
        return c
    }

    static func packed(_ q: [Int8], n: Int, k: Int) -> UnsafeMutablePointer<Int8> {
        let bytes = recd_i8_packed_bytes(Int32(n), Int32(k))
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64).bindMemory(to: Int8.self, capacity: bytes)
        recd_i8_pack_weights(q, Int32(n), Int32(k), p)
        return p
    }

    @Test func packsFourBytesPerColumnInSixteenColumnPanels() {
        let n = 32, k = 8
        let q = (0..<n * k).map { Int8(truncatingIfNeeded: $0) }
        #expect(recd_i8_packable(Int32(n), Int32(k)) == 1)
        #expect(recd_i8_packable(37, 8) == 0 && recd_i8_packable(32, 6) == 0 && recd_i8_packable(0, 4) == 0)
        #expect(recd_i8_packed_bytes(Int32(n), Int32(k)) == n * k)
        let p = Self.packed(q, n: n, k: k)
        defer { p.deallocate() }
        // Panel 1 (columns 16...31), k group 1 (k = 4...7), column 3 of the panel: row 19's bytes 4...7.
        let offset = (1 * (k / 4) + 1) * 64 + 3 * 4
        #expect((0..<4).map { p[offset + $0] } == (4..<8).map { q[19 * k + $0] })
        #expect((0..<4).map { p[$0] } == (0..<4).map { q[$0] })
    }

    /// (m, k, n): every row remainder of the 4-row tile, the model's shapes, one 64-row block.
    @Test(arguments: [(1, 4, 16), (2, 8, 32), (3, 12, 48), (5, 384, 1152), (7, 1536, 384), (9, 384, 384),
                      (12, 384, 1536), (64, 1536, 384)], KernelISA.allCases)
    func productsAreExact(shape: (Int, Int, Int), isa: KernelISA) {
        let (m, k, n) = shape
        let (a, q) = Self.operands(m: m, n: n, k: k, seed: UInt64(m * 131 + k * 7 + n))
        let want = Self.reference(a: a, q: q, m: m, n: n, k: k)
        let p = Self.packed(q, n: n, k: k)
        defer { p.deallocate() }
        var portable = [Int32](repeating: -1, count: m * n)
        recd_i8_gemm_portable(a, Int32(m), Int32(k), Int32(k), p, Int32(n), &portable, Int32(n))
        #expect(portable == want, "portable \(m)×\(k)·\(k)×\(n)")
        PackedGEMMTests.withPath(isa: isa) {
            // A wider output stride and a sentinel column: only c[i, 0..<n] is written.
            let ldc = n + 3
            var c = [Int32](repeating: -7, count: m * ldc)
            recd_i8_gemm(a, Int32(m), Int32(k), Int32(k), p, Int32(n), &c, Int32(ldc))
            var mismatches = 0
            for i in 0..<m {
                for j in 0..<n where c[i * ldc + j] != want[i * n + j] { mismatches += 1 }
                #expect(c[i * ldc + n] == -7, "row \(i): the GEMM wrote past column n")
            }
            #expect(mismatches == 0, "\(isa), \(m)×\(k)·\(k)×\(n): \(mismatches) of \(m * n) products differ")
        }
    }

    /// Shared with the intra-op helper (column chunks of whole panels), the products are the same.
    @Test func splitWithTheHelperIsExact() {
        KernelSwitch.lock.lock(); defer { KernelSwitch.lock.unlock() }
        var splits = 0
        for (m, k, n) in [(12, 384, 1152), (12, 1536, 384), (37, 384, 1536), (5, 8, 32), (3, 4, 16)] {
            let (a, q) = Self.operands(m: m, n: n, k: k, seed: UInt64(m + n + k))
            let p = Self.packed(q, n: n, k: k)
            defer { p.deallocate() }
            var single = [Int32](repeating: 0, count: m * n)
            recd_i8_gemm(a, Int32(m), Int32(k), Int32(k), p, Int32(n), &single, Int32(n))
            #expect(single == Self.reference(a: a, q: q, m: m, n: n, k: k))
            for _ in 0..<5 {
                var split = [Int32](repeating: -1, count: m * n)
                if recd_i8_gemm_split(a, Int32(m), Int32(k), Int32(k), p, Int32(n), &split, Int32(n)) != 0 { splits += 1 }
                #expect(split == single, "m \(m) k \(k) n \(n): the split products differ")
                split = [Int32](repeating: -1, count: m * n)
                recd_i8_gemm_auto(a, Int32(m), Int32(k), Int32(k), p, Int32(n), &split, Int32(n))
                #expect(split == single, "m \(m) k \(k) n \(n): the auto products differ")
            }
        }
        // n = 16 is one panel and never splits; the others do whenever the helper is free.
        #expect(splits > 0, "the helper never took a chunk")
    }

    @Test func choiceFollowsOneDNNsImplementationAndTheWeightRange() {
        func choose(_ impl: String, _ wmax: Int32, simd: Bool = true, packable: Bool = true, _ o: String? = nil) -> Int8Kernel {
            Int8Kernel.choose(implementation: impl, weightMax: wmax, simd: simd, packable: packable, override: o)
        }
        #expect(choose("gemm:jit", 63) == .recd)
        #expect(choose("brg:avx512_core_amx_int8", 127) == .onednn)
        #expect(choose("brg:avx512_core_vnni", 63) == .onednn)
        #expect(choose("gemm:jit", 127) == .onednn, "8-bit weights would saturate vpmaddubsw")
        #expect(choose("gemm:jit", 63, simd: false) == .onednn)
        #expect(choose("gemm:jit", 63, packable: false) == .onednn)
        #expect(choose("gemm:jit", 63, "onednn") == .onednn)
        #expect(choose("brg:avx512_core_vnni", 63, "RECD") == .recd)
        #expect(choose("brg:avx512_core_vnni", 127, "recd") == .onednn)
        #expect(choose("gemm:jit", 63, "other") == .recd)
    }

    /// The 7-bit path through either kernel gives the same embeddings: recd's GEMM is exact, so every
    /// s32 product, and everything after it, is the same.
    @Test func embeddingsAreTheSameThroughEitherKernel() throws {
        guard recd_i8_gemm_has_simd() != 0 else { return }
        KernelSwitch.lock.lock(); defer { KernelSwitch.lock.unlock() }
        let fp32 = try Fixtures.model.get()
        let sevenBit = Int8Path(cpu: CPUFeatures(cpuinfo: "flags : avx2\n"))
        func model(_ kernel: Int8Kernel) throws -> EncoderModel {
            EncoderModel(config: fp32.config, tokenizerSettings: fp32.tokenizerSettings, vocabulary: fp32.vocabulary,
                         weights: fp32.weights, loadMilliseconds: 0,
                         int8Weights: try Int8Weights(weights: fp32.weights, config: fp32.config, path: sevenBit, kernel: kernel))
        }
        let recd = try model(.recd), onednn = try model(.onednn)
        #expect(recd.int8Weights?.kernel == .recd && onednn.int8Weights?.kernel == .onednn)
        #expect(recd.pathDescription.contains("recd AVX2 GEMM") && onednn.pathDescription.contains("oneDNN"))
        let ids = Fixtures.reference.cases.map(\.input_ids)
        let a = try recd.embed(ids: ids, workspace: EncoderWorkspace(model: recd, maxBatch: 8, maxTokens: 300))
        let b = try onednn.embed(ids: ids, workspace: EncoderWorkspace(model: onednn, maxBatch: 8, maxTokens: 300))
        for i in ids.indices {
            let drift = zip(a[i], b[i]).map { abs($0 - $1) }.max()!
            #expect(drift == 0, "case \(i): embeddings differ by up to \(drift)")
        }
    }
}
