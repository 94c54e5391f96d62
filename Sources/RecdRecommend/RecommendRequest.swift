/// Which items the user already has that must not be recommended again.
public enum ConsumedPolicy: Int, Sendable, Hashable {
    /// Purchased and disliked items (today the same as `excludePurchased`; the default may grow).
    case `default` = 0
    /// Purchased and disliked items.
    case excludePurchased = 1
    /// Every item the user interacted with in any way.
    case excludeSeen = 2
    /// Nothing is excluded, not even dislikes.
    case none = 3
}

/// Hard constraints on results; an item must pass every non-empty field.
public struct ItemFilter: Sendable, Hashable {
    /// Allowed categories (case-insensitive); empty = any.
    public var categories: [String]
    /// Allowed brands (case-insensitive); empty = any.
    public var brands: [String]
    public var minPrice: Double?
    public var maxPrice: Double?
    public var inStockOnly: Bool
    public var excludeItems: [String]
    /// Categories never to return (case-insensitive), e.g. from a negated query slot ("not makeup").
    public var excludeCategories: [String]
    /// Brands never to return (case-insensitive), e.g. from a negated query slot ("not Apple", "不要苹果").
    public var excludeBrands: [String]

    public init(categories: [String] = [], brands: [String] = [], minPrice: Double? = nil,
                maxPrice: Double? = nil, inStockOnly: Bool = false, excludeItems: [String] = [],
                excludeCategories: [String] = [], excludeBrands: [String] = []) {
        self.categories = categories
        self.brands = brands
        self.minPrice = minPrice
        self.maxPrice = maxPrice
        self.inStockOnly = inStockOnly
        self.excludeItems = excludeItems
        self.excludeCategories = excludeCategories
        self.excludeBrands = excludeBrands
    }

    var isEmpty: Bool {
        categories.isEmpty && brands.isEmpty && minPrice == nil && maxPrice == nil && !inStockOnly && excludeItems.isEmpty
            && excludeCategories.isEmpty && excludeBrands.isEmpty
    }
}

/// A RECOMMEND request; maps one to one onto the protocol's `RecommendRequest`.
public struct RecommendRequest: Sendable {
    /// User id; an unknown user is a cold user (popularity and query only).
    public var user: String
    /// The query text, used in explanations ("matches 'running shoes'").
    public var query: String?
    /// The query's embedding (384 floats), computed by the caller's encoder; nil = no query.
    public var queryEmbedding: [Float]?
    public var k: Int
    public var filter: ItemFilter
    public var consumed: ConsumedPolicy
    public var weights: RankingWeightOverrides
    /// MMR diversity 0…1: 0 ranks by score only; higher trades score for dissimilarity to items already picked.
    public var diversity: Float

    public init(user: String, query: String? = nil, queryEmbedding: [Float]? = nil, k: Int = 10,
                filter: ItemFilter = ItemFilter(), consumed: ConsumedPolicy = .default,
                weights: RankingWeightOverrides = RankingWeightOverrides(), diversity: Float = 0) {
        self.user = user
        self.query = query
        self.queryEmbedding = queryEmbedding
        self.k = k
        self.filter = filter
        self.consumed = consumed
        self.weights = weights
        self.diversity = diversity
    }
}

/// One ranked item with the reason it was chosen.
public struct Recommendation: Sendable, Hashable {
    public var itemID: String
    public var score: Float
    /// A short sentence naming the strongest real reason ("because you bought X").
    public var explanation: String
    public var item: Item
}
