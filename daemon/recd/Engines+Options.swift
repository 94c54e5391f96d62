import ArgumentParser
import Foundation
import Logging
import RecdIntent
import RecdModel
import RecdRecommend
import RecdServer

/// Where the engines' data comes from; parsed with the daemon's other flags.
struct EngineOptions: ParsableArguments {
    @Option(help: "Catalog JSONL file (one item a line: id, title, description, category, brand, price, currency, tags, attributes, in_stock). Enables RECOMMEND, SIMILAR, ITEMS and FEEDBACK.")
    var catalog: String?

    @Option(help: "Intents file (JSONL, see Sources/RecdIntent/INTENTS.md). Enables INTENT; SIGHUP or `recctl intents reload` re-reads it.")
    var intents: String?

    @Option(help: "Encoder precision: fp32 (default, exact) or int8 (quantised at load, faster on VNNI CPUs).")
    var precision: String = "fp32"

    @Option(help: "Directory for durable state (the feedback database). Default: $XDG_STATE_HOME/recd, else ~/.local/state/recd.")
    var store: String?

    @Option(help: "Directory for caches (item embeddings, trained intent models). Default: $XDG_CACHE_HOME/recd/cache, else ~/.cache/recd/cache.")
    var cacheDir: String?

    func storeDirectory() -> String {
        if let store { return store }
        let env = ProcessInfo.processInfo.environment
        if let x = env["XDG_STATE_HOME"], !x.isEmpty { return x + "/recd" }
        return NSHomeDirectory() + "/.local/state/recd"
    }

    func cacheDirectory() -> String {
        if let cacheDir { return cacheDir }
        let env = ProcessInfo.processInfo.environment
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return x + "/recd/cache" }
        return NSHomeDirectory() + "/.cache/recd/cache"
    }
}

/// One encoder worker shared under a lock, for work outside the request pool: embedding the
/// catalog at start, catalog upserts, and retraining intents on SIGHUP.
/// `@unchecked Sendable`: the worker (which owns scratch memory) is only used under `lock`.
final class SharedEncoderWorker: @unchecked Sendable {
    private let lock = NSLock()
    private let worker: any TextEncoderWorker
    init(_ encoder: any TextEncoder) throws { worker = try encoder.makeWorker() }
    func embed(_ texts: [String]) throws -> [[Float]] {
        lock.lock(); defer { lock.unlock() }
        return try worker.embed(texts)
    }
}

extension Recd {
    /// Builds every engine the flags ask for; fails with the flag and what was wrong.
    func makeEngines(settings: [String: String], maxBatchTexts: Int, workers: Int, logger: Logger) throws -> Engines {
        var engines = Engines()
        var encoderID = "none"
        if fakeEncoder {
            logger.warning("serving the TEST ONLY fake encoder: embeddings are hashed bags of words")
            engines.encoder = HashingEncoder(delay: .milliseconds(fakeEncoderDelayMs))
            encoderID = "fake-hashing/384"
        } else if let model {
            let encoder: Encoder
            let precision: EncoderPrecision
            do {
                precision = try EncoderPrecision(parsing: engineOptions.precision)
                encoder = try Encoder(path: model, precision: precision)
            } catch let e as ModelError {
                throw ValidationError("--model \(model): \(e.message)")
            }
            logger.info("model loaded", metadata: [
                "path": "\(model)", "load_ms": "\(Int(encoder.model.loadMilliseconds))",
                "compute": "\(encoder.model.pathDescription)", "blas": "\(OpenBLASCoreType.current)"])
            engines.encoder = ModelTextEncoder(encoder: encoder, precision: precision.rawValue, maxBatch: maxBatchTexts)
            encoderID = "all-MiniLM-L6-v2/\(precision.rawValue)"
        }
        let o = engineOptions
        guard o.catalog != nil || o.intents != nil else { return engines }
        guard let encoder = engines.encoder else {
            throw ValidationError("--catalog and --intents need the encoder: add --model FILE")
        }
        let shared = try SharedEncoderWorker(encoder)
        let embed: @Sendable ([String]) throws -> [[Float]] = { try shared.embed($0) }
        let cacheDir = o.cacheDirectory()
        try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)

