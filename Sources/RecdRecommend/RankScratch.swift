import Foundation

/// Catalog-sized scratch memory for one ranking: allocated once, reused by every request, so a
/// RECOMMEND allocates nothing proportional to the catalog.
///
/// Not Sendable: one ranking uses it at a time; `RankScratchPool` hands it out and takes it back.
final class RankScratch {
    /// Capacity in slots.
    private(set) var capacity = 0
    /// Per slot: the collaborative score (unnormalised Σ w·B[h, j]).
    private(set) var collaborative: UnsafeMutablePointer<Float> = .allocate(capacity: 0)
    /// Per slot: the combined dense score.
    private(set) var scores: UnsafeMutablePointer<Float> = .allocate(capacity: 0)
    /// Per slot: 1 when the item may be returned.
    private(set) var allowed: UnsafeMutablePointer<Bool> = .allocate(capacity: 0)
    /// Per slot: the `generation` that last marked it (candidate de-duplication without a Set).
    private(set) var mark: UnsafeMutablePointer<UInt32> = .allocate(capacity: 0)
    /// Per slot: the candidate pool's selection key (``PoolSelection``).
    private(set) var keys: UnsafeMutablePointer<UInt32> = .allocate(capacity: 0)
    /// Slots on the pool's boundary (``PoolSelection``).
    private(set) var ties: UnsafeMutablePointer<Int32> = .allocate(capacity: 0)
    /// The pool selection's histogram (``PoolSelection/buckets`` counts; not catalog-sized).
    let histogram: UnsafeMutablePointer<UInt32> = .allocate(capacity: PoolSelection.buckets)
    /// The candidate pool's slots; capacity kept between requests.
    var pool: [Int32] = []
    private var generation: UInt32 = 0

    deinit {
        release()
        histogram.deallocate()
    }

    private func release() {
        collaborative.deallocate(); scores.deallocate(); allowed.deallocate(); mark.deallocate()
        keys.deallocate(); ties.deallocate()
    }

    /// Makes room for `n` slots (contents undefined, except `mark`, which never matches a fresh generation).
    func reserve(_ n: Int) {
        guard n > capacity else { return }
        release()
        let c = Swift.max(n, capacity * 5 / 4)
        collaborative = .allocate(capacity: c)
        scores = .allocate(capacity: c)
        allowed = .allocate(capacity: c)
        mark = .allocate(capacity: c)
        mark.initialize(repeating: 0, count: c)
        keys = .allocate(capacity: c)
        ties = .allocate(capacity: c)
        generation = 0
        capacity = c
    }

    /// A fresh marking generation: after this, no slot is marked.
    func nextGeneration() -> UInt32 {
        generation &+= 1
        if generation == 0 {
            mark.update(repeating: 0, count: capacity)
            generation = 1
        }
        return generation
    }

    /// Marks `slot`; returns false when it was already marked in generation `g`.
    @inline(__always)
    func insert(_ slot: Int, generation g: UInt32) -> Bool {
        if mark[slot] == g { return false }
        mark[slot] = g
        return true
    }
}

/// A small free list of scratch buffers: a ranking takes one (or makes one) and gives it back.
/// At most as many exist as rankings ever ran at once (the worker threads).
final class RankScratchPool: @unchecked Sendable {
    // Safety: `free` is only touched under `lock`; a scratch is used by one ranking at a time.
    private let lock = NSLock()
    private var free: [RankScratch] = []

    func withScratch<T>(slots n: Int, _ body: (RankScratch) throws -> T) rethrows -> T {
        lock.lock()
        let scratch = free.popLast() ?? RankScratch()
        lock.unlock()
        defer {
            lock.lock()
            free.append(scratch)
            lock.unlock()
        }
        scratch.reserve(n)
        return try body(scratch)
    }
}
