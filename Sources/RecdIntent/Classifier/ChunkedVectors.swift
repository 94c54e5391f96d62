import Foundation

/// The long-vector kernels of ``LBFGS`` (dot products, axpys, copies over every parameter) on
/// `threads` threads.
///
/// The vector is cut into fixed chunks of ``chunk`` floats whatever the thread count; each thread
/// takes a contiguous run of chunks, and a dot product adds the chunks' partial sums in chunk order.
/// So the result is bitwise the same on one thread or eight, and a model trained with another
/// `threads` setting differs only through the objective's shards (``SoftmaxObjective``). Once the
/// objective used both cores, these passes over ~10⁶ parameters (20 dot products and 20 axpys per
/// iteration for 10 correction pairs) were the serial part of an iteration.
struct ChunkedVectors {
    /// Floats per chunk: a multiple of the 4096-float blocks after which a dot product moves its
    /// Float accumulator into a Double, so long sums keep Double accuracy.
    static let chunk = 1 << 14
    let count: Int
    let threads: Int
    let chunks: Int
    /// One partial sum per chunk (a dot product at a time).
    private let partial: UnsafeMutablePointer<Double>

    init(count: Int, threads: Int) {
        self.count = count
        chunks = max(1, (count + Self.chunk - 1) / Self.chunk)
        // Two chunks at least per thread, so the dispatch is worth it.
        self.threads = max(1, min(threads, chunks / 2))
        partial = .allocate(capacity: chunks)
        partial.initialize(repeating: 0, count: chunks)
    }

    func free() { partial.deallocate() }

    /// Calls `body` on the element range of every chunk, the chunks spread over the threads.
    func forEachChunk(_ body: @Sendable (Int, Range<Int>) -> Void) {
        let n = count, c = chunks, t = threads, size = Self.chunk
        if t == 1 {
            for k in 0..<c { body(k, (k * size) ..< min(n, (k + 1) * size)) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: t) { thread in
            for k in (thread * c / t) ..< ((thread + 1) * c / t) {
                body(k, (k * size) ..< min(n, (k + 1) * size))
            }
        }
    }

    /// Σ a[i]·b[i].
    func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Double {
        let pa = ConstFloats(a), pb = ConstFloats(b), out = Doubles(partial)
        forEachChunk { k, r in out.p[k] = Self.dot(pa.p + r.lowerBound, pb.p + r.lowerBound, r.count) }
        var total = 0.0
        for k in 0..<chunks { total += partial[k] }
        return total
    }

    /// y += alpha · x.
    func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let px = ConstFloats(x), py = Floats(y)
        forEachChunk { _, r in RecdIntent.axpy(alpha, px.p + r.lowerBound, py.p + r.lowerBound, r.count) }
    }

    /// out = a + alpha · b (`out` may be `a`).
    func combine(_ a: UnsafePointer<Float>, _ alpha: Float, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let pa = ConstFloats(a), pb = ConstFloats(b), o = Floats(out)
        forEachChunk { _, r in for i in r { o.p[i] = pa.p[i] + alpha * pb.p[i] } }
    }

    /// out = alpha · a (`out` may be `a`).
    func scale(_ a: UnsafePointer<Float>, by alpha: Float, into out: UnsafeMutablePointer<Float>) {
        let pa = ConstFloats(a), o = Floats(out)
        forEachChunk { _, r in for i in r { o.p[i] = alpha * pa.p[i] } }
    }

    /// out = a − b.
    func difference(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let pa = ConstFloats(a), pb = ConstFloats(b), o = Floats(out)
        forEachChunk { _, r in for i in r { o.p[i] = pa.p[i] - pb.p[i] } }
    }

    /// out = a.
    func copy(_ a: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let pa = ConstFloats(a), o = Floats(out)
        forEachChunk { _, r in (o.p + r.lowerBound).update(from: pa.p + r.lowerBound, count: r.count) }
    }

    /// max |a[i]| (a maximum does not depend on the order).
    func maxAbs(_ a: UnsafePointer<Float>) -> Float {
        let pa = ConstFloats(a), out = Doubles(partial)
        forEachChunk { k, r in
            var m: Float = 0
            for i in r { m = max(m, abs(pa.p[i])) }
            out.p[k] = Double(m)
        }
        var m = 0.0
        for k in 0..<chunks { m = max(m, partial[k]) }
        return Float(m)
    }

    /// Σ a[i]·b[i] over one chunk: 16 lanes in Float, moved into a Double every 4096 floats.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
        var acc = SIMD16<Float>(), tail: Float = 0
        var total = 0.0
        var k = 0
        while k + 16 <= n {
            acc += UnsafeRawPointer(a + k).loadUnaligned(as: SIMD16<Float>.self) * UnsafeRawPointer(b + k).loadUnaligned(as: SIMD16<Float>.self)
            k += 16
            if k & 4095 == 0 { total += Double(acc.sum()); acc = SIMD16<Float>() }
        }
        while k < n { tail += a[k] * b[k]; k += 1 }
        return total + Double(acc.sum()) + Double(tail)
    }
}

/// Buffers handed to the chunk workers. `@unchecked Sendable`: each worker writes only its own
/// chunks' elements (or partial-sum slots), and the caller waits for all of them.
private struct Floats: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>
    init(_ p: UnsafeMutablePointer<Float>) { self.p = p }
}

private struct ConstFloats: @unchecked Sendable {
    let p: UnsafePointer<Float>
    init(_ p: UnsafePointer<Float>) { self.p = p }
}

private struct Doubles: @unchecked Sendable {
    let p: UnsafeMutablePointer<Double>
    init(_ p: UnsafeMutablePointer<Double>) { self.p = p }
}
