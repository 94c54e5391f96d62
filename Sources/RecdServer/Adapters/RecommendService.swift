import Foundation
import RecdProtocol
import RecdRecommend

/// The recommendation engine behind the server's RECOMMEND / SIMILAR, FEEDBACK and ITEMS seams:
/// maps the wire messages one to one onto ``RecdRecommend`` types, adds the query's intent slots
/// (category, brand, price) to the request's filters, and maps engine errors to statuses.
///
/// `@unchecked Sendable`: `cachedVocabulary` is read and written under `vocabularyLock`; the engine is thread-safe.
public final class RecommendService: RecommendHandler, AsyncFeedbackHandler, ItemsHandler, @unchecked Sendable {
    /// The engine (thread-safe).
    public let engine: RecommendEngine
    private let vocabularyLock = NSLock()
    /// The catalog's vocabulary for turning query slots into filters. Building it walks the whole
    /// catalog, so it is kept here and dropped when ITEMS changes the catalog (the only way it changes).
    private var cachedVocabulary: RecdRecommend.CatalogVocabulary?   // protected by `vocabularyLock`

    public init(engine: RecommendEngine) { self.engine = engine }

    /// The catalog vocabulary, built at most once per catalog change.
    var vocabulary: RecdRecommend.CatalogVocabulary {
        vocabularyLock.lock(); defer { vocabularyLock.unlock() }
        if let v = cachedVocabulary { return v }
        let v = engine.vocabulary
        cachedVocabulary = v
        return v
    }

    private func catalogChanged() {
        vocabularyLock.lock(); cachedVocabulary = nil; vocabularyLock.unlock()
    }

    // MARK: RECOMMEND / SIMILAR

    public func recommend(_ request: Recd_V1_RecommendRequest, queryEmbedding: [Float]?, queryIntent: Recd_V1_IntentResponse?,
                          context: HandlerContext) throws -> Recd_V1_RecommendResponse {
        var filter = Self.filter(request.filters)
        if let queryIntent { Self.apply(slots: queryIntent.slots, to: &filter, vocabulary: vocabulary) }
        var weights = RankingWeightOverrides()
        if request.hasWeights {
            weights = RankingWeightOverrides(query: request.weights.alpha, collaborative: request.weights.beta,
                                             interest: request.weights.gamma, popularity: request.weights.delta)
        }
        let r = RecdRecommend.RecommendRequest(
            user: request.user, query: request.query.isEmpty ? nil : request.query, queryEmbedding: queryEmbedding,
            k: Int(request.k), filter: filter, consumed: try Self.policy(request.consumed), weights: weights,
            diversity: request.diversity)
        let ranked = try mapErrors { try engine.recommend(r) }
        var response = Recd_V1_RecommendResponse()
        response.items = ranked.map(Self.recommendation)
        if let queryIntent { response.queryIntent = queryIntent }
        return response
    }

    public func similar(_ request: Recd_V1_SimilarRequest, context: HandlerContext) throws -> Recd_V1_SimilarResponse {
        let ranked = try mapErrors { try engine.similar(to: request.item, k: Int(request.k), filter: Self.filter(request.filters)) }
        var response = Recd_V1_SimilarResponse()
        response.items = ranked.map(Self.recommendation)
        return response
    }

    // MARK: FEEDBACK

    public func record(_ request: Recd_V1_FeedbackRequest, context: HandlerContext) throws -> Recd_V1_FeedbackResponse {
        let outcome = try mapErrors { try engine.recordBlocking(try Self.event(request)) }
        return Self.feedbackResponse(outcome)
    }

    public func submit(_ request: Recd_V1_FeedbackRequest,
                       completion: @escaping @Sendable (Result<Recd_V1_FeedbackResponse, any Error>) -> Void) {
        let event: FeedbackEvent
        do { event = try Self.event(request) } catch { completion(.failure(error)); return }
        engine.submit(event) { result in
            completion(result.map(Self.feedbackResponse).mapError(Self.requestError))
        }
    }

    // MARK: ITEMS

    public func items(_ request: Recd_V1_ItemsRequest, context: HandlerContext) throws -> Recd_V1_ItemsResponse {
        var response = Recd_V1_ItemsResponse()
        switch request.op {
        case .upsert(let list):
            let items = list.items.map(Self.item)
            defer { catalogChanged() }
            _ = try mapErrors { try engine.upsert(items) }
            response.affected = UInt32(items.count)
        case .delete(let ids):
            let missing = ids.ids.filter { engine.item(id: $0) == nil }
            response.affected = UInt32(try mapErrors { try engine.delete(ids: ids.ids) })
            catalogChanged()
            response.missing = missing
        case .get(let ids):
            for id in ids.ids {
                if let item = engine.item(id: id) { response.items.append(Self.message(item)) } else { response.missing.append(id) }
            }
        case nil:
            throw RequestError.badRequest("ITEMS needs one of upsert, delete or get; the request had none")
        }
        return response
    }

    // MARK: Lifecycle

    public func shutdown() throws { engine.close() }

    public func statsExtras() -> [String: String] {
        var extras = ["catalog.items": "\(engine.itemCount)", "model.fit_phase": engine.fitPhase]
        for (k, v) in engine.stats { extras["recommend.\(k)"] = v == v.rounded() ? String(Int64(v)) : String(v) }
        return extras
    }
}

extension RecommendService: MetricsGaugeSource {
    /// `recd_catalog_items`, `recd_feedback_pending_events`, `recd_feedback_store_lag_seconds` (METRICS.md).
    public func metricGauges() -> [MetricGauge] {
        let s = engine.stats
        return [
            MetricGauge(name: "recd_catalog_items", help: "Items in the catalog.", value: Double(engine.itemCount)),
            MetricGauge(name: "recd_feedback_pending_events", help: "Feedback events accepted but not yet taken by the store's writer.",
                        value: s["feedback.queue_depth"] ?? 0),
            MetricGauge(name: "recd_feedback_store_lag_seconds", help: "Age of the oldest feedback event waiting for the store's writer (0 when caught up).",
                        value: s["feedback.lag_seconds"] ?? 0),
        ]
    }
}
