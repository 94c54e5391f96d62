/// Training inputs laid out for the trainer: dense rows back to back, sparse rows in CSR form
/// with n-gram hashes mapped to compact row numbers, and integer labels.
struct TrainingMatrix: Sendable {
    let count: Int
    let denseDimension: Int
    /// [count × denseDimension], row-major.
    let dense: [Float]
    /// CSR offsets: example `i` has sparse entries `rowStart[i] ..< rowStart[i + 1]`.
    let rowStart: [Int]
    /// Compact sparse row of each entry.
    let columns: [Int32]
    let values: [Float]
    /// Hashed n-gram index → compact row, in first-seen order.
    let vocabulary: [UInt32: Int32]
    /// Class of each example.
    let labels: [Int32]
    let classCount: Int

    /// `minCount`: n-grams seen in fewer training texts are dropped (a feature seen once can only
    /// memorise its example, and such features make up most of the vocabulary).
    init(dense rows: [[Float]], sparse: [SparseFeatures], labels: [Int32], classCount: Int, minCount: Int = 1) {
        precondition(rows.count == sparse.count && rows.count == labels.count)
        count = rows.count
        denseDimension = rows.first?.count ?? 0
        var flat: [Float] = []
        flat.reserveCapacity(count * denseDimension)
        for r in rows { flat.append(contentsOf: r) }
        dense = flat
        var documentFrequency: [UInt32: Int32] = [:]
        if minCount > 1 {
            for s in sparse { for h in s.indices { documentFrequency[h, default: 0] += 1 } }
        }
        var vocab: [UInt32: Int32] = [:]
        var starts = [0]
        var cols: [Int32] = []
        var vals: [Float] = []
        for s in sparse {
            for (k, h) in s.indices.enumerated() {
                if minCount > 1 && documentFrequency[h, default: 0] < Int32(minCount) { continue }
                let next = Int32(vocab.count)
                let id = vocab[h] ?? next
                if id == next { vocab[h] = id }
                cols.append(id)
                vals.append(s.values[k])
            }
            starts.append(cols.count)
        }
        rowStart = starts
        columns = cols
        values = vals
        vocabulary = vocab
        self.labels = labels
        self.classCount = classCount
    }
}
