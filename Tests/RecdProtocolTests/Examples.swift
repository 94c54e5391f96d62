import RecdProtocol
import SwiftProtobuf

/// The worked examples of PROTOCOL.md: one request and one response per message.
/// `protocol/vectors/NAME.bin` holds the bytes of each; the tests decode and re-encode them.
enum Examples {
    struct Example {
        let name: String
        let frame: Frame
    }

    static func req(_ op: Opcode, _ id: UInt32, _ body: [UInt8]) -> Frame {
        Frame(header: .request(op, id: id, bodyLength: 0), body: body)
    }

    static func res(_ op: Opcode, _ id: UInt32, _ body: [UInt8]) -> Frame { res(op, id, .ok, body) }

    static func res(_ op: Opcode, _ id: UInt32, _ status: Status, _ body: [UInt8]) -> Frame {
        Frame(header: .response(op, id: id, status: status, bodyLength: 0), body: body)
    }

    static func bytes<M: SwiftProtobuf.Message>(_ m: M) -> [UInt8] { try! m.serializedBytes() }

    static var all: [Example] {
        var out: [Example] = []
        func add(_ name: String, _ frame: Frame) { out.append(Example(name: name, frame: frame)) }

        add("ping_request", req(.ping, 1, []))
        add("ping_response", res(.ping, 1, []))

        var embed = Recd_V1_EmbedRequest(); embed.texts = ["hi"]
        add("embed_request", req(.embed, 2, bytes(embed)))
        var vec = Recd_V1_Vector(); vec.values = [0.6, 0.8]
        var embedRes = Recd_V1_EmbedResponse(); embedRes.dimension = 2; embedRes.vectors = [vec]
        add("embed_response", res(.embed, 2, bytes(embedRes)))

        var intent = Recd_V1_IntentRequest(); intent.text = "red shoes under $50"; intent.topK = 2
        add("intent_request", req(.intent, 3, bytes(intent)))
        var intentRes = Recd_V1_IntentResponse()
        intentRes.intent = "search_product"; intentRes.confidence = 0.75
        var alt = Recd_V1_Alternative(); alt.intent = "track_order"; alt.confidence = 0.125
        intentRes.alternatives = [alt]
        var slot = Recd_V1_Slot(); slot.name = "price"; slot.text = "under $50"; slot.start = 10; slot.end = 19
        slot.value = "50"; slot.max = 50; slot.currency = "USD"
        intentRes.slots = [slot]
        add("intent_response", res(.intent, 3, bytes(intentRes)))

        var rec = Recd_V1_RecommendRequest(); rec.user = "u1"; rec.query = "lipstick"; rec.k = 2
        rec.filters.maxPrice = 20; rec.consumed = .excludePurchased; rec.diversity = 0.5
        add("recommend_request", req(.recommend, 4, bytes(rec)))
        var r1 = Recd_V1_Recommendation(); r1.itemID = "B001"; r1.score = 0.5; r1.title = "Red Lipstick"
        r1.explanation = "matches \"lipstick\""; r1.reasons = ["query_match"]
        var recRes = Recd_V1_RecommendResponse(); recRes.items = [r1]
        var qi = Recd_V1_IntentResponse(); qi.intent = "search_product"; qi.confidence = 0.5
        recRes.queryIntent = qi
        add("recommend_response", res(.recommend, 4, bytes(recRes)))

        var fb = Recd_V1_FeedbackRequest(); fb.user = "u1"; fb.item = "B001"; fb.event = .purchase
        fb.value = 1; fb.timestampMs = 1_700_000_000_000; fb.idempotencyKey = "k1"
        add("feedback_request", req(.feedback, 5, bytes(fb)))
        var fbRes = Recd_V1_FeedbackResponse(); fbRes.sequence = 42
        add("feedback_response", res(.feedback, 5, bytes(fbRes)))

        var item = Recd_V1_Item(); item.id = "B001"; item.title = "Red Lipstick"; item.category = "makeup"
        item.brand = "Acme"; item.price = 9.5; item.currency = "USD"; item.tags = ["red"]
        item.attributes = ["finish": "matte"]; item.inStock = true
        var upsert = Recd_V1_ItemsRequest(); upsert.upsert.items = [item]
        add("items_upsert_request", req(.items, 6, bytes(upsert)))
        var upsertRes = Recd_V1_ItemsResponse(); upsertRes.affected = 1
        add("items_upsert_response", res(.items, 6, bytes(upsertRes)))
        var get = Recd_V1_ItemsRequest(); get.get.ids = ["B001", "B404"]
        add("items_get_request", req(.items, 7, bytes(get)))
        var getRes = Recd_V1_ItemsResponse(); getRes.items = [item]; getRes.missing = ["B404"]
        add("items_get_response", res(.items, 7, bytes(getRes)))
        var del = Recd_V1_ItemsRequest(); del.delete.ids = ["B001"]
        add("items_delete_request", req(.items, 8, bytes(del)))
        var delRes = Recd_V1_ItemsResponse(); delRes.affected = 1
        add("items_delete_response", res(.items, 8, bytes(delRes)))

        var sim = Recd_V1_SimilarRequest(); sim.item = "B001"; sim.k = 1
        add("similar_request", req(.similar, 9, bytes(sim)))
        var r2 = Recd_V1_Recommendation(); r2.itemID = "B002"; r2.score = 0.25; r2.title = "Pink Lipstick"
        var simRes = Recd_V1_SimilarResponse(); simRes.items = [r2]
        add("similar_response", res(.similar, 9, bytes(simRes)))

        add("stats_request", req(.stats, 10, []))
        var stats = Recd_V1_StatsResponse(); stats.uptimeSeconds = 2; stats.workers = 2
        var op = Recd_V1_OpStats(); op.op = "PING"; op.requests = 1
        op.latency.p50Ms = 0.5; op.latency.p99Ms = 1
        stats.ops = [op]; stats.model.name = "all-MiniLM-L6-v2"; stats.model.dimension = 384
        stats.rssBytes = 65536
        add("stats_response", res(.stats, 10, bytes(stats)))

        add("intents_reload_request", req(.intentsReload, 11, []))
        var reload = Recd_V1_IntentsReloadResponse(); reload.intents = 3; reload.examples = 30
        add("intents_reload_response", res(.intentsReload, 11, bytes(reload)))

        add("error_bad_request", res(.embed, 12, .badRequest,
                                     ErrorBody.encode("EMBED needs at least one text in `texts`, found none")))
        add("error_unsupported_version", res(.ping, 13, .unsupportedVersion,
                                             ErrorBody.encode("unsupported protocol version 2; this server speaks version 1",
                                                              supportedVersions: [1])))
        return out
    }

