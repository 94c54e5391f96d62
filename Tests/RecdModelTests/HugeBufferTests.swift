import Foundation
import Testing
@testable import RecdModel

/// `HugeBuffer` (the memory of the packed weights and the workspaces) and the one-block packing of a
/// model's layers.
struct HugeBufferTests {
    /// Large blocks are 2 MiB aligned (the kernel can only back aligned 2 MiB ranges with a huge page),
    /// small ones 64-byte aligned; both read as zero up to their last byte, touched or not.
    @Test(arguments: [100, 4096 + 3, (1 << 20) - 1, 1 << 20, (3 << 20) + 5], [true, false])
    func blocksAreAlignedAndZeroed(bytes: Int, touched: Bool) {
        let b = HugeBuffer(byteCount: bytes, touched: touched)
        let address = Int(bitPattern: b.base)
        #expect(address % 64 == 0, "\(bytes) bytes: expected 64-byte alignment, found address \(address)")
        #if os(Linux)
        if bytes >= 1 << 20 { #expect(address % (2 << 20) == 0, "\(bytes) bytes: expected 2 MiB alignment, found \(address % (2 << 20)) past it") }
        #endif
        let bytesView = b.base.assumingMemoryBound(to: UInt8.self)
        let probes = [0, 1, bytes / 2, bytes - 1]
        #expect(probes.allSatisfy { bytesView[$0] == 0 }, "\(bytes) bytes: expected zeroed memory")
        bytesView[bytes - 1] = 7   // writable to the end
        #expect(bytesView[bytes - 1] == 7)
    }

    @Test func carverRegionsAreAlignedAndDisjoint() {
        var carver = HugeBuffer.Carver(alignment: 4096)
        let sizes = [1, 384, 1152 * 384, 5000, 16]
        let offsets = sizes.map { carver.take(floats: $0) }
        for (i, o) in offsets.enumerated() {
            #expect(o % 4096 == 0, "region \(i): expected a 4096-byte boundary, found offset \(o)")
            let end = o + max(sizes[i], 16) * 4
            let next = i + 1 < offsets.count ? offsets[i + 1] : carver.offset
            #expect(end <= next, "region \(i) ends at \(end), past the next region's start \(next)")
        }
    }

    /// The model's layers packed into one shared block hold exactly what packing each weight on its own gives.
    @Test func packedLayersMatchWeightsPackedAlone() throws {
        let model = try EncoderModel.load(path: Fixtures.packedPath.get(), kernel: .packed)
        let c = model.config
        #expect(model.packedLayers.count == c.layers)
        var previousEnd = 0
        for (layer, packed) in zip(model.weights.layers, model.packedLayers) {
            let pairs: [(PackedWeight, UnsafePointer<Float>, Int, Int)] = [
                (packed.qkv, layer.qkvWeight, 3 * c.hidden, c.hidden), (packed.attnOut, layer.attnOutWeight, c.hidden, c.hidden),
                (packed.ffnIn, layer.ffnInWeight, c.ffn, c.hidden), (packed.ffnOut, layer.ffnOutWeight, c.hidden, c.ffn),
            ]
            for (shared, w, n, k) in pairs {
                let alone = PackedWeight(w, n: n, k: k)
                let count = PackedWeight.floatCount(n: n, k: k)
                #expect(shared.n == n && shared.k == k)
                #expect(memcmp(shared.data, alone.data, count * 4) == 0, "[\(n), \(k)]: packed in the shared block differs from packed alone")
                let start = Int(bitPattern: shared.data)
                #expect(start % 4096 == 0, "[\(n), \(k)]: expected a 4096-byte boundary")
                #expect(start >= previousEnd, "[\(n), \(k)]: overlaps the weight before it")
                previousEnd = start + count * 4
            }
        }
    }
}
