#if canImport(Glibc)
import Glibc
#endif

/// A loaded BERT sentence encoder: config + shared read-only weights + the tokenizer data of its file.
///
/// `@unchecked Sendable`: every stored property is immutable after `load`, and `Weights` is read-only
/// shared memory; the forward pass writes only into the caller's `EncoderWorkspace`.
public final class EncoderModel: @unchecked Sendable {
    /// The model blueprint.
    public let config: ModelConfig
    /// Tokenizer settings stored in the file.
    public let tokenizerSettings: TokenizerSettings
    /// WordPiece vocabulary stored in the file; index = token id.
    public let vocabulary: [String]
    /// Shared parameters.
    public let weights: Weights
    /// Wall time of `load` (mmap + header check + checksum + decompress, and packing or quantising the
    /// linear layers), in milliseconds.
    public let loadMilliseconds: Double
    /// `loadMilliseconds` stage by stage, with CPU time and page faults (FORMAT.md, "Load time").
    public let loadProfile: LoadProfile
    /// Precision of the linear layers (see `EncoderPrecision`); `.fp32` unless asked for at load.
    public let precision: EncoderPrecision
    /// int8 weights derived at load when `precision == .int8` (Int8/), else nil.
    let int8Weights: Int8Weights?
    /// The kernel the fp32 linear layers use (see `LinearKernel`).
    public let linearKernel: LinearKernel
    /// The linear-layer weights packed for the `.packed` kernel, one per layer; empty for `.openblas`.
    let packedLayers: [PackedLayer]

    init(config: ModelConfig, tokenizerSettings: TokenizerSettings, vocabulary: [String], weights: Weights, loadMilliseconds: Double,
         loadProfile: LoadProfile = LoadProfile(),
         int8Weights: Int8Weights? = nil, linearKernel: LinearKernel = .openblas, packedLayers: [PackedLayer] = []) {
        self.loadProfile = loadProfile
        self.linearKernel = packedLayers.isEmpty ? .openblas : linearKernel
        self.packedLayers = packedLayers
        self.config = config
        self.tokenizerSettings = tokenizerSettings
        self.vocabulary = vocabulary
        self.weights = weights
        self.loadMilliseconds = loadMilliseconds
        self.int8Weights = int8Weights
        self.precision = int8Weights == nil ? .fp32 : .int8
    }

    /// Loads a recd weights file (see FORMAT.md) at `precision` (`.int8` quantises the linear layers after
    /// loading; `loadMilliseconds` includes it); throws `ModelError` naming what was wrong.
    public static func load(path: String, precision: EncoderPrecision) throws -> EncoderModel {
        let start = monotonicSeconds()
        guard precision == .int8 else { return try load(path: path) }
        let fp32 = try load(path: path, kernel: .openblas)   // int8 replaces the fp32 linear layers: no packing
        var profile = fp32.loadProfile
        var clock = LoadClock()
        let int8 = try Int8Weights(weights: fp32.weights, config: fp32.config)
        clock.mark(.quantize, into: &profile)
        return EncoderModel(config: fp32.config, tokenizerSettings: fp32.tokenizerSettings, vocabulary: fp32.vocabulary,
                            weights: fp32.weights, loadMilliseconds: (monotonicSeconds() - start) * 1000, loadProfile: profile,
                            int8Weights: int8)
    }

    /// Loads a recd weights file (see FORMAT.md); throws `ModelError` naming what was wrong.
    /// With `kernel: .packed` (the default unless `RECD_KERNEL=openblas`) the linear-layer weights are
    /// also packed once for recd's GEMM (about 42.5 MB more memory; counted in `loadMilliseconds`).
    public static func load(path: String, kernel: LinearKernel = .fromEnvironment) throws -> EncoderModel {
        let start = monotonicSeconds()
        let loaded = try WeightsFileReader.load(path: path)
        let c = loaded.header.config
        guard c.hidden % 16 == 0, c.ffn % 16 == 0 else {
            throw ModelError(.malformed, "model config: hidden (\(c.hidden)) and ffn (\(c.ffn)) must be multiples of 16 for recd's kernels")
        }
        var profile = loaded.profile
        var clock = LoadClock()
        let packed = kernel == .packed ? PackedLayer.packAll(loaded.weights.layers, hidden: c.hidden, ffn: c.ffn) : []
        if kernel == .packed { clock.mark(.pack, into: &profile) }
        let ms = (monotonicSeconds() - start) * 1000
        return EncoderModel(config: c, tokenizerSettings: loaded.header.tokenizer, vocabulary: loaded.header.vocabulary,
                            weights: loaded.weights, loadMilliseconds: ms, loadProfile: profile, linearKernel: kernel, packedLayers: packed)
    }

    /// Which compute path runs the linear layers, e.g. `fp32 (OpenBLAS sgemm)` or
    /// `int8 (oneDNN 2.6.3 matmul brg:avx512_core_amx_int8, AVX-512 VNNI, s8 weights ±127)`.
    public var pathDescription: String {
        if let int8Weights { return "\(int8Weights)" }
        return linearKernel == .packed ? "fp32 (recd packed \(PackedGEMM.isa) GEMM)" : "fp32 (OpenBLAS sgemm)"
    }

    /// Output vector length (hidden size, 384).
    public var dimension: Int { config.hidden }

    /// Longest sequence (in tokens, with [CLS]/[SEP]) the model accepts.
    public var maxSequenceLength: Int { min(tokenizerSettings.maxLength, config.maxPositions) }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
