import COpenBLAS

extension RecommendEngine {
    /// Ranks the catalog for a user; see RANKING.md for the formula and each signal.
    public func recommend(_ request: RecommendRequest) throws -> [Recommendation] {
        guard (1...1000).contains(request.k) else {
            throw RecommendError.invalidRequest("k must be 1…1000, found \(request.k)")
        }
        guard (0...1).contains(request.diversity) else {
            throw RecommendError.invalidRequest("diversity must be 0…1, found \(request.diversity)")
        }
        return try lock.read {
            if let q = request.queryEmbedding, q.count != state.catalog.dimension {
                throw RecommendError.invalidRequest("query embedding has \(q.count) floats, expected \(state.catalog.dimension)")
            }
            var ranker = Ranker(state: state, config: config, request: request)
            return ranker.run()
        }
    }

    /// Items like `itemID`: embedding cosine plus, when the collaborative model knows the item,
    /// its EASE weights ("often bought together").
    public func similar(to itemID: String, k: Int = 10, filter: ItemFilter = ItemFilter()) throws -> [Recommendation] {
        guard (1...1000).contains(k) else { throw RecommendError.invalidRequest("k must be 1…1000, found \(k)") }
        return try lock.read {
            guard let slot = state.catalog.slot(of: itemID) else { throw RecommendError.unknownItem(itemID) }
            var f = filter
            f.excludeItems.append(itemID)
            let request = RecommendRequest(user: "", k: k, filter: f, consumed: .none)
            var ranker = Ranker(state: state, config: config, request: request)
            return ranker.similar(to: slot)
        }
    }
}

/// One ranking computation over a consistent view of the engine state (the caller holds the read lock).
struct Ranker {
    let state: EngineState
    let config: RecommendConfig
    let request: RecommendRequest
    let weights: RankingWeights
    let n: Int
    let d: Int
    /// User's liked items, most recent first: (slot, weight with recency, kind).
    var history: [(slot: Int, weight: Float, kind: FeedbackKind)] = []
    var allowed: [Bool] = []
    var collaborative: [Float] = []
    var sequence: [Int32: Float] = [:]
    var querySimilarity: [Float] = []
    var interest: [Float] = []
    var popularityScale: Float = 0

    init(state: EngineState, config: RecommendConfig, request: RecommendRequest) {
        self.state = state
        self.config = config
        self.request = request
        self.weights = request.weights.applied(to: config.weights)
        self.n = state.catalog.slotCount
        self.d = state.catalog.dimension
    }

    private var catalog: Catalog { state.catalog }

