import CDNNL

/// Per-worker scratch for the int8 linear layers: one row block's quantised activations, their per-row
/// scales and zero points, the block's s32 product, and this worker's oneDNN stream, memory objects and
/// scratchpad. Allocated once (part of `EncoderWorkspace` for an int8 model); the memory objects for a
/// layer shape are made on its first call, so the forward pass allocates nothing after the first run.
///
/// Not Sendable: one per worker thread, like the workspace that owns it.
public final class Int8Scratch {
    /// OpenMP threads per oneDNN call of the forward passes run with this scratch: the int8 pass sets
    /// the calling thread's count to it before its first matmul (OpenMP's count is per calling thread,
    /// and a worker may never have set its own). Default ``Int8GEMM/defaultThreadsPerCall``.
    public var ompThreads: Int = Int8GEMM.defaultThreadsPerCall
    /// Rows a call may pass (informational: calls are cut into blocks of `Int8Matmul.rowBlock` rows).
    public let maxRows: Int
    /// Widest input or output of any layer (max(k, n)).
    public let maxWidth: Int
    /// Rows held: one block (padding rows of a bucket included).
    let blockRows: Int
    /// Quantised activations of one block, [blockRows, k].
    let activations: UnsafeMutablePointer<UInt8>
    /// s32 products of one block, [blockRows, n].
    let product: UnsafeMutablePointer<Int32>
    /// Per-row activation scale, [blockRows].
    let rowScales: UnsafeMutablePointer<Float>
    /// Per-row activation zero point, [blockRows].
    let rowZeroPoints: UnsafeMutablePointer<Int32>
    /// The feed-forward block's second input: u8 codes of GELU(x·W1ᵀ + b1), [blockRows, maxWidth], with
    /// their per-row scales and zero points, and one fp32 row of GELU outputs (see `Int8FeedForward`).
    let hiddenCodes: UnsafeMutablePointer<UInt8>
    let hiddenScales: UnsafeMutablePointer<Float>
    let hiddenZeroPoints: UnsafeMutablePointer<Int32>
    let hiddenRow: UnsafeMutablePointer<Float>
    /// This worker's oneDNN stream (nil only if the engine could not be created; calls then fail).
    let stream: dnnl_stream_t?
    /// Execution arguments (src, weights, dst, scratchpad), rewritten per call.
    let args: UnsafeMutablePointer<dnnl_exec_arg_t>

    /// Which buffer a memory object views.
    enum Buffer: Hashable { case activations, hiddenCodes, product }
    struct Key: Hashable { var rows: Int, width: Int, buffer: Buffer }
    /// Memory objects over `activations` / `hiddenCodes` / `product` per (rows, width), made on first use.
    private var views: [Key: dnnl_memory_t] = [:]
    private var scratchpad: UnsafeMutableRawPointer?
    private var scratchpadBytes = 0
    private var scratchpadMemory: dnnl_memory_t?

    /// Allocates scratch for layers of up to `maxWidth` features in or out.
    public init(maxRows: Int, maxWidth: Int) {
        self.maxRows = max(1, maxRows)
        self.maxWidth = max(1, maxWidth)
        blockRows = Int8Matmul.rowBlock
        let cells = blockRows * self.maxWidth
        activations = UnsafeMutableRawPointer.allocate(byteCount: cells, alignment: 64).bindMemory(to: UInt8.self, capacity: cells)
        activations.initialize(repeating: 0, count: cells)
        product = UnsafeMutableRawPointer.allocate(byteCount: cells * 4, alignment: 64).bindMemory(to: Int32.self, capacity: cells)
        product.initialize(repeating: 0, count: cells)
        rowScales = .allocate(capacity: blockRows)
        rowScales.initialize(repeating: 1, count: blockRows)
        rowZeroPoints = .allocate(capacity: blockRows)
        rowZeroPoints.initialize(repeating: 0, count: blockRows)
        hiddenCodes = UnsafeMutableRawPointer.allocate(byteCount: cells, alignment: 64).bindMemory(to: UInt8.self, capacity: cells)
        hiddenCodes.initialize(repeating: 0, count: cells)
        hiddenScales = .allocate(capacity: blockRows)
        hiddenScales.initialize(repeating: 1, count: blockRows)
        hiddenZeroPoints = .allocate(capacity: blockRows)
        hiddenZeroPoints.initialize(repeating: 0, count: blockRows)
        hiddenRow = UnsafeMutableRawPointer.allocate(byteCount: self.maxWidth * 4, alignment: 64).bindMemory(to: Float.self, capacity: self.maxWidth)
        hiddenRow.initialize(repeating: 0, count: self.maxWidth)
        args = .allocate(capacity: 4)
        args.initialize(repeating: dnnl_exec_arg_t(), count: 4)
        var s: dnnl_stream_t?
        if let engine = DNNL.engine.handle, dnnl_stream_create(&s, engine, dnnl_stream_default_flags.rawValue) == dnnl_success {
            stream = s
        } else {
            stream = nil
        }
    }

    deinit {
        for m in views.values { dnnl_memory_destroy(m) }
        if let scratchpadMemory { dnnl_memory_destroy(scratchpadMemory) }
        scratchpad?.deallocate()
        if let stream { dnnl_stream_destroy(stream) }
        activations.deallocate()
        product.deallocate()
        rowScales.deallocate()
        rowZeroPoints.deallocate()
        hiddenCodes.deallocate()
        hiddenScales.deallocate()
        hiddenZeroPoints.deallocate()
        hiddenRow.deallocate()
        args.deallocate()
    }

    /// The memory objects for one bucket call: u8 [rows, k] over `source` (`activations` or
    /// `hiddenCodes`), s32 [rows, n] over `product`, and a scratchpad of at least `scratchpadBytes`.
    /// Nil if oneDNN refuses to make them.
    func memories(rows: Int, k: Int, n: Int, source: Buffer,
                  scratchpadBytes need: Int) -> (src: dnnl_memory_t, dst: dnnl_memory_t, scratchpad: dnnl_memory_t)? {
        guard stream != nil, rows <= blockRows, k <= maxWidth, n <= maxWidth, source != .product,
              let src = view(Key(rows: rows, width: k, buffer: source)),
              let dst = view(Key(rows: rows, width: n, buffer: .product)) else { return nil }
        if need > scratchpadBytes || scratchpadMemory == nil {
            if let scratchpadMemory { dnnl_memory_destroy(scratchpadMemory) }
            scratchpadMemory = nil
            scratchpad?.deallocate()
            scratchpadBytes = max(need, 64)
            scratchpad = UnsafeMutableRawPointer.allocate(byteCount: scratchpadBytes, alignment: 64)
            guard let md = try? DNNL.plain(rows: 1, cols: scratchpadBytes, dnnl_u8) else { return nil }
            scratchpadMemory = try? DNNL.memory(md, data: scratchpad!)
        }
        guard let pad = scratchpadMemory else { return nil }
        return (src, dst, pad)
    }

    private func view(_ key: Key) -> dnnl_memory_t? {
        if let m = views[key] { return m }
        let type = key.buffer == .product ? dnnl_s32 : dnnl_u8
        let data = switch key.buffer {
        case .activations: UnsafeMutableRawPointer(activations)
        case .hiddenCodes: UnsafeMutableRawPointer(hiddenCodes)
        case .product: UnsafeMutableRawPointer(product)
        }
        let made = (try? DNNL.plain(rows: key.rows, cols: key.width, type)).flatMap { try? DNNL.memory($0, data: data) }
        if let made { views[key] = made }
        return made
    }
}
