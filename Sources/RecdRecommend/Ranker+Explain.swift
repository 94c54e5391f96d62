import Foundation

extension Ranker {
    /// Names the signal that contributed most to item j's score, with the real item or query behind it.
    func explain(_ j: Int) -> String {
        var parts: [(value: Float, text: () -> String)] = []
        if !querySimilarity.isEmpty {
            parts.append((weights.query * querySimilarity[j], { self.queryReason() }))
        }
        if let c = collaborative(j) {
            parts.append((weights.collaborative * c, { self.collaborativeReason(j) }))
        }
        if let s = sequence[Int32(j)] {
            parts.append((weights.sequence * s, { self.sequenceReason(j) }))
        }
        if !interest.isEmpty {
            parts.append((weights.interest * interestCosine(j), { self.contentReason(j) }))
        }
        parts.append((weights.popularity * popularity(j), { self.popularityReason(j) }))
        let best = parts.max { $0.value < $1.value }!
        return best.value > 0 ? best.text() : popularityReason(j)
    }

    private var catalog: Catalog { state.catalog }

    private func queryReason() -> String {
        var s = "matches \(quoted(request.query ?? "your search", limit: 40))"
        let f = request.filter
        if f.categories.count == 1 { s += " in \(f.categories[0])" }
        if let hi = f.maxPrice { s += " under \(money(hi))" }
        if let lo = f.minPrice, f.maxPrice == nil { s += " over \(money(lo))" }
        return s
    }

    private func collaborativeReason(_ j: Int) -> String {
        guard let model = state.model,
              let h = history.max(by: { model.contribution($0, to: j) < model.contribution($1, to: j) }) else {
            return popularityReason(j)
        }
        return "because you \(h.kind.pastTense) \(quoted(catalog.items[h.slot].title))"
    }

    private func sequenceReason(_ j: Int) -> String {
        guard let profile = state.profiles[request.user] else { return popularityReason(j) }
        let target = catalog.items[j].id
        for id in profile.recent.reversed().prefix(config.sequenceItems) where state.transitions[id]?[target] != nil {
            let title = catalog.item(id: id)?.title ?? id
            return "often chosen next after \(quoted(title)), which you \(profile.interactions[id]?.strongestKind.pastTense ?? "viewed")"
        }
        return popularityReason(j)
    }

    private func contentReason(_ j: Int) -> String {
        // The most similar history item (the first of equals), one dot product per history item.
        var best: (slot: Int, weight: Float, kind: FeedbackKind)?
        var bestSimilarity = -Float.infinity
        for h in history {
            let s = itemCosine(h.slot, j)
            if best == nil || s > bestSimilarity { best = h; bestSimilarity = s }
        }
        guard let h = best else { return popularityReason(j) }
        return "similar to \(quoted(catalog.items[h.slot].title)) you \(h.kind.pastTense)"
    }

    /// "popular in Beauty this week" — only claimed when the item really has recent interactions.
    private func popularityReason(_ j: Int) -> String {
        let c = catalog.items[j].category
        let category = c.prefix(1).uppercased() + c.dropFirst()
        if popularity(j) > 0 {
            return c.isEmpty ? "popular this week" : "popular in \(category) this week"
        }
        return c.isEmpty ? "no interactions yet; ranked by your filters" : "in \(category); no interactions yet"
    }

    private func money(_ v: Double) -> String {
        let amount = v == v.rounded() ? String(Int(v)) : String(format: "%.2f", v)
        return "$" + amount
    }
}

extension EASEModel {
    /// How much one history item pushed item j up.
    func contribution(_ h: (slot: Int, weight: Float, kind: FeedbackKind), to j: Int) -> Float {
        h.slot < n && j < n ? h.weight * weight(from: h.slot, to: j) : 0
    }
}

/// 'Title' shortened to `limit` characters.
func quoted(_ s: String, limit: Int = 60) -> String {
    let t = s.count > limit ? String(s.prefix(limit - 1)) + "…" : s
    return "'\(t)'"
}
