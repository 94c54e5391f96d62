import RecdProtocol

/// A failed request: either the daemon answered with a non-OK status (`status` and the
/// daemon's `message`), or the client could not get an answer (`status` is nil).
public struct RecdError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, mirroring the protocol's status codes plus client-side failures.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: Int
        /// The daemon answered with this status.
        public static func server(_ status: Status) -> Code { Code(raw: Int(status.rawValue)) }
        public static let badRequest = server(.badRequest)
        public static let notFound = server(.notFound)
        public static let tooLarge = server(.tooLarge)
        public static let busy = server(.busy)
        public static let unavailable = server(.unavailable)
        public static let `internal` = server(.internal)
        public static let unknownOpcode = server(.unknownOpcode)
        public static let unsupportedVersion = server(.unsupportedVersion)
        /// No reply within the timeout.
        public static let timeout = Code(raw: -1)
        /// Could not connect to the socket.
        public static let connectFailed = Code(raw: -2)
        /// The connection closed before the reply came.
        public static let connectionClosed = Code(raw: -3)
        /// The reply could not be decoded.
        public static let protocolError = Code(raw: -4)

        public var description: String {
            switch raw {
            case -1: "TIMEOUT"
            case -2: "CONNECT_FAILED"
            case -3: "CONNECTION_CLOSED"
            case -4: "PROTOCOL_ERROR"
            default: Status(rawValue: UInt16(raw)).name
            }
        }
    }

    public let code: Code
    /// The daemon's message, or the client's description of the failure.
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The daemon's status when it answered, nil for client-side failures.
    public var status: Status? { code.raw >= 0 ? Status(rawValue: UInt16(code.raw)) : nil }

    public var description: String { "\(code): \(message)" }
}
