/// What a slot is about. Open-ended (a struct, not an enum) so catalogs can bring their own
/// attribute kinds such as `material` or `genre`.
public struct SlotKind: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// A price limit or range (value: ``PriceRange``).
    public static let price = SlotKind("price")
    /// Product category from the catalog vocabulary, e.g. `laptop`.
    public static let category = SlotKind("category")
    /// Brand from the catalog vocabulary, e.g. `apple`.
    public static let brand = SlotKind("brand")
    /// Colour from the catalog vocabulary, e.g. `black`.
    public static let color = SlotKind("color")
    /// Size from the catalog vocabulary (`M`, `XL`) or "size 42".
    public static let size = SlotKind("size")
    /// How many the user wants (value: integer).
    public static let quantity = SlotKind("quantity")
    /// Sort preference (value: ``SortPreference``).
    public static let sort = SlotKind("sort")

    public var description: String { rawValue }
    public static func < (a: SlotKind, b: SlotKind) -> Bool { a.rawValue < b.rawValue }
}

/// A price constraint. Bounds are inclusive; a missing bound is open.
/// "around X" and a bare "X dollars" become [0.8·X, 1.2·X] with `approximate` set.
public struct PriceRange: Hashable, Sendable, CustomStringConvertible {
    /// Lowest acceptable price, or nil.
    public var lower: Double?
    /// Highest acceptable price, or nil.
    public var upper: Double?
    /// ISO 4217 code when the text named a currency (`USD`, `CNY`, `EUR`, `GBP`, `JPY`), else nil.
    public var currency: String?
    /// True for "around"/"about"/"左右" and bare amounts.
    public var approximate: Bool

    public init(lower: Double? = nil, upper: Double? = nil, currency: String? = nil, approximate: Bool = false) {
        self.lower = lower
        self.upper = upper
        self.currency = currency
        self.approximate = approximate
    }

    /// Compact normal form, e.g. `100..200 CNY`, `..500 USD`, `~800 USD` (used by tests and logs).
    public var description: String {
        func f(_ v: Double?) -> String {
            guard let v else { return "" }
            return v == v.rounded() ? String(Int64(v)) : String(v)
        }
        var s: String
        if approximate, let l = lower, let u = upper { s = "~" + f((l + u) / 2) }
        else { s = f(lower) + ".." + f(upper) }
        if let c = currency { s += " " + c }
        return s
    }
}

/// A sort order the user asked for.
public enum SortPreference: String, Hashable, Sendable, CaseIterable {
    case priceAscending = "price_asc"
    case priceDescending = "price_desc"
    case ratingDescending = "rating_desc"
    case newest = "newest"
    case popularity = "popularity"
}

/// A slot's normalised value.
public enum SlotValue: Hashable, Sendable, CustomStringConvertible {
    case price(PriceRange)
    /// A catalog term's canonical value (category, brand, colour, size, custom attribute).
    case term(String)
    case quantity(Int)
    case sort(SortPreference)

    public var description: String {
        switch self {
        case .price(let p): return p.description
        case .term(let t): return t
        case .quantity(let q): return String(q)
        case .sort(let s): return s.rawValue
        }
    }
}

/// One detail found in the text.
public struct Slot: Hashable, Sendable, CustomStringConvertible {
    /// What it is about.
    public var kind: SlotKind
    /// Normalised value.
    public var value: SlotValue
    /// Half-open range of **Character** (extended grapheme cluster) offsets into the original
    /// text: `Array(text)[span]` is the matched surface text.
    public var span: Range<Int>
    /// The same range in UTF-16 code units (what JavaScript's `String.slice` takes).
    public var utf16Span: Range<Int>
    /// The matched text, as written.
    public var text: String
    /// True when the user excluded it ("not Apple", "不要苹果", "除了耐克").
    public var negated: Bool

    public init(kind: SlotKind, value: SlotValue, span: Range<Int>, utf16Span: Range<Int>, text: String, negated: Bool = false) {
        self.kind = kind
        self.value = value
        self.span = span
        self.utf16Span = utf16Span
        self.text = text
        self.negated = negated
    }

    public var description: String {
        "\(negated ? "!" : "")\(kind)=\(value)@\(span.lowerBound)..<\(span.upperBound)"
    }
}
