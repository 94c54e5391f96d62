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
    /// Which code computes the products (`Int8Kernel`): recd's AVX2 GEMM where oneDNN would re-pack
    /// the weights on every call, oneDNN's matmul primitives otherwise.
    public let kernel: Int8Kernel
    /// What computes the products, e.g. oneDNN's `brg:avx512_core_amx_int8` (from the Q|K|V shape), or
    /// `recd AVX2 GEMM, weights packed at load (oneDNN: gemm:jit)`.
    public let implementation: String

    /// Quantises every linear layer of `weights` (shapes from `config`) and packs it for the chosen
    /// kernel: reordered for oneDNN's matmul primitives (one primitive set per distinct shape, shared by
    /// the layers), or into recd's GEMM panels. Throws `.int8Failed`
    /// naming the oneDNN call that failed.
    ///
    /// `kernel` nil chooses per `Int8Kernel.choose` (and `RECD_INT8_GEMM`); `.recd` is honoured only
    /// where that kernel is exact (7-bit weights, the AVX2 body, 16-column panel shapes), else oneDNN's runs.
    public init(weights: Weights, config: ModelConfig, path: Int8Path = .current, kernel requested: Int8Kernel? = nil) throws {
        let start = monotonicSeconds()
        let h = config.hidden, f = config.ffn, wmax = path.weightMax
        let qkv = try Int8Matmul(n: 3 * h, k: h), attnOut = try Int8Matmul(n: h, k: h)
        let ffnIn = try Int8Matmul(n: f, k: h), ffnOut = try Int8Matmul(n: h, k: f)
        // One kernel for the whole model (recd's only if every shape can take it), chosen by what oneDNN
        // would run for the Q|K|V shape.
        let shapes = [qkv, attnOut, ffnIn, ffnOut]
        let choices = shapes.map { Int8Kernel.forLayer(n: $0.n, k: $0.k, matmul: qkv, weightMax: wmax, override: requested?.rawValue) }
        let kernel: Int8Kernel = choices.allSatisfy { $0 == .recd } ? .recd : .onednn
        layers = try weights.layers.map { l in
            Int8LayerWeights(
                qkv: try QuantizedLinear(weight: l.qkvWeight, bias: l.qkvBias, n: 3 * h, k: h, weightMax: wmax, matmul: qkv, kernel: kernel),
                attnOut: try QuantizedLinear(weight: l.attnOutWeight, bias: l.attnOutBias, n: h, k: h, weightMax: wmax, matmul: attnOut,
                                             kernel: kernel),
                ffnIn: try QuantizedLinear(weight: l.ffnInWeight, bias: l.ffnInBias, n: f, k: h, weightMax: wmax, matmul: ffnIn, kernel: kernel),
                ffnOut: try QuantizedLinear(weight: l.ffnOutWeight, bias: l.ffnOutBias, n: h, k: f, weightMax: wmax, matmul: ffnOut,
                                            kernel: kernel))
        }
        self.kernel = kernel
        implementation = kernel == .recd ? "recd AVX2 GEMM, weights packed at load (oneDNN: \(qkv.implementation))" : qkv.implementation
        source = weights
        self.path = path
        quantizeMilliseconds = (monotonicSeconds() - start) * 1000
    }

    /// E.g. `int8 (oneDNN 2.6.3 matmul brg:avx512_core_amx_int8, AVX-512 VNNI, s8 weights ±127)`.
    public var description: String { path.description(implementation: implementation, kernel: kernel) }
}
