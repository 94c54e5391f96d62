import RecdProtocol

extension Dispatcher {
    func embed(_ body: [UInt8], _ origin: Origin, _ reply: @escaping Reply) throws(RequestError) {
        let request = try Validation.decode(Recd_V1_EmbedRequest.self, from: body, opcode: .embed)
        try Validation.validate(request, limits: configuration.requestLimits)
        let encoder = try need(engines.encoder, "encoder", for: .embed, flag: "--model FILE")
        let dimension = UInt32(encoder.dimension)
        try queueEmbed(request.texts, origin: origin) { result, _ in
            self.answer(.embed, reply) {
                var response = Recd_V1_EmbedResponse()
                response.dimension = dimension
                response.vectors = try result.get().map { values in
                    var v = Recd_V1_Vector()
                    v.values = values
                    return v
                }
                return response
            }
        }
    }

    func intent(_ body: [UInt8], _ origin: Origin, _ reply: @escaping Reply) throws(RequestError) {
        var request = try Validation.decode(Recd_V1_IntentRequest.self, from: body, opcode: .intent)
        try Validation.validate(request, limits: configuration.requestLimits)
        let intents = try need(engines.intents, "intent engine", for: .intent, flag: "--intents FILE")
        _ = try need(engines.encoder, "encoder", for: .intent, flag: "--model FILE")
        if request.topK == 0 { request.topK = UInt32(configuration.defaultTopK) }
        let text = request.text, topK = Int(request.topK)
        try queueEmbed([text], intentFeatures: true, origin: origin) { result, context in
            self.answer(.intent, reply) {
                try intents.classify(text: text, embedding: try result.get()[0], topK: topK, context: context)
            }
        }
    }

    func recommend(_ body: [UInt8], _ origin: Origin, _ reply: @escaping Reply) throws(RequestError) {
        var request = try Validation.decode(Recd_V1_RecommendRequest.self, from: body, opcode: .recommend)
        try Validation.validate(request, limits: configuration.requestLimits)
        let recommender = try need(engines.recommender, "recommender", for: .recommend, flag: "--catalog FILE")
        if request.k == 0 { request.k = UInt32(configuration.defaultK) }
        let finalRequest = request
        if request.query.isEmpty {
            // No encoder work: the engine pool, never behind an encoder batch.
            try queueEngineTask(origin: origin) { context in
                self.answer(.recommend, reply) {
                    try recommender.recommend(finalRequest, queryEmbedding: nil, queryIntent: nil, context: context)
                }
            }
            return
        }
        _ = try need(engines.encoder, "encoder (the request has a query)", for: .recommend, flag: "--model FILE")
        let intents = engines.intents, topK = configuration.defaultTopK
        let dimension = engines.encoder?.dimension ?? 0
        try queueEmbed([request.query], intentFeatures: intents != nil, origin: origin) { result, context in
            self.answer(.recommend, reply) {
                let features = try result.get()[0]
                let queryIntent = try intents?.classify(text: finalRequest.query, embedding: features, topK: topK, context: context)
                let embedding = features.count == dimension ? features : Array(features.prefix(dimension))
                var response = try recommender.recommend(finalRequest, queryEmbedding: embedding, queryIntent: queryIntent, context: context)
                if let queryIntent, !response.hasQueryIntent { response.queryIntent = queryIntent }
                return response
            }
        }
    }

    func feedback(_ body: [UInt8], _ origin: Origin, _ reply: @escaping Reply) throws(RequestError) {
        let request = try Validation.decode(Recd_V1_FeedbackRequest.self, from: body, opcode: .feedback)
        try Validation.validate(request, limits: configuration.requestLimits)
        let engine = try need(engines.feedback, "feedback store", for: .feedback, flag: "--store DIR")
        if let durable = engine as? any AsyncFeedbackHandler {
            durable.submit(request) { result in
                self.answer(.feedback, reply) { try result.get() }
            }
            return
        }
        try queueTask(origin: origin) { context in
            self.answer(.feedback, reply) { try engine.record(request, context: context) }
        }
    }

