import CLZ4
import Foundation

/// One tensor to be written: its spec and its uncompressed little-endian bytes.
public struct PackedTensor: Sendable {
    /// Name, dtype and shape.
    public var spec: TensorSpec
    /// Uncompressed bytes; `bytes.count` is written as the raw size.
    public var bytes: [UInt8]

    public init(spec: TensorSpec, bytes: [UInt8]) {
        self.spec = spec
        self.bytes = bytes
    }

    /// A float tensor.
    public init(spec: TensorSpec, floats: [Float]) {
        self.spec = spec
        self.bytes = floats.withUnsafeBytes { Array($0) }
    }
}

/// Writes recd weights files (format version 1, see FORMAT.md).
public enum WeightsFileWriter {
    /// LZ4HC level used by the packer: 9 is the library default; higher levels gain little on float data.
    public static let defaultLevel: Int32 = 9

    /// Compresses every tensor with LZ4HC and writes the file atomically (temp file + rename).
    /// `progress(done, total, name)` is called after each tensor is compressed.
    public static func write(config: ModelConfig, tokenizer: TokenizerSettings, vocabulary: [String],
                             tensors: [PackedTensor], to path: String, level: Int32 = defaultLevel,
                             progress: (Int, Int, String) -> Void = { _, _, _ in }) throws {
        var entries: [TensorEntry] = []
        var payloads: [[UInt8]] = []
        for (i, t) in tensors.enumerated() {
            let compressed = try compress(t.bytes, level: level, name: t.spec.name)
            // Store uncompressed when LZ4 does not help, so the loader never decompresses for nothing.
            let (payload, mode): ([UInt8], UInt8) = compressed.count < t.bytes.count ? (compressed, 1) : (t.bytes, 0)
            entries.append(TensorEntry(spec: t.spec, compression: mode, rawSize: t.bytes.count,
                                       compressedSize: payload.count, checksum: XXHash64.hash(payload), dataOffset: 0))
            payloads.append(payload)
            progress(i + 1, tensors.count, t.spec.name)
        }
        var header = WeightsFileHeader(config: config, qkvFused: true, tokenizer: tokenizer,
                                       vocabulary: vocabulary, tensors: entries)
        let align = WeightsFileHeader.alignment
        var offset = roundUp(header.encodedSize(), align)
        for i in header.tensors.indices {
            header.tensors[i].dataOffset = offset
            offset = roundUp(offset + header.tensors[i].compressedSize, align)
        }
        let headerBytes = header.encode()

        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: nil),
              let handle = FileHandle(forWritingAtPath: tmp) else {
            throw ModelError(.io, "cannot create '\(tmp)' (is the directory writable?)")
        }
        do {
            var position = 0
            func emit(_ bytes: [UInt8]) throws {
                try handle.write(contentsOf: bytes)
                position += bytes.count
            }
            try emit(headerBytes)
            for (entry, payload) in zip(header.tensors, payloads) {
                try emit([UInt8](repeating: 0, count: entry.dataOffset - position))
                try emit(payload)
            }
            try handle.close()
        } catch {
            try? handle.close()
            unlink(tmp)
            throw ModelError(.io, "cannot write '\(tmp)': \(error)")
        }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw ModelError(.io, "cannot rename '\(tmp)' to '\(path)': \(reason)")
        }
    }

    static func compress(_ bytes: [UInt8], level: Int32, name: String) throws -> [UInt8] {
        guard bytes.count < Int(LZ4_MAX_INPUT_SIZE) else {
            throw ModelError(.invalidInput, "tensor '\(name)' is \(bytes.count) bytes, above LZ4's block limit \(LZ4_MAX_INPUT_SIZE)")
        }
        let bound = Int(LZ4_compressBound(Int32(bytes.count)))
        var out = [UInt8](repeating: 0, count: max(bound, 1))
        let n = bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                LZ4_compress_HC(src.baseAddress?.assumingMemoryBound(to: CChar.self), dst.baseAddress!.assumingMemoryBound(to: CChar.self),
                                Int32(bytes.count), Int32(bound), level)
            }
        }
        guard n > 0 || bytes.isEmpty else {
            throw ModelError(.io, "LZ4HC failed to compress tensor '\(name)' (\(bytes.count) bytes)")
        }
        out.removeSubrange(Int(n)...)
        return out
    }
}

@inline(__always) func roundUp(_ x: Int, _ a: Int) -> Int { (x + a - 1) / a * a }
