import XCTest
@testable import RecdIntent

final class NGramFeaturizerTests: XCTestCase {
    let f = NGramFeaturizer()

    func testVectorIsSortedUnitNormAndDeterministic() {
        let a = f.features(of: "Where is my order?")
        XCTAssertEqual(a, f.features(of: "Where is my order?"))
        XCTAssertEqual(a.indices, a.indices.sorted())
        XCTAssertEqual(Set(a.indices).count, a.indices.count)
        XCTAssertEqual(a.norm, 1, accuracy: 1e-5)
        XCTAssertTrue(a.indices.allSatisfy { Int($0) < f.dimension })
    }

    func testCaseFullWidthAndDigitsAreNormalised() {
        XCTAssertEqual(f.features(of: "UNDER 100 Dollars"), f.features(of: "under 250 dollars"))
        XCTAssertEqual(f.features(of: "ＡＢＣ"), f.features(of: "abc"))
        XCTAssertNotEqual(f.features(of: "cancel"), f.features(of: "return"))
    }

    func testEmptyTextGivesEmptyVector() {
        XCTAssertEqual(f.features(of: "").count, 0)
        XCTAssertEqual(f.features(of: "  ?! ").count, 0)
    }

    func testChineseGetsCharacterNGrams() {
        // 退货 shares its characters and bigram with 我要退货, not with 我要买.
        let a = Set(f.features(of: "退货").indices)
        let b = Set(f.features(of: "我要退货").indices)
        let c = Set(f.features(of: "我要买").indices)
        XCTAssertGreaterThanOrEqual(a.intersection(b).count, 3)   // 退, 货, 退货 (+ word n-grams)
        XCTAssertTrue(a.intersection(c).isEmpty)
        // Single characters are features for CJK (unigrams), so one character is not empty.
        XCTAssertGreaterThan(f.features(of: "买").count, 0)
    }

    func testSimilarTextsShareMoreThanUnrelatedOnes() {
        func cosine(_ x: SparseFeatures, _ y: SparseFeatures) -> Float {
            var d: Float = 0
            let ys = Dictionary(uniqueKeysWithValues: zip(y.indices, y.values))
            for (i, v) in zip(x.indices, x.values) { d += v * (ys[i] ?? 0) }
            return d
        }
        let q = f.features(of: "refund my order")
        XCTAssertGreaterThan(cosine(q, f.features(of: "refunds for orders")), cosine(q, f.features(of: "tell me a joke")))
        let z = f.features(of: "我想退款")
        XCTAssertGreaterThan(cosine(z, f.features(of: "退款多久到账")), cosine(z, f.features(of: "明天天气怎么样")))
    }

    func testOptionsChangeTheFeatures() {
        let g = NGramFeaturizer(options: NGramOptions(wordCharRange: 3...3, cjkCharRange: 1...1, wordRange: 1...1, hashBits: 12))
        let v = g.features(of: "abcd")
        // " abcd " → " ab", "abc", "bcd", "cd " plus one word unigram.
        XCTAssertEqual(v.count, 5)
        XCTAssertTrue(v.indices.allSatisfy { $0 < 4096 })
    }
}
