import Foundation
import Logging

/// The recommendation engine: catalog, durable feedback, models and ranking behind one object.
///
/// Thread-safe. Reads (recommend, similar, get) share a reader-writer lock; feedback is committed by
/// the store's writer thread, which applies it under the write lock before acknowledging; the
/// collaborative model is refitted on a background thread and swapped in atomically.
public final class RecommendEngine: @unchecked Sendable {
    // Safety: `state` is guarded by `lock`; `fitStatus` by `fitLock`; everything else is immutable
    // after init (the store and embedder are themselves thread-safe).
    let config: RecommendConfig
    let lock = RWLock()
    var state: EngineState
    private let embedder: ItemEmbedder
    var store: FeedbackStore!
    /// Durable catalog changes (ITEMS); nil keeps them in memory only (tests, evaluation).
    private let journal: CatalogJournal?
    /// Serialises catalog changes so the journal's order is the order they are applied in memory.
    private let catalogChange = NSLock()
    let logger: Logger
    let fitLock = NSCondition()
    /// Catalog-sized ranking buffers, reused across requests (thread-safe free list).
    let scratchPool = RankScratchPool()
    var fitStatus = FitStatus()

    /// Opens the engine: embeds `items` (through the on-disk cache), rebuilds every user's state from
    /// the feedback log at `feedbackPath`, then starts accepting events. If the log holds events, a
    /// background fit of the collaborative model starts (see `stats` for progress).
    ///
    /// - Parameters:
    ///   - embeddingCachePath: SQLite file for cached item embeddings; nil disables caching.
    ///   - catalogJournalPath: SQLite file recording ITEMS changes (``CatalogJournal``), replayed over
    ///     `items` at start so acknowledged upserts and deletes survive a restart; nil keeps them in memory.
    ///   - embed: the encoder; called with batches of item texts.
    ///   - progress: (done, total) while embedding the initial items.
    public init(config: RecommendConfig = RecommendConfig(), items: [Item] = [], feedbackPath: String,
                embeddingCachePath: String?, catalogJournalPath: String? = nil, dimension: Int = 384,
                embed: @escaping EmbedFunction,
                progress: EmbedProgress? = nil, fitOnStart: Bool = true,
                logger: Logger = Logger(label: "recd.recommend")) throws {
        self.config = config
        self.logger = logger
        self.state = EngineState(dimension: dimension, neighbours: config.contentNeighbours)
        let cache = try embeddingCachePath.map { try EmbeddingCache(path: $0, modelID: config.modelID) }
        self.embedder = ItemEmbedder(embed: embed, cache: cache, batchSize: config.embedBatchSize, dimension: dimension)
        let journal = try catalogJournalPath.map { try CatalogJournal(path: $0) }
        self.journal = journal
        let items = try journal?.apply(to: items) ?? items
        if !items.isEmpty {
            let (vectors, computed) = try embedder.vectors(for: items.map(\.embeddingText), progress: progress)
            try state.catalog.upsert(items, embeddings: vectors)
            state.graph.rebuildNeighbours(catalog: state.catalog)
            state.growPopularity()
            logger.info("catalog loaded: \(items.count) items, \(computed) embedded, \(items.count - computed) from cache")
        }
        let past = try FeedbackStore.loadAll(path: feedbackPath)
        state.apply(past, config: config)
        logger.info("feedback replayed: \(past.count) events, \(state.profiles.count) users")
        store = try FeedbackStore(path: feedbackPath, logger: logger) { [weak self] events in
            self?.applyCommitted(events)
        }
        if fitOnStart && !past.isEmpty { startBackgroundFit() }
    }

    deinit { store?.close() }

    /// Stops accepting feedback and commits what is queued; waits for a running fit.
    public func close() {
        store.close()
        waitForFit()
    }

    // MARK: Feedback

    /// Records one event durably. Returns `.recorded` once it is committed and the user's state
    /// reflects it, `.duplicate` if its idempotency key was recorded before.
    public func record(_ event: FeedbackEvent) async throws -> FeedbackOutcome {
        try validate(event)
        return try await store.record(event)
    }

    /// Blocking variant of `record` for callers on their own threads.
    public func recordBlocking(_ event: FeedbackEvent) throws -> FeedbackOutcome {
        try validate(event)
        return try store.recordBlocking(event)
    }

    /// Callback variant: `completion` runs on the store's writer thread after commit.
    public func submit(_ event: FeedbackEvent, completion: @escaping FeedbackStore.Completion) {
        do { try validate(event) } catch { completion(.failure(error)); return }
        store.submit(event, completion: completion)
    }

    private func validate(_ e: FeedbackEvent) throws {
        if e.user.isEmpty { throw RecommendError.invalidRequest("feedback user is empty; send the app's user id") }
        if e.item.isEmpty { throw RecommendError.invalidRequest("feedback item is empty; send the item id") }
        if e.kind == .rating && !(e.value >= 0 && e.value <= 5) {
            throw RecommendError.invalidRequest("rating value must be 0…5 stars, found \(e.value)")
        }
    }

    private func applyCommitted(_ events: [FeedbackEvent]) {
        let due = lock.write { () -> Bool in
            state.apply(events, config: config)
            return state.eventsSinceFit >= config.refitAfterEvents
        }
        if due { startBackgroundFit() }
    }

    // MARK: Catalog

    /// Inserts or replaces items, embedding their text (cache first) in batches. With a journal the
    /// change is committed to it before it is applied, so a returned upsert is durable.
    /// Returns how many items had to be embedded by the encoder.
    @discardableResult
    public func upsert(_ items: [Item], progress: EmbedProgress? = nil) throws -> Int {
        for item in items { try item.validate() }
        let (vectors, computed) = try embedder.vectors(for: items.map(\.embeddingText), progress: progress)
        catalogChange.lock(); defer { catalogChange.unlock() }
        try journal?.recordUpserts(items)
        try lock.write {
            let slots = try state.catalog.upsert(items, embeddings: vectors)
            state.growPopularity()
            if slots.count > 256 {
                state.graph.rebuildNeighbours(catalog: state.catalog)
            } else {
                for s in slots { state.graph.updateNeighbours(of: s, catalog: state.catalog) }
            }
        }
        return computed
    }

    /// Loads and upserts a JSONL catalog file.
    @discardableResult
    public func loadCatalog(path: String, progress: EmbedProgress? = nil) throws -> Int {
        try upsert(Item.loadJSONLines(path: path), progress: progress)
    }

    /// Deletes items by id (committed to the journal first, if there is one); returns how many existed.
    @discardableResult
    public func delete(ids: [String]) throws -> Int {
        catalogChange.lock(); defer { catalogChange.unlock() }
        try journal?.recordDeletes(ids.filter { item(id: $0) != nil })
        return lock.write {
            var removed = 0
            for id in ids {
                guard let s = state.catalog.slot(of: id) else { continue }
                state.catalog.delete(id: id)
                state.graph.updateNeighbours(of: s, catalog: state.catalog)
                removed += 1
            }
            return removed
        }
    }

    /// The item with this id, if it is in the catalog.
    public func item(id: String) -> Item? { lock.read { state.catalog.item(id: id) } }

    /// Number of items in the catalog.
    public var itemCount: Int { lock.read { state.catalog.count } }

    /// Categories, brands, colours and sizes of the catalog, for slot extraction.
    public var vocabulary: CatalogVocabulary { lock.read { state.catalog.vocabulary } }
}
