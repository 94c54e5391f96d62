import CDNNL
import CRecdKernels

/// One linear layer y = x·Wᵀ + b with W quantised to int8, one symmetric fp32 scale per output row.
///
/// W[j, ·] ≈ wScale[j] · qW[j, ·] with qW in -wmax...wmax (wmax = 127, or 63 without VNNI; never -128).
/// At run time each activation row i is quantised asymmetrically, x[i, ·] ≈ aScale[i] · (qA[i, ·] − z[i]),
/// qA in 0...activationMax, and
///
///     y[i, j] = aScale[i] · wScale[j] · (Σₖ qA[i,k]·qW[j,k] − z[i] · colSum[j]) + b[j],
///
/// where the s32 sum comes from a oneDNN matmul primitive (`Int8Matmul`) and colSum[j] = Σₖ qW[j,k] is
/// precomputed here (`recd_i8_quantize_weights`). Subtracting the zero-point term in s32 (before converting to float) keeps it exact: |sum| ≤ k·255·127 ≈ 5·10⁷ for
/// k = 1536, beyond fp32's 2²⁴ but well inside s32. Per-row scales and zero points are why the
/// dequantisation is recd's own epilogue rather than oneDNN's (its matmul takes one src zero point and
/// per-column output scales only).
///
/// `@unchecked Sendable`: the buffers are written only in `init` and read-only afterwards; oneDNN reads
/// the reordered weights concurrently from every worker.
public final class QuantizedLinear: @unchecked Sendable {
    /// Output features (rows of W).
    public let n: Int
    /// Input features (columns of W).
    public let k: Int
    /// Quantised weights, [n, k] row-major (kept for tests and for packing; the products read `packed` or `recdWeights`).
    let weights: UnsafeMutablePointer<Int8>
    /// Which code computes the products (`Int8Kernel`): it decides which packed form exists.
    let kernel: Int8Kernel
    /// For `.onednn`: the weights in the matmul primitive's preferred (blocked) layout, reordered once here.
    private let packed: UnsafeMutableRawPointer?
    /// For `.onednn`: oneDNN memory object over `packed`.
    let packedMemory: dnnl_memory_t?
    /// For `.recd`: the weights in `recd_i8_gemm`'s 16-column panels, packed once here.
    let recdWeights: UnsafeMutablePointer<Int8>?
    /// The primitives for this shape (shared by every layer of the same shape; run only for `.onednn`).
    let matmul: Int8Matmul
    /// Per-output-row scale, [n].
    let scales: UnsafeMutablePointer<Float>
    /// Per-output-row sum of the quantised weights, [n].
    let colSums: UnsafeMutablePointer<Int32>
    /// fp32 bias, [n]; a view into the shared fp32 weights (or owned by the caller; see `init`).
    let bias: UnsafePointer<Float>

    /// Quantises `weight` ([n, k] row-major fp32) and reorders it for a matmul made for this shape alone
    /// (`Int8Weights` shares one per shape across layers instead). `bias` ([n]) is referenced, not copied: it must outlive this object (it does for views
    /// into `Weights`, which the model keeps alive). `weightMax` defaults to this machine's path (127 with
    /// VNNI, 63 without, where ±127 would saturate oneDNN's 16-bit pair sums). Throws `.int8Failed` if
    /// oneDNN cannot run this shape.
    public convenience init(weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, n: Int, k: Int,
                            weightMax: Int32 = Int8Path.current.weightMax) throws {
        let matmul = try Int8Matmul(n: n, k: k)
        try self.init(weight: weight, bias: bias, n: n, k: k, weightMax: weightMax, matmul: matmul,
                      kernel: Int8Kernel.forLayer(n: n, k: k, matmul: matmul, weightMax: weightMax))
    }

