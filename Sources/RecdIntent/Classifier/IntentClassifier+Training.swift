import Foundation

/// Everything that decides how a classifier is trained. Part of the model-cache key.
public struct IntentTrainingOptions: Hashable, Sendable {
    /// Features that see characters.
    public var ngrams: NGramOptions
    /// The optimiser.
    public var trainer: TrainerOptions
    /// Equal blocks of the dense input, each L2-normalised on its own: 1 for a plain sentence
    /// embedding, 1 + the number of intermediate-layer pools for the encoder's intent features.
    public var denseBlocks: Int
    /// Folds for the held-out predictions that fit the temperature and the threshold
    /// (each fold costs one extra training run; 0 or 1 disables calibration: temperature 1).
    public var calibrationFolds: Int
    /// A fixed out-of-scope threshold (on the largest raw in-scope logit) instead of the fitted one.
    public var thresholdOverride: Float?
    /// With `oos` examples: the most held-out in-scope accuracy the threshold may cost (see
    /// ``Calibration/chooseThreshold(_:oosLabel:maxInScopeLoss:maxRightRejectedWithoutOOS:)``).
    public var maxInScopeLoss: Double = 0.01
    /// Add the cosine to the nearest training example of the predicted intent to the out-of-scope
    /// score (``OutOfScopeScore``; needs calibration folds).
    public var nearestExampleScore: Bool = true
    /// With calibration folds: train a final model on every example (warm-started from the fold
    /// models' mean when `trainer.warmStart`), or, when false, serve the mean of the fold models
    /// (softmax logits are linear in the parameters, so the mean model's logits are the mean of the
    /// fold models' logits: an ensemble at the cost of one model).
    public var refit: Bool = true

    public init(ngrams: NGramOptions = NGramOptions(), trainer: TrainerOptions = TrainerOptions(), denseBlocks: Int = 1,
                calibrationFolds: Int = 3, thresholdOverride: Float? = nil) {
        self.ngrams = ngrams
        self.trainer = trainer
        self.denseBlocks = denseBlocks
        self.calibrationFolds = calibrationFolds
        self.thresholdOverride = thresholdOverride
    }

    func mix(into h: inout StableHash) {
        ngrams.mix(into: &h)
        trainer.mix(into: &h)
        h.mix(denseBlocks)
        h.mix(calibrationFolds)
        h.mix(thresholdOverride.map { Double($0) } ?? -1)
        h.mix(maxInScopeLoss)
        h.mix(nearestExampleScore ? 1 : 0)
        h.mix(refit ? 1 : 0)
    }
}

/// What training measured on held-out folds (for logs and reports).
public struct CalibrationReport: Hashable, Sendable {
    /// Fitted softmax temperature.
    public var temperature: Float
    /// Chosen out-of-scope threshold (on ``outOfScopeScore``).
    public var threshold: Float
    /// How the out-of-scope score combines the largest logit and the nearest-example cosine.
    public var outOfScopeScore: OutOfScopeScore = .logitOnly
    /// Held-out accuracy on in-scope examples before the threshold (nil without calibration).
    public var heldOutAccuracy: Double?
    /// Held-out NLL before / after temperature scaling.
    public var nllBefore: Double?
    public var nllAfter: Double?
    /// Final model's training loss (mean cross-entropy + L2).
    public var trainingLoss: Double?
    /// L-BFGS iterations the final model took.
    public var iterations: Int?
    /// Seconds spent on n-gram features and the training matrix.
    public var featureSeconds: Double = 0
    /// Seconds of wall time for all the trainings (folds and final model, `threads` at a time).
    public var trainingSeconds: Double = 0
    /// Seconds each training took: the fold models, then the final model.
    public var jobSeconds: [Double] = []
    /// L-BFGS iterations each training took, in the order of `jobSeconds`.
    public var jobIterations: [Int] = []
    /// Seconds spent fitting the temperature and the threshold.
    public var calibrationSeconds: Double = 0
}

/// Wall-clock laps for the training report.
struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds
    /// Seconds since the previous lap (or the start); starts the next lap.
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }
}

extension IntentClassifier {
    /// Trains on `examples` whose dense features are `embeddings` (same order, same length, all of one
    /// dimension, a multiple of `options.denseBlocks`). Deterministic for the same inputs and options.
    ///
    /// With calibration folds k ≥ 2: k models on stratified folds give held-out logits for every
    /// example; the temperature minimises their NLL and the threshold is chosen on them (see
    /// ``Calibration/chooseThreshold(_:oosLabel:maxInScopeLoss:maxRightRejectedWithoutOOS:)``); the final model is trained on
    /// everything, warm-started from the folds' mean (`warmStart`). One training at a time, each on `options.trainer.threads` threads.
    public static func train(examples: [IntentExample], embeddings: [[Float]],
                             options: IntentTrainingOptions = IntentTrainingOptions()) throws
        -> (classifier: IntentClassifier, report: CalibrationReport) {
        let run = try trainRun(examples: examples, embeddings: embeddings, options: options)
        return (run.classifier, run.report)
    }

