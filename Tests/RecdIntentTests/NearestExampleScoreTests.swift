import XCTest
@testable import RecdIntent

/// The nearest-example term of the out-of-scope score (``NearestExamples``, ``OutOfScopeScore``).
final class NearestExampleScoreTests: XCTestCase {
    func unit(_ v: [Float]) -> [Float] { NearestExamples.unit(v[...]) }

    func testNearestIsTheLargestCosineOfTheClassOnly() {
        // Class 0: e0 and e1; class 1 (oos, excluded): e2; class 2: e3 and (e0 + e2).
        func e(_ i: Int) -> [Float] { (0..<4).map { $0 == i ? 2 : 0 } }   // not unit: the index normalises
        let rows = [e(0), e(1), e(2), e(3), zip(e(0), e(2)).map(+)]
        let index = NearestExamples(rows: rows, dimension: 4, labels: [0, 0, 1, 2, 2], classCount: 3, excluded: 1)
        XCTAssertEqual(index.classStart, [0, 2, 2, 4])
        let q = unit([1, 0, 1, 0])
        q.withUnsafeBufferPointer { q in
            let p = q.baseAddress!
            XCTAssertEqual(index.nearest(p, ofClass: 0), Float(0.5).squareRoot(), accuracy: 1e-6)   // e0
            XCTAssertEqual(index.nearest(p, ofClass: 2), 1, accuracy: 1e-6)                  // e0 + e2 itself
            XCTAssertEqual(index.nearest(p, ofClass: 1), -1, "the excluded class has no vectors")
            // Leaving out the exact match (row 3 of the index) leaves e3, orthogonal.
            XCTAssertEqual(index.nearest(p, ofClass: 2) { $0 != 3 }, 0, accuracy: 1e-6)
        }
    }

    /// `nearest` (one `sgemv` per class) against a float64 reference of the same cosines, on random
    /// unit vectors of edge lengths (below, at and past a 16-lane boundary, the encoder's 384) and
    /// class sizes (1 row to 100), with and without a row filter. Tolerance: the float32 rounding
    /// bound of a `dimension`-term sum of products of unit vectors, n · 2⁻²⁴ · Σ|aᵢbᵢ| ≤ n · 6e-8.
    func testNearestMatchesFloat64ReferenceOnEdgeLengths() {
        var rng = SeededGenerator(seed: 3)
        for n in [1, 2, 15, 16, 17, 31, 383, 384, 385] {
            for counts in [[1], [2, 7], [100, 3, 16]] {
                let labels = counts.enumerated().flatMap { c, k in [Int32](repeating: Int32(c), count: k) }
                let rows = labels.map { _ in (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }
                let index = NearestExamples(rows: rows, dimension: n, labels: labels, classCount: counts.count, excluded: nil)
                let query = unit((0..<n).map { _ in Float.random(in: -1...1, using: &rng) })
                let tolerance = Float(n) * 6e-8 + 1e-7
                for c in counts.indices {
                    let members = Int(index.classStart[c]) ..< Int(index.classStart[c + 1])
                    func cosine(_ r: Int) -> Double {
                        (0..<n).reduce(0.0) { $0 + Double(index.vectors[r * n + $1]) * Double(query[$1]) }
                    }
                    let odd = { (r: Int) in r % 2 == 1 }
                    let all = members.map(cosine).max()!
                    let filtered = members.filter(odd).map(cosine).max() ?? -1
                    query.withUnsafeBufferPointer { q in
                        XCTAssertEqual(index.nearest(q.baseAddress!, ofClass: c), Float(all), accuracy: tolerance, "n \(n), class \(c)")
                        XCTAssertEqual(index.nearest(q.baseAddress!, ofClass: c, include: odd), Float(filtered),
                                       accuracy: tolerance, "n \(n), class \(c), odd rows")
                    }
                }
            }
        }
    }

    /// Which row is nearest does not depend on the summation order when the cosines are apart: a toy
    /// index whose rows are the query rotated by known angles gives exactly the expected cosines and
    /// the same nearest row under every filter.
    func testNearestPicksTheKnownRowOnAToySet() {
        let n = 384
        var rng = SeededGenerator(seed: 5)
        let q = unit((0..<n).map { _ in Float.random(in: -1...1, using: &rng) })
        var other = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }   // made orthogonal to q
        let along = zip(other, q).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        other = unit(zip(other, q).map { $0 - along * $1 })
        let cosines: [Float] = [0.2, 0.9, -0.5, 0.6]
        let rows = cosines.map { c in zip(q, other).map { c * $0 + (1 - c * c).squareRoot() * $1 } }
        let index = NearestExamples(rows: rows, dimension: n, labels: [0, 0, 0, 0], classCount: 1, excluded: nil)
        q.withUnsafeBufferPointer { p in
            XCTAssertEqual(index.nearest(p.baseAddress!, ofClass: 0), 0.9, accuracy: 1e-5)
            XCTAssertEqual(index.nearest(p.baseAddress!, ofClass: 0) { $0 != 1 }, 0.6, accuracy: 1e-5)
            XCTAssertEqual(index.nearest(p.baseAddress!, ofClass: 0) { $0 == 0 || $0 == 2 }, 0.2, accuracy: 1e-5)
            XCTAssertEqual(index.nearest(p.baseAddress!, ofClass: 0) { _ in false }, -1, "no row included")
            XCTAssertEqual(index.nearest(p.baseAddress!, ofClass: 1), -1, "no such class")
            XCTAssertEqual(index.nearest(p.baseAddress!, ofClass: -1), -1, "no predicted class")
        }
    }

