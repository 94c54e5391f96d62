import Foundation
import Testing
@testable import RecdModel

/// The quantised linear layer (per-row int8 weights × per-row u8 activations through oneDNN) against an
/// exact (Double) x·Wᵀ + b on random matrices.
@Suite struct Int8GEMMTests {
    /// Deterministic uniform floats in [lo, hi).
    struct Random {
        var state: UInt64
        mutating func next(_ lo: Float, _ hi: Float) -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return lo + (hi - lo) * Float(state >> 40) / Float(1 << 24)
        }
        mutating func matrix(_ count: Int, _ lo: Float, _ hi: Float) -> [Float] { (0..<count).map { _ in next(lo, hi) } }
    }

    /// Exact y = x·Wᵀ + b (+ prior when accumulating), in Double.
    static func reference(x: [Float], w: [Float], b: [Float], m: Int, n: Int, k: Int, prior: [Float]? = nil) -> [Float] {
        var y = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = Double(b[j]) + Double(prior?[i * n + j] ?? 0)
                for c in 0..<k { s += Double(x[i * k + c]) * Double(w[j * k + c]) }
                y[i * n + j] = Float(s)
            }
        }
        return y
    }

    /// ‖got − want‖ / ‖want‖.
    static func relativeError(_ got: [Float], _ want: [Float]) -> Float {
        var d: Float = 0, r: Float = 0
        for (g, w) in zip(got, want) { d += (g - w) * (g - w); r += w * w }
        return (d / r).squareRoot()
    }

    static func run(x: [Float], w: [Float], b: [Float], m: Int, n: Int, k: Int, path: Int8Path = .current,
                    prior: [Float]? = nil) throws -> [Float] {
        let layer = try w.withUnsafeBufferPointer { wp in
            try b.withUnsafeBufferPointer { bp in
                try QuantizedLinear(weight: wp.baseAddress!, bias: bp.baseAddress!, n: n, k: k, weightMax: path.weightMax)
            }
        }
        let scratch = Int8Scratch(maxRows: m, maxWidth: max(n, k))
        var out = prior ?? [Float](repeating: .nan, count: m * n)
        let ok = withExtendedLifetime(b) {
            x.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer {
                    layer.apply(x: xp.baseAddress!, rows: m, scratch: scratch, activationMax: path.activationMax,
                                out: $0.baseAddress!, accumulate: prior != nil)
                }
            }
        }
        #expect(ok, "oneDNN matmul failed")
        return out
    }

    /// Tolerance: 8-bit weights and activations give about 0.5–1% relative error on random data;
    /// 2% is the stated bound (a wrong zero point or scale gives errors of order 100%).
    static let tolerance: Float = 0.02

    /// (m, k, n): single rows, the model's shapes, odd tails in every dimension, and m across the
    /// 64-row block and 16-row bucket boundaries.
    @Test(arguments: [(1, 16, 16), (12, 384, 1152), (37, 1536, 384), (5, 100, 37), (1, 3, 1), (1, 383, 385),
                      (17, 7, 129), (63, 40, 24), (64, 384, 384), (65, 33, 17), (130, 96, 1536)])
    func matchesExactProduct(shape: (Int, Int, Int)) throws {
        let (m, k, n) = shape
        var rng = Random(state: UInt64(m * 1_000_003 + k * 1009 + n))
        let x = rng.matrix(m * k, -2, 2), w = rng.matrix(n * k, -0.1, 0.1), b = rng.matrix(n, -1, 1)
        let got = try Self.run(x: x, w: w, b: b, m: m, n: n, k: k)
        let want = Self.reference(x: x, w: w, b: b, m: m, n: n, k: k)
        let err = Self.relativeError(got, want)
        #expect(err <= Self.tolerance, "\(m)×\(k)·\(k)×\(n): relative error \(err)")
        #expect(!got.contains { $0.isNaN }, "every output cell must be written")
    }

    @Test func accumulateAddsToTheResidual() throws {
        let m = 9, k = 64, n = 48
        var rng = Random(state: 7)
        let x = rng.matrix(m * k, -1, 1), w = rng.matrix(n * k, -0.2, 0.2), b = rng.matrix(n, -1, 1)
        let prior = rng.matrix(m * n, 10, 20)
        let got = try Self.run(x: x, w: w, b: b, m: m, n: n, k: k, prior: prior)
        let want = Self.reference(x: x, w: w, b: b, m: m, n: n, k: k, prior: prior)
        let delta = zip(got, prior).map { $0 - $1 }, wantDelta = zip(want, prior).map { $0 - $1 }
        #expect(Self.relativeError(delta, wantDelta) <= Self.tolerance)
    }

    /// The 7-bit-weight fallback (CPUs without VNNI) is less precise but still within the bound.
    @Test func sevenBitWeightsWithinTolerance() throws {
        let path = Int8Path(cpu: CPUFeatures(cpuinfo: "flags\t\t: sse4_2 avx2 avx512f\n"))
        #expect(path.weightMax == 63)
        let m = 12, k = 384, n = 384
        var rng = Random(state: 99)
        let x = rng.matrix(m * k, -3, 3), w = rng.matrix(n * k, -0.1, 0.1), b = rng.matrix(n, -1, 1)
        let err = Self.relativeError(try Self.run(x: x, w: w, b: b, m: m, n: n, k: k, path: path),
                                     Self.reference(x: x, w: w, b: b, m: m, n: n, k: k))
        #expect(err <= Self.tolerance, "relative error \(err)")
    }

    /// The fused feed-forward block (`Int8FeedForward`) against exact x + GELU(x·W1ᵀ + b1)·W2ᵀ + b2, on
    /// row counts across the block boundary and odd widths.
    @Test(arguments: [(1, 32, 96), (12, 384, 1536), (65, 48, 200), (130, 17, 33)])
    func fusedFeedForwardMatchesExact(shape: (Int, Int, Int)) throws {
        let (m, h, f) = shape
        var rng = Random(state: UInt64(m * 31 + h * 7 + f))
        let x = rng.matrix(m * h, -2, 2)
        let w1 = rng.matrix(f * h, -0.15, 0.15), b1 = rng.matrix(f, -0.5, 0.5)
        let w2 = rng.matrix(h * f, -0.1, 0.1), b2 = rng.matrix(h, -0.5, 0.5)
        let (up, down) = try w1.withUnsafeBufferPointer { w1p in try w2.withUnsafeBufferPointer { w2p in
            try b1.withUnsafeBufferPointer { b1p in try b2.withUnsafeBufferPointer { b2p in
                (try QuantizedLinear(weight: w1p.baseAddress!, bias: b1p.baseAddress!, n: f, k: h),
                 try QuantizedLinear(weight: w2p.baseAddress!, bias: b2p.baseAddress!, n: h, k: f))
            } }
        } }
        let scratch = Int8Scratch(maxRows: m, maxWidth: max(h, f))
        var got = x
        let ok = withExtendedLifetime((b1, b2)) {
            got.withUnsafeMutableBufferPointer {
                Int8FeedForward.apply(up: up, down: down, x: $0.baseAddress!, rows: m, scratch: scratch, activationMax: 255)
            }
        }
        #expect(ok)
        var hidden = Self.reference(x: x, w: w1, b: b1, m: m, n: f, k: h)
        hidden = hidden.map { v in Float(0.5 * Double(v) * (1 + erf(Double(v) / 2.0.squareRoot()))) }
        let want = Self.reference(x: hidden, w: w2, b: b2, m: m, n: h, k: f, prior: x)
        let delta = zip(got, x).map { $0 - $1 }, wantDelta = zip(want, x).map { $0 - $1 }
        let err = Self.relativeError(delta, wantDelta)
        #expect(err <= Self.tolerance, "\(m) rows, h \(h), f \(f): relative error \(err)")
    }
}