    mutating func run() -> [Recommendation] {
        guard n > 0 else { return [] }
        let profile = state.profiles[request.user]
        if let profile {
            for h in profile.positiveHistory(limit: config.historyLimit, decay: config.recencyDecay) {
                if let s = catalog.slot(of: h.item) { history.append((s, h.weight, h.kind)) }
            }
        }
        buildAllowed(profile: profile)
        computeCollaborative()
        computeSequence(profile: profile)
        computeInterestVector()
        let maxPop = state.popularity.max() ?? 0
        popularityScale = maxPop > 0 ? 1 / maxPop : 0
        if let q = request.queryEmbedding, weights.query != 0 {
            querySimilarity = denseSimilarity(Catalog.normalised(q))
        }
        // Score everything cheap densely; the interest cosine is exact for a candidate pool
        // (or densely when a query already forces a full pass).
        var scores = [Float](repeating: -.infinity, count: n)
        let denseInterest = !interest.isEmpty && weights.interest != 0 && !querySimilarity.isEmpty
        let interestAll = denseInterest ? denseSimilarity(interest) : []
        for j in 0..<n where allowed[j] {
            var s = weights.popularity * popularity(j)
            if !collaborative.isEmpty { s += weights.collaborative * collaborative[j] }
            if !querySimilarity.isEmpty { s += weights.query * querySimilarity[j] }
            if denseInterest { s += weights.interest * interestAll[j] }
            scores[j] = s
        }
        for (slot, v) in sequence where allowed[Int(slot)] { scores[Int(slot)] += weights.sequence * v }
        var candidates: [Int32]
        if !interest.isEmpty && weights.interest != 0 && !denseInterest {
            var top = TopK(k: max(config.candidatePool, request.k * 4))
            for j in 0..<n where allowed[j] { top.insert(Int32(j), scores[j]) }
            var set = Set(top.entries.map(\.slot))
            for h in history.prefix(10) {
                for nb in state.graph.neighbours[h.slot] where allowed[Int(nb.slot)] { set.insert(nb.slot) }
            }
            candidates = Array(set)
            for c in candidates { scores[Int(c)] += weights.interest * cosine(interest, Int(c)) }
        } else {
            candidates = []
        }
        let poolSize = request.diversity > 0 ? max(request.k * 5, 50) : request.k
        var top = TopK(k: poolSize)
        if candidates.isEmpty {
            for j in 0..<n where allowed[j] { top.insert(Int32(j), scores[j]) }
        } else {
            for c in candidates { top.insert(c, scores[Int(c)]) }
        }
        var ranked = top.sorted()
        if request.diversity > 0 { ranked = diversify(ranked) }
        return ranked.prefix(request.k).map { entry in
            let j = Int(entry.slot)
            return Recommendation(itemID: catalog.items[j].id, score: entry.score,
                                  explanation: explain(j), item: catalog.items[j])
        }
    }

    mutating func similar(to slot: Int) -> [Recommendation] {
        buildAllowed(profile: nil)
        let e = Array(catalog.embeddings[slot * d ..< (slot + 1) * d])
        let sims = denseSimilarity(e)
        var collab = [Float](repeating: 0, count: n)
        var maxC: Float = 0
        if let model = state.model, slot < model.n {
            collab.withUnsafeMutableBufferPointer { model.accumulate(row: slot, scale: 1, into: $0.baseAddress!) }
            maxC = collab.max() ?? 0
        }
        var top = TopK(k: request.k)
        for j in 0..<n where allowed[j] {
            let c = maxC > 0 ? max(collab[j], 0) / maxC : 0
            top.insert(Int32(j), sims[j] + weights.collaborative * 0.5 * c)
        }
        let source = catalog.items[slot].title
        return top.sorted().map { entry in
            let j = Int(entry.slot)
            let c = maxC > 0 ? max(collab[j], 0) / maxC : 0
            let why = weights.collaborative * 0.5 * c > sims[j] * 0.5
                ? "often bought together with \(quoted(source))" : "similar to \(quoted(source))"
            return Recommendation(itemID: catalog.items[j].id, score: entry.score, explanation: why, item: catalog.items[j])
        }
    }

    // MARK: Signals

    private mutating func buildAllowed(profile: UserProfile?) {
        let f = request.filter
        let cats = f.categories.isEmpty ? nil : catalog.codes(f.categories, brand: false)
        let brands = f.brands.isEmpty ? nil : catalog.codes(f.brands, brand: true)
        allowed = catalog.alive
        if !f.isEmpty {
            for j in 0..<n where allowed[j] {
                if let cats, !cats[Int(catalog.categoryCode[j])] { allowed[j] = false; continue }
                if let brands, !brands[Int(catalog.brandCode[j])] { allowed[j] = false; continue }
                if f.inStockOnly && !catalog.inStockColumn[j] { allowed[j] = false; continue }
                let p = catalog.priceColumn[j]
                if let lo = f.minPrice, !(p >= lo) { allowed[j] = false; continue }
                if let hi = f.maxPrice, !(p <= hi) { allowed[j] = false; continue }
            }
            for id in f.excludeItems { if let s = catalog.slot(of: id) { allowed[s] = false } }
        }
        guard let profile else { return }
        switch request.consumed {
        case .none: return
        case .excludeSeen:
            for id in profile.seen { if let s = catalog.slot(of: id) { allowed[s] = false } }
        case .default, .excludePurchased:
            for id in profile.purchased { if let s = catalog.slot(of: id) { allowed[s] = false } }
            for id in profile.disliked { if let s = catalog.slot(of: id) { allowed[s] = false } }
        }
    }

