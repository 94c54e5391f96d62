import CRecdKernels

/// The int8 feed-forward block, fused per row block: x += GELU(x·W1ᵀ + b1)·W2ᵀ + b2.
///
/// For each block of up to `Int8Matmul.rowBlock` rows: quantise x's rows, W1 matmul, then one pass that
/// dequantises, adds b1, applies GELU and quantises again (`recd_i8_dequantize_gelu_quantize_rows`) into
/// the scratch's hidden codes, W2 matmul, dequantise + b2 into x (residual). The [tokens, F] fp32
/// intermediate of the unfused path is never written: every buffer stays one block big, in cache.
/// In place is safe: a block's rows of x are quantised before they are updated, and rows never mix.
enum Int8FeedForward {
    /// Returns false only if oneDNN reports an error.
    static func apply(up: QuantizedLinear, down: QuantizedLinear, x: UnsafeMutablePointer<Float>, rows m: Int,
                      scratch: Int8Scratch, activationMax: Int32) -> Bool {
        let h = up.k, f = up.n
        precondition(down.k == f && down.n == h, "feed-forward shapes: up \(up.n)×\(up.k), down \(down.n)×\(down.k)")
        precondition(max(h, f) <= scratch.maxWidth, "int8 scratch of width \(scratch.maxWidth) is too small for \(f)")
        var start = 0
        while start < m {
            let rows = min(Int8Matmul.rowBlock, m - start)
            let block = x + start * h
            ActivationQuantizer.quantizeRows(block, rows: rows, width: h, qmax: activationMax, into: scratch.activations,
                                             scales: scratch.rowScales, zeroPoints: scratch.rowZeroPoints)
            guard up.product(rows: rows, scratch: scratch) else { return false }
            recd_i8_dequantize_gelu_quantize_rows(scratch.product, Int32(rows), Int32(f), scratch.rowScales, scratch.rowZeroPoints,
                                                  up.scales, up.colSums, up.bias, scratch.hiddenRow, activationMax,
                                                  scratch.hiddenCodes, scratch.hiddenScales, scratch.hiddenZeroPoints)
            guard down.product(rows: rows, scratch: scratch, source: .hiddenCodes) else { return false }
            recd_i8_dequantize_rows(scratch.product, Int32(rows), Int32(h), scratch.hiddenScales, scratch.hiddenZeroPoints,
                                    down.scales, down.colSums, down.bias, block, 1)
            start += rows
        }
        return true
    }
}
