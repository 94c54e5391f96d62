import CRecdKernels

/// Dynamic per-row asymmetric quantisation of fp32 activations to u8.
///
/// Per row (token) rather than per tensor: LayerNorm outputs differ in range from token to token, and
/// GELU outputs are nearly one-signed (≥ −0.17), so each row gets its own scale and zero point and the
/// full code range. Zero is always representable exactly (the range is widened to include it).
/// The work is `recd_i8_quantize_rows` (AVX-512 in C; Sources/CRecdKernels/int8_quant.c).
enum ActivationQuantizer {
    /// For each row i: scale[i] = (hi − lo) / qmax, zeroPoint[i] = round(−lo / scale), and
    /// q[i, c] = clamp(round(x[i, c] / scale) + zeroPoint, 0, qmax), with lo = min(0, min x), hi = max(0, max x).
    /// An all-zero row gets scale 1 and zero point 0.
    @inline(__always)
    static func quantizeRows(_ x: UnsafePointer<Float>, rows: Int, width k: Int, qmax: Int32,
                             into q: UnsafeMutablePointer<UInt8>, scales: UnsafeMutablePointer<Float>,
                             zeroPoints: UnsafeMutablePointer<Int32>) {
        recd_i8_quantize_rows(x, Int32(rows), Int32(k), qmax, q, scales, zeroPoints)
    }
}
