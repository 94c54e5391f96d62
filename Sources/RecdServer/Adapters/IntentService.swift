import Foundation
import Logging
import RecdIntent
import RecdProtocol

/// The intent engine behind the server's ``IntentHandler`` seam: classification with the
/// embedding the pool computed, and reload (SIGHUP or INTENTS_RELOAD) that retrains from the
/// file given at start and swaps the engine atomically while requests continue.
///
/// `@unchecked Sendable`: the engine in use lives in an ``IntentEngineHolder`` (lock-protected);
/// `reloadLock` serialises reloads; everything else is immutable.
public final class IntentService: IntentHandler, @unchecked Sendable {
    let holder: IntentEngineHolder
    /// The intents file given at start; reload reads it again (clients never name files).
    public let source: URL
    let vocabulary: RecdIntent.CatalogVocabulary
    let cache: IntentModelCache?
    let encoderID: String
    let options: IntentTrainingOptions
    let logger: Logger
    private let reloadLock = NSLock()

    /// Loads `source`, trains (or loads from `cache`) and returns the service. `embed` gives the
    /// intent features of a batch of texts (``HandlerContext/intentFeatures``); `encoderID` must name
    /// them (it keys the cache).
    /// `options.denseBlocks` must be 1 + the encoder's intent layers (``TextEncoder/intentLayers``).
    public init(source: URL, vocabulary: RecdIntent.CatalogVocabulary, cache: IntentModelCache?,
                encoderID: String, options: IntentTrainingOptions = IntentTrainingOptions(), logger: Logger,
                embed: ([String]) throws -> [[Float]]) throws {
        self.source = source
        self.vocabulary = vocabulary
        self.cache = cache
        self.encoderID = encoderID
        self.options = options
        self.logger = logger
        holder = IntentEngineHolder(try Self.build(source: source, vocabulary: vocabulary, cache: cache,
                                                   encoderID: encoderID, options: options, logger: logger, embed: embed))
    }

    /// Training options for `encoder`'s intent features (one dense block per pool).
    public static func options(for encoder: any TextEncoder) -> IntentTrainingOptions {
        IntentTrainingOptions(denseBlocks: 1 + encoder.intentLayers.count)
    }

    /// Loads `source` and trains (or loads from `cache`) an engine for it.
    static func build(source: URL, vocabulary: RecdIntent.CatalogVocabulary, cache: IntentModelCache?, encoderID: String,
                      options: IntentTrainingOptions, logger: Logger, embed: ([String]) throws -> [[Float]]) throws -> IntentEngine {
        let set = try IntentSet.load(contentsOf: source)
        return try IntentEngine.build(intents: set, vocabulary: vocabulary, encoderID: encoderID, options: options,
                                      cache: cache, batchSize: 512, logger: logger, embed: embed)
    }

    /// The engine in use now.
    public var engine: IntentEngine { holder.current }

    public func classify(text: String, embedding: [Float], topK: Int, context: HandlerContext) throws -> Recd_V1_IntentResponse {
        let result: IntentResult
        do {
            result = try holder.current.analyze(text: text, embedding: embedding, alternatives: topK + 1)
        } catch let e as IntentError {
            throw RequestError.badRequest("intent: \(e)")
        }
        return Self.response(result, topK: topK)
    }

    /// The request's `path` is refused by validation before this runs: clients never name files.
    public func reload(_ request: Recd_V1_IntentsReloadRequest, context: HandlerContext) throws -> Recd_V1_IntentsReloadResponse {
        let engine = try rebuild(embed: context.intentFeatures)
        var r = Recd_V1_IntentsReloadResponse()
        r.intents = UInt32(engine.intents.intents.count)
        r.examples = UInt32(engine.intents.examples.count)
        return r
    }

    /// Reloads from `source` with `embed`; the old engine serves until the new one is ready.
    @discardableResult
    public func rebuild(embed: ([String]) throws -> [[Float]]) throws -> IntentEngine {
        reloadLock.lock(); defer { reloadLock.unlock() }
        let engine: IntentEngine
        do {
            engine = try Self.build(source: source, vocabulary: vocabulary, cache: cache, encoderID: encoderID,
                                    options: options, logger: logger, embed: embed)
        } catch let e as IntentError {
            throw RequestError.badRequest("intents file \(source.lastPathComponent): \(e)")
        }
        holder.replace(with: engine)
        logger.info("intents reloaded", metadata: ["intents": "\(engine.intents.intents.count)",
                                                   "examples": "\(engine.intents.examples.count)"])
        return engine
    }

    public func statsExtras() -> [String: String] {
        let e = holder.current
        return ["intents.count": "\(e.intents.intents.count)", "intents.examples": "\(e.intents.examples.count)"]
    }

    /// Maps the engine's answer onto the wire message.
    static func response(_ r: IntentResult, topK: Int) -> Recd_V1_IntentResponse {
        var m = Recd_V1_IntentResponse()
        m.oos = r.isOutOfScope
        m.intent = r.isOutOfScope ? "" : r.intent
        m.confidence = r.confidence
        m.alternatives = r.alternatives.filter { r.isOutOfScope || $0.intent != r.intent }.prefix(topK).map {
            var a = Recd_V1_Alternative()
            a.intent = $0.intent
            a.confidence = $0.confidence
            return a
        }
        m.slots = r.slots.map(Self.slot)
        return m
    }

    static func slot(_ s: Slot) -> Recd_V1_Slot {
        var m = Recd_V1_Slot()
        m.name = s.kind.rawValue
        m.text = s.text
        m.start = UInt32(s.span.lowerBound)
        m.end = UInt32(s.span.upperBound)
        m.negated = s.negated
        m.value = s.value.description
        switch s.value {
        case .price(let p):
            if let l = p.lower { m.min = l }
            if let u = p.upper { m.max = u }
            if let c = p.currency { m.currency = c }
        case .quantity(let q):
            m.min = Double(q)
            m.max = Double(q)
        case .term, .sort:
            break
        }
        return m
    }
}

extension IntentService: MetricsGaugeSource {
    /// `recd_intents` (METRICS.md).
    public func metricGauges() -> [MetricGauge] {
        [MetricGauge(name: "recd_intents", help: "Intents loaded.", value: Double(holder.current.intents.intents.count))]
    }
}
