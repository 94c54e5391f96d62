import Foundation
@testable import RecdIntent

/// Deterministic toy data for the classifier tests: `classes` clusters in `dimension` dimensions,
/// each example the class centre plus noise, L2-normalised like sentence embeddings.
struct ToyData {
    var examples: [IntentExample] = []
    var embeddings: [[Float]] = []

    init(classes: Int, perClass: Int, dimension: Int = 16, noise: Float = 0.3, seed: UInt64 = 1,
         textFor: (Int, Int) -> String = { c, i in "sample \(i) of class \(c)" }) {
        var rng = SeededGenerator(seed: seed)
        let centres = (0..<classes).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) } }
        for i in 0..<perClass {
            for c in 0..<classes {
                var v = centres[c].map { $0 + noise * Float.random(in: -1...1, using: &rng) }
                let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                v = v.map { $0 / n }
                examples.append(IntentExample(text: textFor(c, i), intent: "intent\(c)"))
                embeddings.append(v)
            }
        }
    }
}

/// Options small enough for debug-build tests.
func fastOptions(folds: Int = 3) -> IntentTrainingOptions {
    var o = IntentTrainingOptions()
    o.trainer.maxIterations = 60
    o.trainer.foldIterations = 40
    o.calibrationFolds = folds
    o.ngrams.hashBits = 16
    return o
}

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
