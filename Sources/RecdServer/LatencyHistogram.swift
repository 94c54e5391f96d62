/// Log-linear latency histogram: 16 sub-buckets per power of two of microseconds,
/// so any percentile is within about 6% of the true value, in fixed memory.
///
/// A hand-rolled one rather than HdrHistogram so that the server module needs no
/// extra dependency; recbench uses HdrHistogram for its client-side figures.
public struct LatencyHistogram: Sendable {
    static let subBuckets = 16
    static let octaves = 40
    private var counts = [UInt64](repeating: 0, count: subBuckets * octaves)
    public private(set) var total: UInt64 = 0
    public private(set) var maxMicros: UInt64 = 0
    /// Sum of every recorded value (µs), for Prometheus `_sum`.
    public private(set) var sumMicros: UInt64 = 0

    public init() {}

    static func index(_ micros: UInt64) -> Int {
        if micros < UInt64(subBuckets) { return Int(micros) }
        let octave = (63 - micros.leadingZeroBitCount) - 3          // micros >= 16 → octave >= 1
        let sub = Int(micros >> UInt64(octave - 1)) & (subBuckets - 1)  // the 4 bits below the top bit
        return min(octave * subBuckets + sub, subBuckets * octaves - 1)
    }

    /// Upper bound (in µs) of bucket `index`.
    static func upperBound(_ index: Int) -> UInt64 {
        if index < subBuckets { return UInt64(index) }
        let octave = index / subBuckets
        let sub = UInt64(index % subBuckets)
        return ((UInt64(subBuckets) + sub + 1) << UInt64(octave - 1)) - 1
    }

    public mutating func record(micros: UInt64) {
        counts[Self.index(micros)] += 1
        total += 1
        sumMicros &+= micros
        maxMicros = max(maxMicros, micros)
    }

    /// For each of `bounds` (ascending, µs): the values recorded in buckets whose upper bound is at
    /// most that bound — a lower estimate of the count at or below it, exact at bucket edges
    /// (within ~6% otherwise). One pass over the buckets, since callers hold a lock meanwhile.
    public func cumulativeCounts(atOrBelowMicros bounds: [UInt64]) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: bounds.count)
        var b = 0, n: UInt64 = 0
        var i = 0
        while i < counts.count && b < bounds.count {
            if Self.upperBound(i) > bounds[b] {
                out[b] = n
                b += 1
                continue
            }
            n += counts[i]
            i += 1
        }
        while b < bounds.count { out[b] = n; b += 1 }
        return out
    }

    /// The latency (µs) below which `quantile` (0...1) of the recorded values fall; 0 when empty.
    public func percentile(_ quantile: Double) -> UInt64 {
        guard total > 0 else { return 0 }
        let rank = max(1, UInt64((quantile * Double(total)).rounded(.up)))
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank { return min(Self.upperBound(i), maxMicros) }
        }
        return maxMicros
    }
}
