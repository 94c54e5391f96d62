/// The kind of a feedback event; raw values are the protocol's enum numbers and the stored codes.
public enum FeedbackKind: Int, Sendable, Hashable, CaseIterable {
    case view = 0
    case click = 1
    case addToCart = 2
    case purchase = 3
    /// An explicit rating; `FeedbackEvent.value` holds the stars (1…5).
    case rating = 4
    /// The user does not want the item: negative weight, and the item is never recommended to them again.
    case dislike = 5

    /// A short verb for explanations ("because you bought X").
    var pastTense: String {
        switch self {
        case .view: "viewed"
        case .click: "clicked"
        case .addToCart: "added to cart"
        case .purchase: "bought"
        case .rating: "rated"
        case .dislike: "disliked"
        }
    }
}

/// One user action on one item; maps one to one onto the protocol's `FeedbackRequest`.
public struct FeedbackEvent: Sendable, Hashable {
    public var user: String
    public var item: String
    public var kind: FeedbackKind
    /// Stars for `.rating`; otherwise ignored (0).
    public var value: Double
    /// Milliseconds since 1970; orders the user's sequence.
    public var timestampMs: Int64
    /// When present, a repeat of the same key is acknowledged as a duplicate and not counted again.
    public var idempotencyKey: String?

    public init(user: String, item: String, kind: FeedbackKind, value: Double = 0,
                timestampMs: Int64, idempotencyKey: String? = nil) {
        self.user = user
        self.item = item
        self.kind = kind
        self.value = value
        self.timestampMs = timestampMs
        self.idempotencyKey = idempotencyKey
    }
}

/// What happened to a submitted event, with its place in the feedback log.
public enum FeedbackOutcome: Sendable, Hashable {
    /// Committed to the store and applied to the user's state; `sequence` is its position in the log.
    case recorded(sequence: Int64)
    /// The idempotency key was seen before; nothing changed. `sequence` is that of the event
    /// first recorded with the key.
    case duplicate(sequence: Int64)

    /// Position in the feedback log: ≥ 1, increasing in commit order, never reused.
    public var sequence: Int64 {
        switch self {
        case .recorded(let s), .duplicate(let s): s
        }
    }

    /// True for a repeat of an idempotency key.
    public var isDuplicate: Bool {
        if case .duplicate = self { return true }
        return false
    }
}

/// How much each kind of event says about interest. Rating weight is `ratingScale · (stars − ratingPivot)`,
/// so a 5-star rating is strong positive and a 1-star rating is negative.
public struct EventWeights: Sendable, Hashable {
    public var view: Float = 1
    public var click: Float = 2
    public var addToCart: Float = 4
    public var purchase: Float = 8
    public var ratingScale: Float = 2
    public var ratingPivot: Float = 2.5
    public var dislike: Float = -8

    public init() {}

    /// The weight one event contributes.
    public func weight(_ kind: FeedbackKind, value: Double) -> Float {
        switch kind {
        case .view: view
        case .click: click
        case .addToCart: addToCart
        case .purchase: purchase
        case .rating: ratingScale * (Float(value) - ratingPivot)
        case .dislike: dislike
        }
    }
}
