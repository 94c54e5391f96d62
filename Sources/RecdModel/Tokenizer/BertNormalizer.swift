import Foundation

/// The per-word normalisation steps of BERT: lower-casing and accent stripping.
///
/// `tokenizers` strips accents *before* lower-casing (NFD, drop Mn, then lower-case), so a mark that
/// lower-casing itself produces survives, e.g. U+0130 "İ" with accent stripping off becomes "i̇".
/// Lower-casing is per scalar with no context: capital sigma always becomes "σ", never the final "ς".
enum BertNormalizer {
    /// Appends the full lower-case mapping of `scalar` (one to three scalars) to `output`.
    @inline(__always)
    static func appendLowercased(_ scalar: Unicode.Scalar, to output: inout [Unicode.Scalar]) {
        let value = scalar.value
        if value < 0x80 {
            output.append(value >= 0x41 && value <= 0x5A ? Unicode.Scalar(UInt8(value + 0x20)) : scalar)
            return
        }
        let properties = scalar.properties
        guard properties.changesWhenLowercased else {
            output.append(scalar)
            return
        }
        // At most three UTF-8-short scalars: a small string, stored inline without a heap allocation.
        output.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
    }

    /// Appends the canonical decomposition (NFD) of `word` to `output`, leaving out
    /// non-spacing marks (Mn).
    ///
    /// Decomposition goes through Foundation's `decomposedStringWithCanonicalMapping` once per
    /// non-ASCII word (callers skip ASCII words, which NFD leaves unchanged). Writing our own
    /// decomposition table was rejected: Foundation's result was checked against `tokenizers` for
    /// every code point (see Tests/RecdModelTests/Fixtures/make_tokenizer_cases.py).
    static func appendStrippingAccents(_ word: ArraySlice<Unicode.Scalar>, to output: inout [Unicode.Scalar]) {
        // U+11938 DIVES AKURU VOWEL SIGN O decomposes since Unicode 13, but not in the
        // normalisation tables of `tokenizers`; it is a starter, so the parts around it are
        // decomposed separately and it is kept as it is.
        var rest = word
        while let keep = rest.firstIndex(of: "\u{11938}") {
            appendDecomposedWithoutMarks(rest[..<keep], to: &output)
            output.append(rest[keep])
            rest = rest[(keep + 1)...]
        }
        appendDecomposedWithoutMarks(rest, to: &output)
    }

    private static func appendDecomposedWithoutMarks(
        _ word: ArraySlice<Unicode.Scalar>, to output: inout [Unicode.Scalar]
    ) {
        if word.isEmpty { return }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: word)
        for scalar in String(text).decomposedStringWithCanonicalMapping.unicodeScalars
        where !BertScalar.isNonspacingMark(scalar) {
            output.append(scalar)
        }
    }
}
