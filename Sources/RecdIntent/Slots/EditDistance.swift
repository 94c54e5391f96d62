/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions) over ASCII bytes:
/// "samsnug" is one edit from "samsung". Stops early and returns `limit + 1` once the distance must
/// exceed `limit`. Scratch is on the stack: the fuzzy catalog match runs it for every long word of
/// every request against every candidate spelling.
func editDistance(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, limit: Int) -> Int {
    if abs(a.count - b.count) > limit { return limit + 1 }
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    let w = b.count + 1
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * w) { rows in
        var prev2 = rows.baseAddress!, prev = prev2 + w, cur = prev + w
        for j in 0..<w { prev2[j] = 0; prev[j] = j }
        for i in 1...a.count {
            cur[0] = i
            var rowMin = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { v = min(v, prev2[j - 2] + 1) }
                cur[j] = v
                rowMin = min(rowMin, v)
            }
            if rowMin > limit { return limit + 1 }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }
}
