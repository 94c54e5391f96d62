import Foundation
import Logging
import RecdProtocol
@testable import RecdServer
import Testing

/// A fake intent engine: the intent is the text's first word.
struct FirstWordIntents: IntentHandler {
    func classify(text: String, embedding: [Float], topK: Int, context: HandlerContext) throws -> Recd_V1_IntentResponse {
        var r = Recd_V1_IntentResponse()
        r.intent = String(text.split(separator: " ").first ?? "")
        r.confidence = embedding.isEmpty ? 0 : 1
        return r
    }
    func reload(_ request: Recd_V1_IntentsReloadRequest, context: HandlerContext) throws -> Recd_V1_IntentsReloadResponse {
        throw RequestError.notFound("intents file \(request.path) does not exist")
    }
}

final class FakeCatalog: ItemsHandler, FeedbackHandler, @unchecked Sendable {
    let shutdowns = Locked(0)
    func items(_ request: Recd_V1_ItemsRequest, context: HandlerContext) throws -> Recd_V1_ItemsResponse {
        var r = Recd_V1_ItemsResponse()
        if case .upsert(let list)? = request.op {
            _ = try context.embed(list.items.map(\.title))  // upserts may embed through the worker
            r.affected = UInt32(list.items.count)
        }
        return r
    }
    func record(_ request: Recd_V1_FeedbackRequest, context: HandlerContext) throws -> Recd_V1_FeedbackResponse {
        struct Boom: Error {}
        if request.user == "crash" { throw Boom() }
        var r = Recd_V1_FeedbackResponse(); r.sequence = 1
        return r
    }
    func shutdown() throws { shutdowns.withLock { $0 += 1 } }
    func statsExtras() -> [String: String] { ["catalog.items": "0"] }
}

@Suite struct DispatcherTests {
    func makeDispatcher(_ engines: Engines) -> (Dispatcher, WorkerPool) {
        let logger = Logger(label: "test")
        let pool = WorkerPool(workers: 1, capacity: 8, encoder: engines.encoder, maxBatchTexts: 8,
                              maxBatchWait: .zero, logger: logger)
        let d = Dispatcher(engines: engines, pool: pool, metrics: Metrics(), configuration: ServerConfiguration(), logger: logger)
        return (d, pool)
    }

    func call(_ d: Dispatcher, _ op: Opcode, _ message: some SwiftProtobuf.Message) -> (Status, [UInt8]) {
        let box = Locked<(Status, [UInt8])?>(nil)
        let sem = DispatchSemaphore(value: 0)
        d.dispatch(op, body: try! message.serializedBytes()) { status, body in
            box.withLock { $0 = (status, body) }
            sem.signal()
        }
        sem.wait()
        return box.withLock { $0! }
    }

    @Test func missingEngineIsUnavailableNamingIt() {
        let (d, pool) = makeDispatcher(Engines(encoder: HashingEncoder(dimension: 4)))
        defer { pool.shutdown() }
        var r = Recd_V1_IntentRequest(); r.text = "hello"
        let (status, body) = call(d, .intent, r)
        #expect(status == .unavailable)
        #expect(ErrorBody.decodeMessage(body).message.contains("intent engine"))
        let (s2, b2) = call(d, .feedback, { var f = Recd_V1_FeedbackRequest(); f.user = "u"; f.item = "i"; f.event = .click; return f }())
        #expect(s2 == .unavailable)
        #expect(ErrorBody.decodeMessage(b2).message.contains("feedback store"))
    }

    @Test func intentEmbedsThenClassifies() throws {
        let (d, pool) = makeDispatcher(Engines(encoder: HashingEncoder(dimension: 4), intents: FirstWordIntents()))
        defer { pool.shutdown() }
        var r = Recd_V1_IntentRequest(); r.text = "track my parcel"
        let (status, body) = call(d, .intent, r)
        #expect(status == .ok)
        let reply = try Recd_V1_IntentResponse(serializedBytes: body)
        #expect(reply.intent == "track")
        #expect(reply.confidence == 1, "the handler must receive the text's embedding")
    }

    @Test func handlerErrorsMapToStatuses() throws {
        let catalog = FakeCatalog()
        let (d, pool) = makeDispatcher(Engines(encoder: HashingEncoder(dimension: 4), intents: FirstWordIntents(),
                                               feedback: catalog, items: catalog))
        defer { pool.shutdown() }
        let (s1, b1) = call(d, .intentsReload, Recd_V1_IntentsReloadRequest())
        #expect(s1 == .notFound)
        #expect(ErrorBody.decodeMessage(b1).message.contains("does not exist"))
        var fb = Recd_V1_FeedbackRequest(); fb.user = "crash"; fb.item = "i"; fb.event = .click
        let (s2, b2) = call(d, .feedback, fb)
        #expect(s2 == .internal)
        #expect(!ErrorBody.decodeMessage(b2).message.contains("Boom"), "internals must not leak")
        var up = Recd_V1_ItemsRequest(); var item = Recd_V1_Item(); item.id = "a"; item.title = "t"; up.upsert.items = [item]
        let (s3, b3) = call(d, .items, up)
        #expect(s3 == .ok)
        #expect(try Recd_V1_ItemsResponse(serializedBytes: b3).affected == 1)
        let stats = d.stats()
        #expect(stats.extras["catalog.items"] == "0")
        #expect(Engines(feedback: catalog, items: catalog).lifecycles.count == 1, "one object serving two roles is shut down once")
    }

    @Test func embedRepliesWithVectorsInOrder() throws {
        let encoder = HashingEncoder(dimension: 16)
        let (d, pool) = makeDispatcher(Engines(encoder: encoder))
        defer { pool.shutdown() }
        var r = Recd_V1_EmbedRequest(); r.texts = ["a b", "c d", "e"]
        let (status, body) = call(d, .embed, r)
        #expect(status == .ok)
        let reply = try Recd_V1_EmbedResponse(serializedBytes: body)
        #expect(reply.dimension == 16)
        #expect(reply.vectors.map(\.values) == r.texts.map(encoder.vector))
    }

    @Test func invalidBodiesAreBadRequest() {
        let (d, pool) = makeDispatcher(Engines(encoder: HashingEncoder(dimension: 4)))
        defer { pool.shutdown() }
        let (status, _) = call(d, .embed, Recd_V1_EmbedRequest())
        #expect(status == .badRequest)
    }
}
