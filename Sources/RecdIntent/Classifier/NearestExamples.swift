import COpenBLAS

/// The unit-length sentence embeddings of the in-scope training examples, grouped by class, for the
/// nearest-example term of the out-of-scope score: how close a text is to the closest training
/// example of the intent the model predicted. A linear model's logit measures how far a text lies
/// along its intent's direction; the nearest example measures whether anything like it was ever
/// seen, which the logit cannot (a text far out along a direction still gets a large logit).
///
/// Only the first dense block is kept (the sentence embedding; the pooled blocks add little to the
/// signal and would triple the cost): serving one text costs one dot product per training example
/// of the predicted intent (~100 × 384 multiply-adds on CLINC150), not one per training example.
public struct NearestExamples: Sendable, Equatable {
    /// Values per vector.
    public let dimension: Int
    /// Class `c`'s vectors are rows `classStart[c] ..< classStart[c + 1]` (classes in model order;
    /// `oos` has none).
    public let classStart: [Int32]
    /// Rows × `dimension`, each of unit length (or zero).
    public let vectors: [Float]

    /// Groups `rows` (each `dimension` values, any length) by `labels`; rows labelled `excluded`
    /// (the out-of-scope class) are left out. Each row is L2-normalised.
    init(rows: [[Float]], dimension: Int, labels: [Int32], classCount: Int, excluded: Int32?) {
        var byClass = [[Int]](repeating: [], count: classCount)
        for (i, l) in labels.enumerated() where l != excluded { byClass[Int(l)].append(i) }
        var starts: [Int32] = [0]
        var vectors: [Float] = []
        vectors.reserveCapacity(labels.count * dimension)
        for members in byClass {
            for i in members { vectors += Self.unit(rows[i].prefix(dimension)) }
            starts.append(Int32(vectors.count / max(dimension, 1)))
        }
        self.init(dimension: dimension, classStart: starts, vectors: vectors)
    }

    init(dimension: Int, classStart: [Int32], vectors: [Float]) {
        self.dimension = dimension
        self.classStart = classStart
        self.vectors = vectors
    }

    /// `v` divided by its length (zero stays zero).
    static func unit(_ v: ArraySlice<Float>) -> [Float] {
        var s: Float = 0
        for x in v { s += x * x }
        let inv = s > 0 ? 1 / s.squareRoot() : 0
        return v.map { $0 * inv }
    }

    /// The largest cosine between the unit vector `query` (`dimension` values) and the vectors of
    /// class `c` whose row passes `include` (all when nil); -1 when there are none.
    ///
    /// One OpenBLAS `sgemv` over the class's rows (contiguous, `dimension` apart) computes every
    /// cosine, then the largest included one is taken. Before session 7 each row was a Swift
    /// `SIMD16` loop whose `addingProduct` compiled to 16 scalar `fmaf` calls through the PLT per step
    /// (Swift targets baseline x86-64, which has no FMA instruction): ~2.5 % of recd's CPU under
    /// INTENT load. `sgemv` sums in another order than one row at a time, so cosines may differ in the
    /// last bits (`NearestExampleScoreTests` bounds it by the float32 rounding of a `dimension`-term
    /// sum of unit vectors). Rows left out by `include` are computed and skipped: during calibration
    /// that is a third of a class, cheaper than a call per included row.
    func nearest(_ query: UnsafePointer<Float>, ofClass c: Int, include: ((Int) -> Bool)? = nil) -> Float {
        guard c >= 0, c + 1 < classStart.count, dimension > 0 else { return -1 }
        let first = Int(classStart[c]), rows = Int(classStart[c + 1]) - first
        guard rows > 0 else { return -1 }
        return vectors.withUnsafeBufferPointer { all in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: rows) { cosines in
                let out = cosines.baseAddress!
                Self.dots(query, rows: all.baseAddress! + first * dimension, count: rows, dimension: dimension, into: out)
                var best: Float = -1
                for r in 0..<rows {
                    if let include, !include(first + r) { continue }
                    best = max(best, out[r])
                }
                return best
            }
        }
    }

    /// `out[r] = rows[r] · query` for `count` rows of `dimension` values each (row-major, contiguous).
    @inline(__always)
    static func dots(_ query: UnsafePointer<Float>, rows: UnsafePointer<Float>, count: Int, dimension: Int,
                     into out: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(count), blasint(dimension), 1, rows, blasint(dimension),
                    query, 1, 0, out, 1)
    }
}

/// How the out-of-scope score combines the largest in-scope logit with the nearest-example cosine:
/// `(maxLogit − logitMean) / logitScale + (cosine − cosineMean) / cosineScale`, each term
/// standardised by the mean and standard deviation of its value over the held-out in-scope
/// examples. Equal weights of standardised terms are a default, not a fit: nothing is learned from
/// the out-of-scope examples (sets without any get the same score), and CLINC150's ablation in
/// INTENTS.md found weights of 0.5–1 for the cosine equally good.
public struct OutOfScopeScore: Sendable, Equatable, Hashable {
    public var logitMean: Float
    public var logitScale: Float
    public var cosineMean: Float
    public var cosineScale: Float

    /// The plain largest logit (no nearest-example term): used without calibration folds.
    public static let logitOnly = OutOfScopeScore(logitMean: 0, logitScale: 1, cosineMean: 0, cosineScale: 0)

    public init(logitMean: Float, logitScale: Float, cosineMean: Float, cosineScale: Float) {
        self.logitMean = logitMean
        self.logitScale = logitScale
        self.cosineMean = cosineMean
        self.cosineScale = cosineScale
    }

    /// True when the score has a nearest-example term.
    public var usesCosine: Bool { cosineScale > 0 }

    /// The score of a text whose largest in-scope logit is `logit` and nearest-example cosine `cosine`.
    @inline(__always)
    public func callAsFunction(logit: Float, cosine: Float) -> Float {
        let l = (logit - logitMean) / logitScale
        return usesCosine ? l + (cosine - cosineMean) / cosineScale : l
    }

    /// Standardises both terms on `pairs` (held-out in-scope examples' logit and cosine); falls
    /// back to ``logitOnly`` when there are fewer than two or either term does not vary.
    static func fitted(logits: [Float], cosines: [Float]) -> OutOfScopeScore {
        func stats(_ v: [Float]) -> (Float, Float) {
            let n = Double(v.count)
            let mean = v.reduce(0.0) { $0 + Double($1) } / n
            let variance = v.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
            return (Float(mean), Float(variance.squareRoot()))
        }
        guard logits.count >= 2, logits.count == cosines.count else { return .logitOnly }
        let (lm, ls) = stats(logits), (cm, cs) = stats(cosines)
        guard ls > 1e-6, cs > 1e-6 else { return .logitOnly }
        return OutOfScopeScore(logitMean: lm, logitScale: ls, cosineMean: cm, cosineScale: cs)
    }
}