    init(weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, n: Int, k: Int, weightMax: Int32, matmul: Int8Matmul,
         kernel: Int8Kernel) throws {
        precondition(matmul.n == n && matmul.k == k, "matmul for \(matmul.n)×\(matmul.k) given a \(n)×\(k) layer")
        precondition(kernel == .onednn || (weightMax <= 63 && recd_i8_packable(Int32(n), Int32(k)) != 0),
                     "recd's int8 GEMM needs 7-bit weights and a 16-column panel shape, given ±\(weightMax) and \(n)×\(k)")
        self.matmul = matmul
        self.kernel = kernel
        self.n = n
        self.k = k
        self.bias = bias
        weights = UnsafeMutableRawPointer.allocate(byteCount: max(n * k, 64), alignment: 64).bindMemory(to: Int8.self, capacity: n * k)
        scales = .allocate(capacity: n)
        colSums = .allocate(capacity: n)
        recd_i8_quantize_weights(weight, Int32(n), Int32(k), weightMax, weights, scales, colSums)
        if kernel == .recd {
            let bytes = recd_i8_packed_bytes(Int32(n), Int32(k))
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64).bindMemory(to: Int8.self, capacity: bytes)
            recd_i8_pack_weights(weights, Int32(n), Int32(k), buffer)
            recdWeights = buffer
            packed = nil
            packedMemory = nil
            return
        }
        recdWeights = nil
        do {
            let (buffer, memory) = try Self.reorder(weights, n: n, k: k, into: matmul.weightsDesc)
            packed = buffer
            packedMemory = memory
        } catch {
            weights.deallocate(); scales.deallocate(); colSums.deallocate()
            throw error
        }
    }

    /// Copies the row-major s8 weights [n, k] (oneDNN dims [k, n], tag `ba`) into a new buffer in layout `desc`.
    private static func reorder(_ w: UnsafeMutablePointer<Int8>, n: Int, k: Int,
                                into desc: dnnl_memory_desc_t) throws -> (UnsafeMutableRawPointer, dnnl_memory_t) {
        let engine = try DNNL.cpuEngine()
        var from = try DNNL.plain(rows: k, cols: n, dnnl_s8, transposed: true)
        var to = desc
        let bytes = dnnl_memory_desc_get_size(&to)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: max(bytes, 64))
        var src: dnnl_memory_t?, dst: dnnl_memory_t?, pd: dnnl_primitive_desc_t?, prim: dnnl_primitive_t?, stream: dnnl_stream_t?
        defer {
            if let src { dnnl_memory_destroy(src) }
            if let prim { dnnl_primitive_destroy(prim) }
            if let pd { dnnl_primitive_desc_destroy(pd) }
            if let stream { dnnl_stream_destroy(stream) }
        }
        do {
            try DNNL.check(dnnl_memory_create(&src, &from, engine, UnsafeMutableRawPointer(w)), "dnnl_memory_create(weights)")
            try DNNL.check(dnnl_memory_create(&dst, &to, engine, buffer), "dnnl_memory_create(packed weights)")
            try DNNL.check(dnnl_reorder_primitive_desc_create(&pd, &from, engine, &to, engine, nil), "weights reorder [\(n), \(k)]")
            try DNNL.check(dnnl_primitive_create(&prim, pd), "dnnl_primitive_create(reorder)")
            try DNNL.check(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "dnnl_stream_create")
            var args = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: src), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: dst)]
            try DNNL.check(dnnl_primitive_execute(prim, stream, 2, &args), "weights reorder")
            try DNNL.check(dnnl_stream_wait(stream), "dnnl_stream_wait")
        } catch {
            if let dst { dnnl_memory_destroy(dst) }
            buffer.deallocate()
            throw error
        }
        return (buffer, dst!)
    }

    deinit {
        if let packedMemory { dnnl_memory_destroy(packedMemory) }
        packed?.deallocate()
        recdWeights?.deallocate()
        weights.deallocate()
        scales.deallocate()
        colSums.deallocate()
    }

    /// out[m×n] = x[m×k]·Wᵀ + b, or out += that when `accumulate` (for residual connections).
    ///
    /// `x` rows are `k` floats apart and `out` rows `n` floats apart. Rows run in blocks of
    /// `Int8Matmul.rowBlock`: quantise the block, multiply, dequantise, so the block's codes and s32
    /// product stay in cache. Allocates nothing (after the scratch's first call with this shape).
    /// Returns false only if oneDNN reports an error.
    @discardableResult
    public func apply(x: UnsafePointer<Float>, rows m: Int, scratch: Int8Scratch, activationMax: Int32,
                      out: UnsafeMutablePointer<Float>, accumulate: Bool) -> Bool {
        precondition(k <= scratch.maxWidth && n <= scratch.maxWidth,
                     "int8 scratch of width \(scratch.maxWidth) is too small for a \(n)×\(k) layer")
        var start = 0
        while start < m {
            let rows = min(Int8Matmul.rowBlock, m - start)
            ActivationQuantizer.quantizeRows(x + start * k, rows: rows, width: k, qmax: activationMax, into: scratch.activations,
                                             scales: scratch.rowScales, zeroPoints: scratch.rowZeroPoints)
            guard product(rows: rows, scratch: scratch) else { return false }
            dequantize(rows: rows, scratch: scratch, out: out + start * n, accumulate: accumulate)
            start += rows
        }
        return true
    }

    /// `scratch.product` (s32 [rows, n]) = the block's u8 codes [rows, k] in `source` · this layer's s8
    /// weights, by `kernel`: recd's GEMM on exactly `rows` rows, or oneDNN's primitive for the bucket
    /// holding them (its padding rows computed, never read). `rows` ≤ `Int8Matmul.rowBlock`. Returns false
    /// only if oneDNN reports an error.
    @inline(__always)
    func product(rows: Int, scratch: Int8Scratch, source: Int8Scratch.Buffer = .activations) -> Bool {
        if let recdWeights {
            let codes = source == .hiddenCodes ? scratch.hiddenCodes : scratch.activations
            // With the intra-op helper when this is the only pass in the process (as the fp32 GEMMs).
            recd_i8_gemm_auto(codes, Int32(rows), Int32(k), Int32(k), recdWeights, Int32(n), scratch.product, Int32(n))
            return true
        }
        let bucket = Int8Matmul.bucket(rows: rows)
        return matmul.run(bucket: bucket.index, rows: bucket.rows, weights: packedMemory!, scratch: scratch, source: source)
    }
}
