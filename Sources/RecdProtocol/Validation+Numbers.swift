extension Validation {
    /// Prices in filters must be finite: NaN compares false both ways, so a NaN bound
    /// would silently keep or drop every item instead of being reported.
    static func finitePrices(_ f: Recd_V1_Filters) throws(RequestError) {
        if f.hasMinPrice && !f.minPrice.isFinite {
            throw .badRequest("filters.min_price must be a finite number, found \(f.minPrice)")
        }
        if f.hasMaxPrice && !f.maxPrice.isFinite {
            throw .badRequest("filters.max_price must be a finite number, found \(f.maxPrice)")
        }
    }

    /// Score weights must be finite: one NaN weight makes every score NaN and the ranking arbitrary.
    static func finiteWeights(_ r: Recd_V1_RecommendRequest) throws(RequestError) {
        guard r.hasWeights else { return }
        let w = r.weights
        for (name, value) in [("alpha", w.alpha), ("beta", w.beta), ("gamma", w.gamma), ("delta", w.delta)] where !value.isFinite {
            throw .badRequest("weights.\(name) must be a finite number, found \(value)")
        }
    }
}
