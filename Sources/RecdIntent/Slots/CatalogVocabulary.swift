/// One catalog value and the ways people write it.
public struct VocabularyTerm: Hashable, Sendable {
    /// What the term is (category, brand, colour, size or a custom attribute kind).
    public var kind: SlotKind
    /// Canonical value reported in slots, e.g. `laptop`.
    public var value: String
    /// Other spellings, any language, e.g. `notebook`, `笔记本电脑`. The value itself always matches.
    public var synonyms: [String]

    public init(kind: SlotKind, value: String, synonyms: [String] = []) {
        self.kind = kind
        self.value = value
        self.synonyms = synonyms
    }
}

/// The catalog words the slot parser recognises: categories, brands, colours, sizes and custom
/// attributes, each with synonyms. Supplied by the catalog owner (the recommender).
public struct CatalogVocabulary: Hashable, Sendable {
    /// All terms.
    public var terms: [VocabularyTerm]

    public init(terms: [VocabularyTerm]) { self.terms = terms }

    /// Convenience: dictionaries of canonical value → synonyms per standard kind.
    public init(categories: [String: [String]] = [:], brands: [String: [String]] = [:],
                colors: [String: [String]] = [:], sizes: [String: [String]] = [:]) {
        var t: [VocabularyTerm] = []
        for (kind, dict) in [(SlotKind.category, categories), (.brand, brands), (.color, colors), (.size, sizes)] {
            for key in dict.keys.sorted() { t.append(VocabularyTerm(kind: kind, value: key, synonyms: dict[key]!)) }
        }
        terms = t
    }

    /// An empty vocabulary (prices, quantities, sort and negation still work).
    public static let empty = CatalogVocabulary(terms: [])
}
