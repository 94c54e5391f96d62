/// Finds slots — prices, catalog terms (category, brand, colour, size, custom attributes),
/// quantities, sort preferences — with negation, in English and Chinese text.
///
/// Rule-based and deterministic: each rule is a small phrase table (see the `+Price`, `+Terms`,
/// `+Quantity`, `+Sort` files). Spans are Character offsets into the original text (see ``Slot``).
/// Immutable and `Sendable`; build it once per vocabulary.
public struct SlotParser: Sendable {
    /// The catalog vocabulary in use.
    public let vocabulary: CatalogVocabulary
    let lexicon: TermLexicon

    public init(vocabulary: CatalogVocabulary = .empty) {
        self.vocabulary = vocabulary
        self.lexicon = TermLexicon(vocabulary)
    }

    /// All slots in `text`, ordered by start offset.
    public func parse(_ text: String) -> [Slot] {
        let t = SlotText(text)
        guard t.count > 0 else { return [] }
        var taken = [Bool](repeating: false, count: t.count)
        var slots: [Slot] = []

        func add(_ kind: SlotKind, _ value: SlotValue, _ r: Range<Int>, negated: Bool = false) {
            slots.append(Slot(kind: kind, value: value, span: r, utf16Span: t.utf16(r), text: t.surface(r), negated: negated))
            for k in r { taken[k] = true }
        }
        func free(_ r: Range<Int>) -> Bool { !r.contains { taken[$0] } }

        let numbers = NumberScanner.scan(t)
        for p in Self.prices(t, numbers) where free(p.range) { add(.price, .price(p.price), p.range) }
        for s in Self.sorts(t) where free(s.range) { add(.sort, .sort(s.preference), s.range) }
        for s in Self.explicitSizes(t) where free(s.range) { add(.size, .term(s.value), s.range) }
        for m in lexicon.matches(in: t) where free(m.range) {
            add(m.kind, .term(m.value), m.range, negated: Self.isNegated(t, m.range, previous: slots))
        }
        for q in Self.quantities(t, numbers) where free(q.range) { add(.quantity, .quantity(q.count), q.range) }
        return slots.sorted { $0.span.lowerBound < $1.span.lowerBound }
    }
}

/// Phrase lists are written as strings, longest first.
func phrases(_ list: [String]) -> [Phrase] { list.map(Phrase.init).sorted { $0.count > $1.count } }
