import RecdProtocol

/// Turns texts into embeddings. Shared by all worker threads; each thread makes its own worker.
///
/// The lead adapts `RecdModel.Encoder` to this; tests use a fake.
public protocol TextEncoder: Sendable {
    /// Length of every vector `embed` returns.
    var dimension: Int { get }
    /// Name, token limit and precision, shown by STATS.
    var info: Recd_V1_ModelInfo { get }
    /// Called once on each worker thread at start; the worker owns that thread's scratch memory.
    func makeWorker() throws -> any TextEncoderWorker
    /// A worker sized for calls of at most `maxBatch` texts (longer calls still work, in chunks): the
    /// second, small one each pool worker keeps for light requests run between a bulk batch's blocks.
    func makeWorker(maxBatch: Int) throws -> any TextEncoderWorker
    /// Transformer blocks (1-based) whose masked mean pools the intent features append to the
    /// embedding; `[]` (the default) for an encoder without them, whose intent features are the embedding.
    var intentLayers: [Int] { get }
    /// Extra key/value pairs for STATS `extras` (diagnostics such as the intra-op helper's counters).
    var statsExtras: [String: String] { get }
}

extension TextEncoder {
    public var intentLayers: [Int] { [] }

    public var statsExtras: [String: String] { [:] }

    public func makeWorker(maxBatch: Int) throws -> any TextEncoderWorker { try makeWorker() }

    /// Length of the intent features: the embedding plus one pool per intent layer.
    public var intentFeatureDimension: Int { dimension * (1 + intentLayers.count) }

    public var info: Recd_V1_ModelInfo {
        var m = Recd_V1_ModelInfo()
        m.name = String(describing: Self.self)
        m.dimension = UInt32(dimension)
        return m
    }
}

/// One worker thread's encoder: not Sendable, used only on the thread that made it.
public protocol TextEncoderWorker {
    /// One L2-normalised vector of `dimension` floats per text, in order. Called with
    /// micro-batches of up to `ServerConfiguration.maxBatchTexts` texts.
    func embed(_ texts: [String]) throws -> [[Float]]
    /// Per text, the vector `embed` gives followed by the masked mean pools of transformer blocks
    /// `layers` (each `dimension` floats, unnormalised). The default serves only `layers == []`.
    func embed(_ texts: [String], layerPools layers: [Int]) throws -> [[Float]]
    /// Sets what every later call runs between two transformer blocks, on this thread (nil: nothing).
    /// The hook must not use this worker. An encoder without blocks ignores it (the default).
    func setBetweenBlocks(_ hook: (() -> Void)?)
}

extension TextEncoderWorker {
    public func setBetweenBlocks(_ hook: (() -> Void)?) {}

    public func embed(_ texts: [String], layerPools layers: [Int]) throws -> [[Float]] {
        guard layers.isEmpty else {
            throw RequestError(.internal, "this encoder has no layer pools; expected layerPools [] (its intentLayers), found \(layers)")
        }
        return try embed(texts)
    }
}

/// What a handler may use while it runs on a worker thread.
public struct HandlerContext {
    /// Embeds texts with this worker thread's encoder (outside the micro-batcher);
    /// throws UNAVAILABLE when no encoder is configured.
    public let embed: ([String]) throws -> [[Float]]
    /// Intent features of texts (the embedding plus the encoder's ``TextEncoder/intentLayers`` pools)
    /// with this worker thread's encoder; what intent training and classification take.
    public let intentFeatures: ([String]) throws -> [[Float]]

    public init(embed: @escaping ([String]) throws -> [[Float]],
                intentFeatures: (([String]) throws -> [[Float]])? = nil) {
        self.embed = embed
        self.intentFeatures = intentFeatures ?? embed
    }
}

/// Hooks every engine has: flush on shutdown, extra STATS lines.
public protocol EngineLifecycle: Sendable {
    /// Called once while the daemon drains, after the last request finished: flush and close files.
    func shutdown() throws
    /// Extra key/value pairs for STATS (`extras`).
    func statsExtras() -> [String: String]
}

