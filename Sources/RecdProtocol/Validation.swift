import SwiftProtobuf

/// Decoding and validation of request bodies; pure, so the rules are testable without sockets.
public enum Validation {
    /// Decodes `body` as `M`, answering BAD_REQUEST with the opcode and message type on failure.
    public static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from body: [UInt8], opcode: Opcode) throws(RequestError) -> M {
        do {
            return try M(serializedBytes: body)
        } catch {
            throw .badRequest("\(opcode.name) body is not a valid \(M.protoMessageName) (\(body.count) bytes): \(error)")
        }
    }

    static func text(_ text: String, field: String, limits: RequestLimits, allowEmpty: Bool) throws(RequestError) {
        if !allowEmpty && text.isEmpty { throw .badRequest("\(field) must not be empty") }
        let bytes = text.utf8.count
        if bytes > limits.maxTextBytes {
            throw .tooLarge("\(field) is \(bytes) UTF-8 bytes; the limit is \(limits.maxTextBytes)")
        }
    }

    static func id(_ value: String, field: String, limits: RequestLimits, allowEmpty: Bool = false) throws(RequestError) {
        if !allowEmpty && value.isEmpty { throw .badRequest("\(field) must not be empty") }
        if value.utf8.count > limits.maxIDBytes {
            throw .tooLarge("\(field) is \(value.utf8.count) UTF-8 bytes; the limit is \(limits.maxIDBytes)")
        }
    }

    static func k(_ k: UInt32, field: String, limits: RequestLimits) throws(RequestError) {
        if Int(k) > limits.maxK { throw .tooLarge("\(field) is \(k); the limit is \(limits.maxK)") }
    }

    /// EMBED: 1..maxTextsPerRequest texts, each at most maxTextBytes.
    public static func validate(_ r: Recd_V1_EmbedRequest, limits: RequestLimits) throws(RequestError) {
        if r.texts.isEmpty { throw .badRequest("EMBED needs at least one text in `texts`, found none") }
        if r.texts.count > limits.maxTextsPerRequest {
            throw .tooLarge("EMBED has \(r.texts.count) texts; the limit is \(limits.maxTextsPerRequest) per request")
        }
        for (i, t) in r.texts.enumerated() {
            try text(t, field: "texts[\(i)]", limits: limits, allowEmpty: true)
        }
    }

    /// INTENT: a non-empty text and top_k within maxK.
    public static func validate(_ r: Recd_V1_IntentRequest, limits: RequestLimits) throws(RequestError) {
        try text(r.text, field: "INTENT text", limits: limits, allowEmpty: false)
        try k(r.topK, field: "top_k", limits: limits)
    }

    /// RECOMMEND: k, query length, a known consumed policy, diversity in [0, 1], a sane price range.
    public static func validate(_ r: Recd_V1_RecommendRequest, limits: RequestLimits) throws(RequestError) {
        try id(r.user, field: "user", limits: limits, allowEmpty: true)
        try text(r.query, field: "query", limits: limits, allowEmpty: true)
        try k(r.k, field: "k", limits: limits)
        if case .UNRECOGNIZED(let v) = r.consumed {
            throw .badRequest("consumed policy \(v) is unknown; expected 0 DEFAULT, 1 EXCLUDE_PURCHASED, 2 EXCLUDE_SEEN or 3 NONE")
        }
        if !(r.diversity >= 0 && r.diversity <= 1) {
            throw .badRequest("diversity must be in [0, 1] (0 = off), found \(r.diversity)")
        }
        try finiteWeights(r)
        try validate(r.filters, limits: limits)
    }

    /// SIMILAR: a non-empty item id and k within maxK.
    public static func validate(_ r: Recd_V1_SimilarRequest, limits: RequestLimits) throws(RequestError) {
        try id(r.item, field: "item", limits: limits)
        try k(r.k, field: "k", limits: limits)
        try validate(r.filters, limits: limits)
    }

    static func validate(_ f: Recd_V1_Filters, limits: RequestLimits) throws(RequestError) {
        try finitePrices(f)
        if f.hasMinPrice && f.hasMaxPrice && f.minPrice > f.maxPrice {
            throw .badRequest("filters.min_price \(f.minPrice) is above filters.max_price \(f.maxPrice)")
        }
        if f.excludeItems.count > limits.maxItemsPerRequest {
            throw .tooLarge("filters.exclude_items has \(f.excludeItems.count) ids; the limit is \(limits.maxItemsPerRequest)")
        }
        for (field, list) in [("exclude_categories", f.excludeCategories), ("exclude_brands", f.excludeBrands)]
        where list.count > limits.maxItemsPerRequest {
            throw .tooLarge("filters.\(field) has \(list.count) names; the limit is \(limits.maxItemsPerRequest)")
        }
    }

    /// FEEDBACK: user and item ids and a known event.
    public static func validate(_ r: Recd_V1_FeedbackRequest, limits: RequestLimits) throws(RequestError) {
        try id(r.user, field: "user", limits: limits)
        try id(r.item, field: "item", limits: limits)
        try id(r.idempotencyKey, field: "idempotency_key", limits: limits, allowEmpty: true)
        switch r.event {
        case .unspecified:
            throw .badRequest("event is missing; expected one of VIEW, CLICK, ADD_TO_CART, PURCHASE, RATING, DISLIKE")
        case .UNRECOGNIZED(let v):
            throw .badRequest("event \(v) is unknown; expected 1 VIEW .. 6 DISLIKE")
        default:
            break
        }
        if !r.value.isFinite { throw .badRequest("value must be a finite number, found \(r.value)") }
    }

    /// ITEMS: exactly one of upsert / delete / get, with 1..maxItemsPerRequest entries and non-empty ids.
    public static func validate(_ r: Recd_V1_ItemsRequest, limits: RequestLimits) throws(RequestError) {
        switch r.op {
        case nil:
            throw .badRequest("ITEMS needs one of upsert, delete or get; found none")
        case .upsert(let list):
            try count(list.items.count, what: "upsert items", limits: limits)
            for (i, item) in list.items.enumerated() {
                try id(item.id, field: "upsert.items[\(i)].id", limits: limits)
                if !item.price.isFinite || item.price < 0 {
                    throw .badRequest("upsert.items[\(i)].price must be a finite number >= 0, found \(item.price)")
                }
            }
        case .delete(let ids), .get(let ids):
            try count(ids.ids.count, what: "ids", limits: limits)
            for (i, value) in ids.ids.enumerated() { try id(value, field: "ids[\(i)]", limits: limits) }
        }
    }

    static func count(_ n: Int, what: String, limits: RequestLimits) throws(RequestError) {
        if n == 0 { throw .badRequest("ITEMS \(what) is empty; send at least one") }
        if n > limits.maxItemsPerRequest {
            throw .tooLarge("ITEMS has \(n) \(what); the limit is \(limits.maxItemsPerRequest) per request")
        }
    }
}
