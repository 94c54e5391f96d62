/// One ranked answer of the classifier.
public struct ScoredIntent: Hashable, Sendable {
    /// Intent name.
    public var intent: String
    /// Calibrated probability in [0, 1].
    public var confidence: Float

    public init(intent: String, confidence: Float) {
        self.intent = intent
        self.confidence = confidence
    }
}

/// What the classifier decided for one text.
public struct Classification: Hashable, Sendable {
    /// The answer: an intent name, or ``IntentSet/outOfScope``.
    public var intent: String
    /// Calibrated probability of the best in-scope intent (also when the answer is `oos`).
    public var confidence: Float
    /// True when the answer is out of scope (the `oos` class won, or `score` < the threshold).
    public var isOutOfScope: Bool
    /// The out-of-scope score (higher = closer to a known intent): the largest raw in-scope logit,
    /// combined with the cosine to the nearest training example of the best intent when the model
    /// has them (``OutOfScopeScore``).
    public var score: Float
    /// In-scope intents ranked by confidence, best first (at most `alternatives` of them).
    public var ranked: [ScoredIntent]
}

/// A trained intent classifier: n-gram features, the softmax model, and the out-of-scope rule.
/// Immutable and `Sendable`; classification allocates only its small result arrays.
public struct IntentClassifier: Sendable, Equatable {
    /// The model (labels include `oos` when the training set had out-of-scope examples).
    public let model: SoftmaxModel
    /// Options of the n-gram features the model was trained with.
    public let ngramOptions: NGramOptions
    /// Answers whose out-of-scope score (``Classification/score``) is below this become `oos`.
    public let threshold: Float
    /// How the out-of-scope score is computed.
    public let outOfScopeScore: OutOfScopeScore
    /// The training examples' sentence embeddings by class, for the score's nearest-example term
    /// (nil when ``outOfScopeScore`` does not use it).
    public let nearest: NearestExamples?

    let featurizer: NGramFeaturizer
    let oosIndex: Int?

    init(model: SoftmaxModel, ngramOptions: NGramOptions, threshold: Float,
         outOfScopeScore: OutOfScopeScore = .logitOnly, nearest: NearestExamples? = nil) {
        self.model = model
        self.ngramOptions = ngramOptions
        self.threshold = threshold
        self.nearest = outOfScopeScore.usesCosine ? nearest : nil
        self.outOfScopeScore = self.nearest == nil ? .logitOnly : outOfScopeScore
        self.featurizer = NGramFeaturizer(options: ngramOptions)
        self.oosIndex = model.labels.firstIndex(of: IntentSet.outOfScope)
    }

    public static func == (a: IntentClassifier, b: IntentClassifier) -> Bool {
        a.model == b.model && a.ngramOptions == b.ngramOptions && a.threshold == b.threshold
            && a.outOfScopeScore == b.outOfScopeScore && a.nearest == b.nearest
    }

    /// In-scope intent names in model order.
    public var intents: [String] { model.labels.filter { $0 != IntentSet.outOfScope } }

    /// Classifies `text` whose dense features (the sentence embedding, plus the intermediate-layer
    /// pools when the model was trained with them) are `embedding`.
    /// Allocates only the n-gram features and the result's `alternatives` entries.
    /// - Throws: ``IntentError`` when the embedding has the wrong length or is not finite.
    public func classify(text: String, embedding: [Float], alternatives: Int = 3) throws -> Classification {
        guard embedding.count == model.denseDimension else {
            throw IntentError.embeddingMismatch("embedding has \(embedding.count) values, expected \(model.denseDimension)")
        }
        guard embedding.allSatisfy({ $0.isFinite }) else {
            throw IntentError.embeddingMismatch("embedding contains NaN or infinity; expected finite values")
        }
        let sparse = featurizer.features(of: text)
        let classes = model.classCount
        let k = max(1, alternatives)
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: classes) { buffer in
            let p = buffer.baseAddress!
            embedding.withUnsafeBufferPointer { model.logits(dense: $0.baseAddress!, sparse: sparse, into: p) }
            var maxLogit = -Float.infinity
            var argmax = -1
            for c in 0..<classes where c != oosIndex && p[c] > maxLogit { maxLogit = p[c]; argmax = c }
            let score = outOfScopeScore(logit: maxLogit, cosine: nearestCosine(embedding, ofClass: argmax))
            softmaxInPlace(p, count: classes, temperature: model.temperature)
            // Top k in-scope classes by insertion (k is small; sorting all classes cost more than the model).
            var top: [Int] = []
            top.reserveCapacity(k + 1)
            let labels = model.labels
            func before(_ a: Int, _ b: Int) -> Bool { p[a] > p[b] || (p[a] == p[b] && labels[a] < labels[b]) }
            for c in 0..<classes where c != oosIndex {
                if top.count == k, !before(c, top[k - 1]) { continue }
                var at = top.count
                while at > 0 && before(c, top[at - 1]) { at -= 1 }
                top.insert(c, at: at)
                if top.count > k { top.removeLast() }
            }
            let ranked = top.map { ScoredIntent(intent: labels[$0], confidence: p[$0]) }
            let best = ranked.first ?? ScoredIntent(intent: IntentSet.outOfScope, confidence: 0)
            var oosWon = false
            if let o = oosIndex { oosWon = p[o] > best.confidence }
            let isOOS = ranked.isEmpty || oosWon || score < threshold
            return Classification(intent: isOOS ? IntentSet.outOfScope : best.intent,
                                  confidence: best.confidence, isOutOfScope: isOOS, score: score, ranked: ranked)
        }
    }

    /// The cosine between the first dense block of `embedding` and the nearest training example of
    /// class `c` (0 without ``nearest``; -1 when the class has no examples).
    func nearestCosine(_ embedding: [Float], ofClass c: Int) -> Float {
        guard let nearest, c >= 0 else { return 0 }
        let d = nearest.dimension
        return embedding.withUnsafeBufferPointer { e in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: d) { q in
                var s: Float = 0
                for i in 0..<d { s += e[i] * e[i] }
                let inv = s > 0 ? 1 / s.squareRoot() : 0
                for i in 0..<d { q[i] = e[i] * inv }
                return nearest.nearest(UnsafePointer(q.baseAddress!), ofClass: c)
            }
        }
    }
}
