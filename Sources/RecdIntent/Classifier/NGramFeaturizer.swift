/// Options for ``NGramFeaturizer``. Part of the model-cache key.
public struct NGramOptions: Hashable, Sendable {
    /// Character n-gram lengths inside space-separated words (padded with a space each side).
    public var wordCharRange: ClosedRange<Int>
    /// Character n-gram lengths inside runs of CJK characters (Chinese has no spaces, so single
    /// characters already carry meaning: 买, 退, 便宜).
    public var cjkCharRange: ClosedRange<Int>
    /// Word n-gram lengths over tokens (a Latin word or a single CJK character).
    public var wordRange: ClosedRange<Int>
    /// log2 of the hashed feature space.
    public var hashBits: Int

    /// Defaults chosen on held-out parts of the training splits (see the report in INTENTS.md).
    public init(wordCharRange: ClosedRange<Int> = 2...5, cjkCharRange: ClosedRange<Int> = 1...3,
                wordRange: ClosedRange<Int> = 1...2, hashBits: Int = 20) {
        self.wordCharRange = wordCharRange
        self.cjkCharRange = cjkCharRange
        self.wordRange = wordRange
        self.hashBits = hashBits
    }

    func mix(into h: inout StableHash) {
        for r in [wordCharRange, cjkCharRange, wordRange] { h.mix(r.lowerBound); h.mix(r.upperBound) }
        h.mix(hashBits)
    }
}

/// Hashed character and word n-grams that work for English and Chinese alike.
///
/// Text is normalised (compatibility mapping, lower case) and digits become `0` (the intent of
/// "under 100" and "under 250" is the same). Latin words give character n-grams of the padded
/// word (" cheap " → " c", "ch", …, "p "), CJK runs give n-grams over the run, and tokens give word
/// n-grams. Counts are damped (1 + ln count) and the vector is L2-normalised, so long texts do not
/// dominate. Indices come from FNV-1a (``StableHash``), the same in every process.
public struct NGramFeaturizer: Sendable {
    public let options: NGramOptions
    private let mask: UInt64

    public init(options: NGramOptions = NGramOptions()) {
        precondition((8...30).contains(options.hashBits), "hashBits must be in 8...30")
        self.options = options
        self.mask = (UInt64(1) << UInt64(options.hashBits)) - 1
    }

    /// Size of the feature space (2^hashBits).
    public var dimension: Int { 1 << options.hashBits }

    /// The features of one text; an empty text gives an empty vector.
    public func features(of text: String) -> SparseFeatures {
        var raw: [UInt32] = []
        raw.reserveCapacity(text.unicodeScalars.count * 6)
        var tokens: [[UInt32]] = []   // scalar values of each token
        var run: [UInt32] = []
        var runIsCJK = false

        func flush() {
            guard !run.isEmpty else { return }
            if runIsCJK {
                addNGrams(of: run, lengths: options.cjkCharRange, namespace: 2, into: &raw)
                for s in run { tokens.append([s]) }
            } else {
                addNGrams(of: [0x20] + run + [0x20], lengths: options.wordCharRange, namespace: 1, into: &raw)
                tokens.append(run)
            }
            run.removeAll(keepingCapacity: true)
        }

        for s in TextNormalizer.normalize(text).unicodeScalars {
            if TextNormalizer.isCJK(s) {
                if !runIsCJK { flush(); runIsCJK = true }
                run.append(s.value)
            } else if TextNormalizer.isWordScalar(s) {
                if runIsCJK { flush(); runIsCJK = false }
                run.append((0x30...0x39).contains(s.value) ? 0x30 : s.value)   // ASCII digits fold to "0"
            } else {
                flush()
            }
        }
        flush()
        addWordNGrams(tokens, into: &raw)
        return Self.damped(raw)
    }

    private func addNGrams(of scalars: [UInt32], lengths: ClosedRange<Int>, namespace: UInt8,
                           into out: inout [UInt32]) {
        let n = scalars.count
        for start in 0..<n {
            var h = StableHash()
            h.mix(namespace)
            for len in 1...lengths.upperBound {
                let end = start + len
                if end > n { break }
                h.mix(scalars[end - 1])
                if len >= lengths.lowerBound { out.append(index(h)) }
            }
        }
    }

    private func addWordNGrams(_ tokens: [[UInt32]], into out: inout [UInt32]) {
        let n = tokens.count
        for start in 0..<n {
            var h = StableHash()
            h.mix(UInt8(3))
            for len in 1...options.wordRange.upperBound {
                let end = start + len
                if end > n { break }
                for s in tokens[end - 1] { h.mix(s) }
                h.mix(UInt8(0x1F))   // token separator
                if len >= options.wordRange.lowerBound { out.append(index(h)) }
            }
        }
    }

    @inline(__always)
    private func index(_ h: StableHash) -> UInt32 { UInt32(truncatingIfNeeded: h.finalized & mask) }

    /// Counts → 1 + ln(count), then L2-normalised.
    private static func damped(_ raw: [UInt32]) -> SparseFeatures {
        guard !raw.isEmpty else { return SparseFeatures() }
        let sorted = raw.sorted()
        var indices: [UInt32] = []
        var values: [Float] = []
        var i = 0
        while i < sorted.count {
            var j = i + 1
            while j < sorted.count && sorted[j] == sorted[i] { j += 1 }
            indices.append(sorted[i])
            values.append(1 + Float(j - i).logarithmic)
            i = j
        }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for k in values.indices { values[k] /= norm }
        return SparseFeatures(indices: indices, values: values)
    }
}

extension Float {
    /// Natural logarithm without Foundation.
    var logarithmic: Float { Float(Double(self).naturalLog) }
}

extension Double {
    /// Natural logarithm via the C library (Foundation-free so the hot path stays lean).
    var naturalLog: Double {
        #if canImport(Glibc)
        return Glibc.log(self)
        #else
        return Darwin.log(self)
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
