/// Everything that decides how a classifier is trained. Part of the model-cache key.
public struct IntentTrainingOptions: Hashable, Sendable {
    /// Features that see characters.
    public var ngrams: NGramOptions
    /// The optimiser.
    public var trainer: TrainerOptions
    /// Folds for the held-out predictions that fit the temperature and the threshold
    /// (each fold costs one extra training run; 0 or 1 disables calibration: temperature 1).
    public var calibrationFolds: Int
    /// A fixed out-of-scope threshold instead of the fitted one.
    public var thresholdOverride: Float?

    public init(ngrams: NGramOptions = NGramOptions(), trainer: TrainerOptions = TrainerOptions(),
                calibrationFolds: Int = 3, thresholdOverride: Float? = nil) {
        self.ngrams = ngrams
        self.trainer = trainer
        self.calibrationFolds = calibrationFolds
        self.thresholdOverride = thresholdOverride
    }

    func mix(into h: inout StableHash) {
        ngrams.mix(into: &h)
        trainer.mix(into: &h)
        h.mix(calibrationFolds)
        h.mix(thresholdOverride.map { Double($0) } ?? -1)
    }
}

/// What training measured on held-out folds (for logs and reports).
public struct CalibrationReport: Hashable, Sendable {
    /// Fitted softmax temperature.
    public var temperature: Float
    /// Chosen out-of-scope threshold.
    public var threshold: Float
    /// Held-out accuracy on in-scope examples before the threshold (nil without calibration).
    public var heldOutAccuracy: Double?
    /// Held-out NLL before / after temperature scaling.
    public var nllBefore: Double?
    public var nllAfter: Double?
}

extension IntentClassifier {
    /// Trains on `examples` whose sentence embeddings are `embeddings` (same order, same length,
    /// all of one dimension). Deterministic for the same inputs and options.
    ///
    /// With calibration folds k ≥ 2: k models on stratified folds give held-out logits for every
    /// example; the temperature minimises their NLL and the threshold is chosen on them (see
    /// ``Calibration/chooseThreshold(_:oosLabel:)``); the final model is trained on everything.
    public static func train(examples: [IntentExample], embeddings: [[Float]],
                             options: IntentTrainingOptions = IntentTrainingOptions()) throws
        -> (classifier: IntentClassifier, report: CalibrationReport) {
        guard examples.count == embeddings.count else {
            throw IntentError.invalidTrainingSet("\(examples.count) examples but \(embeddings.count) embeddings; expected one per example")
        }
        guard let dimension = embeddings.first?.count, dimension > 0 else {
            throw IntentError.invalidTrainingSet("no training examples; expected at least two intents with examples")
        }
        for (i, e) in embeddings.enumerated() where e.count != dimension || !e.allSatisfy({ $0.isFinite }) {
            throw IntentError.embeddingMismatch("embedding \(i) (\"\(examples[i].text)\") has \(e.count) values or non-finite ones; expected \(dimension) finite values")
        }
        var labels: [String] = []
        var index: [String: Int32] = [:]
        for e in examples where index[e.intent] == nil {
            index[e.intent] = Int32(labels.count)
            labels.append(e.intent)
        }
        guard labels.filter({ $0 != IntentSet.outOfScope }).count >= 1, labels.count >= 2 else {
            throw IntentError.invalidTrainingSet("found \(labels.count) label(s) \(labels); expected at least two classes (intents or oos)")
        }
        let featurizer = NGramFeaturizer(options: options.ngrams)
        let matrix = TrainingMatrix(dense: embeddings, sparse: examples.map { featurizer.features(of: $0.text) },
                                    labels: examples.map { index[$0.intent]! }, classCount: labels.count,
                                    minCount: options.trainer.minFeatureCount)
        let trainer = SoftmaxTrainer(options: options.trainer)
        let oosLabel = index[IntentSet.outOfScope]

        var report = CalibrationReport(temperature: 1, threshold: options.thresholdOverride ?? 0)
        if options.calibrationFolds >= 2 {
            let folds = stratifiedFolds(matrix.labels, k: options.calibrationFolds, seed: options.trainer.seed)
            var heldLogits = [Float](repeating: 0, count: matrix.count * labels.count)
            for f in 0..<options.calibrationFolds {
                let trainRows = (0..<matrix.count).filter { folds[$0] != f }
                let testRows = (0..<matrix.count).filter { folds[$0] == f }
                let m = trainer.train(matrix, rows: trainRows, labels: labels)
                let l = SoftmaxTrainer.logits(of: m, data: matrix, rows: testRows)
                for (i, r) in testRows.enumerated() {
                    for c in 0..<labels.count { heldLogits[r * labels.count + c] = l[i * labels.count + c] }
                }
            }
            let t = Calibration.fitTemperature(logits: heldLogits, labels: matrix.labels, classes: labels.count)
            report.temperature = t
            report.nllBefore = Calibration.negativeLogLikelihood(logits: heldLogits, labels: matrix.labels, classes: labels.count, temperature: 1)
            report.nllAfter = Calibration.negativeLogLikelihood(logits: heldLogits, labels: matrix.labels, classes: labels.count, temperature: t)
            let held = heldOutPredictions(heldLogits, labels: matrix.labels, classes: labels.count, temperature: t, oosLabel: oosLabel)
            let inScope = held.filter { $0.label != oosLabel }
            report.heldOutAccuracy = Double(inScope.filter { $0.predicted == $0.label && !$0.oosWon }.count) / Double(max(inScope.count, 1))
            if options.thresholdOverride == nil {
                report.threshold = Calibration.chooseThreshold(held, oosLabel: oosLabel)
            }
        }
        var model = trainer.train(matrix, labels: labels)
        model.temperature = report.temperature
        return (IntentClassifier(model: model, ngramOptions: options.ngrams, threshold: report.threshold), report)
    }

    /// Fold of each example: per class, a seeded shuffle dealt round-robin, so every fold holds
    /// about 1/k of every class.
    static func stratifiedFolds(_ labels: [Int32], k: Int, seed: UInt64) -> [Int] {
        var byClass: [Int32: [Int]] = [:]
        for (i, l) in labels.enumerated() { byClass[l, default: []].append(i) }
        var rng = SeededGenerator(seed: seed ^ 0xF01D)
        var fold = [Int](repeating: 0, count: labels.count)
        var offset = 0
        for key in byClass.keys.sorted() {
            var members = byClass[key]!
            members.shuffle(using: &rng)
            for (j, i) in members.enumerated() { fold[i] = (j + offset) % k }
            offset += members.count
        }
        return fold
    }

    static func heldOutPredictions(_ logits: [Float], labels: [Int32], classes: Int, temperature: Float,
                                   oosLabel: Int32?) -> [Calibration.HeldOut] {
        var out: [Calibration.HeldOut] = []
        out.reserveCapacity(labels.count)
        var row = [Float](repeating: 0, count: classes)
        for i in 0..<labels.count {
            for c in 0..<classes { row[c] = logits[i * classes + c] }
            row.withUnsafeMutableBufferPointer { softmaxInPlace($0.baseAddress!, count: classes, temperature: temperature) }
            var best: Int32 = -1
            var bestP: Float = -1
            for c in 0..<classes where Int32(c) != oosLabel && row[c] > bestP { bestP = row[c]; best = Int32(c) }
            let oosWon = oosLabel.map { row[Int($0)] > bestP } ?? false
            out.append(Calibration.HeldOut(label: labels[i], predicted: best, confidence: bestP, oosWon: oosWon))
        }
        return out
    }
}
