/// Per-worker scratch for the int8 linear layers: quantised activations, their per-row scales and zero
/// points, and the s32 GEMM result. Allocated once (part of `EncoderWorkspace` for an int8 model), so the
/// forward pass allocates nothing.
///
/// Not Sendable: one per worker thread, like the workspace that owns it.
public final class Int8Scratch {
    /// Most rows (tokens) one call may quantise.
    public let maxRows: Int
    /// Widest input or output of any layer (max(k, n)).
    public let maxWidth: Int
    /// Quantised activations, [maxRows, maxWidth].
    let activations: UnsafeMutablePointer<UInt8>
    /// s32 products, [maxRows, maxWidth].
    let product: UnsafeMutablePointer<Int32>
    /// Per-row activation scale, [maxRows].
    let rowScales: UnsafeMutablePointer<Float>
    /// Per-row activation zero point, [maxRows].
    let rowZeroPoints: UnsafeMutablePointer<Int32>

    /// Allocates scratch for calls of up to `maxRows` rows and `maxWidth` features in or out.
    public init(maxRows: Int, maxWidth: Int) {
        self.maxRows = max(1, maxRows)
        self.maxWidth = max(1, maxWidth)
        let cells = self.maxRows * self.maxWidth
        activations = UnsafeMutableRawPointer.allocate(byteCount: cells, alignment: 64).bindMemory(to: UInt8.self, capacity: cells)
        activations.initialize(repeating: 0, count: cells)
        product = UnsafeMutableRawPointer.allocate(byteCount: cells * 4, alignment: 64).bindMemory(to: Int32.self, capacity: cells)
        product.initialize(repeating: 0, count: cells)
        rowScales = .allocate(capacity: self.maxRows)
        rowScales.initialize(repeating: 1, count: self.maxRows)
        rowZeroPoints = .allocate(capacity: self.maxRows)
        rowZeroPoints.initialize(repeating: 0, count: self.maxRows)
    }

    deinit {
        activations.deallocate()
        product.deallocate()
        rowScales.deallocate()
        rowZeroPoints.deallocate()
    }
}
