/// The answer to "what does the user want, and with which details".
public struct IntentResult: Hashable, Sendable {
    /// The intent name, or ``IntentSet/outOfScope`` (`"oos"`).
    public var intent: String
    /// Calibrated probability of the best in-scope intent (reported also when out of scope).
    public var confidence: Float
    /// True when the answer is `oos`.
    public var isOutOfScope: Bool
    /// The best in-scope intents with their confidences, best first.
    public var alternatives: [ScoredIntent]
    /// Details found in the text (prices, catalog terms, quantity, sort), by start offset.
    public var slots: [Slot]

    public init(intent: String, confidence: Float, isOutOfScope: Bool, alternatives: [ScoredIntent], slots: [Slot]) {
        self.intent = intent
        self.confidence = confidence
        self.isOutOfScope = isOutOfScope
        self.alternatives = alternatives
        self.slots = slots
    }
}