    func items(_ body: [UInt8], _ origin: Origin, _ reply: @escaping Reply) throws(RequestError) {
        let request = try Validation.decode(Recd_V1_ItemsRequest.self, from: body, opcode: .items)
        try Validation.validate(request, limits: configuration.requestLimits)
        let engine = try need(engines.items, "catalog", for: .items, flag: "--catalog FILE")
        try queueTask(origin: origin) { context in
            self.answer(.items, reply) { try engine.items(request, context: context) }
        }
    }

    func similar(_ body: [UInt8], _ origin: Origin, _ reply: @escaping Reply) throws(RequestError) {
        var request = try Validation.decode(Recd_V1_SimilarRequest.self, from: body, opcode: .similar)
        try Validation.validate(request, limits: configuration.requestLimits)
        let recommender = try need(engines.recommender, "recommender", for: .similar, flag: "--catalog FILE")
        if request.k == 0 { request.k = UInt32(configuration.defaultK) }
        let finalRequest = request
        try queueEngineTask(origin: origin) { context in
            self.answer(.similar, reply) { try recommender.similar(finalRequest, context: context) }
        }
    }

    func reload(_ body: [UInt8], _ origin: Origin, _ reply: @escaping Reply) throws(RequestError) {
        let request = try Validation.decode(Recd_V1_IntentsReloadRequest.self, from: body, opcode: .intentsReload)
        try Validation.validate(request, limits: configuration.requestLimits)
        let intents = try need(engines.intents, "intent engine", for: .intentsReload, flag: "--intents FILE")
        try queueTask(origin: origin) { context in
            self.answer(.intentsReload, reply) { try intents.reload(request, context: context) }
        }
    }

    /// STATS, answered on the calling thread: transport counters plus engine extras.
    public func stats() -> Recd_V1_StatsResponse {
        var s = Recd_V1_StatsResponse()
        metrics.fill(&s)
        s.queueDepth = UInt32(pool.depth)
        s.queueCapacity = UInt32(pool.capacity)
        s.workers = UInt32(configuration.workers)
        s.rssBytes = Metrics.residentBytes()
        s.version = RecdVersion.string
        if let encoder = engines.encoder {
            s.model = encoder.info
            s.extras.merge(encoder.statsExtras) { _, new in new }
        }
        for engine in engines.lifecycles {
            s.extras.merge(engine.statsExtras()) { _, new in new }
        }
        s.extras.merge(poolExtras()) { _, new in new }
        return s
    }
}

extension Dispatcher {
    /// The model pool's latency breakdown and estimates for STATS `extras` (daemon/DAEMON.md, "Latency").
    func poolExtras() -> [String: String] {
        var out = metrics.poolTimingExtras()
        let costs = pool.serviceCosts
        func ms(_ nanos: UInt64) -> String { String(format: "%.3f", Double(nanos) / 1e6) }
        if costs.single > 0 { out["pool.single_request_ms"] = ms(costs.single) }
        if costs.perText > 0 { out["pool.per_text_ms"] = ms(costs.perText) }
        if costs.extraPerText > 0 { out["pool.extra_per_text_ms"] = ms(costs.extraPerText) }
        out["pool.batch_budget_texts"] = String(pool.batching.textsWithinBudget(single: costs.currentSingle,
                                                                                extraPerText: costs.extraPerText))
        out["pool.bulk_batch_budget_texts"] = String(pool.batching.textsWithinBudget(single: costs.currentSingle,
                                                                                     extraPerText: costs.extraPerText, lane: .bulk))
        out["pool.admission_limit_ms"] = pool.admissionLimitNanos.map(ms) ?? "off"
        out["pool.light_between_blocks"] = String(pool.lightBatchesBetweenBlocks)
        if pool.admission.limit == .adaptive { out["pool.admission_standing"] = pool.standingLanes }
        out["connections.busy_pauses"] = String(metrics.busyPauseCount)
        if let slowLog {
            out["slowlog.count"] = String(slowLog.count)
            out["slowlog.threshold_ms"] = ms(slowLog.thresholdNanos)
        }
        return out
    }
}

/// The daemon's version string, reported by STATS.
public enum RecdVersion {
    public static let string = "recd 0.1.0 (protocol 1)"
}
