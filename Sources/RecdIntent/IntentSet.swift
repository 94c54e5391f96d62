/// One labelled utterance.
public struct IntentExample: Hashable, Sendable, Codable {
    /// What the user typed.
    public var text: String
    /// The intent's name; ``IntentSet/outOfScope`` marks an out-of-scope example.
    public var intent: String

    public init(text: String, intent: String) {
        self.text = text
        self.intent = intent
    }
}

/// An intent with its description (for people and for clients listing intents).
public struct IntentDefinition: Hashable, Sendable {
    /// Stable machine name, e.g. `purchase`.
    public var name: String
    /// One-line description of what the user wants.
    public var description: String

    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }
}

/// A set of intents and their training examples, loaded from an intents file (see INTENTS.md)
/// or built in code.
public struct IntentSet: Hashable, Sendable {
    /// The label of out-of-scope examples and answers.
    public static let outOfScope = "oos"

    /// Intents in first-seen order (never contains ``outOfScope``).
    public private(set) var intents: [IntentDefinition]
    /// All examples in file order, out-of-scope ones included.
    public private(set) var examples: [IntentExample]

    /// Builds a set; intents named only by examples get an empty description.
    public init(intents: [IntentDefinition] = [], examples: [IntentExample]) {
        var seen = Set<String>()
        var defs: [IntentDefinition] = []
        for d in intents where d.name != Self.outOfScope && seen.insert(d.name).inserted {
            defs.append(d)
        }
        for e in examples where e.intent != Self.outOfScope && seen.insert(e.intent).inserted {
            defs.append(IntentDefinition(name: e.intent, description: ""))
        }
        self.intents = defs
        self.examples = examples
    }

    /// True when the set has explicit out-of-scope examples.
    public var hasOutOfScopeExamples: Bool { examples.contains { $0.intent == Self.outOfScope } }

    /// Examples per intent name (out-of-scope under ``outOfScope``).
    public func exampleCounts(where include: (IntentExample) -> Bool = { _ in true }) -> [String: Int] {
        var counts: [String: Int] = [:]
        for e in examples where include(e) { counts[e.intent, default: 0] += 1 }
        return counts
    }
}
