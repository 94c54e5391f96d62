/// One row of the tensor table of a recd weights file.
public struct TensorEntry: Sendable, Equatable {
    /// Name, dtype and shape.
    public var spec: TensorSpec
    /// Compression of the stored bytes: 0 = none, 1 = LZ4 block.
    public var compression: UInt8
    /// Uncompressed size in bytes (must equal `spec.byteCount`).
    public var rawSize: Int
    /// Stored (compressed) size in bytes.
    public var compressedSize: Int
    /// XXH64 (seed 0) of the stored bytes.
    public var checksum: UInt64
    /// Absolute file offset of the stored bytes; a multiple of 64.
    public var dataOffset: Int
}

/// Everything in a recd weights file before the tensor data. Layout: see FORMAT.md.
public struct WeightsFileHeader: Sendable, Equatable {
    /// "RECDWTS\0".
    public static let magic: [UInt8] = [0x52, 0x45, 0x43, 0x44, 0x57, 0x54, 0x53, 0x00]
    /// The only format version this build reads and writes.
    public static let version: UInt32 = 1
    /// Alignment of every tensor's data offset.
    public static let alignment = 64

    /// Model blueprint.
    public var config: ModelConfig
    /// Whether Q, K and V are stored fused as one [3H, H] matrix (always true in version 1 files written by recd).
    public var qkvFused: Bool
    /// Tokenizer settings.
    public var tokenizer: TokenizerSettings
    /// WordPiece vocabulary; index = token id.
    public var vocabulary: [String]
    /// Tensor table, in file order.
    public var tensors: [TensorEntry]

    /// Serialises the header, including the trailing header checksum; tensor offsets must already be set.
    func encode() -> [UInt8] {
        var w = ByteWriter()
        w.raw(Self.magic)
        w.u32(Self.version)
        w.u32(0)  // header_size, patched below
        let c = config
        for v in [c.layers, c.hidden, c.heads, c.ffn, c.vocabSize, c.maxPositions, c.typeVocabSize] { w.u32(UInt32(v)) }
        w.f32(c.layerNormEps)
        w.u8(c.pooling.rawValue)
        w.u8(c.normalize ? 1 : 0)
        w.u8(qkvFused ? 1 : 0)
        w.u8(0)
        w.u8(tokenizer.doLowerCase ? 1 : 0)
        w.u8(tokenizer.stripAccents.map { $0 ? 1 : 0 } ?? 2)
        w.u8(tokenizer.tokenizeChineseChars ? 1 : 0)
        w.u8(0)
        w.u32(UInt32(tokenizer.maxLength))
        w.u32(UInt32(tokenizer.maxInputCharsPerWord))
        w.u32(UInt32(vocabulary.count))
        for token in vocabulary { w.string16(token) }
        w.u32(UInt32(tensors.count))
        for t in tensors {
            w.string16(t.spec.name)
            w.u8(t.spec.dtype.rawValue)
            w.u8(t.compression)
            w.u8(UInt8(t.spec.shape.count))
            w.u8(0)
            for d in t.spec.shape { w.u32(UInt32(d)) }
            w.u64(UInt64(t.rawSize))
            w.u64(UInt64(t.compressedSize))
            w.u64(t.checksum)
            w.u64(UInt64(t.dataOffset))
        }
        var bytes = w.bytes
        let size = UInt32(bytes.count).littleEndian
        withUnsafeBytes(of: size) { for i in 0..<4 { bytes[12 + i] = $0[i] } }
        var tail = ByteWriter()
        tail.u64(XXHash64.hash(bytes))
        return bytes + tail.bytes
    }

    /// Size of the encoded header for a given content (offsets do not change the size).
    func encodedSize() -> Int { encode().count }

