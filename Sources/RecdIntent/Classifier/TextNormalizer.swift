import Foundation

/// Text normalisation shared by the n-gram features and the slot parser: compatibility mapping
/// (full-width "１００元" becomes "100元", "ＡＢＣ" becomes "ABC") and lower case.
enum TextNormalizer {
    /// Normalised form used for features. Not used for slot spans, which index the original text.
    static func normalize(_ text: String) -> String {
        text.utf8.allSatisfy { $0 < 0x80 } ? text.lowercased() : text.precomposedStringWithCompatibilityMapping.lowercased()
    }

    /// True for scripts written without spaces between words (Han, kana, Hangul), whose n-grams
    /// are taken over the whole run rather than per word.
    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF,
             0x20000...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// True for letters and digits of non-CJK scripts (parts of space-separated words).
    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII {
            let v = s.value
            return (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39) || v == 0x27
        }
        return s.properties.isAlphabetic || s.properties.numericType != nil || s == "'" || s == "’"
    }
}
