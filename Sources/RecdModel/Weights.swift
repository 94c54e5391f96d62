/// Views of one transformer layer's parameters inside the shared weights buffer.
/// Shapes use H = hidden (384), F = ffn (1536); linear weights are [out, in], so y = x·Wᵀ + b.
public struct LayerWeights: @unchecked Sendable {
    // @unchecked Sendable: plain pointers into `Weights.storage`, which is never written after load.
    /// Fused query/key/value projection, [3H, H]: rows 0..<H query, H..<2H key, 2H..<3H value.
    public let qkvWeight: UnsafePointer<Float>
    /// Fused query/key/value bias, [3H].
    public let qkvBias: UnsafePointer<Float>
    /// Attention output projection, [H, H].
    public let attnOutWeight: UnsafePointer<Float>
    /// Attention output bias, [H].
    public let attnOutBias: UnsafePointer<Float>
    /// LayerNorm after attention + residual: gain, [H].
    public let attnNormGamma: UnsafePointer<Float>
    /// LayerNorm after attention + residual: bias, [H].
    public let attnNormBeta: UnsafePointer<Float>
    /// Feed-forward up projection, [F, H].
    public let ffnInWeight: UnsafePointer<Float>
    /// Feed-forward up bias, [F].
    public let ffnInBias: UnsafePointer<Float>
    /// Feed-forward down projection, [H, F].
    public let ffnOutWeight: UnsafePointer<Float>
    /// Feed-forward down bias, [H].
    public let ffnOutBias: UnsafePointer<Float>
    /// LayerNorm after feed-forward + residual: gain, [H].
    public let outNormGamma: UnsafePointer<Float>
    /// LayerNorm after feed-forward + residual: bias, [H].
    public let outNormBeta: UnsafePointer<Float>
}

/// All model parameters: views into one 64-byte-aligned buffer (a `HugeBuffer`: 2 MiB aligned, huge
/// pages advised) that is decompressed once at load and then shared, read-only, by every worker.
///
/// `@unchecked Sendable`: the buffer is written only inside `WeightsFile.load` before this object is
/// published, and never again; all views are `UnsafePointer` (read-only), so sharing across threads is safe.
public final class Weights: @unchecked Sendable {
    /// The one owning allocation; freed with this object.
    let storage: HugeBuffer
    /// Size of `storage` in bytes.
    public let byteCount: Int
    /// Word embeddings, [vocabSize, H].
    public let wordEmbeddings: UnsafePointer<Float>
    /// Absolute position embeddings, [maxPositions, H].
    public let positionEmbeddings: UnsafePointer<Float>
    /// Token-type embeddings, [typeVocabSize, H]; recd always adds row 0.
    public let tokenTypeEmbeddings: UnsafePointer<Float>
    /// Embedding LayerNorm gain, [H].
    public let embedNormGamma: UnsafePointer<Float>
    /// Embedding LayerNorm bias, [H].
    public let embedNormBeta: UnsafePointer<Float>
    /// One entry per transformer layer.
    public let layers: [LayerWeights]

    /// Builds the views; `offsets` maps each tensor name of `WeightsLayout` to its byte offset in `storage`.
    init(storage: HugeBuffer, byteCount: Int, config: ModelConfig, offsets: [String: Int]) {
        self.storage = storage
        self.byteCount = byteCount
        func view(_ name: String) -> UnsafePointer<Float> {
            UnsafePointer((storage.base + offsets[name]!).assumingMemoryBound(to: Float.self))
        }
        wordEmbeddings = view(WeightsLayout.wordEmbeddings)
        positionEmbeddings = view(WeightsLayout.positionEmbeddings)
        tokenTypeEmbeddings = view(WeightsLayout.tokenTypeEmbeddings)
        embedNormGamma = view(WeightsLayout.embedNormGamma)
        embedNormBeta = view(WeightsLayout.embedNormBeta)
        layers = (0..<config.layers).map { i in
            let n = WeightsLayout.LayerNames(i)
            return LayerWeights(
                qkvWeight: view(n.qkvWeight), qkvBias: view(n.qkvBias),
                attnOutWeight: view(n.attnOutWeight), attnOutBias: view(n.attnOutBias),
                attnNormGamma: view(n.attnNormGamma), attnNormBeta: view(n.attnNormBeta),
                ffnInWeight: view(n.ffnInWeight), ffnInBias: view(n.ffnInBias),
                ffnOutWeight: view(n.ffnOutWeight), ffnOutBias: view(n.ffnOutBias),
                outNormGamma: view(n.outNormGamma), outNormBeta: view(n.outNormBeta))
        }
    }
}

/// The tensors a recd weights file must contain, with their expected shapes for a given config.
public enum WeightsLayout {
    static let wordEmbeddings = "embeddings.word_embeddings.weight"
    static let positionEmbeddings = "embeddings.position_embeddings.weight"
    static let tokenTypeEmbeddings = "embeddings.token_type_embeddings.weight"
    static let embedNormGamma = "embeddings.LayerNorm.weight"
    static let embedNormBeta = "embeddings.LayerNorm.bias"

    /// Names of one layer's tensors in the recd file.
    struct LayerNames {
        let qkvWeight, qkvBias, attnOutWeight, attnOutBias, attnNormGamma, attnNormBeta: String
        let ffnInWeight, ffnInBias, ffnOutWeight, ffnOutBias, outNormGamma, outNormBeta: String
        init(_ i: Int) {
            let p = "encoder.layer.\(i)."
            qkvWeight = p + "attention.self.qkv.weight"
            qkvBias = p + "attention.self.qkv.bias"
            attnOutWeight = p + "attention.output.dense.weight"
            attnOutBias = p + "attention.output.dense.bias"
            attnNormGamma = p + "attention.output.LayerNorm.weight"
            attnNormBeta = p + "attention.output.LayerNorm.bias"
            ffnInWeight = p + "intermediate.dense.weight"
            ffnInBias = p + "intermediate.dense.bias"
            ffnOutWeight = p + "output.dense.weight"
            ffnOutBias = p + "output.dense.bias"
            outNormGamma = p + "output.LayerNorm.weight"
            outNormBeta = p + "output.LayerNorm.bias"
        }
    }

    /// Every tensor recd needs, in file order, with expected dtype and shape.
    public static func expectedTensors(_ c: ModelConfig) -> [TensorSpec] {
        let h = c.hidden, f = c.ffn
        func t(_ name: String, _ shape: [Int]) -> TensorSpec { TensorSpec(name: name, dtype: .f32, shape: shape) }
        var specs = [
            t(wordEmbeddings, [c.vocabSize, h]),
            t(positionEmbeddings, [c.maxPositions, h]),
            t(tokenTypeEmbeddings, [c.typeVocabSize, h]),
            t(embedNormGamma, [h]),
            t(embedNormBeta, [h]),
        ]
        for i in 0..<c.layers {
            let n = LayerNames(i)
            specs += [
                t(n.qkvWeight, [3 * h, h]), t(n.qkvBias, [3 * h]),
                t(n.attnOutWeight, [h, h]), t(n.attnOutBias, [h]),
                t(n.attnNormGamma, [h]), t(n.attnNormBeta, [h]),
                t(n.ffnInWeight, [f, h]), t(n.ffnInBias, [f]),
                t(n.ffnOutWeight, [h, f]), t(n.ffnOutBias, [h]),
                t(n.outNormGamma, [h]), t(n.outNormBeta, [h]),
            ]
        }
        return specs
    }
}
