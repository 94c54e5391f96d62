import Foundation

/// Encoder workers for bulk work outside the request pool (training the intents at start and on
/// SIGHUP, embedding the catalog): one worker per thread, a large batch split into one contiguous
/// part per worker and run in parallel, so training embeds its examples on every core the pool has.
///
/// `@unchecked Sendable`: each worker (which owns scratch memory) is only used under its own lock.
public final class ParallelEncoder: @unchecked Sendable {
    private let workers: [any TextEncoderWorker]
    private let locks: [NSLock]
    /// The encoder's intent layers (see ``TextEncoder/intentLayers``).
    public let intentLayers: [Int]

    /// Makes `threads` workers of `encoder` (at least one).
    public init(_ encoder: any TextEncoder, threads: Int) throws {
        workers = try (0..<max(1, threads)).map { _ in try encoder.makeWorker() }
        locks = workers.map { _ in NSLock() }
        intentLayers = encoder.intentLayers
    }

    /// Embeddings of `texts`, in order.
    public func embed(_ texts: [String]) throws -> [[Float]] { try run(texts, layers: []) }

    /// Intent features of `texts` (embedding + intent-layer pools), in order.
    public func intentFeatures(_ texts: [String]) throws -> [[Float]] { try run(texts, layers: intentLayers) }

    private func run(_ texts: [String], layers: [Int]) throws -> [[Float]] {
        let parts = min(workers.count, max(1, texts.count / 8))
        if parts <= 1 { return try call(0, texts, layers) }
        let box = ResultBox(parts: parts)
        let size = (texts.count + parts - 1) / parts
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let slice = Array(texts[min(p * size, texts.count) ..< min((p + 1) * size, texts.count)])
            box.set(p, Result { try self.call(p, slice, layers) })
        }
        return try box.joined()
    }

    private func call(_ i: Int, _ texts: [String], _ layers: [Int]) throws -> [[Float]] {
        locks[i].lock(); defer { locks[i].unlock() }
        return try workers[i].embed(texts, layerPools: layers)
    }
}

/// Per-part results written from `concurrentPerform` (each index once, under the lock).
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<[[Float]], any Error>?]
    init(parts: Int) { results = Array(repeating: nil, count: parts) }
    func set(_ i: Int, _ r: Result<[[Float]], any Error>) { lock.lock(); results[i] = r; lock.unlock() }
    func joined() throws -> [[Float]] {
        lock.lock(); defer { lock.unlock() }
        var out: [[Float]] = []
        for r in results { out.append(contentsOf: try r!.get()) }
        return out
    }
}
