/// Response status (bytes 6–7 of the header, big-endian). 0 in every request.
///
/// A struct so that a client can carry a status a newer server sends.
public struct Status: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Success; the body is the opcode's response message.
    public static let ok = Status(rawValue: 0x0000)
    /// The request was malformed or a field was out of range; do not retry unchanged.
    public static let badRequest = Status(rawValue: 0x0001)
    /// A named user, item or file does not exist.
    public static let notFound = Status(rawValue: 0x0002)
    /// The frame or a field exceeds a documented limit.
    public static let tooLarge = Status(rawValue: 0x0003)
    /// The server is overloaded; retry later with backoff.
    public static let busy = Status(rawValue: 0x0004)
    /// The engine this opcode needs is not configured or the server is draining.
    public static let unavailable = Status(rawValue: 0x0005)
    /// A server bug or an unexpected failure; the message does not leak internals.
    public static let `internal` = Status(rawValue: 0x0006)
    /// The opcode is not one this server knows.
    public static let unknownOpcode = Status(rawValue: 0x0007)
    /// The frame's version is not one this server speaks.
    public static let unsupportedVersion = Status(rawValue: 0x0008)

    /// Upper-case name as in PROTOCOL.md.
    public var name: String {
        switch rawValue {
        case 0x0000: "OK"
        case 0x0001: "BAD_REQUEST"
        case 0x0002: "NOT_FOUND"
        case 0x0003: "TOO_LARGE"
        case 0x0004: "BUSY"
        case 0x0005: "UNAVAILABLE"
        case 0x0006: "INTERNAL"
        case 0x0007: "UNKNOWN_OPCODE"
        case 0x0008: "UNSUPPORTED_VERSION"
        default: "STATUS_0x" + String(rawValue, radix: 16, uppercase: true)
        }
    }

    public var description: String { name }
}
