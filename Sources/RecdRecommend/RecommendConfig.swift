/// The weights of the ranking formula
/// `score = α·sim(query, item) + β·collaborative + γ·sim(interest, item) + δ·popularity + σ·next-item`.
/// Every signal is scaled to 0…1 per request before weighting, so the weights are comparable.
public struct RankingWeights: Sendable, Hashable {
    /// α: similarity of the item to the request's query embedding.
    public var query: Float = 1.0
    /// β: EASE item-item collaborative score from the user's recent items.
    public var collaborative: Float = 1.0
    /// γ: cosine of the item with the user's interest vector (recency-weighted mean of liked items' embeddings).
    public var interest: Float = 0.2
    /// δ: time-decayed popularity.
    public var popularity: Float = 0.05
    /// σ (context term): how often the item was chosen right after the user's last items.
    public var sequence: Float = 0.5

    public init() {}
}

/// Per-request overrides of `RankingWeights`; nil keeps the configured value.
public struct RankingWeightOverrides: Sendable, Hashable {
    public var query: Float?
    public var collaborative: Float?
    public var interest: Float?
    public var popularity: Float?

    public init(query: Float? = nil, collaborative: Float? = nil, interest: Float? = nil, popularity: Float? = nil) {
        self.query = query
        self.collaborative = collaborative
        self.interest = interest
        self.popularity = popularity
    }

    func applied(to w: RankingWeights) -> RankingWeights {
        var r = w
        if let query { r.query = query }
        if let collaborative { r.collaborative = collaborative }
        if let interest { r.interest = interest }
        if let popularity { r.popularity = popularity }
        return r
    }
}

/// Engine configuration; the defaults are the values documented in RANKING.md.
public struct RecommendConfig: Sendable {
    public var weights = RankingWeights()
    public var eventWeights = EventWeights()
    /// EASE L2 regularisation λ.
    public var easeLambda: Float = 200
    /// Items with fewer users than this are left out of the EASE solve (zero collaborative rows and
    /// columns; content, interest and popularity still rank them). The solve costs m³ for m items kept.
    public var easeMinItemUsers = 1
    /// OpenBLAS threads for the EASE fit; 0 leaves OpenBLAS's own setting. OpenBLAS's thread count is
    /// process-wide, so this also applies to every later BLAS call in the process (see RANKING.md, "Fit").
    public var fitThreads = 1
    /// Nice value of the fit thread (Linux: per thread). OpenBLAS's helper threads keep the nice value
    /// of the thread that created them, so with `fitThreads` > 1 only part of the fit runs at this value.
    public var fitNice: Int32 = 0
    /// How many of the user's most recent liked items feed the collaborative and interest signals.
    public var historyLimit = 50
    /// Recency: the k-th most recent item counts `recencyDecay^k`.
    public var recencyDecay: Float = 0.8
    /// How many of the last items feed the next-item signal, each `sequenceDecay^k`.
    public var sequenceItems = 3
    public var sequenceDecay: Float = 0.5
    /// Popularity half-life in milliseconds (default 7 days).
    public var popularityHalfLifeMs: Double = 7 * 24 * 3600 * 1000
    /// Refit the collaborative model after this many new events…
    public var refitAfterEvents = 5000
    /// …or after this many seconds if any event arrived (0 = never on a timer).
    public var refitIntervalSeconds: Double = 600
    /// Neighbours kept per item for the content signal.
    public var contentNeighbours = 20
    /// Candidates re-scored exactly per request when no query is given.
    public var candidatePool = 400
    /// Embedding model id; part of the embedding cache key.
    public var modelID = "sentence-transformers/all-MiniLM-L6-v2"
    /// Items embedded per call of the embed function.
    public var embedBatchSize = 32

    public init() {}
}
