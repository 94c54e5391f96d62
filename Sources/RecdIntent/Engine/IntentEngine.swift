import Foundation
import Logging

/// Intent recognition for one intent set and one catalog vocabulary: a trained classifier plus
/// the slot parser. Immutable, so one instance serves every worker; reload by building a new
/// engine and swapping it in an ``IntentEngineHolder``.
///
/// The engine never calls the encoder at classification time: the server embeds the query in
/// its batched worker pool and passes the embedding in.
public final class IntentEngine: Sendable {
    /// The intents (names and descriptions).
    public let intents: IntentSet
    /// The trained classifier.
    public let classifier: IntentClassifier
    /// The slot parser for the catalog vocabulary.
    public let slotParser: SlotParser

    public init(intents: IntentSet, classifier: IntentClassifier, slotParser: SlotParser) {
        self.intents = intents
        self.classifier = classifier
        self.slotParser = slotParser
    }

    /// Intent and slots of `text`, whose sentence embedding (L2-normalised, the encoder's
    /// dimension) is `embedding`.
    /// - Throws: ``IntentError`` when the embedding has the wrong length or is not finite.
    public func analyze(text: String, embedding: [Float], alternatives: Int = 3) throws -> IntentResult {
        let c = try classifier.classify(text: text, embedding: embedding, alternatives: alternatives)
        return IntentResult(intent: c.intent, confidence: c.confidence, isOutOfScope: c.isOutOfScope,
                            alternatives: c.ranked, slots: slotParser.parse(text))
    }

    /// Builds an engine: loads the classifier from `cache` when its key matches, otherwise
    /// embeds every example with `embed` (in batches of `batchSize`), trains, and stores the
    /// result in the cache.
    ///
    /// - Parameters:
    ///   - encoderID: names the encoder and its precision (e.g. `all-MiniLM-L6-v2/fp32`); part of
    ///     the cache key because other embeddings need another model.
    ///   - embed: sentence embeddings of a batch of texts, one per text, in order.
    public static func build(intents: IntentSet, vocabulary: CatalogVocabulary = .empty,
                             encoderID: String, options: IntentTrainingOptions = IntentTrainingOptions(),
                             cache: IntentModelCache? = nil, batchSize: Int = 64,
                             logger: Logger = Logger(label: "recd.intent"),
                             embed: ([String]) throws -> [[Float]]) throws -> IntentEngine {
        let key = IntentModelCache.key(examples: intents.examples, options: options, encoderID: encoderID)
        let parser = SlotParser(vocabulary: vocabulary)
        if let cache {
            do {
                if let c = try cache.load(key: key) {
                    logger.info("intent model loaded from cache", metadata: ["file": "\(cache.url(for: key).path)"])
                    return IntentEngine(intents: intents, classifier: c, slotParser: parser)
                }
            } catch {
                logger.warning("intent cache unusable, retraining", metadata: ["error": "\(error)"])
            }
        }
        let start = DispatchTime.now()
        let texts = intents.examples.map(\.text)
        var embeddings: [[Float]] = []
        embeddings.reserveCapacity(texts.count)
        var i = 0
        while i < texts.count {
            let chunk = Array(texts[i ..< min(i + max(1, batchSize), texts.count)])
            let out = try embed(chunk)
            guard out.count == chunk.count else {
                throw IntentError.embeddingMismatch("embed returned \(out.count) embeddings for \(chunk.count) texts; expected one per text")
            }
            embeddings.append(contentsOf: out)
            i += chunk.count
        }
        let embedded = DispatchTime.now()
        let (classifier, report) = try IntentClassifier.train(examples: intents.examples, embeddings: embeddings, options: options)
        let trained = DispatchTime.now()
        logger.info("intent model trained", metadata: [
            "examples": "\(texts.count)", "intents": "\(classifier.intents.count)",
            "embed_ms": "\((embedded.uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000)",
            "train_ms": "\((trained.uptimeNanoseconds - embedded.uptimeNanoseconds) / 1_000_000)",
            "temperature": "\(report.temperature)", "threshold": "\(report.threshold)",
            "heldout_accuracy": "\(report.heldOutAccuracy.map { String($0) } ?? "n/a")",
            "iterations": "\(report.iterations.map { String($0) } ?? "n/a")",
            "features_ms": "\(Int(report.featureSeconds * 1000))",
            "jobs_ms": "\(report.jobSeconds.map { String(Int($0 * 1000)) }.joined(separator: ","))",
            "jobs_iterations": "\(report.jobIterations.map(String.init).joined(separator: ","))",
            "calibration_ms": "\(Int(report.calibrationSeconds * 1000))",
        ])
        if let cache {
            do { try cache.store(classifier, key: key) } catch {
                logger.warning("intent model not cached", metadata: ["error": "\(error)"])
            }
        }
        return IntentEngine(intents: intents, classifier: classifier, slotParser: parser)
    }
}

/// Holds the engine in use and swaps it atomically on reload: readers take a reference under
/// a lock held for one pointer copy, so a reload never blocks classification for longer.
///
/// `@unchecked Sendable`: the only mutable state, `engine`, is read and written under `lock`.
public final class IntentEngineHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var engine: IntentEngine   // protected by `lock`

    public init(_ engine: IntentEngine) { self.engine = engine }

    /// The engine in use now. Keep the reference for the whole request.
    public var current: IntentEngine {
        lock.lock(); defer { lock.unlock() }
        return engine
    }

    /// Puts `new` in use and returns the previous engine.
    @discardableResult
    public func replace(with new: IntentEngine) -> IntentEngine {
        lock.lock(); defer { lock.unlock() }
        let old = engine
        engine = new
        return old
    }
}
