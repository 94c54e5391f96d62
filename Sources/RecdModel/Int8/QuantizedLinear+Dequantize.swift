import CRecdKernels

extension QuantizedLinear {
    /// out[i, j] (+)= aScale[i] · wScale[j] · (P[i, j] − z[i] · colSum[j]) + b[j] for the block's `m` rows
    /// (`recd_i8_dequantize_rows`, AVX-512 in C).
    @inline(__always)
    func dequantize(rows m: Int, scratch: Int8Scratch, out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        recd_i8_dequantize_rows(scratch.product, Int32(m), Int32(n), scratch.rowScales, scratch.rowZeroPoints,
                                scales, colSums, bias, out, accumulate ? 1 : 0)
    }
}
