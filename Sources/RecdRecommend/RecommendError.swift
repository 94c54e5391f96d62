/// An error from the recommendation engine: a message a person can act on, naming what was wrong.
///
/// A struct wrapping a private kind (as swift-nio's `LengthPrefixError` does) so that kinds can be
/// added later without breaking callers; switch on the public static values via `==`.
public struct RecommendError: Error, Hashable, CustomStringConvertible, Sendable {
    private enum Kind: Hashable, Sendable {
        case invalidItem, unknownItem, badCatalogLine, storage, embedding, invalidRequest, modelFit
    }

    private let kind: Kind
    /// What went wrong, for a person to read.
    public let message: String

    private init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Two errors are the same kind when they fail for the same reason; the message may differ.
    public static func ~= (pattern: RecommendError, value: any Error) -> Bool {
        (value as? RecommendError)?.kind == pattern.kind
    }

    /// An item that breaks a rule (empty id, negative price, …).
    public static func invalidItem(_ message: String) -> RecommendError { .init(.invalidItem, message) }
    /// A request named an item id the catalog does not hold.
    public static func unknownItem(_ id: String) -> RecommendError {
        .init(.unknownItem, "unknown item '\(id)': no item with that id is in the catalog")
    }
    /// A catalog JSONL line could not be parsed.
    public static func badCatalogLine(_ line: Int, _ message: String) -> RecommendError {
        .init(.badCatalogLine, "catalog line \(line): \(message)")
    }
    /// SQLite refused an operation.
    public static func storage(_ message: String) -> RecommendError { .init(.storage, message) }
    /// The embedding function returned something unusable.
    public static func embedding(_ message: String) -> RecommendError { .init(.embedding, message) }
    /// A request parameter was out of range.
    public static func invalidRequest(_ message: String) -> RecommendError { .init(.invalidRequest, message) }
    /// The collaborative model could not be fitted.
    public static func modelFit(_ message: String) -> RecommendError { .init(.modelFit, message) }

    /// Kind markers for matching with `~=` (`catch RecommendError.unknownItemKind`).
    public static let unknownItemKind = RecommendError(.unknownItem, "")
    public static let invalidItemKind = RecommendError(.invalidItem, "")
    public static let invalidRequestKind = RecommendError(.invalidRequest, "")
    public static let storageKind = RecommendError(.storage, "")
}
