import RecdProtocol
import Testing

@Suite struct ValidationTests {
    let limits = RequestLimits()

    @Test func embedNeedsTextsWithinLimits() {
        var r = Recd_V1_EmbedRequest()
        #expect(throws: RequestError.badRequest("EMBED needs at least one text in `texts`, found none")) {
            try Validation.validate(r, limits: limits)
        }
        r.texts = Array(repeating: "a", count: limits.maxTextsPerRequest + 1)
        let e = #expect(throws: RequestError.self) { try Validation.validate(r, limits: limits) }
        #expect(e?.status == .tooLarge)
        r.texts = ["ok", String(repeating: "x", count: limits.maxTextBytes + 1)]
        let e2 = #expect(throws: RequestError.self) { try Validation.validate(r, limits: limits) }
        #expect(e2?.message.contains("texts[1]") == true)
        r.texts = ["ok", ""]
        #expect(throws: Never.self) { try Validation.validate(r, limits: limits) }
    }

    @Test func unknownEnumValuesAreBadRequest() throws {
        var fb = Recd_V1_FeedbackRequest(); fb.user = "u"; fb.item = "i"
        fb.event = .UNRECOGNIZED(99)
        let e = #expect(throws: RequestError.self) { try Validation.validate(fb, limits: limits) }
        #expect(e?.status == .badRequest)
        #expect(e?.message.contains("99") == true)
        fb.event = .unspecified
        #expect(throws: RequestError.self) { try Validation.validate(fb, limits: limits) }
        fb.event = .click
        #expect(throws: Never.self) { try Validation.validate(fb, limits: limits) }

        var rec = Recd_V1_RecommendRequest(); rec.consumed = .UNRECOGNIZED(7)
        let e2 = #expect(throws: RequestError.self) { try Validation.validate(rec, limits: limits) }
        #expect(e2?.message.contains("consumed policy 7") == true)
    }

    @Test func unknownEnumSurvivesTheWire() throws {
        // A newer client's enum value decodes as UNRECOGNIZED and is then rejected, not ignored.
        let body: [UInt8] = [0x0A, 0x01, 0x75, 0x12, 0x01, 0x69, 0x18, 0x63]  // user "u", item "i", event 99
        let fb = try Validation.decode(Recd_V1_FeedbackRequest.self, from: body, opcode: .feedback)
        #expect(fb.event == .UNRECOGNIZED(99))
    }

    @Test func kAndPricesAreChecked() {
        var rec = Recd_V1_RecommendRequest(); rec.k = UInt32(limits.maxK + 1)
        #expect(throws: RequestError.self) { try Validation.validate(rec, limits: limits) }
        rec.k = 5; rec.filters.minPrice = 10; rec.filters.maxPrice = 5
        #expect(throws: RequestError.self) { try Validation.validate(rec, limits: limits) }
        rec.filters.maxPrice = 50; rec.diversity = 1.5
        #expect(throws: RequestError.self) { try Validation.validate(rec, limits: limits) }
        rec.diversity = 0.3
        #expect(throws: Never.self) { try Validation.validate(rec, limits: limits) }
    }

    @Test func itemsNeedsExactlyOneOp() {
        #expect(throws: RequestError.self) { try Validation.validate(Recd_V1_ItemsRequest(), limits: limits) }
        var r = Recd_V1_ItemsRequest(); r.get.ids = [""]
        #expect(throws: RequestError.self) { try Validation.validate(r, limits: limits) }
        r.get.ids = ["a"]
        #expect(throws: Never.self) { try Validation.validate(r, limits: limits) }
    }

    @Test func garbageBodyIsBadRequestNamingTheType() {
        let e = #expect(throws: RequestError.self) {
            try Validation.decode(Recd_V1_EmbedRequest.self, from: [0xFF, 0xFF, 0xFF], opcode: .embed)
        }
        #expect(e?.status == .badRequest)
        #expect(e?.message.contains("recd.v1.EmbedRequest") == true)
    }
}
