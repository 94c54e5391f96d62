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
            return scratchPool.withScratch(slots: state.catalog.slotCount) { scratch in
                var ranker = Ranker(state: state, config: config, request: request, scratch: scratch)
                return ranker.run()
            }
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
            return scratchPool.withScratch(slots: state.catalog.slotCount) { scratch in
                var ranker = Ranker(state: state, config: config, request: request, scratch: scratch)
                return ranker.similar(to: slot)
            }
        }
    }
}

/// One ranking computation over a consistent view of the engine state (the caller holds the read lock).
///
/// Catalog-sized buffers (collaborative scores, dense scores, the allowed mask) live in `scratch`,
/// so a request allocates nothing proportional to the catalog; the no-query path makes two
/// vectorised passes over the catalog plus one selection pass, and touches embeddings only for
/// the candidate pool.
struct Ranker {
    let state: EngineState
    let config: RecommendConfig
    let request: RecommendRequest
    let weights: RankingWeights
    let scratch: RankScratch
    let n: Int
    let d: Int
    /// User's liked items, most recent first: (slot, weight with recency, kind).
    var history: [(slot: Int, weight: Float, kind: FeedbackKind)] = []
    /// Multiplies `scratch.collaborative[j]` into 0…1; 0 when there is no collaborative signal.
    var collaborativeScale: Float = 0
    var sequence: [Int32: Float] = [:]
    var querySimilarity: [Float] = []
    var interest: [Float] = []
    var popularityScale: Float = 0

    init(state: EngineState, config: RecommendConfig, request: RecommendRequest, scratch: RankScratch) {
        self.state = state
        self.config = config
        self.request = request
        self.weights = request.weights.applied(to: config.weights)
        self.scratch = scratch
        self.n = state.catalog.slotCount
        self.d = state.catalog.dimension
    }

    private var catalog: Catalog { state.catalog }

