/// One product in the catalog; maps one to one onto the protocol's `Item` message.
public struct Item: Sendable, Hashable {
    /// Stable id chosen by the app (SKU, ASIN, …); unique in the catalog.
    public var id: String
    public var title: String
    public var description: String
    /// Top-level category ("laptops", "beauty"); empty when unknown.
    public var category: String
    public var brand: String
    /// Price in `currency`; nil when unknown (price filters then exclude the item).
    public var price: Double?
    /// ISO 4217 code ("USD", "CNY").
    public var currency: String
    public var tags: [String]
    /// Free-form attributes; the keys `color`/`colour` and `size` feed the slot vocabulary.
    public var attributes: [String: String]
    public var inStock: Bool

    public init(id: String, title: String, description: String = "", category: String = "",
                brand: String = "", price: Double? = nil, currency: String = "USD",
                tags: [String] = [], attributes: [String: String] = [:], inStock: Bool = true) {
        self.id = id
        self.title = title
        self.description = description
        self.category = category
        self.brand = brand
        self.price = price
        self.currency = currency
        self.tags = tags
        self.attributes = attributes
        self.inStock = inStock
    }

    /// The text whose embedding stands for the item: title, brand, category, tags and description.
    /// Changing any of these changes `embeddingText` and so the cache key.
    public var embeddingText: String {
        var parts = [title]
        if !brand.isEmpty { parts.append(brand) }
        if !category.isEmpty { parts.append(category) }
        if !tags.isEmpty { parts.append(tags.joined(separator: ", ")) }
        if !description.isEmpty { parts.append(description) }
        return parts.joined(separator: ". ")
    }

    /// Checks the rules every stored item must follow.
    public func validate() throws {
        if id.isEmpty { throw RecommendError.invalidItem("item id is empty; every item needs a unique non-empty id") }
        if let price, !(price >= 0) || !price.isFinite {
            throw RecommendError.invalidItem("item '\(id)': price must be a finite number ≥ 0, found \(price)")
        }
    }
}
