/// A frame that cannot be accepted, with the status and message to answer it with.
///
/// `closesConnection` is true when the byte stream can no longer be trusted (bad magic,
/// wrong version, reserved bits, oversized length): the reader answers and closes.
/// An unknown opcode is answered but the connection stays open; its body is skipped.
public struct FrameError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Status for the error response.
    public var status: Status
    /// A sentence a person can act on, naming what was expected and what was found.
    public var message: String
    /// The request id from the offending header, when the header got that far.
    public var requestID: UInt32
    /// The opcode from the offending header (echoed in the error response).
    public var opcode: Opcode
    /// True when the connection must be closed after the error response.
    public var closesConnection: Bool
    /// Body bytes the reader must skip before the next header (unknown opcode only).
    public var bodyBytesToSkip: UInt32

    public init(status: Status, message: String, requestID: UInt32 = 0, opcode: Opcode = Opcode(rawValue: 0),
                closesConnection: Bool, bodyBytesToSkip: UInt32 = 0) {
        self.status = status
        self.message = message
        self.requestID = requestID
        self.opcode = opcode
        self.closesConnection = closesConnection
        self.bodyBytesToSkip = bodyBytesToSkip
    }

    public var description: String { "\(status.name): \(message)" }

    @usableFromInline
    static func badMagic(_ b0: UInt8, _ b1: UInt8) -> FrameError {
        FrameError(status: .badRequest,
                   message: "bad frame magic: expected 0x52 0x44 (\"RD\"), found 0x\(hex(b0)) 0x\(hex(b1)); is the client speaking the recd protocol?",
                   closesConnection: true)
    }

    @usableFromInline
    static func unsupportedVersion(_ version: UInt8, requestID: UInt32, opcode: Opcode) -> FrameError {
        let speaks = ProtocolVersion.supported.map(String.init).joined(separator: ", ")
        return FrameError(status: .unsupportedVersion,
                          message: "unsupported protocol version \(version); this server speaks version \(speaks)",
                          requestID: requestID, opcode: opcode, closesConnection: true)
    }

    @usableFromInline
    static func reservedBits(flags: UInt8, reserved: UInt8, requestID: UInt32, opcode: Opcode) -> FrameError {
        FrameError(status: .badRequest,
                   message: "reserved header bits must be 0: found flags 0x\(hex(flags)) (only bit 0 is defined) and reserved byte 0x\(hex(reserved))",
                   requestID: requestID, opcode: opcode, closesConnection: true)
    }

    @usableFromInline
    static func wrongDirection(isResponse: Bool, requestID: UInt32, opcode: Opcode) -> FrameError {
        FrameError(status: .badRequest,
                   message: isResponse
                       ? "expected a request (flags bit 0 clear), found a response frame"
                       : "expected a response (flags bit 0 set), found a request frame",
                   requestID: requestID, opcode: opcode, closesConnection: true)
    }

    @usableFromInline
    static func tooLarge(_ length: UInt32, limit: Int, requestID: UInt32, opcode: Opcode) -> FrameError {
        FrameError(status: .tooLarge,
                   message: "frame body of \(length) bytes exceeds the limit of \(limit) bytes; split the request",
                   requestID: requestID, opcode: opcode, closesConnection: true)
    }

    @usableFromInline
    static func requestStatus(_ status: UInt16, requestID: UInt32, opcode: Opcode) -> FrameError {
        FrameError(status: .badRequest,
                   message: "request status must be 0, found 0x\(hex(status))",
                   requestID: requestID, opcode: opcode, closesConnection: true)
    }

    @usableFromInline
    static func unknownOpcode(_ opcode: Opcode, requestID: UInt32, bodyLength: UInt32) -> FrameError {
        FrameError(status: .unknownOpcode,
                   message: "unknown opcode \(opcode.name); version 1 defines 0x01 PING through 0x09 INTENTS_RELOAD",
                   requestID: requestID, opcode: opcode, closesConnection: false, bodyBytesToSkip: bodyLength)
    }
}

@usableFromInline
func hex<T: FixedWidthInteger>(_ value: T) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    let width = T.bitWidth / 4
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