    /// The collaborative signal of item j in 0…1, nil when the request has none.
    func collaborative(_ j: Int) -> Float? {
        collaborativeScale > 0 ? scratch.collaborative[j] * collaborativeScale : nil
    }

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
        popularityScale = state.popularityMax > 0 ? 1 / state.popularityMax : 0
        if let q = request.queryEmbedding, weights.query != 0 {
            querySimilarity = denseSimilarity(Catalog.normalised(q))
        }
        // Score everything cheap densely; the interest cosine is exact for a candidate pool
        // (or densely when a query already forces a full pass).
        let scores = scratch.scores, allowed = scratch.allowed
        state.popularity.withUnsafeBufferPointer { pop in
            VectorKernels.combine(n, weights.collaborative * collaborativeScale, scratch.collaborative,
                                  weights.popularity * popularityScale, pop.baseAddress ?? UnsafePointer(scores),
                                  yCount: pop.count, into: scores)
        }
        let denseInterest = !interest.isEmpty && weights.interest != 0 && !querySimilarity.isEmpty
        if !querySimilarity.isEmpty {
            querySimilarity.withUnsafeBufferPointer { VectorKernels.axpy(n, weights.query, $0.baseAddress!, scores) }
        }
        if denseInterest {
            denseSimilarity(interest).withUnsafeBufferPointer { VectorKernels.axpy(n, weights.interest, $0.baseAddress!, scores) }
        }
        for (slot, v) in sequence { scores[Int(slot)] += weights.sequence * v }
        let poolSize = request.diversity > 0 ? max(request.k * 5, 50) : request.k
        var top = TopK(k: poolSize)
        if !interest.isEmpty && weights.interest != 0 && !denseInterest {
            // The pool is a set (its order does not matter: `top` breaks ties by slot), so an exact
            // radix select replaces the heap that was a fifth of the request's CPU (PoolSelection).
            var pool = scratch.pool
            scratch.pool = []  // `pool` is now the only reference: no copy on write
            pool.removeAll(keepingCapacity: true)
            PoolSelection.select(k: max(config.candidatePool, request.k * 4), n: n, scores: scores, allowed: allowed,
                                 keys: scratch.keys, histogram: scratch.histogram, ties: scratch.ties, into: &pool)
            let g = scratch.nextGeneration()
            var candidates: [Int32] = []
            candidates.reserveCapacity(pool.count + 10 * config.contentNeighbours)
            for slot in pool where scratch.insert(Int(slot), generation: g) { candidates.append(slot) }
            scratch.pool = pool
            for h in history.prefix(10) {
                for nb in state.graph.neighbours[h.slot] where allowed[Int(nb.slot)] && scratch.insert(Int(nb.slot), generation: g) {
                    candidates.append(nb.slot)
                }
            }
            let wi = weights.interest, dd = d
            interest.withUnsafeBufferPointer { v in
                catalog.embeddings.withUnsafeBufferPointer { e in
                    let iv = v.baseAddress!, base = e.baseAddress!
                    for c in candidates {
                        let j = Int(c)
                        scores[j] += wi * VectorKernels.dot(dd, iv, base + j * dd)
                        top.insert(c, scores[j])
                    }
                }
            }
        } else {
            for j in 0..<n where allowed[j] { top.insert(Int32(j), scores[j]) }
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
        let allowed = scratch.allowed
        let e = Array(catalog.embeddings[slot * d ..< (slot + 1) * d])
        let sims = denseSimilarity(e)
        let collab = scratch.collaborative
        collab.update(repeating: 0, count: n)
        var maxC: Float = 0
        if let model = state.model, slot < model.n {
            model.accumulate(row: slot, scale: 1, into: collab)
            maxC = VectorKernels.max(n, collab)
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

    /// Fills `scratch.allowed`: alive, passing every filter, not consumed under the request's policy.
    private func buildAllowed(profile: UserProfile?) {
        let f = request.filter
        let allowed = scratch.allowed
        catalog.alive.withUnsafeBufferPointer { allowed.update(from: $0.baseAddress!, count: n) }
        if !f.isEmpty {
            let cats = f.categories.isEmpty ? nil : catalog.codes(f.categories, brand: false)
            let brands = f.brands.isEmpty ? nil : catalog.codes(f.brands, brand: true)
            let notCats = f.excludeCategories.isEmpty ? nil : catalog.codes(f.excludeCategories, brand: false)
            let notBrands = f.excludeBrands.isEmpty ? nil : catalog.codes(f.excludeBrands, brand: true)
            for j in 0..<n where allowed[j] {
                let category = Int(catalog.categoryCode[j]), brand = Int(catalog.brandCode[j])
                if let cats, !cats[category] { allowed[j] = false; continue }
                if let brands, !brands[brand] { allowed[j] = false; continue }
                if let notCats, notCats[category] { allowed[j] = false; continue }
                if let notBrands, notBrands[brand] { allowed[j] = false; continue }
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

    /// Σ (wᵢ / max w)·B[i, ·] over the history into `scratch.collaborative` (zero when there is no
    /// model or history), and the scale that maps it into 0…1.
    private mutating func computeCollaborative() {
        let collab = scratch.collaborative
        collab.update(repeating: 0, count: n)
        guard let model = state.model, !history.isEmpty, weights.collaborative != 0 else { return }
        let maxW = history.map(\.weight).max() ?? 1
        for h in history { model.accumulate(row: h.slot, scale: h.weight / maxW, into: collab) }
        let m = VectorKernels.max(n, collab)
        collaborativeScale = m > 0 ? 1 / m : 0
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
            v.withUnsafeMutableBufferPointer { out in
                for h in history { VectorKernels.axpy(d, h.weight, e.baseAddress! + h.slot * d, out.baseAddress!) }
            }
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { interest = v.map { $0 / norm } }
    }

    func popularity(_ j: Int) -> Float {
        j < state.popularity.count ? state.popularity[j] * popularityScale : 0
    }

    /// cosine(interest, item j); both are unit vectors.
    func interestCosine(_ j: Int) -> Float {
        interest.withUnsafeBufferPointer { v in
            catalog.embeddings.withUnsafeBufferPointer { e in VectorKernels.dot(d, v.baseAddress!, e.baseAddress! + j * d) }
        }
    }

    private func denseSimilarity(_ q: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        catalog.embeddings.withUnsafeBufferPointer { e in
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, e.baseAddress!, Int32(d), q, 1, 0, &out, 1)
        }
        return out
    }

    func itemCosine(_ a: Int, _ b: Int) -> Float {
        catalog.embeddings.withUnsafeBufferPointer { e in
            VectorKernels.dot(d, e.baseAddress! + a * d, e.baseAddress! + b * d)
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