        var vocabulary = RecdIntent.CatalogVocabulary.demo
        if let catalog = o.catalog {
            let service = try makeRecommender(catalog: catalog, options: o, settings: settings, cacheDir: cacheDir, encoderID: encoderID,
                                              embed: embed, logger: logger)
            engines.recommender = service
            engines.feedback = service
            engines.items = service
            vocabulary.terms += Self.terms(service.engine.vocabulary)
        }
        if let intents = o.intents {
            do {
                // Training embeds every example: on as many threads as the request pool has workers.
                let parallel = try ParallelEncoder(encoder, threads: workers)
                let features: @Sendable ([String]) throws -> [[Float]] = { try parallel.intentFeatures($0) }
                let layers = encoder.intentLayers.map(String.init).joined(separator: ",")
                let service = try IntentService(source: URL(fileURLWithPath: intents), vocabulary: vocabulary,
                                                cache: IntentModelCache(directory: URL(fileURLWithPath: cacheDir + "/intents")),
                                                encoderID: layers.isEmpty ? encoderID : encoderID + "+pools" + layers,
                                                options: IntentService.options(for: encoder), logger: logger, embed: features)
                engines.intents = service
                installReloadOnHangup(service, embed: features, logger: logger)
            } catch let e as IntentError {
                throw ValidationError("--intents \(intents): \(e)")
            }
        }
        return engines
    }

    /// Asks the engine every 10 s whether a refit is due (enough new events or the interval passed).
    private func startRefitTimer(_ engine: RecommendEngine) {
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + 10, repeating: 10)
        timer.setEventHandler { engine.refitIfDue() }
        timer.resume()
        KeptSources.keep(timer)
    }

    private func makeRecommender(catalog: String, options o: EngineOptions, settings: [String: String], cacheDir: String, encoderID: String,
                                 embed: @escaping @Sendable ([String]) throws -> [[Float]],
                                 logger: Logger) throws -> RecommendService {
        let items: [Item]
        do {
            items = try Item.loadJSONLines(path: catalog)
        } catch {
            throw ValidationError("--catalog \(catalog): \(error)")
        }
        let storeDir = o.storeDirectory()
        try FileManager.default.createDirectory(atPath: storeDir, withIntermediateDirectories: true)
        var config = RecommendConfig()
        config.modelID = encoderID
        if let v = settings["recommend.refit_after_events"] {
            guard let n = Int(v), n > 0 else { throw ValidationError("config engines.recommend.refit_after_events must be a positive integer, found '\(v)'") }
            config.refitAfterEvents = n
        }
        if let v = settings["recommend.refit_interval_seconds"] {
            guard let n = Double(v), n >= 0 else { throw ValidationError("config engines.recommend.refit_interval_seconds must be ≥ 0 (0 = off), found '\(v)'") }
            config.refitIntervalSeconds = n
        }
        if let v = settings["recommend.ease_min_item_users"] {
            guard let n = Int(v), n >= 1 else { throw ValidationError("config engines.recommend.ease_min_item_users must be an integer ≥ 1, found '\(v)'") }
            config.easeMinItemUsers = n
        }
        if let v = settings["recommend.fit_threads"] {
            guard let n = Int(v), (0...64).contains(n) else { throw ValidationError("config engines.recommend.fit_threads must be 0…64 (0 = OpenBLAS's own setting), found '\(v)'") }
            config.fitThreads = n
        }
        if let v = settings["recommend.fit_nice"] {
            guard let n = Int32(v), (0...19).contains(n) else { throw ValidationError("config engines.recommend.fit_nice must be 0…19, found '\(v)'") }
            config.fitNice = n
        }
        let fitOnStart = settings["recommend.fit_on_start"].map { $0 != "false" } ?? true
        let progress = ProgressLine(label: "embedding catalog")
        let engine = try RecommendEngine(config: config, items: items, feedbackPath: storeDir + "/feedback.sqlite",
                                         embeddingCachePath: cacheDir + "/item-embeddings.sqlite",
                                         catalogJournalPath: storeDir + "/catalog.sqlite",
                                         embed: embed, progress: { progress.update($0, $1) }, fitOnStart: fitOnStart,
                                         logger: logger)
        progress.finish()
        startRefitTimer(engine)
        logger.info("catalog ready", metadata: ["items": "\(engine.itemCount)", "store": "\(storeDir)"])
        return RecommendService(engine: engine)
    }

    /// Catalog values as slot vocabulary (no synonyms: the demo vocabulary brings those).
    static func terms(_ v: RecdRecommend.CatalogVocabulary) -> [VocabularyTerm] {
        v.categories.map { VocabularyTerm(kind: .category, value: $0) }
            + v.brands.map { VocabularyTerm(kind: .brand, value: $0) }
            + v.colors.map { VocabularyTerm(kind: .color, value: $0) }
            + v.sizes.map { VocabularyTerm(kind: .size, value: $0) }
    }

    /// SIGHUP retrains the intents from their file and swaps them in; requests continue meanwhile.
    private func installReloadOnHangup(_ service: IntentService, embed: @escaping @Sendable ([String]) throws -> [[Float]],
                                       logger: Logger) {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler {
            logger.info("SIGHUP: reloading intents from \(service.source.path)")
            do { try service.rebuild(embed: embed) } catch {
                logger.error("intents reload failed, keeping the previous intents: \(error)")
            }
        }
        source.resume()
        KeptSources.keep(source)
    }
}

/// Keeps dispatch sources (SIGHUP, the refit timer) alive for the life of the process.
enum KeptSources {
    nonisolated(unsafe) static var sources: [any DispatchSourceProtocol] = []
    static func keep(_ s: any DispatchSourceProtocol) { sources.append(s) }
}

/// A one-line progress bar on stderr (only when stderr is a terminal).
final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let tty = isatty(2) != 0
    private let lock = NSLock()
    private var shown = false
    init(label: String) { self.label = label }
    func update(_ done: Int, _ total: Int) {
        guard tty, total > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        let width = 30, filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total)".utf8))
        shown = true
    }
    func finish() {
        lock.lock(); defer { lock.unlock() }
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
