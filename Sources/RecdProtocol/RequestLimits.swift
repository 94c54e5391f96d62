/// Per-request limits the server enforces on decoded messages (see PROTOCOL.md, "Limits").
public struct RequestLimits: Sendable, Hashable {
    /// Most texts in one EMBED request.
    public var maxTextsPerRequest: Int = 64
    /// Longest text accepted, in UTF-8 bytes (EMBED texts, INTENT text, RECOMMEND query).
    /// The encoder keeps at most 256 tokens; longer texts are rejected, not silently cut.
    public var maxTextBytes: Int = 4096
    /// Largest k in RECOMMEND / SIMILAR and top_k in INTENT.
    public var maxK: Int = 100
    /// Most items or ids in one ITEMS request.
    public var maxItemsPerRequest: Int = 1000
    /// Longest user, item or idempotency id, in UTF-8 bytes.
    public var maxIDBytes: Int = 256

    public init() {}

    public static let `default` = RequestLimits()
}
