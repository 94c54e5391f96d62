import COpenBLAS

/// Item-to-item signals kept by slot: observed next-item transitions (the sequence signal) and
/// each item's nearest neighbours by embedding (the content signal, and how a brand-new item with
/// no interactions gets into a user's candidates).
struct ItemGraph: Sendable {
    /// transitions[a][b] = weighted count of users who interacted with b right after a.
    private(set) var transitions: [Int32: [Int32: Float]] = [:]
    /// Sum of transitions[a], for normalising.
    private(set) var transitionTotals: [Int32: Float] = [:]
    /// neighbours[s] = up to `neighbourCount` (slot, cosine) pairs, most similar first.
    private(set) var neighbours: [[(slot: Int32, similarity: Float)]] = []
    let neighbourCount: Int

    init(neighbourCount: Int) {
        self.neighbourCount = neighbourCount
    }

    mutating func addTransition(from a: Int32, to b: Int32, weight: Float = 1) {
        transitions[a, default: [:]][b, default: 0] += weight
        transitionTotals[a, default: 0] += weight
    }

    /// P(next = b | current = a) estimates for every b seen after a.
    func nextItems(after a: Int32) -> (targets: [Int32: Float], total: Float)? {
        guard let t = transitions[a], let total = transitionTotals[a], total > 0 else { return nil }
        return (t, total)
    }

    /// Recomputes every item's neighbour list from the catalog's embeddings with blocked sgemm.
    mutating func rebuildNeighbours(catalog: Catalog) {
        let n = catalog.slotCount, d = catalog.dimension
        neighbours = Array(repeating: [], count: n)
        guard n > 1 else { return }
        let blockRows = 256
        var sims = [Float](repeating: 0, count: blockRows * n)
        catalog.embeddings.withUnsafeBufferPointer { e in
            sims.withUnsafeMutableBufferPointer { s in
                for start in stride(from: 0, to: n, by: blockRows) {
                    let rows = min(blockRows, n - start)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(d), 1,
                                e.baseAddress! + start * d, Int32(d), e.baseAddress!, Int32(d), 0,
                                s.baseAddress!, Int32(n))
                    for r in 0..<rows where catalog.alive[start + r] {
                        neighbours[start + r] = Self.topK(s.baseAddress! + r * n, n: n, k: neighbourCount,
                                                          skip: start + r, alive: catalog.alive)
                    }
                }
            }
        }
    }

    /// Adds a new or changed item: computes its own neighbour list and inserts it into the lists
    /// of items it is now among the nearest of.
    mutating func updateNeighbours(of slot: Int, catalog: Catalog) {
        let n = catalog.slotCount, d = catalog.dimension
        while neighbours.count < n { neighbours.append([]) }
        // Drop stale entries for this slot (its embedding may have changed).
        for s in 0..<n where neighbours[s].contains(where: { $0.slot == Int32(slot) }) {
            neighbours[s].removeAll { $0.slot == Int32(slot) }
        }
        guard catalog.alive[slot] else { neighbours[slot] = []; return }
        var sims = [Float](repeating: 0, count: n)
        catalog.embeddings.withUnsafeBufferPointer { e in
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, e.baseAddress!, Int32(d),
                        e.baseAddress! + slot * d, 1, 0, &sims, 1)
        }
        neighbours[slot] = sims.withUnsafeMutableBufferPointer {
            Self.topK($0.baseAddress!, n: n, k: neighbourCount, skip: slot, alive: catalog.alive)
        }
        for s in 0..<n where s != slot && catalog.alive[s] {
            var list = neighbours[s]
            if list.count < neighbourCount || sims[s] > list[list.count - 1].similarity {
                list.append((Int32(slot), sims[s]))
                list.sort { $0.similarity > $1.similarity }
                if list.count > neighbourCount { list.removeLast() }
                neighbours[s] = list
            }
        }
    }

    static func topK(_ v: UnsafePointer<Float>, n: Int, k: Int, skip: Int, alive: [Bool]) -> [(slot: Int32, similarity: Float)] {
        var heap = TopK(k: k)
        for j in 0..<n where j != skip && alive[j] { heap.insert(Int32(j), v[j]) }
        return heap.sorted().map { ($0.slot, $0.score) }
    }
}

/// Keeps the k highest-scoring entries seen (a min-heap); O(n log k). Ties are broken by the lower
/// slot, so the result does not depend on insertion order.
struct TopK {
    let k: Int
    private(set) var entries: [(slot: Int32, score: Float)] = []

    init(k: Int) {
        self.k = k
        entries.reserveCapacity(k)
    }

    /// True when a ranks below b.
    @inline(__always)
    private static func worse(_ a: (slot: Int32, score: Float), _ b: (slot: Int32, score: Float)) -> Bool {
        a.score < b.score || (a.score == b.score && a.slot > b.slot)
    }

    /// The entry a newcomer must beat once the heap is full (entries[0], cached so the common
    /// case — a score below it — is one compare, inlined into the caller's loop).
    private var floorScore = -Float.infinity
    private var floorSlot = Int32.max

    @inline(__always)
    mutating func insert(_ slot: Int32, _ score: Float) {
        if entries.count == k && (score < floorScore || (score == floorScore && slot > floorSlot)) { return }
        insertSlow(slot, score)
    }

    private mutating func insertSlow(_ slot: Int32, _ score: Float) {
        guard k > 0 else { return }
        let new = (slot: slot, score: score)
        if entries.count < k {
            entries.append(new)
            var i = entries.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if !Self.worse(entries[i], entries[p]) { break }
                entries.swapAt(p, i)
                i = p
            }
        } else if Self.worse(entries[0], new) {
            entries[0] = new
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < k && Self.worse(entries[l], entries[m]) { m = l }
                if r < k && Self.worse(entries[r], entries[m]) { m = r }
                if m == i { break }
                entries.swapAt(m, i)
                i = m
            }
        }
        if entries.count == k { floorScore = entries[0].score; floorSlot = entries[0].slot }
    }

    /// Highest score first; ties broken by lower slot.
    func sorted() -> [(slot: Int32, score: Float)] {
        entries.sorted { Self.worse($1, $0) }
    }
}
