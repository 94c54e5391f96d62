import RecdModel
import RecdProtocol

/// The real encoder behind the server's ``TextEncoder`` seam: one shared, read-only
/// ``RecdModel/Encoder`` (weights mapped and decompressed once) and, per worker thread,
/// its own ``RecdModel/EncoderWorkspace`` allocated once at start.
public struct ModelTextEncoder: TextEncoder {
    /// The shared model and tokenizer.
    public let encoder: Encoder
    /// Most texts one worker embeds in one call (the workspace is sized for this many sequences).
    public let maxBatch: Int
    /// Model name and precision reported by STATS.
    let name: String
    let precision: String

    /// Wraps a loaded encoder; `maxBatch` should be the server's `maxBatchTexts`.
    public init(encoder: Encoder, name: String = "all-MiniLM-L6-v2", precision: String = "fp32", maxBatch: Int) {
        self.encoder = encoder
        self.name = name
        self.precision = precision
        self.maxBatch = max(1, maxBatch)
    }

    public var dimension: Int { encoder.model.dimension }

    /// The last two blocks before the final one (4 and 5 of MiniLM-L6's 6): their pools with the final
    /// embedding measured the best intent accuracy of the combinations tried (RecdIntent/INTENTS.md).
    public var intentLayers: [Int] {
        let n = encoder.model.config.layers
        return n >= 3 ? [n - 2, n - 1] : []
    }

    public var info: Recd_V1_ModelInfo {
        var m = Recd_V1_ModelInfo()
        m.name = name
        m.dimension = UInt32(dimension)
        m.precision = precision
        m.maxTokens = UInt32(encoder.model.maxSequenceLength)
        return m
    }

    /// The intra-op helper's counters since start: GEMMs offered to it, column chunks it computed, and
    /// back-offs (a late helper made the caller run alone for a while); daemon/DAEMON.md, "Latency breakdown".
    public var statsExtras: [String: String] {
        let counts = PackedGEMM.intraOpCounts
        return ["encoder.helper_shared_gemms": String(counts.sharedGEMMs),
                "encoder.helper_chunks": String(counts.helperChunks),
                "encoder.helper_backoffs": String(PackedGEMM.intraOpBackoffs)]
    }

    public func makeWorker() throws -> any TextEncoderWorker { try makeWorker(maxBatch: maxBatch) }

    public func makeWorker(maxBatch: Int) throws -> any TextEncoderWorker {
        // A typical micro-batch is short queries; long texts are chunked by the forward pass.
        let batch = max(1, maxBatch)
        let tokens = max(encoder.model.maxSequenceLength, batch * 32)
        return Worker(encoder: encoder,
                      workspace: EncoderWorkspace(model: encoder.model, maxBatch: batch, maxTokens: tokens))
    }

    /// One per worker thread; owns that thread's scratch memory.
    final class Worker: TextEncoderWorker {
        let encoder: Encoder
        let workspace: EncoderWorkspace
        init(encoder: Encoder, workspace: EncoderWorkspace) {
            self.encoder = encoder
            self.workspace = workspace
        }
        func embed(_ texts: [String]) throws -> [[Float]] {
            try encoder.embed(texts: texts, workspace: workspace)
        }
        func embed(_ texts: [String], layerPools layers: [Int]) throws -> [[Float]] {
            layers.isEmpty ? try embed(texts) : try encoder.embed(texts: texts, layerPools: layers, workspace: workspace)
        }
        func setBetweenBlocks(_ hook: (() -> Void)?) { workspace.betweenBlocks = hook }
    }
}
