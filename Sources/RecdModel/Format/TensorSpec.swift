/// Element type of a stored tensor.
public enum TensorDType: UInt8, Sendable, Equatable, CustomStringConvertible {
    /// IEEE 754 binary32, little-endian.
    case f32 = 0
    /// Two's-complement 64-bit integer, little-endian (only read from safetensors; recd drops such tensors).
    case i64 = 1
    /// Signed 8-bit integer (reserved for quantised weights).
    case i8 = 2

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f32: 4
        case .i64: 8
        case .i8: 1
        }
    }

    public var description: String {
        switch self {
        case .f32: "f32"
        case .i64: "i64"
        case .i8: "i8"
        }
    }
}

/// Name, element type and shape of a tensor; what the loader expects and what a file declares.
public struct TensorSpec: Sendable, Equatable {
    /// Tensor name, e.g. `encoder.layer.3.attention.output.dense.weight`.
    public var name: String
    /// Element type.
    public var dtype: TensorDType
    /// Shape, outermost dimension first (Hugging Face linear weights are [out, in]).
    public var shape: [Int]

    public init(name: String, dtype: TensorDType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    /// Number of elements.
    public var elementCount: Int { shape.reduce(1, *) }
    /// Size in bytes when uncompressed.
    public var byteCount: Int { elementCount * dtype.size }

    /// Throws `.shapeMismatch` unless `found` has this spec's dtype and shape, in the llama2.c/GGUF style:
    /// `tensor 'X': expected [384, 384] f32, found [384, 383] f32`.
    func check(_ found: TensorSpec) throws {
        guard found.dtype == dtype, found.shape == shape else {
            throw ModelError(.shapeMismatch, "tensor '\(name)': expected \(shape) \(dtype), found \(found.shape) \(found.dtype)")
        }
    }
}
