extension QuantizedLinear {
    /// out[i, j] (+)= aScale[i] · wScale[j] · (P[i, j] − z[i] · colSum[j]) + b[j], 16 columns at a time.
    func dequantize(rows m: Int, scratch: Int8Scratch, out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let vectorEnd = n - n % 16
        let ws = UnsafeRawPointer(scales), cs = UnsafeRawPointer(colSums), bs = UnsafeRawPointer(bias)
        for i in 0..<m {
            let aScale = scratch.rowScales[i]
            let z = scratch.rowZeroPoints[i]
            let p = UnsafeRawPointer(scratch.product + i * n)
            let o = UnsafeMutableRawPointer(out + i * n)
            let aScaleV = SIMD16<Float>(repeating: aScale)
            let zV = SIMD16<Int32>(repeating: z)
            var j = 0
            while j < vectorEnd {
                let off = j * 4
                let centred = p.loadUnaligned(fromByteOffset: off, as: SIMD16<Int32>.self)
                    &- zV &* cs.loadUnaligned(fromByteOffset: off, as: SIMD16<Int32>.self)
                var v = SIMD16<Float>(centred) * aScaleV * ws.loadUnaligned(fromByteOffset: off, as: SIMD16<Float>.self)
                    + bs.loadUnaligned(fromByteOffset: off, as: SIMD16<Float>.self)
                if accumulate { v += o.loadUnaligned(fromByteOffset: off, as: SIMD16<Float>.self) }
                o.storeBytes(of: v, toByteOffset: off, as: SIMD16<Float>.self)
                j += 16
            }
            while j < n {
                let centred = scratch.product[i * n + j] &- z &* colSums[j]
                let v = Float(centred) * aScale * scales[j] + bias[j]
                out[i * n + j] = accumulate ? out[i * n + j] + v : v
                j += 1
            }
        }
    }
}