extension EngineLifecycle {
    public func shutdown() throws {}
    public func statsExtras() -> [String: String] { [:] }
}

/// INTENT and INTENTS_RELOAD. Runs on a worker thread; may throw ``RequestError``.
public protocol IntentHandler: EngineLifecycle {
    /// Classifies `text`, whose intent features (``HandlerContext/intentFeatures``) the server computed in the pool.
    /// `topK` is the request's top_k with the server default applied (>= 1).
    func classify(text: String, embedding: [Float], topK: Int, context: HandlerContext) throws -> Recd_V1_IntentResponse
    /// Reloads intent definitions (the examples' features through `context.intentFeatures`).
    func reload(_ request: Recd_V1_IntentsReloadRequest, context: HandlerContext) throws -> Recd_V1_IntentsReloadResponse
}

/// RECOMMEND and SIMILAR. Runs on a worker thread; may throw ``RequestError``.
public protocol RecommendHandler: EngineLifecycle {
    /// `queryEmbedding` and `queryIntent` are set when the request has a query
    /// (`queryIntent` only when an intent engine is configured). `request.k` has the default applied.
    func recommend(_ request: Recd_V1_RecommendRequest, queryEmbedding: [Float]?, queryIntent: Recd_V1_IntentResponse?,
                   context: HandlerContext) throws -> Recd_V1_RecommendResponse
    /// Items similar to `request.item`; `request.k` has the default applied.
    func similar(_ request: Recd_V1_SimilarRequest, context: HandlerContext) throws -> Recd_V1_SimilarResponse
}

/// FEEDBACK. Runs on a worker thread; may throw ``RequestError``.
public protocol FeedbackHandler: EngineLifecycle {
    func record(_ request: Recd_V1_FeedbackRequest, context: HandlerContext) throws -> Recd_V1_FeedbackResponse
}

/// FEEDBACK for engines with their own durable writer (group commit): `submit` is called on the
/// event loop, must not block, and calls `completion` exactly once from any thread after the event
/// is durable. The dispatcher prefers it over the blocking form, so slow commits never hold a
/// model worker (rejected alternative: a second thread pool sized for fsync latency).
public protocol AsyncFeedbackHandler: FeedbackHandler {
    func submit(_ request: Recd_V1_FeedbackRequest,
                completion: @escaping @Sendable (Result<Recd_V1_FeedbackResponse, any Error>) -> Void)
}

/// ITEMS. Runs on a worker thread; upserts can embed titles through `context.embed`.
public protocol ItemsHandler: EngineLifecycle {
    func items(_ request: Recd_V1_ItemsRequest, context: HandlerContext) throws -> Recd_V1_ItemsResponse
}

/// The engines a daemon serves; an op whose engine is nil answers UNAVAILABLE naming it.
public struct Engines: Sendable {
    public var encoder: (any TextEncoder)?
    public var intents: (any IntentHandler)?
    public var recommender: (any RecommendHandler)?
    public var feedback: (any FeedbackHandler)?
    public var items: (any ItemsHandler)?

    public init(encoder: (any TextEncoder)? = nil, intents: (any IntentHandler)? = nil,
                recommender: (any RecommendHandler)? = nil, feedback: (any FeedbackHandler)? = nil,
                items: (any ItemsHandler)? = nil) {
        self.encoder = encoder
        self.intents = intents
        self.recommender = recommender
        self.feedback = feedback
        self.items = items
    }

    /// Every configured engine with lifecycle hooks, each once (one object may serve several roles).
    var lifecycles: [any EngineLifecycle] {
        var seen = Set<ObjectIdentifier>()
        var out: [any EngineLifecycle] = []
        for e in [intents as (any EngineLifecycle)?, recommender, feedback, items].compactMap({ $0 }) {
            if type(of: e) is AnyClass, !seen.insert(ObjectIdentifier(e as AnyObject)).inserted { continue }
            out.append(e)
        }
        return out
    }
}
