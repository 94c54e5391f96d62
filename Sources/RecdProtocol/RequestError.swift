/// A request the server answers with a non-OK status and an `Error` body.
///
/// Handlers throw it to choose the status; anything else they throw is answered as
/// INTERNAL with a generic message, so internals never leak over the socket.
public struct RequestError: Error, Hashable, Sendable, CustomStringConvertible {
    public var status: Status
    /// A sentence a person can act on, naming what was expected and what was found.
    public var message: String

    public init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.name): \(message)" }

    /// BAD_REQUEST.
    public static func badRequest(_ message: String) -> RequestError { RequestError(.badRequest, message) }
    /// TOO_LARGE.
    public static func tooLarge(_ message: String) -> RequestError { RequestError(.tooLarge, message) }
    /// NOT_FOUND.
    public static func notFound(_ message: String) -> RequestError { RequestError(.notFound, message) }
    /// UNAVAILABLE.
    public static func unavailable(_ message: String) -> RequestError { RequestError(.unavailable, message) }
}
