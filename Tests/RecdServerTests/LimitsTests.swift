import Foundation
import Logging
import RecdProtocol
@testable import RecdServer
import SwiftProtobuf
import Testing

/// Each request limit of PROTOCOL.md section 6, and each malformed value (invalid UTF-8,
/// NaN / Inf, negative or huge k, unknown enum values), answered with the documented
/// status by the server's dispatcher: TOO_LARGE past a limit, BAD_REQUEST for a bad value.
/// Frame size, connections, in-flight and queue limits are covered over a real socket in
/// EndToEndTests and RecdClientTests.
@Suite struct LimitsTests {
    let limits = RequestLimits.default

    /// The status and error message the dispatcher replies with for `body` under `opcode`.
    func reply(_ opcode: Opcode, _ body: [UInt8]) -> (Status, String) {
        let logger = Logger(label: "limits-test")
        let pool = WorkerPool(workers: 1, capacity: 4, encoder: HashingEncoder(dimension: 4), maxBatchTexts: 4,
                              maxBatchWait: .zero, logger: logger)
        defer { pool.shutdown() }
        let d = Dispatcher(engines: Engines(encoder: HashingEncoder(dimension: 4)), pool: pool, metrics: Metrics(),
                           configuration: ServerConfiguration(), logger: logger)
        let box = Locked<(Status, [UInt8])?>(nil)
        let done = DispatchSemaphore(value: 0)
        d.dispatch(opcode, body: body) { status, body in
            box.withLock { $0 = (status, body) }
            done.signal()
        }
        done.wait()
        let (status, replyBody) = box.withLock { $0! }
        return (status, status == .ok ? "" : ErrorBody.decodeMessage(replyBody).message)
    }

    func reply(_ opcode: Opcode, _ message: some SwiftProtobuf.Message) -> (Status, String) {
        reply(opcode, try! message.serializedBytes())
    }

    @Test func textsPerEmbedPastTheLimitIsTooLarge() {
        var r = Recd_V1_EmbedRequest(); r.texts = Array(repeating: "a", count: limits.maxTextsPerRequest)
        #expect(reply(.embed, r).0 == .ok)
        r.texts.append("a")
        let (status, message) = reply(.embed, r)
        #expect(status == .tooLarge)
        #expect(message.contains("\(limits.maxTextsPerRequest + 1) texts"), "\(message)")
    }

    @Test func textLengthPastTheLimitIsTooLargeNamingTheField() {
        let long = String(repeating: "x", count: limits.maxTextBytes + 1)
        var e = Recd_V1_EmbedRequest(); e.texts = [String(repeating: "x", count: limits.maxTextBytes)]
        #expect(reply(.embed, e).0 == .ok)
        e.texts = [long]
        #expect(reply(.embed, e) .0 == .tooLarge)
        var i = Recd_V1_IntentRequest(); i.text = long
        let (s1, m1) = reply(.intent, i)
        #expect(s1 == .tooLarge && m1.contains("INTENT text"), "\(m1)")
        var r = Recd_V1_RecommendRequest(); r.query = long
        let (s2, m2) = reply(.recommend, r)
        #expect(s2 == .tooLarge && m2.contains("query"), "\(m2)")
    }

    @Test func kPastTheLimitIsTooLarge() {
        var r = Recd_V1_RecommendRequest(); r.k = UInt32(limits.maxK + 1)
        #expect(reply(.recommend, r).0 == .tooLarge)
        r.k = .max
        #expect(reply(.recommend, r).0 == .tooLarge)
        var s = Recd_V1_SimilarRequest(); s.item = "a"; s.k = UInt32(limits.maxK + 1)
        #expect(reply(.similar, s).0 == .tooLarge)
        var i = Recd_V1_IntentRequest(); i.text = "hi"; i.topK = UInt32(limits.maxK + 1)
        let (status, message) = reply(.intent, i)
        #expect(status == .tooLarge && message.contains("top_k"), "\(message)")
    }

    @Test func negativeKOnTheWireIsTooLarge() {
        // A client that sends k = -1 as a varint (ten bytes, as int32 -1 is encoded) is
        // read as uint32 4294967295 by the server: past the limit, never a crash or a wrap.
        let body: [UInt8] = [0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]  // RecommendRequest.k
        let (status, message) = reply(.recommend, body)
        #expect(status == .tooLarge)
        #expect(message.contains("4294967295"), "\(message)")
    }

