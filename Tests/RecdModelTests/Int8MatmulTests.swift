import Foundation
import Testing
@testable import RecdModel

/// The int8 layers' products (oneDNN's matmul primitives over reordered weights, or recd's GEMM where
/// this machine chose it: `Int8Kernel`), checked exactly: s32 products against a scalar integer
/// reference, on the model's shapes and on awkward ones (single row, odd N and K tails, every 16-row bucket).
@Suite struct Int8MatmulTests {
    /// A layer whose fp32 weights are integers with a ±weightMax entry in every row (127 with VNNI, 63
    /// without: this machine's path), so each row's scale is exactly 1 and the quantised weights equal
    /// the integers.
    static func integerLayer(n: Int, k: Int, seed: UInt64) throws -> (QuantizedLinear, [Int8]) {
        var rng = Int8GEMMTests.Random(state: seed)
        let wmax = Float(Int8Path.current.weightMax)
        var w = (0..<n * k).map { _ in Float(Int(rng.next(-wmax, wmax + 1))) }
        for j in 0..<n { w[j * k + (j % k)] = j % 2 == 0 ? wmax : -wmax }
        let b = [Float](repeating: 0, count: n)
        let layer = try w.withUnsafeBufferPointer { wp in
            try b.withUnsafeBufferPointer { try QuantizedLinear(weight: wp.baseAddress!, bias: $0.baseAddress!, n: n, k: k) }
        }
        return (layer, w.map { Int8($0) })
    }

    @Test(arguments: [(1, 1, 1), (1, 3, 17), (5, 100, 37), (12, 384, 1152), (16, 384, 384), (17, 1536, 384),
                      (33, 384, 1536), (48, 7, 129), (64, 383, 385)])
    func productIsExact(shape: (Int, Int, Int)) throws {
        let (m, k, n) = shape
        let (layer, w) = try Self.integerLayer(n: n, k: k, seed: UInt64(m * 7919 + k * 31 + n))
        #expect(layer.scales[0] == 1 && layer.weights[0] == w[0])
        let scratch = Int8Scratch(maxRows: m, maxWidth: max(n, k))
        var rng = Int8GEMMTests.Random(state: UInt64(n * 13 + k))
        let a = (0..<m * k).map { _ in UInt8(Int(rng.next(0, 256))) }
        for i in 0..<m * k { scratch.activations[i] = a[i] }
        let bucket = Int8Matmul.bucket(rows: m)
        #expect(bucket.rows >= m && bucket.rows % Int8Matmul.bucketStep == 0 && bucket.rows - m < Int8Matmul.bucketStep)
        // Whichever kernel this machine chose for the shape (`Int8Kernel`): oneDNN for the odd ones.
        #expect(m <= Int8Matmul.rowBlock)
        #expect(layer.product(rows: m, scratch: scratch))
        var mismatches = 0
        for i in 0..<m {
            for j in 0..<n {
                var s: Int32 = 0
                for c in 0..<k { s += Int32(a[i * k + c]) * Int32(w[j * k + c]) }
                if scratch.product[i * n + j] != s {
                    if mismatches < 3 { Issue.record("P[\(i), \(j)]: expected \(s), found \(scratch.product[i * n + j])") }
                    mismatches += 1
                }
            }
        }
        #expect(mismatches == 0, "\(m)×\(k)·\(k)×\(n): \(mismatches) of \(m * n) products differ")
    }

    @Test func bucketsCoverEveryBlockSize() {
        for rows in 1...Int8Matmul.rowBlock {
            let b = Int8Matmul.bucket(rows: rows)
            #expect(b.rows == (b.index + 1) * Int8Matmul.bucketStep && b.rows >= rows && b.rows <= Int8Matmul.rowBlock)
        }
    }

    /// Blocks are independent: rows 0..<64 of a 130-row call equal a 64-row call on the same rows.
    @Test func blockedCallsMatchShortCalls() throws {
        let k = 96, n = 48
        var rng = Int8GEMMTests.Random(state: 21)
        let x = rng.matrix(130 * k, -2, 2), w = rng.matrix(n * k, -0.1, 0.1), b = rng.matrix(n, -1, 1)
        let long = try Int8GEMMTests.run(x: x, w: w, b: b, m: 130, n: n, k: k)
        let short = try Int8GEMMTests.run(x: Array(x[(65 * k)...]), w: w, b: b, m: 65, n: n, k: k)
        #expect(Array(long[(65 * n)...]) == short)
    }

    @Test func describesTheImplementation() throws {
        let mm = try Int8Matmul(n: 384, k: 384)
        #expect(!mm.implementation.isEmpty && mm.implementation != "unknown")
        let capped = ["DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA"].contains { ProcessInfo.processInfo.environment[$0] != nil }
        if CPUFeatures.current.amxInt8 && !capped { #expect(mm.implementation.contains("amx"), "AMX CPU, implementation \(mm.implementation)") }
    }
}
