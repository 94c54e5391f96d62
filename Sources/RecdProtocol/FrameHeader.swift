/// The fixed 16-byte frame header; all integers big-endian.
///
/// ```
/// offset size field
/// 0      2    magic 0x52 0x44 ("RD")
/// 2      1    version = 1
/// 3      1    opcode
/// 4      1    flags: bit 0 = response; other bits reserved, MUST be 0
/// 5      1    reserved, MUST be 0
/// 6      2    status (0 in requests)
/// 8      4    request id (opaque, echoed in the response)
/// 12     4    body length
/// ```
public struct FrameHeader: Hashable, Sendable {
    /// Header size in bytes.
    public static let size = 16
    /// First magic byte, "R".
    public static let magic0: UInt8 = 0x52
    /// Second magic byte, "D".
    public static let magic1: UInt8 = 0x44
    /// Flag bit 0: the frame is a response.
    public static let responseFlag: UInt8 = 0x01

    public var version: UInt8
    public var opcode: Opcode
    /// True for responses (flags bit 0).
    public var isResponse: Bool
    public var status: Status
    public var requestID: UInt32
    public var bodyLength: UInt32

    public init(version: UInt8 = ProtocolVersion.current, opcode: Opcode, isResponse: Bool,
                status: Status = .ok, requestID: UInt32, bodyLength: UInt32) {
        self.version = version
        self.opcode = opcode
        self.isResponse = isResponse
        self.status = status
        self.requestID = requestID
        self.bodyLength = bodyLength
    }

    /// A request header.
    public static func request(_ opcode: Opcode, id: UInt32, bodyLength: Int) -> FrameHeader {
        FrameHeader(opcode: opcode, isResponse: false, requestID: id, bodyLength: UInt32(bodyLength))
    }

    /// A response header.
    public static func response(_ opcode: Opcode, id: UInt32, status: Status, bodyLength: Int) -> FrameHeader {
        FrameHeader(opcode: opcode, isResponse: true, status: status, requestID: id, bodyLength: UInt32(bodyLength))
    }

    /// Writes the 16 header bytes to the start of `out`, which must hold at least 16 bytes.
    @inlinable
    public func write(to out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= FrameHeader.size, "header needs 16 bytes, buffer has \(out.count)")
        out[0] = FrameHeader.magic0
        out[1] = FrameHeader.magic1
        out[2] = version
        out[3] = opcode.rawValue
        out[4] = isResponse ? FrameHeader.responseFlag : 0
        out[5] = 0
        out.storeBytes(of: status.rawValue.bigEndian, toByteOffset: 6, as: UInt16.self)
        out.storeBytes(of: requestID.bigEndian, toByteOffset: 8, as: UInt32.self)
        out.storeBytes(of: bodyLength.bigEndian, toByteOffset: 12, as: UInt32.self)
    }

    /// The 16 header bytes.
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: FrameHeader.size) { buffer, count in
            write(to: UnsafeMutableRawBufferPointer(buffer))
            count = FrameHeader.size
        }
    }
}