    /// Parses and checks a header at the start of `base[0..<count]`.
    static func decode(_ base: UnsafeRawPointer, count: Int) throws -> WeightsFileHeader {
        var r = ByteReader(base: base, count: count, context: "header")
        let magicBytes = Array(try r.bytes(8, "magic"))
        guard magicBytes == magic else {
            func show(_ b: [UInt8]) -> String { b.map { String($0, radix: 16, uppercase: true).leftPadded(2) }.joined(separator: " ") }
            throw ModelError(.badMagic, "not a recd weights file: expected magic \(show(magic)) (\"RECDWTS\\0\"), found \(show(magicBytes))")
        }
        let version = try r.u32("version")
        guard version == Self.version else {
            throw ModelError(.unsupportedVersion, "unsupported recd weights version \(version): this build reads version \(Self.version); repack with `recctl model pack`")
        }
        let headerSize = Int(try r.u32("header_size"))
        guard headerSize >= 16, headerSize <= count - 8 else {
            throw ModelError(.truncated, "truncated file: header declares \(headerSize) bytes plus an 8-byte checksum, but the file has \(count) bytes")
        }
        let stored = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: headerSize, as: UInt64.self))
        let actual = XXHash64.hash(base, count: headerSize)
        guard stored == actual else {
            throw ModelError(.checksumMismatch, "header checksum mismatch: stored \(hex(stored)), computed \(hex(actual)); the file's header is corrupt")
        }
        r = ByteReader(base: base, count: headerSize, context: "header")
        _ = try r.bytes(16, "preamble")
        var dims: [Int] = []
        for name in ["layers", "hidden", "heads", "ffn", "vocab_size", "max_positions", "type_vocab_size"] {
            dims.append(Int(try r.u32(name)))
        }
        let eps = try r.f32("layer_norm_eps")
        let poolingRaw = try r.u8("pooling")
        guard let pooling = Pooling(rawValue: poolingRaw) else {
            throw ModelError(.malformed, "header: pooling code \(poolingRaw) is unknown; expected 0 (mean) or 1 (cls)")
        }
        let normalize = try r.u8("normalize") != 0
        let fused = try r.u8("qkv_fused") != 0
        _ = try r.u8("reserved")
        let config = ModelConfig(layers: dims[0], hidden: dims[1], heads: dims[2], ffn: dims[3], vocabSize: dims[4],
                                 maxPositions: dims[5], typeVocabSize: dims[6], layerNormEps: eps,
                                 pooling: pooling, normalize: normalize)
        try config.validate()
        let lower = try r.u8("do_lower_case") != 0
        let stripRaw = try r.u8("strip_accents")
        let chinese = try r.u8("tokenize_chinese_chars") != 0
        _ = try r.u8("reserved")
        let maxLength = Int(try r.u32("max_length"))
        let maxChars = Int(try r.u32("max_input_chars_per_word"))
        let tokenizer = TokenizerSettings(doLowerCase: lower, stripAccents: stripRaw == 2 ? nil : stripRaw != 0,
                                          tokenizeChineseChars: chinese, maxLength: maxLength, maxInputCharsPerWord: maxChars)
        let vocabCount = Int(try r.u32("vocabulary count"))
        guard vocabCount == config.vocabSize else {
            throw ModelError(.malformed, "header: vocabulary has \(vocabCount) tokens but the config says vocab_size \(config.vocabSize)")
        }
        var vocabulary: [String] = []
        vocabulary.reserveCapacity(vocabCount)
        for i in 0..<vocabCount { vocabulary.append(try r.string16("vocabulary token \(i)")) }
        let tensorCount = Int(try r.u32("tensor count"))
        var tensors: [TensorEntry] = []
        for i in 0..<tensorCount {
            let name = try r.string16("name of tensor \(i)")
            let dtypeRaw = try r.u8("dtype of '\(name)'")
            guard let dtype = TensorDType(rawValue: dtypeRaw) else {
                throw ModelError(.malformed, "tensor '\(name)': dtype code \(dtypeRaw) is unknown")
            }
            let compression = try r.u8("compression of '\(name)'")
            let ndims = Int(try r.u8("ndims of '\(name)'"))
            _ = try r.u8("reserved")
            var shape: [Int] = []
            for _ in 0..<ndims { shape.append(Int(try r.u32("shape of '\(name)'"))) }
            let rawSize = try r.u64("raw size of '\(name)'")
            let compressedSize = try r.u64("compressed size of '\(name)'")
            let checksum = try r.u64("checksum of '\(name)'")
            let offset = try r.u64("data offset of '\(name)'")
            guard rawSize < 1 << 40, compressedSize < 1 << 40, offset < 1 << 48 else {
                throw ModelError(.malformed, "tensor '\(name)': implausible sizes (raw \(rawSize), compressed \(compressedSize), offset \(offset))")
            }
            tensors.append(TensorEntry(spec: TensorSpec(name: name, dtype: dtype, shape: shape), compression: compression,
                                       rawSize: Int(rawSize), compressedSize: Int(compressedSize),
                                       checksum: checksum, dataOffset: Int(offset)))
        }
        return WeightsFileHeader(config: config, qkvFused: fused, tokenizer: tokenizer, vocabulary: vocabulary, tensors: tensors)
    }
}

func hex(_ v: UInt64) -> String {
    "0x" + String(v, radix: 16).leftPadded(16)
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
