/// One linear layer y = x·Wᵀ + b with W quantised to int8, one symmetric fp32 scale per output row.
///
/// W[j, ·] ≈ wScale[j] · qW[j, ·] with qW in -wmax...wmax (wmax = 127, or 63 without VNNI; never -128).
/// At run time each activation row i is quantised asymmetrically, x[i, ·] ≈ aScale[i] · (qA[i, ·] − z[i]),
/// qA in 0...activationMax, and
///
///     y[i, j] = aScale[i] · wScale[j] · (Σₖ qA[i,k]·qW[j,k] − z[i] · colSum[j]) + b[j],
///
/// where the s32 sum comes from oneDNN and colSum[j] = Σₖ qW[j,k] is precomputed here. Subtracting the
/// zero-point term in s32 (before converting to float) keeps it exact: |sum| ≤ k·255·127 ≈ 5·10⁷ for
/// k = 1536, beyond fp32's 2²⁴ but well inside s32. Per-row zero points are why oneDNN's single `ao`
/// offset is not used.
///
/// `@unchecked Sendable`: the buffers are written only in `init` and read-only afterwards.
public final class QuantizedLinear: @unchecked Sendable {
    /// Output features (rows of W).
    public let n: Int
    /// Input features (columns of W).
    public let k: Int
    /// Quantised weights, [n, k] row-major.
    let weights: UnsafeMutablePointer<Int8>
    /// Per-output-row scale, [n].
    let scales: UnsafeMutablePointer<Float>
    /// Per-output-row sum of the quantised weights, [n].
    let colSums: UnsafeMutablePointer<Int32>
    /// fp32 bias, [n]; a view into the shared fp32 weights (or owned by the caller; see `init`).
    let bias: UnsafePointer<Float>

    /// Quantises `weight` ([n, k] row-major fp32). `bias` ([n]) is referenced, not copied: it must outlive
    /// this object (it does for views into `Weights`, which the model keeps alive).
    public init(weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, n: Int, k: Int, weightMax: Int32 = 127) {
        self.n = n
        self.k = k
        self.bias = bias
        weights = UnsafeMutableRawPointer.allocate(byteCount: max(n * k, 64), alignment: 64).bindMemory(to: Int8.self, capacity: n * k)
        scales = .allocate(capacity: n)
        colSums = .allocate(capacity: n)
        for j in 0..<n {
            let row = weight + j * k
            var maxAbs: Float = 0
            for c in 0..<k { maxAbs = max(maxAbs, abs(row[c])) }
            let qmax = Float(weightMax)
            let scale = maxAbs > 0 ? maxAbs / qmax : 1
            let inv = 1 / scale
            var sum: Int32 = 0
            for c in 0..<k {
                let q = Int8(max(-qmax, min(qmax, (row[c] * inv).rounded(.toNearestOrEven))))
                weights[j * k + c] = q
                sum += Int32(q)
            }
            scales[j] = scale
            colSums[j] = sum
        }
    }

    deinit {
        weights.deallocate()
        scales.deallocate()
        colSums.deallocate()
    }

    /// out[m×n] = x[m×k]·Wᵀ + b, or out += that when `accumulate` (for residual connections).
    ///
    /// `x` rows are `k` floats apart and `out` rows `n` floats apart. Allocates nothing: the quantised
    /// activations and the s32 product live in `scratch`, which must hold `m` rows of max(k, n).
    /// Returns false only if oneDNN reports an error.
    @discardableResult
    public func apply(x: UnsafePointer<Float>, rows m: Int, scratch: Int8Scratch, activationMax: Int32,
                      out: UnsafeMutablePointer<Float>, accumulate: Bool) -> Bool {
        precondition(m <= scratch.maxRows && k <= scratch.maxWidth && n <= scratch.maxWidth,
                     "int8 scratch of \(scratch.maxRows)×\(scratch.maxWidth) is too small for \(m)×\(max(k, n))")
        ActivationQuantizer.quantizeRows(x, rows: m, width: k, qmax: activationMax, into: scratch.activations,
                                         scales: scratch.rowScales, zeroPoints: scratch.rowZeroPoints)
        guard Int8GEMM.gemmNT(m: m, n: n, k: k, a: scratch.activations, lda: k, b: weights, ldb: k,
                              c: scratch.product, ldc: n) else { return false }
        dequantize(rows: m, scratch: scratch, out: out, accumulate: accumulate)
        return true
    }
}
