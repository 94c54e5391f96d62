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
    /// The out-of-scope score: the largest raw in-scope logit (higher = closer to a known intent).
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
    /// Answers whose largest raw in-scope logit is below this become `oos`.
    public let threshold: Float

    let featurizer: NGramFeaturizer
    let oosIndex: Int?

    init(model: SoftmaxModel, ngramOptions: NGramOptions, threshold: Float) {
        self.model = model
        self.ngramOptions = ngramOptions
        self.threshold = threshold
        self.featurizer = NGramFeaturizer(options: ngramOptions)
        self.oosIndex = model.labels.firstIndex(of: IntentSet.outOfScope)
    }

    public static func == (a: IntentClassifier, b: IntentClassifier) -> Bool {
        a.model == b.model && a.ngramOptions == b.ngramOptions && a.threshold == b.threshold
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
            var score = -Float.infinity
            for c in 0..<classes where c != oosIndex { score = max(score, p[c]) }
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
}
