/// Vectorised elementwise kernels of the forward pass.
///
/// libm's scalar `expf`/`erff` cost ~10 ns each; a 12-token query needs ~110k GELU evaluations,
/// so scalar calls alone would eat a third of the latency budget. These use SIMD16 polynomials instead.
enum VectorMath {
    typealias V = SIMD16<Float>

    /// Lanes for exp/GELU: 8 floats. Without target flags Swift emits SSE code, where SIMD16 needs
    /// 4 registers per value and spills; SIMD8 keeps the polynomial in registers.
    typealias E = SIMD8<Float>
    typealias U = SIMD8<UInt32>

    /// e^x for each lane, relative error below 2e-7 on [-87, 88]; inputs outside are clamped.
    /// Only lane-parallel operations (no per-lane selects), so it compiles to straight vector code.
    @inline(__always)
    static func exp(_ x: E) -> E {
        let x = pointwiseMin(pointwiseMax(x, E(repeating: -87.0)), E(repeating: 88.0))
        // n = round(x / ln 2) using the 1.5·2^23 trick: the integer lands in the low mantissa bits.
        let shifter = E(repeating: 12_582_912.0)
        let shifted = x * E(repeating: 1.442_695_04) + shifter
        let n = shifted - shifter
        // r = x − n·ln2, split into a high and a low part for accuracy (Cody–Waite).
        var r = x - n * E(repeating: 0.693_145_751_953_125)
        r = r - n * E(repeating: 1.428_606_765_330_187e-06)
        // e^r on |r| ≤ ln2/2 by its Taylor series to degree 6 (truncation error < 1.3e-7 relative).
        var p = E(repeating: 1.0 / 720.0)
        p = p * r + E(repeating: 1.0 / 120.0)
        p = p * r + E(repeating: 1.0 / 24.0)
        p = p * r + E(repeating: 1.0 / 6.0)
        p = p * r + E(repeating: 0.5)
        p = p * r + E(repeating: 1.0)
        p = p * r + E(repeating: 1.0)
        // 2^n: the integer sits in the low bits of `shifted`; move it into the exponent field.
        let bits = (unsafeBitCast(shifted, to: U.self) &- U(repeating: 0x4B40_0000 - 127)) &<< U(repeating: 23)
        return p * unsafeBitCast(bits, to: E.self)
    }

    /// GELU in its erf form, 0.5·x·(1 + erf(x/√2)), with erf from Abramowitz & Stegun 7.1.26
    /// (absolute error ≤ 1.5e-7). |z| and the sign are handled with bit masks instead of selects.
    @inline(__always)
    static func gelu(_ x: E) -> E {
        let z = x * E(repeating: 0.707_106_781_186_547_5)
        let zBits = unsafeBitCast(z, to: U.self)
        let sign = zBits & U(repeating: 0x8000_0000)
        let az = unsafeBitCast(zBits & U(repeating: 0x7FFF_FFFF), to: E.self)
        let t = E(repeating: 1) / (E(repeating: 1) + E(repeating: 0.327_591_1) * az)
        var poly = E(repeating: 1.061_405_429)
        poly = poly * t + E(repeating: -1.453_152_027)
        poly = poly * t + E(repeating: 1.421_413_741)
        poly = poly * t + E(repeating: -0.284_496_736)
        poly = poly * t + E(repeating: 0.254_829_592)
        poly = poly * t
        let erfAbs = E(repeating: 1) - poly * exp(E() - az * az)
        let erf = unsafeBitCast(unsafeBitCast(erfAbs, to: U.self) | sign, to: E.self)
        return E(repeating: 0.5) * x * (E(repeating: 1) + erf)
    }

    /// Applies GELU in place to `count` floats; `count` must be a multiple of 8.
    static func geluInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(p)
        var i = 0
        while i < count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: E.self)
            raw.storeBytes(of: gelu(v), toByteOffset: i * 4, as: E.self)
            i += 8
        }
    }

    /// Softmax in place over `n` floats (any n ≥ 1); the tail is padded with −∞ lanes.
    static func softmaxInPlace(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        let raw = UnsafeMutableRawPointer(p)
        var maxV = E(repeating: -.infinity)
        var i = 0
        while i + 8 <= n {
            maxV = pointwiseMax(maxV, raw.loadUnaligned(fromByteOffset: i * 4, as: E.self))
            i += 8
        }
        var m = maxV.max()
        while i < n { m = Swift.max(m, p[i]); i += 1 }
        let mv = E(repeating: m)
        var sumV = E()
        i = 0
        while i + 8 <= n {
            let e = exp(raw.loadUnaligned(fromByteOffset: i * 4, as: E.self) - mv)
            raw.storeBytes(of: e, toByteOffset: i * 4, as: E.self)
            sumV += e
            i += 8
        }
        var sum = sumV.sum()
        if i < n {
            var tail = E(repeating: -.infinity)
            for j in 0..<(n - i) { tail[j] = p[i + j] }
            let e = exp(tail - mv)
            for j in 0..<(n - i) { p[i + j] = e[j]; sum += e[j] }
        }
        let inv = E(repeating: 1 / sum)
        i = 0
        while i + 8 <= n {
            raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: i * 4, as: E.self) * inv, toByteOffset: i * 4, as: E.self)
            i += 8
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
