/// The int8 form of one transformer layer's four linear layers (Q|K|V fused, as in the fp32 path).
public struct Int8LayerWeights: Sendable {
    /// Fused query/key/value projection, [3H, H].
    public let qkv: QuantizedLinear
    /// Attention output projection, [H, H].
    public let attnOut: QuantizedLinear
    /// Feed-forward up projection, [F, H].
    public let ffnIn: QuantizedLinear
    /// Feed-forward down projection, [H, F].
    public let ffnOut: QuantizedLinear
}

/// int8 weights derived at load time from the fp32 `Weights` (the weights file stays fp32).
///
/// Sendable without `@unchecked`: every part is an immutable `Sendable` class. Biases, LayerNorm and
/// embeddings are not copied: they stay views into the fp32 `Weights`, which `model` keeps alive.
public final class Int8Weights: Sendable {
    /// One entry per transformer layer.
    public let layers: [Int8LayerWeights]
    /// The fp32 weights whose biases the quantised layers reference; held to keep them alive.
    let source: Weights
    /// Wall time of quantising all layers, in milliseconds.
    public let quantizeMilliseconds: Double
    /// The CPU path chosen for the activations.
    public let path: Int8Path

    /// Quantises every linear layer of `weights` (shapes from `config`).
    public init(weights: Weights, config: ModelConfig, path: Int8Path = .current) {
        let start = monotonicSeconds()
        let h = config.hidden, f = config.ffn, wmax = path.weightMax
        layers = weights.layers.map { l in
            Int8LayerWeights(
                qkv: QuantizedLinear(weight: l.qkvWeight, bias: l.qkvBias, n: 3 * h, k: h, weightMax: wmax),
                attnOut: QuantizedLinear(weight: l.attnOutWeight, bias: l.attnOutBias, n: h, k: h, weightMax: wmax),
                ffnIn: QuantizedLinear(weight: l.ffnInWeight, bias: l.ffnInBias, n: f, k: h, weightMax: wmax),
                ffnOut: QuantizedLinear(weight: l.ffnOutWeight, bias: l.ffnOutBias, n: h, k: f, weightMax: wmax))
        }
        source = weights
        self.path = path
        quantizeMilliseconds = (monotonicSeconds() - start) * 1000
    }
}
