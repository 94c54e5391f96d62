/// Exact selection of the `k` best allowed slots by score — the same set a ``TopK`` of size k
/// keeps (higher score first, ties to the lower slot) — by radix select instead of a heap.
///
/// Why: a RECOMMEND's candidate pool is the best 400 of the whole catalog. A min-heap pays
/// k·ln(n/k) sift-downs of log k unpredictable compares each (k = 400, n = 12,101: ~1,400 sifts),
/// which was a fifth of the request's CPU. Radix select makes one pass that turns each score into an
/// order-preserving integer key and counts it into a 2,048-bucket histogram of its top 11 bits, a
/// second pass that takes every slot above the boundary bucket and lists the slots inside it, and then
/// refines only that short list on the next 11 and the last 10 bits; within one final bucket the keys
/// are equal, so the lowest slots win, as in ``TopK``. Every pass is branch-light and linear.
///
/// NaN scores (which no signal produces) rank below every number here; the heap had no defined
/// order for them.
enum PoolSelection {
    /// Buckets per histogram (the widest level: 11 bits).
    static let buckets = 2048

    /// Order-preserving key of an allowed item's score: `a < b` ⇔ `key(a) < key(b)`, −0 = +0, NaN → 1
    /// (lowest); key 0 marks a slot that is not allowed.
    @inline(__always)
    static func key(_ score: Float) -> UInt32 {
        if score.isNaN { return 1 }
        let b = score == 0 ? 0 : score.bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }

    /// Appends to `out` the slots of the `k` best allowed scores among `0..<n` (in no particular
    /// order), or every allowed slot when fewer than `k` are allowed.
    ///
    /// - Parameters:
    ///   - keys: scratch for n keys.
    ///   - histogram: scratch for ``buckets`` counts.
    ///   - ties: scratch for up to n slots.
    static func select(k: Int, n: Int, scores: UnsafePointer<Float>, allowed: UnsafePointer<Bool>,
                       keys: UnsafeMutablePointer<UInt32>, histogram: UnsafeMutablePointer<UInt32>,
                       ties: UnsafeMutablePointer<Int32>, into out: inout [Int32]) {
        guard k > 0, n > 0 else { return }
        histogram.update(repeating: 0, count: buckets)
        var allowedCount = 0
        for j in 0..<n {
            let key = allowed[j] ? Self.key(scores[j]) : 0
            keys[j] = key
            if key != 0 {
                histogram[Int(key >> 21)] &+= 1
                allowedCount += 1
            }
        }
        if allowedCount <= k {
            for j in 0..<n where keys[j] != 0 { out.append(Int32(j)) }
            return
        }
        let (boundary, above) = boundaryBucket(histogram, count: buckets, need: k)
        var tieCount = 0
        for j in 0..<n {
            let key = keys[j]
            let bucket = key >> 21
            if bucket > boundary {
                out.append(Int32(j))
            } else if bucket == boundary && key != 0 {
                ties[tieCount] = Int32(j)
                tieCount += 1
            }
        }
        refine(ties, count: tieCount, need: k - above, shift: 10, bits: 11, keys: keys, histogram: histogram, into: &out)
    }

    /// The bucket holding the `need`-th best key, counting from the top, and how many keys lie above it.
    @inline(__always)
    private static func boundaryBucket(_ histogram: UnsafeMutablePointer<UInt32>, count: Int, need: Int) -> (UInt32, Int) {
        var above = 0
        var b = count - 1
        while b > 0 && above + Int(histogram[b]) < need {
            above += Int(histogram[b])
            b -= 1
        }
        return (UInt32(b), above)
    }

    /// Picks the `need` best of `slots` (ascending, all sharing the key bits above `shift + bits`) by the
    /// key bits `shift ..< shift + bits`, then the lower bits; equal keys go to the lowest slots.
    private static func refine(_ slots: UnsafeMutablePointer<Int32>, count: Int, need: Int, shift: UInt32, bits: UInt32,
                               keys: UnsafePointer<UInt32>, histogram: UnsafeMutablePointer<UInt32>,
                               into out: inout [Int32]) {
        if need >= count {
            for i in 0..<count { out.append(slots[i]) }
            return
        }
        let mask = UInt32(1) << bits - 1
        let width = Int(mask) + 1
        histogram.update(repeating: 0, count: width)
        for i in 0..<count { histogram[Int((keys[Int(slots[i])] >> shift) & mask)] &+= 1 }
        let (boundary, above) = boundaryBucket(histogram, count: width, need: need)
        // Compact the boundary bucket's slots to the front of `slots` (in place, order kept).
        var tieCount = 0
        for i in 0..<count {
            let s = slots[i]
            let bucket = (keys[Int(s)] >> shift) & mask
            if bucket > boundary {
                out.append(s)
            } else if bucket == boundary {
                slots[tieCount] = s
                tieCount += 1
            }
        }
        let rest = need - above
        if shift == 0 {
            // Equal keys: the lowest slots, as TopK breaks ties.
            for i in 0..<rest { out.append(slots[i]) }
        } else {
            refine(slots, count: tieCount, need: rest, shift: 0, bits: shift, keys: keys, histogram: histogram, into: &out)
        }
    }
}
