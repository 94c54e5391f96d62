import Foundation
import RecdProtocol

/// TEST ONLY: a deterministic stand-in for the real encoder (`recd --fake-encoder`).
///
/// Hashed bag of words: each lower-cased word adds ±1 to one of `dimension` slots chosen
/// by FNV-1a, then the vector is L2-normalised. Texts sharing words get similar vectors,
/// which is enough to exercise the transport; it has no semantic quality at all.
public struct HashingEncoder: TextEncoder {
    public let dimension: Int
    /// Sleep per encoder call, to make requests slow in tests (in-flight / BUSY / drain).
    public let delay: Duration
    /// Further sleep per text of a call (tests of the batch run budget: a model whose batches cost
    /// in proportion to their texts).
    public let delayPerText: Duration
    /// Called with each batch's texts (tests observe batching through it).
    public let onBatch: (@Sendable ([String]) -> Void)?
    /// The call's sleep is cut into this many "blocks", with the worker's between-blocks hook
    /// (``TextEncoderWorker/setBetweenBlocks(_:)``) run between them, like the real encoder's six.
    public let blocks: Int

    public init(dimension: Int = 384, delay: Duration = .zero, delayPerText: Duration = .zero, blocks: Int = 1,
                onBatch: (@Sendable ([String]) -> Void)? = nil) {
        self.dimension = dimension
        self.delay = delay
        self.delayPerText = delayPerText
        self.blocks = max(1, blocks)
        self.onBatch = onBatch
    }

    public var info: Recd_V1_ModelInfo {
        var m = Recd_V1_ModelInfo()
        m.name = "fake-hashing-encoder (test only)"
        m.dimension = UInt32(dimension)
        m.precision = "fp32"
        return m
    }

    public func makeWorker() throws -> any TextEncoderWorker { Worker(encoder: self) }

    /// The vector for one text; the same for every worker and call.
    public func vector(_ text: String) -> [Float] {
        var v = [Float](repeating: 0, count: dimension)
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in word.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            v[Int(h % UInt64(dimension))] += (h >> 63) == 0 ? 1 : -1
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { for i in v.indices { v[i] /= norm } }
        return v
    }

    final class Worker: TextEncoderWorker {
        let encoder: HashingEncoder
        var betweenBlocks: (() -> Void)?
        init(encoder: HashingEncoder) { self.encoder = encoder }
        func embed(_ texts: [String]) throws -> [[Float]] {
            encoder.onBatch?(texts)
            let sleep = encoder.delay + encoder.delayPerText * texts.count
            for block in 0..<encoder.blocks {
                if sleep > .zero { Thread.sleep(forTimeInterval: sleep.seconds / Double(encoder.blocks)) }
                if block + 1 < encoder.blocks { betweenBlocks?() }
            }
            return texts.map(encoder.vector)
        }
        func setBetweenBlocks(_ hook: (() -> Void)?) { betweenBlocks = hook }
    }
}
