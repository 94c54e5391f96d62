import Atomics
import Foundation
import NIOCore
import NIOPosix
import RecdProtocol

/// The async client: a small pool of pipelined connections and one method per operation.
///
/// ```swift
/// let client = try await RecdClient.connect(socketPath: "/run/user/1000/recd.sock")
/// let intent = try await client.intent("where is my order")
/// ```
public final class RecdClient: Sendable {
    public let socketPath: String
    public let timeout: Duration?
    private let connections: [LockedConnection]
    private let next = ManagedAtomic(0)

    private init(socketPath: String, timeout: Duration?, connections: [LockedConnection]) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.connections = connections
    }

    /// Connects `poolSize` connections; requests are spread over them round-robin,
    /// and a connection found closed is reopened on its next use.
    public static func connect(socketPath: String, poolSize: Int = 1, timeout: Duration? = .seconds(30)) async throws -> RecdClient {
        precondition(poolSize >= 1, "poolSize must be at least 1")
        var slots: [LockedConnection] = []
        for _ in 0..<poolSize {
            slots.append(LockedConnection(try await RecdConnection.connect(socketPath: socketPath, timeout: timeout)))
        }
        return RecdClient(socketPath: socketPath, timeout: timeout, connections: slots)
    }

    func connection() async throws -> RecdConnection {
        let slot = connections[next.loadThenWrappingIncrement(ordering: .relaxed) % connections.count]
        let current = slot.get()
        if current.isActive { return current }
        let fresh = try await RecdConnection.connect(socketPath: socketPath, timeout: timeout)
        slot.set(fresh)
        return fresh
    }

    func call<Response: SwiftProtobuf.Message>(_ opcode: Opcode, _ request: some SwiftProtobuf.Message,
                                               as: Response.Type = Response.self) async throws -> Response {
        try await connection().call(opcode, request, as: Response.self)
    }

    /// Closes every connection.
    public func close() async {
        for slot in connections { await slot.get().close() }
    }

    // MARK: - Operations

    /// PING: round trip with an optional payload echoed back.
    public func ping(payload: [UInt8] = []) async throws {
        var r = Recd_V1_PingRequest()
        r.payload = Data(payload)
        let reply = try await call(.ping, r, as: Recd_V1_PingResponse.self)
        guard reply.payload == r.payload else {
            throw RecdError(code: .protocolError, message: "PING reply payload differs from the request's")
        }
    }

    /// EMBED: one L2-normalised vector per text.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var r = Recd_V1_EmbedRequest()
        r.texts = texts
        return try await call(.embed, r, as: Recd_V1_EmbedResponse.self).vectors.map(\.values)
    }

    /// INTENT: the text's intent, alternatives and slots. `topK` 0 = the server default.
    public func intent(_ text: String, topK: Int = 0) async throws -> Recd_V1_IntentResponse {
        var r = Recd_V1_IntentRequest()
        r.text = text
        r.topK = UInt32(topK)
        return try await call(.intent, r)
    }

    /// RECOMMEND.
    public func recommend(_ request: Recd_V1_RecommendRequest) async throws -> Recd_V1_RecommendResponse {
        try await call(.recommend, request)
    }

    /// FEEDBACK.
    public func feedback(_ request: Recd_V1_FeedbackRequest) async throws -> Recd_V1_FeedbackResponse {
        try await call(.feedback, request)
    }

    /// ITEMS upsert: inserts or replaces items.
    public func upsertItems(_ items: [Recd_V1_Item]) async throws -> Recd_V1_ItemsResponse {
        var r = Recd_V1_ItemsRequest()
        r.upsert.items = items
        return try await call(.items, r)
    }

    /// ITEMS delete.
    public func deleteItems(_ ids: [String]) async throws -> Recd_V1_ItemsResponse {
        var r = Recd_V1_ItemsRequest()
        r.delete.ids = ids
        return try await call(.items, r)
    }

    /// ITEMS get: the items found, and the ids missing.
    public func getItems(_ ids: [String]) async throws -> Recd_V1_ItemsResponse {
        var r = Recd_V1_ItemsRequest()
        r.get.ids = ids
        return try await call(.items, r)
    }

    /// SIMILAR.
    public func similar(_ request: Recd_V1_SimilarRequest) async throws -> Recd_V1_SimilarResponse {
        try await call(.similar, request)
    }

    /// STATS.
    public func stats() async throws -> Recd_V1_StatsResponse {
        try await call(.stats, Recd_V1_StatsRequest())
    }

    /// INTENTS_RELOAD: reload from `path`, or from the daemon's start-up file when empty.
    public func reloadIntents(path: String = "") async throws -> Recd_V1_IntentsReloadResponse {
        var r = Recd_V1_IntentsReloadRequest()
        r.path = path
        return try await call(.intentsReload, r)
    }
}

/// One pool slot; the lock protects `connection`.
final class LockedConnection: @unchecked Sendable {
    private let lock = NSLock()
    private var connection: RecdConnection
    init(_ connection: RecdConnection) { self.connection = connection }
    func get() -> RecdConnection { lock.lock(); defer { lock.unlock() }; return connection }
    func set(_ c: RecdConnection) { lock.lock(); connection = c; lock.unlock() }
}
