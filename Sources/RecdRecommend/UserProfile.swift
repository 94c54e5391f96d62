/// One user's in-memory state, rebuilt from the feedback log at start and updated on every event.
struct UserProfile: Sendable {
    /// One aggregated interaction with one item.
    struct Interaction: Sendable {
        var item: String
        /// Sum of event weights (negative once disliked).
        var weight: Float
        /// The strongest positive kind seen, for explanations ("bought" beats "viewed").
        var strongestKind: FeedbackKind
        /// Timestamp of the latest event on this item.
        var lastTimestampMs: Int64
        /// Position of the latest event in the user's sequence (higher = more recent).
        var lastSequence: Int
    }

    /// Interactions keyed by item id.
    private(set) var interactions: [String: Interaction] = [:]
    private(set) var purchased: Set<String> = []
    private(set) var disliked: Set<String> = []
    /// Item ids of the most recent events, oldest first, capped at `recentCap` (repeats collapsed).
    private(set) var recent: [String] = []
    private(set) var eventCount = 0
    static let recentCap = 64

    /// Applies one event; returns the previous most recent item (for the transition signal).
    @discardableResult
    mutating func apply(_ e: FeedbackEvent, weights: EventWeights) -> String? {
        let previous = recent.last
        eventCount += 1
        let w = weights.weight(e.kind, value: e.value)
        // Updated in place through the defaulting subscript: one hash lookup, no copy of the entry
        // out of the dictionary and back (the earlier `?? … ; interactions[id] = entry` hashed twice).
        let sequence = eventCount
        Self.merge(into: &interactions[e.item, default: Interaction(item: e.item, weight: 0, strongestKind: e.kind,
                                                                   lastTimestampMs: e.timestampMs, lastSequence: sequence)],
                   kind: e.kind, weight: w, timestampMs: e.timestampMs, sequence: sequence)
        switch e.kind {
        case .purchase: purchased.insert(e.item)
        case .dislike: disliked.insert(e.item)
        default: break
        }
        if e.kind != .dislike {
            if let i = recent.lastIndex(of: e.item) { recent.remove(at: i) }
            recent.append(e.item)
            if recent.count > Self.recentCap { recent.removeFirst(recent.count - Self.recentCap) }
        }
        return e.kind == .dislike || previous == e.item ? nil : previous
    }

    private static func merge(into entry: inout Interaction, kind: FeedbackKind, weight: Float, timestampMs: Int64, sequence: Int) {
        entry.weight += weight
        if rank(kind) > rank(entry.strongestKind) { entry.strongestKind = kind }
        entry.lastTimestampMs = max(entry.lastTimestampMs, timestampMs)
        entry.lastSequence = sequence
    }

    private static func rank(_ k: FeedbackKind) -> Int {
        switch k {
        case .dislike: 0
        case .view: 1
        case .click: 2
        case .rating: 3
        case .addToCart: 4
        case .purchase: 5
        }
    }

    var seen: some Collection<String> { interactions.keys }

    /// Items the user likes (net positive weight), most recent first, with a recency factor
    /// `decay^(age in distinct items)` already multiplied into the weight.
    func positiveHistory(limit: Int, decay: Float) -> [(item: String, weight: Float, kind: FeedbackKind)] {
        var out: [(item: String, weight: Float, kind: FeedbackKind)] = []
        var factor: Float = 1
        for id in recent.reversed() {
            guard out.count < limit else { break }
            guard let it = interactions[id], it.weight > 0, !disliked.contains(id) else { continue }
            out.append((id, it.weight * factor, it.strongestKind))
            factor *= decay
        }
        return out
    }
}
