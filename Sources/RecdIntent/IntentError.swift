/// An error from the intent engine: loading an intents file, training, the model cache, or
/// classification input. The message names what was wrong, what was expected and what was found.
///
/// A struct wrapping a private enum (as swift-nio's errors do) so cases can be added later
/// without breaking callers.
public struct IntentError: Error, CustomStringConvertible, Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case invalidIntentsFile
        case invalidTrainingSet
        case embeddingMismatch
        case cacheCorrupt
        case io
    }

    let kind: Kind
    /// A message a person can act on.
    public let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func invalidIntentsFile(_ m: String) -> IntentError { IntentError(.invalidIntentsFile, m) }
    static func invalidTrainingSet(_ m: String) -> IntentError { IntentError(.invalidTrainingSet, m) }
    static func embeddingMismatch(_ m: String) -> IntentError { IntentError(.embeddingMismatch, m) }
    static func cacheCorrupt(_ m: String) -> IntentError { IntentError(.cacheCorrupt, m) }
    static func io(_ m: String) -> IntentError { IntentError(.io, m) }

    /// True when the intents file or training examples were malformed.
    public var isInvalidInput: Bool { kind == .invalidIntentsFile || kind == .invalidTrainingSet }
    /// True when an embedding had the wrong dimension or was not finite.
    public var isEmbeddingMismatch: Bool { kind == .embeddingMismatch }
}