    @Test func itemsAndIdsPastTheLimitAreTooLarge() {
        var r = Recd_V1_ItemsRequest(); r.get.ids = (0...limits.maxItemsPerRequest).map { "i\($0)" }
        #expect(reply(.items, r).0 == .tooLarge)
        var rec = Recd_V1_RecommendRequest(); rec.filters.excludeItems = (0...limits.maxItemsPerRequest).map { "i\($0)" }
        #expect(reply(.recommend, rec).0 == .tooLarge)
        var fb = Recd_V1_FeedbackRequest(); fb.user = String(repeating: "u", count: limits.maxIDBytes + 1)
        fb.item = "i"; fb.event = .click
        let (status, message) = reply(.feedback, fb)
        #expect(status == .tooLarge && message.contains("user"), "\(message)")
    }

    @Test func invalidUTF8InAStringFieldIsBadRequest() {
        // EmbedRequest.texts[0] = C3 28: a lead byte followed by a non-continuation byte.
        let (s1, m1) = reply(.embed, [0x0A, 0x02, 0xC3, 0x28])
        #expect(s1 == .badRequest)
        #expect(m1.contains("recd.v1.EmbedRequest"), "\(m1)")
        // FeedbackRequest.user = a lone continuation byte.
        #expect(reply(.feedback, [0x0A, 0x01, 0x80]).0 == .badRequest)
        // IntentRequest.text = an overlong encoding of "/" (C0 AF).
        #expect(reply(.intent, [0x0A, 0x02, 0xC0, 0xAF]).0 == .badRequest)
    }

    @Test func nanAndInfinityAreBadRequest() {
        for bad in [Double.nan, .infinity, -.infinity] {
            var fb = Recd_V1_FeedbackRequest(); fb.user = "u"; fb.item = "i"; fb.event = .rating; fb.value = Float(bad)
            #expect(reply(.feedback, fb).0 == .badRequest, "feedback value \(bad)")
            var up = Recd_V1_ItemsRequest(); var item = Recd_V1_Item(); item.id = "a"; item.price = bad
            up.upsert.items = [item]
            #expect(reply(.items, up).0 == .badRequest, "item price \(bad)")
            var rec = Recd_V1_RecommendRequest(); rec.filters.minPrice = bad
            let (s1, m1) = reply(.recommend, rec)
            #expect(s1 == .badRequest && m1.contains("min_price"), "min_price \(bad): \(m1)")
            var sim = Recd_V1_SimilarRequest(); sim.item = "a"; sim.filters.maxPrice = bad
            #expect(reply(.similar, sim).0 == .badRequest, "max_price \(bad)")
            var w = Recd_V1_RecommendRequest(); w.weights.beta = Float(bad)
            let (s2, m2) = reply(.recommend, w)
            #expect(s2 == .badRequest && m2.contains("weights.beta"), "weights.beta \(bad): \(m2)")
            var div = Recd_V1_RecommendRequest(); div.diversity = Float(bad)
            #expect(reply(.recommend, div).0 == .badRequest, "diversity \(bad)")
        }
    }

    @Test func unknownEnumValuesAreBadRequest() {
        var fb = Recd_V1_FeedbackRequest(); fb.user = "u"; fb.item = "i"; fb.event = .UNRECOGNIZED(42)
        let (s1, m1) = reply(.feedback, fb)
        #expect(s1 == .badRequest && m1.contains("42"), "\(m1)")
        var rec = Recd_V1_RecommendRequest(); rec.consumed = .UNRECOGNIZED(-3)
        let (s2, m2) = reply(.recommend, rec)
        #expect(s2 == .badRequest && m2.contains("-3"), "\(m2)")
    }

    @Test func reloadNamingAPathIsBadRequest() {
        var r = Recd_V1_IntentsReloadRequest(); r.path = "/etc/shadow"
        let (status, message) = reply(.intentsReload, r)
        #expect(status == .badRequest)
        #expect(message.contains("--intents") && !message.contains("/etc/shadow"), "\(message)")
    }
}