    func testScoreStandardisesBothTerms() {
        let s = OutOfScopeScore.fitted(logits: [1, 3, 5, 7], cosines: [0.5, 0.6, 0.7, 0.8])
        XCTAssertTrue(s.usesCosine)
        XCTAssertEqual(s.logitMean, 4, accuracy: 1e-6)
        XCTAssertEqual(s.cosineMean, 0.65, accuracy: 1e-6)
        XCTAssertEqual(s(logit: 4, cosine: 0.65), 0, accuracy: 1e-5)
        // One standard deviation up in each term adds 1 each.
        XCTAssertEqual(s(logit: 4 + s.logitScale, cosine: 0.65 + s.cosineScale), 2, accuracy: 1e-5)
        XCTAssertFalse(OutOfScopeScore.fitted(logits: [1, 2], cosines: [0.5, 0.5]).usesCosine, "a constant cosine is no signal")
        XCTAssertEqual(OutOfScopeScore.logitOnly(logit: 3, cosine: 0.1), 3)
    }

    /// Intent `split` has two tight clusters on orthogonal axes; a probe halfway between them lies
    /// on the model's direction for `split` (its logit is as large as any training example's) but
    /// near no example of it. The logit alone answers `split`; with the nearest-example term the
    /// answer is `oos`. Examples of the other intents and of `oos` fill the other axes.
    func testProbeBetweenClustersIsOutOfScopeOnlyWithNearestTerm() throws {
        let dimension = 16
        var rng = SeededGenerator(seed: 11)
        var examples: [IntentExample] = [], embeddings: [[Float]] = []
        func add(_ intent: String, around centre: [Float], count: Int, noise: Float) {
            for i in 0..<count {
                embeddings.append(unit(centre.map { $0 + noise * Float.random(in: -1...1, using: &rng) }))
                examples.append(IntentExample(text: "\(intent) \(i)", intent: intent))
            }
        }
        func axis(_ i: Int) -> [Float] { (0..<dimension).map { $0 == i ? 1 : 0 } }
        add("split", around: axis(0), count: 30, noise: 0.1)
        add("split", around: axis(1), count: 30, noise: 0.1)
        for c in 2..<8 { add("intent\(c)", around: axis(c), count: 40, noise: 0.1) }
        for i in 0..<60 {   // out of scope: random directions in the remaining axes
            var v = [Float](repeating: 0, count: dimension)
            for j in 8..<dimension { v[j] = Float.random(in: -1...1, using: &rng) }
            embeddings.append(unit(v))
            examples.append(IntentExample(text: "other \(i)", intent: IntentSet.outOfScope))
        }
        let probe = unit(zip(axis(0), axis(1)).map(+))

        var plain = fastOptions()
        plain.nearestExampleScore = false
        let (logitOnly, _) = try IntentClassifier.train(examples: examples, embeddings: embeddings, options: plain)
        XCTAssertNil(logitOnly.nearest)
        XCTAssertEqual(try logitOnly.classify(text: "probe", embedding: probe).intent, "split")

        let (withNearest, report) = try IntentClassifier.train(examples: examples, embeddings: embeddings, options: fastOptions())
        XCTAssertTrue(report.outOfScopeScore.usesCosine)
        XCTAssertEqual(withNearest.nearest?.vectors.count, 300 * dimension, "in-scope examples only")
        let c = try withNearest.classify(text: "probe", embedding: probe)
        XCTAssertEqual(c.ranked.first?.intent, "split")
        XCTAssertTrue(c.isOutOfScope, "score \(c.score), threshold \(withNearest.threshold)")
        // Training examples of both clusters are still answered.
        XCTAssertEqual(try withNearest.classify(text: "split 0", embedding: embeddings[0]).intent, "split")
        XCTAssertEqual(try withNearest.classify(text: "split 30", embedding: embeddings[30]).intent, "split")
    }
}
