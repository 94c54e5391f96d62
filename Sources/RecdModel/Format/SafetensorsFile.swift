import Foundation

/// A read-only view of a `.safetensors` file: 8-byte little-endian header length, a JSON header
/// mapping names to `{dtype, shape, data_offsets}`, then the raw tensor bytes.
///
/// Only F32 and I64 tensors are accepted; offsets are checked to lie inside the data section,
/// to match `shape × dtype size`, and not to overlap.
public final class SafetensorsFile: @unchecked Sendable {
    // @unchecked Sendable: immutable after init; the mapping is read-only.
    private let file: MappedFile
    private let dataStart: Int
    private var entries: [String: (spec: TensorSpec, begin: Int, end: Int)] = [:]

    /// Names of all tensors in the file, sorted.
    public var tensorNames: [String] { entries.keys.sorted() }

    /// Opens and validates the file at `path`.
    public init(path: String) throws {
        file = try MappedFile(path: path)
        guard let base = file.base, file.count >= 8 else {
            throw ModelError(.truncated, "safetensors '\(path)': file is \(file.count) bytes, shorter than the 8-byte header length")
        }
        let headerLength = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(file.count - 8) else {
            throw ModelError(.truncated, "safetensors '\(path)': header length \(headerLength) exceeds the \(file.count - 8) bytes after it")
        }
        dataStart = 8 + Int(headerLength)
        let headerData = Data(bytes: base + 8, count: Int(headerLength))
        guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw ModelError(.malformed, "safetensors '\(path)': header is not a JSON object")
        }
        let dataSize = file.count - dataStart
        var ranges: [(Int, Int, String)] = []
        for (name, value) in json where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw ModelError(.malformed, "safetensors '\(path)': tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            let dtype: TensorDType
            switch dtypeName {
            case "F32": dtype = .f32
            case "I64": dtype = .i64
            default:
                throw ModelError(.malformed, "safetensors '\(path)': tensor '\(name)' has dtype \(dtypeName); only F32 and I64 are supported")
            }
            let spec = TensorSpec(name: name, dtype: dtype, shape: shape)
            let (begin, end) = (offsets[0], offsets[1])
            guard shape.allSatisfy({ $0 >= 0 }), begin >= 0, end >= begin, end <= dataSize else {
                throw ModelError(.malformed, "safetensors '\(path)': tensor '\(name)' data_offsets [\(begin), \(end)] lie outside the \(dataSize)-byte data section")
            }
            guard end - begin == spec.byteCount else {
                throw ModelError(.malformed, "safetensors '\(path)': tensor '\(name)' spans \(end - begin) bytes but shape \(shape) \(dtype) needs \(spec.byteCount)")
            }
            entries[name] = (spec, begin, end)
            ranges.append((begin, end, name))
        }
        ranges.sort { $0.0 < $1.0 }
        for i in ranges.indices.dropFirst() where ranges[i].0 < ranges[i - 1].1 {
            throw ModelError(.malformed, "safetensors '\(path)': tensors '\(ranges[i - 1].2)' and '\(ranges[i].2)' overlap")
        }
    }

    /// The declared dtype and shape of `name`, or nil if absent.
    public func spec(_ name: String) -> TensorSpec? { entries[name]?.spec }

    /// The raw little-endian bytes of `name`, checked against `expected`.
    public func bytes(_ expected: TensorSpec) throws -> UnsafeRawBufferPointer {
        guard let entry = entries[expected.name] else {
            throw ModelError(.missingTensor, "safetensors '\(file.path)': tensor '\(expected.name)' is missing")
        }
        try expected.check(entry.spec)
        return UnsafeRawBufferPointer(start: file.base! + dataStart + entry.begin, count: entry.end - entry.begin)
    }

    /// The float values of `name`, checked against `expected` (which must be f32).
    public func floats(_ expected: TensorSpec) throws -> [Float] {
        let raw = try bytes(expected)
        var out = [Float](repeating: 0, count: expected.elementCount)
        out.withUnsafeMutableBytes { $0.copyMemory(from: raw) }
        return out
    }
}
