/// Dynamic per-row asymmetric quantisation of fp32 activations to u8.
///
/// Per row (token) rather than per tensor: LayerNorm outputs differ in range from token to token, and
/// GELU outputs are nearly one-signed (≥ −0.17), so each row gets its own scale and zero point and the
/// full code range. Zero is always representable exactly (the range is widened to include it).
enum ActivationQuantizer {
    /// For each row i: scale[i] = (hi − lo) / qmax, zeroPoint[i] = round(−lo / scale), and
    /// q[i, c] = clamp(round(x[i, c] / scale) + zeroPoint, 0, qmax), with lo = min(0, min x), hi = max(0, max x).
    /// An all-zero row gets scale 1 and zero point 0.
    static func quantizeRows(_ x: UnsafePointer<Float>, rows: Int, width k: Int, qmax: Int32,
                             into q: UnsafeMutablePointer<UInt8>, scales: UnsafeMutablePointer<Float>,
                             zeroPoints: UnsafeMutablePointer<Int32>) {
        let vectorEnd = k - k % 16
        let qmaxF = Float(qmax)
        for i in 0..<rows {
            let row = UnsafeRawPointer(x + i * k)
            // Compare-and-blend, not pointwiseMin/Max: those are per-lane loops with NaN handling (measured
            // as most of the int8 path's time); activations here are finite.
            var lo = SIMD16<Float>(repeating: 0), hi = SIMD16<Float>(repeating: 0)
            var c = 0
            while c < vectorEnd {
                let v = row.loadUnaligned(fromByteOffset: c * 4, as: SIMD16<Float>.self)
                lo = lo.replacing(with: v, where: v .< lo)
                hi = hi.replacing(with: v, where: v .> hi)
                c += 16
            }
            var low = lo.min(), high = hi.max()
            while c < k {
                low = min(low, x[i * k + c]); high = max(high, x[i * k + c])
                c += 1
            }
            let range = high - low
            let scale = range > 0 ? range / qmaxF : 1
            let inv = 1 / scale
            let zero = range > 0 ? Int32(max(0, min(qmaxF, (-low * inv).rounded(.toNearestOrEven)))) : 0
            scales[i] = scale
            zeroPoints[i] = zero
            let dst = UnsafeMutableRawPointer(q + i * k)
            let invV = SIMD16<Float>(repeating: inv), zeroV = SIMD16<Float>(repeating: Float(zero))
            let floor = SIMD16<Float>(repeating: 0), ceiling = SIMD16<Float>(repeating: qmaxF)
            // Round-to-nearest-even without the generic (per-lane, slow) Float→Int SIMD conversion: adding
            // 1.5·2²³ leaves round(r) in the low mantissa bits for 0 ≤ r < 2²², so its low byte is the code.
            let magic = SIMD16<Float>(repeating: 12_582_912)
            c = 0
            while c < vectorEnd {
                let v = row.loadUnaligned(fromByteOffset: c * 4, as: SIMD16<Float>.self)
                var r = v * invV + zeroV
                r.replace(with: floor, where: r .< floor)
                r.replace(with: ceiling, where: r .> ceiling)
                r += magic
                let bits = unsafeBitCast(r, to: SIMD16<UInt32>.self)
                dst.storeBytes(of: SIMD16<UInt8>(truncatingIfNeeded: bits), toByteOffset: c, as: SIMD16<UInt8>.self)
                c += 16
            }
            while c < k {
                let r = max(0, min(qmaxF, (x[i * k + c] * inv).rounded(.toNearestOrEven) + Float(zero)))
                q[i * k + c] = UInt8(r)
                c += 1
            }
        }
    }
}
