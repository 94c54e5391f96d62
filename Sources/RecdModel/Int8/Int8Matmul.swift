import CDNNL

/// oneDNN matmul primitives for one linear-layer shape: P[m×n] (s32) = A[m×k] (u8) · W[k×n] (s8), with
/// W held in the layout the primitive prefers (reordered once at load, see `QuantizedLinear`).
///
/// Why primitives rather than `dnnl_gemm_u8s8s32` (session 1): the GEMM call re-packs W on every call
/// and never uses AMX. A matmul primitive created with `format_tag any` for its weights chooses oneDNN's
/// brgemm kernels (`brg:avx512_core_amx_int8` on this CPU) over weights already in their blocked layout;
/// measured 5–10× faster per layer (e.g. m=12, n=1152, k=384: 108 µs → 11 µs, one thread).
///
/// oneDNN 2.6 picks brgemm only for a compile-time M (a runtime M, `DNNL_RUNTIME_DIM_VAL`, falls back to
/// `gemm:jit`, as slow as before), so there is one primitive per row bucket: calls are cut into blocks of
/// at most `rowBlock` rows and each block runs in the smallest bucket (multiple of 16, AMX's tile height)
/// that holds it. The rows past the block's end are padding: computed, never read.
///
/// `@unchecked Sendable`: built once, read-only afterwards; oneDNN primitives may be executed from
/// several threads at once (each call brings its own stream, memory objects and scratchpad).
final class Int8Matmul: @unchecked Sendable {
    /// Rows per block: one block's s32 product (64 × 1536 × 4 bytes) stays in L2.
    static let rowBlock = 64
    /// Bucket granularity: AMX tiles are 16 rows.
    static let bucketStep = 16
    /// Output features.
    let n: Int
    /// Input features.
    let k: Int
    /// Primitive for bucket b (rows (b + 1) · bucketStep).
    private let primitives: [dnnl_primitive_t]
    /// The weights layout every bucket's primitive reads (from the largest bucket's choice).
    let weightsDesc: dnnl_memory_desc_t
    /// Largest scratchpad any bucket needs, in bytes (user-managed; see `Int8Scratch`).
    let scratchpadBytes: Int
    /// oneDNN's implementation name, e.g. `brg:avx512_core_amx_int8`.
    let implementation: String

    /// Bucket index and padded row count for a block of `rows` (1...rowBlock) rows.
    @inline(__always)
    static func bucket(rows: Int) -> (index: Int, rows: Int) {
        let b = (rows + bucketStep - 1) / bucketStep
        return (b - 1, b * bucketStep)
    }

    /// Creates the primitives for every bucket; throws `.int8Failed` naming the oneDNN call that failed.
    init(n: Int, k: Int) throws {
        self.n = n
        self.k = k
        let engine = try DNNL.cpuEngine()
        var attr: dnnl_primitive_attr_t?
        try DNNL.check(dnnl_primitive_attr_create(&attr), "dnnl_primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attr) }
        try DNNL.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "set_scratchpad_mode(user)")

        func descriptor(rows: Int, weights: dnnl_memory_desc_t?) throws -> dnnl_primitive_desc_t {
            var src = try DNNL.plain(rows: rows, cols: k, dnnl_u8)
            var dst = try DNNL.plain(rows: rows, cols: n, dnnl_s32)
            var w = dnnl_memory_desc_t()
            if let weights { w = weights } else {
                let dims: [dnnl_dim_t] = [dnnl_dim_t(k), dnnl_dim_t(n)]
                try DNNL.check(dnnl_memory_desc_init_by_tag(&w, 2, dims, dnnl_s8, dnnl_format_tag_any), "weights desc [\(k), \(n)] any")
            }
            var op = dnnl_matmul_desc_t()
            try DNNL.check(dnnl_matmul_desc_init(&op, &src, &w, nil, &dst), "dnnl_matmul_desc_init(\(rows)×\(k) · \(k)×\(n))")
            var pd: dnnl_primitive_desc_t?
            try DNNL.check(dnnl_primitive_desc_create(&pd, &op, attr, engine, nil), "matmul primitive descriptor (m=\(rows), n=\(n), k=\(k))")
            return pd!
        }

        let buckets = Self.rowBlock / Self.bucketStep
        // The largest bucket chooses the weights layout; the others are asked for exactly that layout.
        let largest = try descriptor(rows: Self.rowBlock, weights: nil)
        let wmd = dnnl_primitive_desc_query_md(largest, dnnl_query_weights_md, 0)!.pointee
        var impl: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(largest, dnnl_query_impl_info_str, 0, &impl)
        implementation = impl.map { String(cString: $0) } ?? "unknown"
        var prims: [dnnl_primitive_t] = []
        var scratch = 0
        for b in 0..<buckets {
            let rows = (b + 1) * Self.bucketStep
            let pd = rows == Self.rowBlock ? largest : try descriptor(rows: rows, weights: wmd)
            defer { dnnl_primitive_desc_destroy(pd) }
            if let s = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0) {
                var md = s.pointee
                scratch = max(scratch, dnnl_memory_desc_get_size(&md))
            }
            var p: dnnl_primitive_t?
            try DNNL.check(dnnl_primitive_create(&p, pd), "dnnl_primitive_create(matmul m=\(rows), n=\(n), k=\(k))")
            prims.append(p!)
        }
        primitives = prims
        weightsDesc = wmd
        scratchpadBytes = scratch
    }

    deinit {
        for p in primitives { dnnl_primitive_destroy(p) }
    }

    /// Runs bucket `index`'s primitive: u8 [rows, k] from `source` (`scratch.activations` unless told) ·
    /// `weights` → `scratch.product` (s32 [rows, n]). Allocates nothing after the scratch's first call
    /// with this shape.
    @inline(__always)
    func run(bucket index: Int, rows: Int, weights: dnnl_memory_t, scratch: Int8Scratch,
             source: Int8Scratch.Buffer = .activations) -> Bool {
        guard let io = scratch.memories(rows: rows, k: k, n: n, source: source, scratchpadBytes: scratchpadBytes) else { return false }
        let args = scratch.args
        args[0] = dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: io.src)
        args[1] = dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: weights)
        args[2] = dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: io.dst)
        args[3] = dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: io.scratchpad)
        return dnnl_primitive_execute(primitives[index], scratch.stream, 4, args) == dnnl_success
    }
}