    /// Which message type a vector's body holds, to decode and re-encode it.
    static func roundTrip(_ frame: Frame) throws -> [UInt8] {
        let h = frame.header
        if h.isResponse && h.status != .ok {
            return try Recd_V1_Error(serializedBytes: frame.body).serializedBytes()
        }
        func rt<M: SwiftProtobuf.Message>(_ t: M.Type) throws -> [UInt8] {
            try M(serializedBytes: frame.body).serializedBytes()
        }
        switch (h.opcode, h.isResponse) {
        case (.ping, false): return try rt(Recd_V1_PingRequest.self)
        case (.ping, true): return try rt(Recd_V1_PingResponse.self)
        case (.embed, false): return try rt(Recd_V1_EmbedRequest.self)
        case (.embed, true): return try rt(Recd_V1_EmbedResponse.self)
        case (.intent, false): return try rt(Recd_V1_IntentRequest.self)
        case (.intent, true): return try rt(Recd_V1_IntentResponse.self)
        case (.recommend, false): return try rt(Recd_V1_RecommendRequest.self)
        case (.recommend, true): return try rt(Recd_V1_RecommendResponse.self)
        case (.feedback, false): return try rt(Recd_V1_FeedbackRequest.self)
        case (.feedback, true): return try rt(Recd_V1_FeedbackResponse.self)
        case (.items, false): return try rt(Recd_V1_ItemsRequest.self)
        case (.items, true): return try rt(Recd_V1_ItemsResponse.self)
        case (.similar, false): return try rt(Recd_V1_SimilarRequest.self)
        case (.similar, true): return try rt(Recd_V1_SimilarResponse.self)
        case (.stats, false): return try rt(Recd_V1_StatsRequest.self)
        case (.stats, true): return try rt(Recd_V1_StatsResponse.self)
        case (.intentsReload, false): return try rt(Recd_V1_IntentsReloadRequest.self)
        case (.intentsReload, true): return try rt(Recd_V1_IntentsReloadResponse.self)
        default: fatalError("no message type for \(h.opcode)")
        }
    }
}