    private mutating func computeCollaborative() {
        guard let model = state.model, !history.isEmpty, weights.collaborative != 0 else { return }
        collaborative = [Float](repeating: 0, count: n)
        let maxW = history.map(\.weight).max() ?? 1
        collaborative.withUnsafeMutableBufferPointer { buf in
            for h in history { model.accumulate(row: h.slot, scale: h.weight / maxW, into: buf.baseAddress!) }
        }
        let m = collaborative.max() ?? 0
        if m > 0 { let inv = 1 / m; for j in 0..<n { collaborative[j] *= inv } } else { collaborative = [] }
    }

    private mutating func computeSequence(profile: UserProfile?) {
        guard let profile, weights.sequence != 0 else { return }
        var factor: Float = 1
        for id in profile.recent.reversed().prefix(config.sequenceItems) {
            if let next = state.transitions[id] {
                let total = next.values.reduce(0, +)
                for (target, c) in next { if let s = catalog.slot(of: target) { sequence[Int32(s), default: 0] += factor * c / total } }
            }
            factor *= config.sequenceDecay
        }
        let m = sequence.values.max() ?? 0
        if m > 0 { for k in sequence.keys { sequence[k]! /= m } }
    }

    private mutating func computeInterestVector() {
        guard !history.isEmpty else { return }
        var v = [Float](repeating: 0, count: d)
        catalog.embeddings.withUnsafeBufferPointer { e in
            for h in history { cblas_saxpy(Int32(d), h.weight, e.baseAddress! + h.slot * d, 1, &v, 1) }
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { interest = v.map { $0 / norm } }
    }

    func popularity(_ j: Int) -> Float {
        j < state.popularity.count ? state.popularity[j] * popularityScale : 0
    }

    private func denseSimilarity(_ q: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        catalog.embeddings.withUnsafeBufferPointer { e in
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, e.baseAddress!, Int32(d), q, 1, 0, &out, 1)
        }
        return out
    }

    private func cosine(_ v: [Float], _ j: Int) -> Float {
        catalog.embeddings.withUnsafeBufferPointer { e in cblas_sdot(Int32(d), v, 1, e.baseAddress! + j * d, 1) }
    }

    private func itemCosine(_ a: Int, _ b: Int) -> Float {
        catalog.embeddings.withUnsafeBufferPointer { e in
            cblas_sdot(Int32(d), e.baseAddress! + a * d, 1, e.baseAddress! + b * d, 1)
        }
    }

    /// Maximal marginal relevance: repeatedly pick the item maximising
    /// (1 − λ)·relevance − λ·(max cosine to already picked items), relevance scaled to 0…1.
    private func diversify(_ pool: [(slot: Int32, score: Float)]) -> [(slot: Int32, score: Float)] {
        guard let hi = pool.first?.score, let lo = pool.last?.score else { return pool }
        let span = max(hi - lo, 1e-6)
        let lambda = request.diversity
        var remaining = pool
        var picked: [(slot: Int32, score: Float)] = []
        while picked.count < request.k && !remaining.isEmpty {
            var best = 0
            var bestValue = -Float.infinity
            for (i, c) in remaining.enumerated() {
                let rel = (c.score - lo) / span
                let redundancy = picked.map { itemCosine(Int($0.slot), Int(c.slot)) }.max() ?? 0
                let v = (1 - lambda) * rel - lambda * redundancy
                if v > bestValue { bestValue = v; best = i }
            }
            picked.append(remaining.remove(at: best))
        }
        return picked
    }
}
