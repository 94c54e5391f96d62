import CRecdKernels
/// Training inputs laid out for the trainer: dense rows back to back (each block L2-normalised and
/// scaled), sparse rows in CSR form with n-gram hashes mapped to compact rows, the (n-gram, class)
/// pairs that get a weight, and integer labels.
struct TrainingMatrix: Sendable {
    let count: Int
    let denseDimension: Int
    /// Equal-size blocks of the dense input (embedding, then one per intermediate-layer pool).
    let denseBlocks: Int
    /// [count × denseDimension], row-major, as ``DenseInput/prepare`` makes it.
    let dense: [Float]
    /// CSR offsets: example `i` has sparse entries `rowStart[i] ..< rowStart[i + 1]`.
    let rowStart: [Int]
    /// Compact n-gram row of each entry.
    let columns: [Int32]
    /// Value of each entry (already multiplied by the sparse scale).
    let values: [Float]
    /// Hashed n-gram index → compact row, in first-seen order.
    let vocabulary: [UInt32: Int32]
    /// Weighted (n-gram, class) pairs, CSR by n-gram row: row `j` has pairs `pairStart[j] ..< pairStart[j + 1]`.
    let pairStart: [Int32]
    /// Class of each pair, increasing within a row.
    let pairClass: [Int32]
    /// Class of each example.
    let labels: [Int32]
    let classCount: Int

    /// Number of weighted (n-gram, class) pairs.
    var pairCount: Int { pairClass.count }

    /// `minCount`: n-grams seen in fewer training texts are dropped (a feature seen once can only
    /// memorise its example, and such features make up most of the vocabulary). An n-gram is weighted
    /// only for the classes whose examples contain it: softmax is unchanged when one n-gram's weights
    /// all move by the same amount, so the classes that never saw it share one implicit weight (0),
    /// which keeps the model about 40× smaller than a dense [n-grams × classes] table and a request's
    /// sparse dot product as cheap.
    init(dense rows: [[Float]], blocks: Int, denseScale: Float, sparse: [SparseFeatures], sparseScale: Float,
         labels: [Int32], classCount: Int, minCount: Int = 1) {
        precondition(rows.count == sparse.count && rows.count == labels.count)
        count = rows.count
        let dim = rows.first?.count ?? 0, blk = max(1, blocks)
        denseDimension = dim
        denseBlocks = blk
        var flat = [Float](repeating: 0, count: rows.count * dim)
        flat.withUnsafeMutableBufferPointer { out in
            for (i, r) in rows.enumerated() {
                r.withUnsafeBufferPointer { src in
                    DenseInput.prepare(src.baseAddress!, dimension: dim, blocks: blk, scale: denseScale,
                                       into: out.baseAddress! + i * dim)
                }
            }
        }
        dense = flat
        var documentFrequency: [UInt32: Int32] = [:]
        if minCount > 1 {
            for s in sparse { for h in s.indices { documentFrequency[h, default: 0] += 1 } }
        }
        var vocab: [UInt32: Int32] = [:]
        var starts = [0]
        var cols: [Int32] = []
        var vals: [Float] = []
        var classesOf: [Set<Int32>] = []
        for (i, s) in sparse.enumerated() {
            for (k, h) in s.indices.enumerated() {
                if minCount > 1 && documentFrequency[h, default: 0] < Int32(minCount) { continue }
                let next = Int32(vocab.count)
                let id = vocab[h] ?? next
                if id == next { vocab[h] = id; classesOf.append([]) }
                classesOf[Int(id)].insert(labels[i])
                cols.append(id)
                vals.append(sparseScale * s.values[k])
            }
            starts.append(cols.count)
        }
        var pStart: [Int32] = [0]
        var pClass: [Int32] = []
        for set in classesOf {
            // An n-gram seen in a quarter of the classes or more gets a full row (every class, in
            // order): its loops are then contiguous SIMD axpys instead of gathers. Such n-grams
            // (" t", "my", …) carry most of the entries, so this is most of the sparse time.
            if set.count * 4 >= classCount { pClass.append(contentsOf: 0..<Int32(classCount)) }
            else { pClass.append(contentsOf: set.sorted()) }
            pStart.append(Int32(pClass.count))
        }
        rowStart = starts
        columns = cols
        values = vals
        vocabulary = vocab
        pairStart = pStart
        pairClass = pClass
        self.labels = labels
        self.classCount = classCount
    }
}

/// The dense input as the model sees it: each of `blocks` equal blocks L2-normalised, times `scale`.
/// Per-block normalisation puts the embedding and the intermediate-layer pools (whose norms differ
/// by ~10×) on one footing, so one L2 penalty suits all of them.
enum DenseInput {
    static func prepare(_ x: UnsafePointer<Float>, dimension: Int, blocks: Int, scale: Float, into out: UnsafeMutablePointer<Float>) {
        let size = dimension / blocks
        for b in 0..<blocks {
            let f = blockFactor(x + b * size, count: size, scale: scale)
            for k in 0..<size { out[b * size + k] = f * x[b * size + k] }
        }
    }

    /// `scale / ‖x‖` (0 for a zero block).
    @inline(__always)
    static func blockFactor(_ x: UnsafePointer<Float>, count: Int, scale: Float) -> Float {
        var s: Float = 0
        for k in 0..<count { s += x[k] * x[k] }
        return s > 0 ? scale / s.squareRoot() : 0
    }
}

/// `y[0..<n] += a · x[0..<n]` (multiply, then add): CRecdKernels' `recd_axpy`, 8 or 16 lanes per step
/// (Swift's SIMD16 on baseline x86-64 is four SSE registers).
@inline(__always)
func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    recd_axpy(Int32(n), a, x, y)
}
