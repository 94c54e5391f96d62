import Foundation
import RecdProtocol
import RecdRecommend

/// Wire ↔ engine mappings for ``RecommendService``; pure functions.
extension RecommendService {
    static func filter(_ f: Recd_V1_Filters) -> ItemFilter {
        ItemFilter(categories: f.categories, brands: f.brands,
                   minPrice: f.hasMinPrice ? f.minPrice : nil, maxPrice: f.hasMaxPrice ? f.maxPrice : nil,
                   inStockOnly: f.inStockOnly, excludeItems: f.excludeItems,
                   excludeCategories: f.excludeCategories, excludeBrands: f.excludeBrands)
    }

    /// Adds what the query asked for to the request's own filters, where the request left them open:
    /// a category or brand the catalog knows (spelled as the catalog spells it) and a price range.
    /// A negated category or brand ("not Apple", "不要苹果") becomes an exclusion, added to the
    /// request's own exclusions (an exclusion only narrows, so both apply).
    static func apply(slots: [Recd_V1_Slot], to filter: inout ItemFilter, vocabulary: RecdRecommend.CatalogVocabulary) {
        // Case and a plural "s" do not matter: the slot says "laptop", the catalog "laptops".
        func stem(_ s: String) -> String {
            let l = s.lowercased()
            return l.hasSuffix("s") && l.count > 3 ? String(l.dropLast()) : l
        }
        func canonical(_ value: String, in known: [String]) -> String? {
            let v = stem(value)
            return known.first { stem($0) == v }
        }
        var categories: [String] = [], brands: [String] = []
        for slot in slots {
            switch (slot.name, slot.negated) {
            case ("category", false):
                if let c = canonical(slot.value, in: vocabulary.categories) { categories.append(c) }
            case ("brand", false):
                if let b = canonical(slot.value, in: vocabulary.brands) { brands.append(b) }
            case ("category", true):
                if let c = canonical(slot.value, in: vocabulary.categories), !filter.excludeCategories.contains(c) {
                    filter.excludeCategories.append(c)
                }
            case ("brand", true):
                if let b = canonical(slot.value, in: vocabulary.brands), !filter.excludeBrands.contains(b) {
                    filter.excludeBrands.append(b)
                }
            case ("price", false):
                if filter.minPrice == nil, slot.hasMin, slot.min > 0 { filter.minPrice = slot.min }
                if filter.maxPrice == nil, slot.hasMax { filter.maxPrice = slot.max }
            default:
                break
            }
        }
        if filter.categories.isEmpty { filter.categories = categories }
        if filter.brands.isEmpty { filter.brands = brands }
    }

    static func policy(_ p: Recd_V1_ConsumedPolicy) throws -> ConsumedPolicy {
        switch p {
        case .default: return .default
        case .excludePurchased: return .excludePurchased
        case .excludeSeen: return .excludeSeen
        case .none: return .none
        case .UNRECOGNIZED(let v): throw RequestError.badRequest("consumed policy \(v) is unknown; expected 0…3")
        }
    }

    static func kind(_ e: Recd_V1_Event) throws -> FeedbackKind {
        switch e {
        case .view: return .view
        case .click: return .click
        case .addToCart: return .addToCart
        case .purchase: return .purchase
        case .rating: return .rating
        case .dislike: return .dislike
        case .unspecified: throw RequestError.badRequest("feedback event is missing; expected view, click, add_to_cart, purchase, rating or dislike")
        case .UNRECOGNIZED(let v): throw RequestError.badRequest("feedback event \(v) is unknown; expected 1…6")
        }
    }

    static func event(_ r: Recd_V1_FeedbackRequest) throws -> FeedbackEvent {
        guard r.value.isFinite else { throw RequestError.badRequest("feedback value must be a finite number, found \(r.value)") }
        let ts = r.timestampMs == 0 ? Int64(Date().timeIntervalSince1970 * 1000) : r.timestampMs
        return FeedbackEvent(user: r.user, item: r.item, kind: try kind(r.event), value: Double(r.value),
                             timestampMs: ts, idempotencyKey: r.idempotencyKey.isEmpty ? nil : r.idempotencyKey)
    }

    static func feedbackResponse(_ outcome: FeedbackOutcome) -> Recd_V1_FeedbackResponse {
        var m = Recd_V1_FeedbackResponse()
        m.duplicate = outcome.isDuplicate
        m.sequence = UInt64(outcome.sequence)
        return m
    }

    static func recommendation(_ r: Recommendation) -> Recd_V1_Recommendation {
        var m = Recd_V1_Recommendation()
        m.itemID = r.itemID
        m.score = r.score
        m.title = r.item.title
        m.explanation = r.explanation
        return m
    }

    static func item(_ m: Recd_V1_Item) -> Item {
        Item(id: m.id, title: m.title, description: m.description_p, category: m.category, brand: m.brand,
             price: m.price == 0 ? nil : m.price, currency: m.currency.isEmpty ? "USD" : m.currency,
             tags: m.tags, attributes: m.attributes, inStock: m.hasInStock ? m.inStock : true)
    }

    static func message(_ i: Item) -> Recd_V1_Item {
        var m = Recd_V1_Item()
        m.id = i.id
        m.title = i.title
        m.description_p = i.description
        m.category = i.category
        m.brand = i.brand
        m.price = i.price ?? 0
        m.currency = i.currency
        m.tags = i.tags
        m.attributes = i.attributes
        m.inStock = i.inStock
        return m
    }

    /// Engine errors become statuses a client can act on; anything else stays INTERNAL.
    static func requestError(_ error: any Error) -> any Error {
        switch error {
        case RecommendError.unknownItemKind: return RequestError.notFound((error as! RecommendError).message)
        case RecommendError.invalidItemKind, RecommendError.invalidRequestKind:
            return RequestError.badRequest((error as! RecommendError).message)
        default: return error
        }
    }

    func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw Self.requestError(error) }
    }
}
