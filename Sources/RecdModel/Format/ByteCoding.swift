/// Appends little-endian scalars and length-prefixed strings to a byte array.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func raw(_ v: [UInt8]) { bytes.append(contentsOf: v) }
    /// A u16 byte length followed by UTF-8 bytes.
    mutating func string16(_ s: String) {
        let utf8 = Array(s.utf8)
        precondition(utf8.count <= Int(UInt16.max), "string too long for a u16 length")
        u16(UInt16(utf8.count))
        raw(utf8)
    }
    /// Zero bytes until the length is a multiple of `alignment`.
    mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }
}

/// Reads little-endian scalars from a bounded region, failing with `.truncated` instead of reading past it.
struct ByteReader {
    let base: UnsafeRawPointer
    let count: Int
    private(set) var offset: Int = 0
    /// Names the structure being read, for error messages ("header", "tensor table").
    var context: String

    init(base: UnsafeRawPointer, count: Int, context: String) {
        self.base = base
        self.count = count
        self.context = context
    }

    private mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        guard n >= 0, offset <= count, count - offset >= n else {
            throw ModelError(.truncated, "truncated file: \(context) needs \(n) more bytes for \(what()) at offset \(offset), but only \(max(0, count - offset)) remain")
        }
    }

    mutating func u8(_ what: @autoclosure () -> String) throws -> UInt8 {
        try need(1, what())
        defer { offset += 1 }
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }
    mutating func u16(_ what: @autoclosure () -> String) throws -> UInt16 {
        try need(2, what())
        defer { offset += 2 }
        return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 {
        try need(4, what())
        defer { offset += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 {
        try need(8, what())
        defer { offset += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
    mutating func f32(_ what: @autoclosure () -> String) throws -> Float { Float(bitPattern: try u32(what())) }
    mutating func bytes(_ n: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try need(n, what())
        defer { offset += n }
        return UnsafeRawBufferPointer(start: base + offset, count: n)
    }
    mutating func string16(_ what: @autoclosure () -> String) throws -> String {
        let n = Int(try u16("length of \(what())"))
        let b = try bytes(n, what())
        guard let s = String(validating: b, as: UTF8.self) else {
            throw ModelError(.malformed, "\(context): \(what()) at offset \(offset - n) is not valid UTF-8")
        }
        return s
    }
}
