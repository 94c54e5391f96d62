/// Numeric precision of the encoder's six linear layers per transformer layer.
///
/// Embeddings, LayerNorm, softmax, GELU and the attention matmuls always run in fp32; only the
/// Q|K|V, attention-output, FFN-in and FFN-out projections change.
public enum EncoderPrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    /// fp32 weights and activations through OpenBLAS sgemm (the reference path).
    case fp32
    /// Per-row symmetric int8 weights (quantised at load from the fp32 file) and per-row asymmetric u8
    /// activations (quantised per call), multiplied by oneDNN matmul primitives (AMX or VNNI brgemm) over
    /// weights reordered once at load, or by recd's AVX2 GEMM over weights packed once where oneDNN has
    /// no brgemm for the CPU (`Int8Kernel`).
    case int8

    public var description: String { rawValue }

    /// Parses `fp32` / `int8` (case-insensitive); throws naming the accepted values otherwise.
    public init(parsing text: String) throws {
        guard let p = EncoderPrecision(rawValue: text.lowercased()) else {
            let accepted = EncoderPrecision.allCases.map(\.rawValue).joined(separator: ", ")
            throw ModelError(.invalidInput, "precision: expected one of \(accepted), found '\(text)'")
        }
        self = p
    }
}
