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
        if BertScalar.isPlainIdeograph(value) {
            output.append(scalar)
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
    /// Words NFD cannot change skip decomposition; accented Latin, Greek and Cyrillic words use
    /// `StrippedDecompositions`; anything else goes through Foundation's
    /// `decomposedStringWithCanonicalMapping` once per word. Callers skip ASCII words. Foundation's
    /// NFD on Linux was compared with `tokenizers` for every code point during development: it
    /// agrees except for U+11938, handled here. A decomposition table of our own was rejected as a
    /// second source of Unicode data to keep in step.
    static func appendStrippingAccents(_ word: ArraySlice<Unicode.Scalar>, to output: inout [Unicode.Scalar]) {
        // Most non-ASCII words (Chinese, Japanese kana, Cyrillic, emoji, …) have no scalar that
        // NFD changes: drop their marks without the round trip through Foundation.
        if !word.contains(where: mayChangeUnderNFD) {
            for scalar in word where !BertScalar.isNonspacingMark(scalar) { output.append(scalar) }
            return
        }
        // Accented Latin, Greek and Cyrillic: decompose scalar by scalar from a table.
        if word.allSatisfy(StrippedDecompositions.covers) {
            let table = StrippedDecompositions.shared
            for scalar in word { table.append(scalar, to: &output) }
            return
        }
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

    /// False only where NFD certainly leaves the scalar alone: outside the ranges holding every
    /// canonical decomposition (Latin through Hangul, CJK compatibility ideographs, the scripts
    /// and musical symbols of plane 1, the CJK compatibility supplement) and not a combining
    /// mark that canonical ordering could move. Checked for every code point against Foundation.
    @inline(__always)
    static func mayChangeUnderNFD(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch value {
        case 0..<0xC0, 0x3400..<0xA000, 0x2_0000..<0x2_F800: return false
        case 0xC0..<0x3100, 0xAC00..<0xD7A4, 0xF900..<0xFB50, 0x1_0000..<0x1_F000, 0x2_F800..<0x2_FA20:
            return true
        default:
            return scalar.properties.canonicalCombiningClass != .notReordered
        }
    }
}
