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
public final class Int8Weights: Sendable, CustomStringConvertible {
    /// One entry per transformer layer.
    public let layers: [Int8LayerWeights]
    /// The fp32 weights whose biases the quantised layers reference; held to keep them alive.
    let source: Weights
    /// Wall time of quantising all layers, in milliseconds.
    public let quantizeMilliseconds: Double
    /// The CPU path chosen for the activations.
    public let path: Int8Path
    /// oneDNN's implementation of the matmuls, e.g. `brg:avx512_core_amx_int8` (from the Q|K|V shape).
    public let implementation: String

    /// Quantises every linear layer of `weights` (shapes from `config`) and reorders it for oneDNN's
    /// matmul primitives (one primitive set per distinct shape, shared by the layers). Throws `.int8Failed`
    /// naming the oneDNN call that failed.
    public init(weights: Weights, config: ModelConfig, path: Int8Path = .current) throws {
        let start = monotonicSeconds()
        let h = config.hidden, f = config.ffn, wmax = path.weightMax
        let qkv = try Int8Matmul(n: 3 * h, k: h), attnOut = try Int8Matmul(n: h, k: h)
        let ffnIn = try Int8Matmul(n: f, k: h), ffnOut = try Int8Matmul(n: h, k: f)
        layers = try weights.layers.map { l in
            Int8LayerWeights(
                qkv: try QuantizedLinear(weight: l.qkvWeight, bias: l.qkvBias, n: 3 * h, k: h, weightMax: wmax, matmul: qkv),
                attnOut: try QuantizedLinear(weight: l.attnOutWeight, bias: l.attnOutBias, n: h, k: h, weightMax: wmax, matmul: attnOut),
                ffnIn: try QuantizedLinear(weight: l.ffnInWeight, bias: l.ffnInBias, n: f, k: h, weightMax: wmax, matmul: ffnIn),
                ffnOut: try QuantizedLinear(weight: l.ffnOutWeight, bias: l.ffnOutBias, n: h, k: f, weightMax: wmax, matmul: ffnOut))
        }
        implementation = qkv.implementation
        source = weights
        self.path = path
        quantizeMilliseconds = (monotonicSeconds() - start) * 1000
    }

    /// E.g. `int8 (oneDNN 2.6.3 matmul brg:avx512_core_amx_int8, AVX-512 VNNI, s8 weights ±127)`.
    public var description: String { path.description(implementation: implementation) }
}
