/// The item catalog: items in dense slots with their embeddings, as one value type.
///
/// Slots are stable: a deleted item leaves a dead slot (so the collaborative model's item indices
/// stay valid until the next fit) and an upsert of a known id reuses its slot. The engine keeps a
/// `Catalog` behind its lock and hands immutable copies (copy-on-write) to readers.
public struct Catalog: Sendable {
    /// Embedding width (all-MiniLM-L6-v2: 384).
    public let dimension: Int
    /// Slot → item; dead slots keep their last item so ids can still be printed.
    private(set) var items: [Item] = []
    /// Slot → alive (false after delete).
    private(set) var alive: [Bool] = []
    /// Slot-major embeddings, `dimension` floats per slot, L2-normalised; zero for dead slots.
    private(set) var embeddings: [Float] = []
    /// Item id → slot (alive or dead).
    private(set) var slotByID: [String: Int] = [:]
    /// Number of alive items.
    public private(set) var count = 0
    /// Per-slot columns for fast filtering without touching strings: lower-cased category and
    /// brand as small integer codes, price (NaN when unknown), stock flag.
    private(set) var categoryCode: [Int32] = []
    private(set) var brandCode: [Int32] = []
    private(set) var priceColumn: [Double] = []
    private(set) var inStockColumn: [Bool] = []
    private(set) var categoryCodes: [String: Int32] = [:]
    private(set) var brandCodes: [String: Int32] = [:]

    public init(dimension: Int = 384) {
        self.dimension = dimension
    }

    /// Number of slots (alive + dead); model arrays are sized by this.
    public var slotCount: Int { items.count }

    /// The alive item with this id.
    public func item(id: String) -> Item? {
        guard let s = slotByID[id], alive[s] else { return nil }
        return items[s]
    }

    /// Alive items in slot order.
    public var allItems: [Item] { zip(items, alive).compactMap { $1 ? $0 : nil } }

    func slot(of id: String) -> Int? {
        guard let s = slotByID[id], alive[s] else { return nil }
        return s
    }

    /// Inserts or replaces items with their embeddings (one `dimension`-vector each, normalised here).
    /// Returns the slots written.
    @discardableResult
    public mutating func upsert(_ newItems: [Item], embeddings vectors: [[Float]]) throws -> [Int] {
        guard newItems.count == vectors.count else {
            throw RecommendError.embedding("upsert got \(newItems.count) items but \(vectors.count) embeddings")
        }
        var slots: [Int] = []
        slots.reserveCapacity(newItems.count)
        for (item, vector) in zip(newItems, vectors) {
            try item.validate()
            guard vector.count == dimension else {
                throw RecommendError.embedding("embedding for item '\(item.id)': expected \(dimension) floats, found \(vector.count)")
            }
            let normalised = Self.normalised(vector)
            let slot: Int
            if let s = slotByID[item.id] {
                slot = s
                items[s] = item
                if !alive[s] { alive[s] = true; count += 1 }
                embeddings.replaceSubrange(s * dimension ..< (s + 1) * dimension, with: normalised)
            } else {
                slot = items.count
                items.append(item)
                alive.append(true)
                embeddings.append(contentsOf: normalised)
                slotByID[item.id] = slot
                count += 1
            }
            setColumns(slot: slot, item: item)
            slots.append(slot)
        }
        return slots
    }

    private mutating func setColumns(slot: Int, item: Item) {
        if slot == categoryCode.count {
            categoryCode.append(0); brandCode.append(0); priceColumn.append(.nan); inStockColumn.append(true)
        }
        categoryCode[slot] = Self.code(item.category, in: &categoryCodes)
        brandCode[slot] = Self.code(item.brand, in: &brandCodes)
        priceColumn[slot] = item.price ?? .nan
        inStockColumn[slot] = item.inStock
    }

    private static func code(_ value: String, in table: inout [String: Int32]) -> Int32 {
        let key = value.lowercased()
        if let c = table[key] { return c }
        let c = Int32(table.count)
        table[key] = c
        return c
    }

    /// The codes of these categories or brands (unknown names get no code and so match nothing).
    func codes(_ names: [String], brand: Bool) -> [Bool] {
        let table = brand ? brandCodes : categoryCodes
        var mask = [Bool](repeating: false, count: table.count)
        for name in names { if let c = table[name.lowercased()] { mask[Int(c)] = true } }
        return mask
    }

    /// Marks the item dead; returns false when no alive item has that id.
    @discardableResult
    public mutating func delete(id: String) -> Bool {
        guard let s = slotByID[id], alive[s] else { return false }
        alive[s] = false
        count -= 1
        for k in s * dimension ..< (s + 1) * dimension { embeddings[k] = 0 }
        return true
    }

    static func normalised(_ v: [Float]) -> [Float] {
        var norm: Float = 0
        for x in v { norm += x * x }
        norm = norm.squareRoot()
        guard norm > 0, norm.isFinite else { return v.map { _ in 0 } }
        return v.map { $0 / norm }
    }

    /// The words the intent engine's slot extraction can match against this catalog.
    public var vocabulary: CatalogVocabulary { CatalogVocabulary(items: allItems) }
}

/// Categories, brands, colours and sizes found in the catalog, each sorted and de-duplicated
/// (case-insensitively, keeping the first spelling seen).
public struct CatalogVocabulary: Sendable, Hashable {
    public var categories: [String]
    public var brands: [String]
    public var colors: [String]
    public var sizes: [String]

    public init(items: [Item]) {
        func collect(_ values: [String]) -> [String] {
            var seen: [String: String] = [:]
            for v in values where !v.isEmpty && seen[v.lowercased()] == nil { seen[v.lowercased()] = v }
            return seen.values.sorted { $0.lowercased() < $1.lowercased() }
        }
        categories = collect(items.map(\.category))
        brands = collect(items.map(\.brand))
        colors = collect(items.flatMap { [$0.attributes["color"], $0.attributes["colour"]].compactMap { $0 } })
        sizes = collect(items.compactMap { $0.attributes["size"] })
    }
}
