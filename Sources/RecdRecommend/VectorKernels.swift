/// The request path's vector loops in plain Swift SIMD.
///
/// Why not OpenBLAS here: its `saxpy` splits n > 10,000 over its thread pool, and concurrent
/// threaded calls queue on one lock — a RECOMMEND would wait behind a running EASE fit's
/// `spotri`, or wake a second core for 48 KB of work. These loops stay on the calling thread.
enum VectorKernels {
    typealias V = SIMD16<Float>

    /// y[0..<n] += a · x[0..<n].
    @inline(__always)
    static func axpy(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        let va = V(repeating: a)
        var i = 0
        while i + 16 <= n {
            let xv = rx.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            let yv = ry.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            ry.storeBytes(of: yv + va * xv, toByteOffset: i * 4, as: V.self)
            i += 16
        }
        while i < n { y[i] += a * x[i]; i += 1 }
    }

    /// Σ a[i]·b[i] over n floats.
    @inline(__always)
    static func dot(_ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var acc0 = V(), acc1 = V()
        var i = 0
        while i + 32 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: V.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            acc1 += ra.loadUnaligned(fromByteOffset: i * 4 + 64, as: V.self) * rb.loadUnaligned(fromByteOffset: i * 4 + 64, as: V.self)
            i += 32
        }
        while i + 16 <= n {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: V.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// The largest of x[0..<n] (−∞ when n = 0; +0 over −0).
    ///
    /// Compares the floats as integers: flipping the 31 low bits of a negative float's bit pattern
    /// makes signed-integer order the float order, and an integer max reduction is one vector
    /// instruction per 16 lanes. Rejected: `pointwiseMax` on `SIMD16<Float>`, which the compiler
    /// lowered to one scalar compare per lane through the stack — the largest cost of a RECOMMEND's
    /// collaborative pass (RANKING.md, "Cost").
    @inline(__always)
    static func max(_ n: Int, _ x: UnsafePointer<Float>) -> Float {
        guard n > 0 else { return -.infinity }
        var m = Int32.min
        for i in 0..<n {
            let b = Int32(bitPattern: x[i].bitPattern)
            m = Swift.max(m, b ^ ((b >> 31) & 0x7fff_ffff))
        }
        return Float(bitPattern: UInt32(bitPattern: m ^ ((m >> 31) & 0x7fff_ffff)))
    }

    /// out[i] = a·x[i] + b·y[i] over n floats (y may be shorter: missing entries count as 0).
    @inline(__always)
    static func combine(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ b: Float, _ y: UnsafePointer<Float>, yCount: Int,
                        into out: UnsafeMutablePointer<Float>) {
        let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y), ro = UnsafeMutableRawPointer(out)
        let va = V(repeating: a), vb = V(repeating: b)
        let both = Swift.min(n, yCount)
        var i = 0
        while i + 16 <= both {
            let v = va * rx.loadUnaligned(fromByteOffset: i * 4, as: V.self) + vb * ry.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            ro.storeBytes(of: v, toByteOffset: i * 4, as: V.self)
            i += 16
        }
        while i < both { out[i] = a * x[i] + b * y[i]; i += 1 }
        while i < n { out[i] = a * x[i]; i += 1 }
    }
}
