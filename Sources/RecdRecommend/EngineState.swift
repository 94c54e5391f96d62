import Foundation

/// Everything the engine knows, as one value guarded by the engine's reader-writer lock.
struct EngineState: Sendable {
    var catalog: Catalog
    var profiles: [String: UserProfile] = [:]
    var graph: ItemGraph
    /// transitions keyed by item id (an event may name an item the catalog learns later).
    var transitions: [String: [String: Float]] = [:]
    /// Per slot: Σ positive event weight · 2^((t − popularityReferenceMs)/halfLife).
    var popularity: [Float] = []
    var popularityReferenceMs: Int64 = 0
    /// The largest entry of `popularity`, kept as events arrive so a request need not scan for it
    /// (entries only grow, and a rebase scales them all alike).
    var popularityMax: Float = 0
    var model: EASEModel?
    var eventsSinceFit = 0
    var totalEvents = 0
    /// The latest event timestamp seen; "now" for popularity.
    var latestEventMs: Int64 = 0

    init(dimension: Int, neighbours: Int) {
        catalog = Catalog(dimension: dimension)
        graph = ItemGraph(neighbourCount: neighbours)
    }

    /// Applies committed events to profiles, transitions and popularity.
    mutating func apply(_ events: [FeedbackEvent], config: RecommendConfig) {
        for e in events {
            let previous = profiles[e.user, default: UserProfile()].apply(e, weights: config.eventWeights)
            if let previous {
                transitions[previous, default: [:]][e.item, default: 0] += 1
            }
            let w = config.eventWeights.weight(e.kind, value: e.value)
            if w > 0, let slot = catalog.slot(of: e.item) {
                growPopularity()
                if popularityReferenceMs == 0 && popularity.allSatisfy({ $0 == 0 }) { popularityReferenceMs = e.timestampMs }
                var exponent = Double(e.timestampMs - popularityReferenceMs) / config.popularityHalfLifeMs
                if exponent > 60 {
                    rebasePopularity(to: e.timestampMs, halfLife: config.popularityHalfLifeMs)
                    exponent = 0
                }
                popularity[slot] += w * Float(pow(2, exponent))
                popularityMax = max(popularityMax, popularity[slot])
            }
            latestEventMs = max(latestEventMs, e.timestampMs)
            eventsSinceFit += 1
            totalEvents += 1
        }
    }

    mutating func growPopularity() {
        if popularity.count < catalog.slotCount {
            popularity.append(contentsOf: repeatElement(0, count: catalog.slotCount - popularity.count))
        }
    }

    /// Rescales stored popularity so that `reference` becomes the zero point (keeps floats finite).
    mutating func rebasePopularity(to reference: Int64, halfLife: Double) {
        let f = Float(pow(2, Double(popularityReferenceMs - reference) / halfLife))
        for i in popularity.indices { popularity[i] *= f }
        popularityMax *= f
        popularityReferenceMs = reference
    }

    /// Binary positive rows (item slots per user) for the EASE fit.
    func trainingRows() -> [[Int32]] {
        var rows: [[Int32]] = []
        rows.reserveCapacity(profiles.count)
        for p in profiles.values {
            var row: [Int32] = []
            for (id, it) in p.interactions where it.weight > 0 && !p.disliked.contains(id) {
                if let s = catalog.slot(of: id) { row.append(Int32(s)) }
            }
            if !row.isEmpty { rows.append(row) }
        }
        return rows
    }
}
