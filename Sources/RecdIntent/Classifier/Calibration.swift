/// Fitting of the softmax temperature and the out-of-scope threshold on held-out logits.
enum Calibration {
    /// Mean negative log-likelihood of `labels` under softmax(logits / t).
    static func negativeLogLikelihood(logits: [Float], labels: [Int32], classes: Int, temperature t: Float) -> Double {
        var total = 0.0
        let n = labels.count
        for i in 0..<n {
            let base = i * classes
            var m = -Float.infinity
            for c in 0..<classes { m = max(m, logits[base + c]) }
            var s = 0.0
            for c in 0..<classes { s += Double(expf((logits[base + c] - m) / t)) }
            total += s.naturalLog - Double((logits[base + Int(labels[i])] - m) / t)
        }
        return n == 0 ? 0 : total / Double(n)
    }

    /// The temperature in [0.05, 20] minimising held-out NLL (golden-section search on log t;
    /// NLL is unimodal in t for fixed logits).
    static func fitTemperature(logits: [Float], labels: [Int32], classes: Int) -> Float {
        guard !labels.isEmpty else { return 1 }
        func f(_ logT: Double) -> Double {
            negativeLogLikelihood(logits: logits, labels: labels, classes: classes, temperature: Float(exp(logT)))
        }
        var lo = (0.05).naturalLog, hi = 20.0.naturalLog
        let g = (5.0.squareRoot() - 1) / 2
        var x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo)
        var f1 = f(x1), f2 = f(x2)
        for _ in 0..<40 {
            if f1 < f2 { hi = x2; x2 = x1; f2 = f1; x1 = hi - g * (hi - lo); f1 = f(x1) }
            else { lo = x1; x1 = x2; f1 = f2; x2 = lo + g * (hi - lo); f2 = f(x2) }
        }
        return Float(exp((lo + hi) / 2))
    }

    /// One held-out prediction: the top in-scope class, its probability, and whether the
    /// out-of-scope class itself won.
    struct HeldOut {
        let label: Int32
        let predicted: Int32
        let confidence: Float
        let oosWon: Bool
    }

    /// The confidence threshold below which an in-scope answer becomes `oos`.
    ///
    /// With out-of-scope examples: the grid value maximising in-scope accuracy + out-of-scope
    /// recall, among values that lose at most `maxInScopeLoss` of in-scope accuracy compared
    /// with no threshold. (Unconstrained, the few out-of-scope examples a set has would pull the
    /// threshold up until many right answers are rejected.)
    ///
    /// Without: there is nothing out of scope to catch in the data, so any rejection measured there
    /// is a loss; the threshold only guards against inputs unlike every intent. It is the largest
    /// grid value that rejects at most `maxRightRejectedWithoutOOS` of the held-out answers that were
    /// right (the previous rule, "answer only when more likely right than wrong", rejected 1.4
    /// points of BANKING77's right answers). Ties go to the lower threshold.
    static func chooseThreshold(_ heldOut: [HeldOut], oosLabel: Int32?, maxInScopeLoss: Double = 0.02,
                                maxRightRejectedWithoutOOS: Double = 0.002) -> Float {
        guard let oos = oosLabel else {
            let right = heldOut.filter { $0.predicted == $0.label }.map(\.confidence).sorted()
            guard !right.isEmpty else { return 0 }
            let q = right[min(right.count - 1, Int(Double(right.count) * maxRightRejectedWithoutOOS))]
            return (q * 100).rounded(.down) / 100
        }
        func rates(_ t: Float) -> (inScope: Double, oosRecall: Double) {
            var inTotal = 0, inRight = 0, oosTotal = 0, oosRight = 0
            for h in heldOut {
                let saysOOS = h.oosWon || h.confidence < t
                if h.label == oos { oosTotal += 1; if saysOOS { oosRight += 1 } }
                else { inTotal += 1; if !saysOOS && h.predicted == h.label { inRight += 1 } }
            }
            return (Double(inRight) / Double(max(inTotal, 1)), Double(oosRight) / Double(max(oosTotal, 1)))
        }
        let base = rates(0).inScope
        var best: (score: Double, t: Float) = (-.infinity, 0)
        for step in 0..<100 {
            let t = Float(step) / 100
            let r = rates(t)
            if r.inScope < base - maxInScopeLoss { break }
            let score = r.inScope + r.oosRecall
            if score > best.score + 1e-12 { best = (score, t) }
        }
        return best.t
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
