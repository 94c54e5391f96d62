import CRecdKernels

/// Elementwise and row kernels of the forward pass (fp32 and int8 share them).
///
/// The bodies are C (CRecdKernels `recd_ops.h`): AVX-512 with masked tails when the CPU has it, a libm
/// loop otherwise. The Swift SIMD versions they replace ran at SSE width (Swift emits no AVX code
/// without target flags) and cost ~15 % of a query; see FORMAT.md, "Non-GEMM kernels".
enum VectorMath {
    /// Applies GELU (erf form, 0.5·x·(1 + erf(x/√2))) in place to `count` floats.
    @inline(__always)
    static func geluInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) {
        recd_gelu(p, count)
    }

    /// Softmax in place over `n` floats (any n ≥ 1).
    @inline(__always)
    static func softmaxInPlace(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        recd_softmax(p, Int32(n))
    }

    /// LayerNorm of each of `rows` rows of width `n` in place:
    /// y = (x − mean) / sqrt(var + eps) · gamma + beta, with biased variance as PyTorch does.
    @inline(__always)
    static func layerNormInPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, n: Int,
                                 gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        recd_layer_norm(x, Int32(rows), Int32(n), gamma, beta, eps)
    }
}

/// Test hooks for the C elementwise kernels (accuracy is checked against libm in double precision).
public enum ElementwiseKernels {
    /// e^x for each element of `x` (the kernel softmax uses).
    public static func exp(_ x: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        recd_exp(x, &y, x.count)
        return y
    }

    /// 1 + erf(x) for each element of `x` (the kernel GELU uses).
    public static func onePlusErf(_ x: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        recd_one_plus_erf(x, &y, x.count)
        return y
    }

    /// GELU of each element of `x`.
    public static func gelu(_ x: [Float]) -> [Float] {
        var y = x
        y.withUnsafeMutableBufferPointer { recd_gelu($0.baseAddress!, $0.count) }
        return y
    }

    /// Softmax of `x`.
    public static func softmax(_ x: [Float]) -> [Float] {
        var y = x
        y.withUnsafeMutableBufferPointer { VectorMath.softmaxInPlace($0.baseAddress!, count: $0.count) }
        return y
    }

    /// LayerNorm of each of `rows` rows of width `n` of `x`.
    public static func layerNorm(_ x: [Float], rows: Int, n: Int, gamma: [Float], beta: [Float], eps: Float) -> [Float] {
        var y = x
        y.withUnsafeMutableBufferPointer { VectorMath.layerNormInPlace($0.baseAddress!, rows: rows, n: n, gamma: gamma, beta: beta, eps: eps) }
        return y
    }

    /// Multi-head attention over one sequence: `qkv` is [len, 3·heads·d] (Q|K|V per row), returns
    /// the context [len, heads·d].
    public static func attention(qkv: [Float], len: Int, heads: Int, d: Int) -> [Float] {
        let h = heads * d
        var ctx = [Float](repeating: 0, count: len * h)
        let scratchCount = recd_attention_scratch_floats(Int32(len), Int32(d))
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(scratchCount, 16) * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(scratchCount, 16))
        defer { scratch.deallocate() }
        qkv.withUnsafeBufferPointer { p in
            let q = p.baseAddress!
            recd_attention(Int32(len), Int32(heads), Int32(d), 1 / Float(d).squareRoot(), q, q + h, q + 2 * h,
                           Int32(3 * h), &ctx, Int32(h), scratch)
        }
        return ctx
    }
}