    /// Everything one training computed: the classifier, its report, and the held-out logits the
    /// calibration used (rows in fold order, `heldOutLabels` gives each row's class; empty without
    /// calibration). For development harnesses that compare out-of-scope policies.
    struct TrainingRun {
        var classifier: IntentClassifier
        var report: CalibrationReport
        var heldOutLogits: [Float]
        var heldOutLabels: [Int32]
    }

    static func trainRun(examples: [IntentExample], embeddings: [[Float]], options: IntentTrainingOptions) throws -> TrainingRun {
        var clock = Stopwatch()
        guard examples.count == embeddings.count else {
            throw IntentError.invalidTrainingSet("\(examples.count) examples but \(embeddings.count) embeddings; expected one per example")
        }
        guard let dimension = embeddings.first?.count, dimension > 0 else {
            throw IntentError.invalidTrainingSet("no training examples; expected at least two intents with examples")
        }
        guard options.denseBlocks >= 1, dimension % options.denseBlocks == 0 else {
            throw IntentError.embeddingMismatch("features have \(dimension) values; expected a multiple of denseBlocks (\(options.denseBlocks))")
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
        let k = options.calibrationFolds >= 2 ? options.calibrationFolds : 1
        let allLabels = examples.map { index[$0.intent]! }
        // Examples sorted by fold (stably), so each fold and its complement are contiguous row ranges.
        let fold = k >= 2 ? stratifiedFolds(allLabels, k: k, seed: options.trainer.seed) : [Int](repeating: 0, count: examples.count)
        let order = examples.indices.sorted { (fold[$0], $0) < (fold[$1], $1) }
        var bounds = [0]
        for f in 0..<k { bounds.append(bounds[f] + fold.filter { $0 == f }.count) }
        let featurizer = NGramFeaturizer(options: options.ngrams)
        let t = options.trainer
        let matrix = TrainingMatrix(dense: order.map { embeddings[$0] }, blocks: options.denseBlocks, denseScale: t.denseScale,
                                    sparse: order.map { featurizer.features(of: examples[$0].text) }, sparseScale: t.sparseScale,
                                    labels: order.map { allLabels[$0] }, classCount: labels.count, minCount: t.minFeatureCount)
        let featureSeconds = clock.lap()
        let trainer = SoftmaxTrainer(options: t)
        let oosLabel = index[IntentSet.outOfScope]

        // Job f < k: the model without fold f (when calibrating); job k: the final model on everything,
        // started from the mean of the fold models when `warmStart` is set. One job at a time, each on
        // `t.threads` threads (see SoftmaxObjective).
        let refit = k < 2 || options.refit
        let jobs = k >= 2 ? k + (refit ? 1 : 0) : 1
        var results: [(model: SoftmaxModel, loss: Double, iterations: Int)] = []
        var jobSeconds: [Double] = []
        func foldMean() -> [Float] {
            var mean = results[0].model.parameters
            for r in results.dropFirst() { mean.withUnsafeMutableBufferPointer { m in
                r.model.parameters.withUnsafeBufferPointer { axpy(1, $0.baseAddress!, m.baseAddress!, m.count) } } }
            let f = 1 / Float(results.count)
            for i in mean.indices { mean[i] *= f }
            return mean
        }
        for job in 0..<jobs {
            var start = Stopwatch()
            let isFinal = refit && job == jobs - 1
            let rows = isFinal ? [0 ..< matrix.count] : [0 ..< bounds[job], bounds[job + 1] ..< matrix.count]
            let initial: [Float]? = isFinal && t.warmStart && !results.isEmpty ? foldMean() : nil
            results.append(trainer.train(matrix, rows: rows, labels: labels, iterations: isFinal ? t.maxIterations : t.foldIterations,
                                         initial: initial))
            jobSeconds.append(start.lap())
        }
        if !refit {
            let m = results[0].model, p = foldMean(), c = m.classCount, d = m.denseDimension
            let mean = SoftmaxModel(labels: m.labels, denseDimension: d, denseBlocks: m.denseBlocks,
                                    denseWeights: Array(p[0 ..< c * d]), bias: Array(p[c * d ..< c * d + c]),
                                    sparseRows: m.sparseRows, sparseStart: m.sparseStart, sparseClasses: m.sparseClasses,
                                    sparseWeights: Array(p[(c * d + c)...]), denseScale: m.denseScale,
                                    sparseScale: m.sparseScale, temperature: 1)
            results.append((mean, results.map(\.loss).reduce(0, +) / Double(k), results.map(\.iterations).max() ?? 0))
        }
        var report = CalibrationReport(temperature: 1, threshold: options.thresholdOverride ?? -.infinity)
        report.featureSeconds = featureSeconds
        report.trainingSeconds = clock.lap()
        report.jobSeconds = jobSeconds
        report.jobIterations = results.prefix(jobSeconds.count).map(\.iterations)
        var heldLogits: [Float] = []
        var score = OutOfScopeScore.logitOnly
        var nearest: NearestExamples? = nil
        if k >= 2 {
            heldLogits = [Float](repeating: 0, count: matrix.count * labels.count)
            for f in 0..<k {
                let l = SoftmaxTrainer.logits(of: results[f].model, data: matrix, rows: bounds[f] ..< bounds[f + 1])
                heldLogits.replaceSubrange(bounds[f] * labels.count ..< bounds[f + 1] * labels.count, with: l)
            }
            let temp = Calibration.fitTemperature(logits: heldLogits, labels: matrix.labels, classes: labels.count)
            report.temperature = temp
            report.nllBefore = Calibration.negativeLogLikelihood(logits: heldLogits, labels: matrix.labels, classes: labels.count, temperature: 1)
            report.nllAfter = Calibration.negativeLogLikelihood(logits: heldLogits, labels: matrix.labels, classes: labels.count, temperature: temp)
            var held = heldOutPredictions(heldLogits, labels: matrix.labels, classes: labels.count, temperature: temp, oosLabel: oosLabel)
            let inScope = held.filter { $0.label != oosLabel }
            report.heldOutAccuracy = Double(inScope.filter { $0.predicted == $0.label && !$0.oosWon }.count) / Double(max(inScope.count, 1))
            if options.nearestExampleScore {
                // Each held-out row's cosine to the nearest example of its predicted class among the rows
                // its fold model was trained on (the other folds), then both terms standardised on the
                // held-out in-scope rows.
                let rowFold = (0..<matrix.count).map { i in bounds.lastIndex { $0 <= i }! }
                let index = NearestExamples(rows: order.map { embeddings[$0] }, dimension: dimension / options.denseBlocks,
                                            labels: matrix.labels, classCount: labels.count, excluded: oosLabel)
                var vectorFold: [Int] = []
                for c in 0..<Int32(labels.count) where c != oosLabel {
                    for i in 0..<matrix.count where matrix.labels[i] == c { vectorFold.append(rowFold[i]) }
                }
                var cosines = [Float](repeating: 0, count: held.count)
                for i in held.indices {
                    let q = NearestExamples.unit(embeddings[order[i]].prefix(index.dimension))
                    let f = rowFold[i]
                    cosines[i] = q.withUnsafeBufferPointer {
                        index.nearest($0.baseAddress!, ofClass: Int(held[i].predicted)) { vectorFold[$0] != f }
                    }
                }
                let ins = held.indices.filter { held[$0].label != oosLabel }
                score = OutOfScopeScore.fitted(logits: ins.map { held[$0].score }, cosines: ins.map { cosines[$0] })
                if score.usesCosine {
                    nearest = index
                    held = held.indices.map { i in
                        let h = held[i]
                        return Calibration.HeldOut(label: h.label, predicted: h.predicted,
                                                   score: score(logit: h.score, cosine: cosines[i]), oosWon: h.oosWon)
                    }
                }
            }
            if options.thresholdOverride == nil {
                report.threshold = Calibration.chooseThreshold(held, oosLabel: oosLabel, maxInScopeLoss: options.maxInScopeLoss)
            }
        }
        report.calibrationSeconds = clock.lap()
        var (model, loss, iterations) = results[results.count - 1]
        model.temperature = report.temperature
        report.trainingLoss = loss
        report.iterations = iterations
        report.outOfScopeScore = score
        return TrainingRun(classifier: IntentClassifier(model: model, ngramOptions: options.ngrams, threshold: report.threshold,
                                                        outOfScopeScore: score, nearest: nearest),
                           report: report, heldOutLogits: heldLogits, heldOutLabels: k >= 2 ? matrix.labels : [])
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
            var maxLogit = -Float.infinity
            for c in 0..<classes {
                row[c] = logits[i * classes + c]
                if Int32(c) != oosLabel { maxLogit = max(maxLogit, row[c]) }
            }
            row.withUnsafeMutableBufferPointer { softmaxInPlace($0.baseAddress!, count: classes, temperature: temperature) }
            var best: Int32 = -1
            var bestP: Float = -1
            for c in 0..<classes where Int32(c) != oosLabel && row[c] > bestP { bestP = row[c]; best = Int32(c) }
            let oosWon = oosLabel.map { row[Int($0)] > bestP } ?? false
            out.append(Calibration.HeldOut(label: labels[i], predicted: best, score: maxLogit, oosWon: oosWon))
        }
        return out
    }
}
