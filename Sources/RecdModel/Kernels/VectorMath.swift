/// Vectorised elementwise kernels of the forward pass (16 floats at a time).
///
/// libm's scalar `expf`/`erff` cost ~10 ns each; a 12-token query needs ~110k GELU evaluations,
/// so scalar calls alone would eat a third of the latency budget. These use SIMD16 polynomials instead.
enum VectorMath {
    typealias V = SIMD16<Float>

    /// e^x for each lane, relative error below 2e-7 on [-87, 88]; inputs outside are clamped.
    @inline(__always)
    static func exp(_ x: V) -> V {
        let x = x.clamped(lowerBound: V(repeating: -87.0), upperBound: V(repeating: 88.0))
        // n = round(x / ln 2) using the 1.5·2^23 trick: the integer lands in the low mantissa bits.
        let shifter = V(repeating: 12_582_912.0)
        let shifted = x * V(repeating: 1.442_695_04) + shifter
        let n = shifted - shifter
        // r = x − n·ln2, split into a high and a low part for accuracy (Cody–Waite).
        var r = x - n * V(repeating: 0.693_145_751_953_125)
        r = r - n * V(repeating: 1.428_606_765_330_187e-06)
        // e^r on |r| ≤ ln2/2 by its Taylor series to degree 6 (truncation error < 1.3e-7 relative).
        var p = V(repeating: 1.0 / 720.0)
        p = p * r + V(repeating: 1.0 / 120.0)
        p = p * r + V(repeating: 1.0 / 24.0)
        p = p * r + V(repeating: 1.0 / 6.0)
        p = p * r + V(repeating: 0.5)
        p = p * r + V(repeating: 1.0)
        p = p * r + V(repeating: 1.0)
        // 2^n: the integer sits in the low bits of `shifted`; move it into the exponent field.
        let bits = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- Int32(0x4B40_0000) &+ 127
        let scale = unsafeBitCast(bits &<< 23, to: V.self)
        return p * scale
    }

    /// GELU in its erf form, 0.5·x·(1 + erf(x/√2)), with erf from Abramowitz & Stegun 7.1.26
    /// (absolute error ≤ 1.5e-7).
    @inline(__always)
    static func gelu(_ x: V) -> V {
        let z = x * V(repeating: 0.707_106_781_186_547_5)
        let az = z.replacing(with: -z, where: z .< 0)
        let t = V(repeating: 1) / (V(repeating: 1) + V(repeating: 0.327_591_1) * az)
        var poly = V(repeating: 1.061_405_429)
        poly = poly * t + V(repeating: -1.453_152_027)
        poly = poly * t + V(repeating: 1.421_413_741)
        poly = poly * t + V(repeating: -0.284_496_736)
        poly = poly * t + V(repeating: 0.254_829_592)
        poly = poly * t
        let erfAbs = V(repeating: 1) - poly * exp(-(az * az))
        let erf = erfAbs.replacing(with: -erfAbs, where: z .< 0)
        return V(repeating: 0.5) * x * (V(repeating: 1) + erf)
    }

    /// Applies GELU in place to `count` floats; `count` must be a multiple of 16.
    static func geluInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(p)
        var i = 0
        while i < count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            raw.storeBytes(of: gelu(v), toByteOffset: i * 4, as: V.self)
            i += 16
        }
    }

    /// Softmax in place over `n` floats (any n ≥ 1), using lanes padded with −∞ for the tail.
    static func softmaxInPlace(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        let raw = UnsafeMutableRawPointer(p)
        var maxV = V(repeating: -.infinity)
        var i = 0
        while i + 16 <= n {
            maxV = pointwiseMax(maxV, raw.loadUnaligned(fromByteOffset: i * 4, as: V.self))
            i += 16
        }
        var m = maxV.max()
        while i < n { m = Swift.max(m, p[i]); i += 1 }
        let mv = V(repeating: m)
        var sumV = V()
        i = 0
        while i + 16 <= n {
            let e = exp(raw.loadUnaligned(fromByteOffset: i * 4, as: V.self) - mv)
            raw.storeBytes(of: e, toByteOffset: i * 4, as: V.self)
            sumV += e
            i += 16
        }
        var sum = sumV.sum()
        if i < n {
            var tail = V(repeating: -.infinity)
            for j in 0..<(n - i) { tail[j] = p[i + j] }
            let e = exp(tail - mv)
            for j in 0..<(n - i) { p[i + j] = e[j]; sum += e[j] }
        }
        let inv = V(repeating: 1 / sum)
        i = 0
        while i + 16 <= n {
            raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: i * 4, as: V.self) * inv, toByteOffset: i * 4, as: V.self)
            i += 16
        }
        let s = 1 / sum
        while i < n { p[i] *= s; i += 1 }
    }

    /// LayerNorm of each of `rows` rows of width `n` (a multiple of 16) in place:
    /// y = (x − mean) / sqrt(var + eps) · gamma + beta, with biased variance as PyTorch does.
    static func layerNormInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, n: Int,
                                 gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        let g = UnsafeRawPointer(gamma), b = UnsafeRawPointer(beta)
        for r in 0..<rows {
            let row = UnsafeMutableRawPointer(x + r * n)
            var s = V()
            var i = 0
            while i < n { s += row.loadUnaligned(fromByteOffset: i * 4, as: V.self); i += 16 }
            let mean = V(repeating: s.sum() / Float(n))
            var q = V()
            i = 0
            while i < n {
                let d = row.loadUnaligned(fromByteOffset: i * 4, as: V.self) - mean
                q += d * d
                i += 16
            }
            let inv = V(repeating: 1 / (q.sum() / Float(n) + eps).squareRoot())
            i = 0
            while i < n {
                let d = row.loadUnaligned(fromByteOffset: i * 4, as: V.self) - mean
                let y = d * inv * g.loadUnaligned(fromByteOffset: i * 4, as: V.self) + b.loadUnaligned(fromByteOffset: i * 4, as: V.self)
                row.storeBytes(of: y, toByteOffset: i * 4, as: V.self)
                i += 16
            }
        }
    }
}
