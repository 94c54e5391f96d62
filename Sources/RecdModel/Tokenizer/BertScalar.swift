/// Character classes of the BERT normaliser and pre-tokeniser, one Unicode scalar at a time.
///
/// The reference is Hugging Face `tokenizers` 0.23 (`BertNormalizer` + `BertPreTokenizer`), which is
/// what `transformers.BertTokenizer` runs. Every function has an ASCII fast path; the rest reads the
/// standard library's Unicode properties, never Foundation, so classification allocates nothing.
///
/// `tokenizers` takes general categories from the `unicode_categories` crate, whose tables are
/// Unicode 8.0, while Swift 6.3 knows Unicode 17. So a category counts only for scalars assigned by
/// Unicode 8.0 (``isInReferenceTables(_:)``), plus a handful of scalars whose category changed since
/// (listed where they are used). Unassigned scalars (Cn) are kept, as `tokenizers` keeps them.
/// During development every code point was compared with `tokenizers`; the fixture
/// Tests/RecdModelTests/Fixtures/tokenizer_codepoints.json keeps about 16 000 of them under test.
enum BertScalar {
    /// CJK Extension A, the unified ideographs (and the Yijing hexagrams between them) and planes 2
    /// up to the compatibility supplement: letters or symbols with no case, no decomposition and no
    /// combining class, so every test below can answer without a property lookup.
    @inline(__always)
    static func isPlainIdeograph(_ value: UInt32) -> Bool {
        (0x3400..<0xA000).contains(value) || (0x2_0000..<0x2_F800).contains(value)
    }

    /// Whether `tokenizers`' Unicode 8.0 category tables know this scalar.
    @inline(__always)
    static func isInReferenceTables(_ properties: Unicode.Scalar.Properties) -> Bool {
        guard let age = properties.age else { return false }
        return age.major < 8 || (age.major == 8 && age.minor == 0)
    }

    /// Dropped by the clean-up step: NUL, U+FFFD and control (Cc), format (Cf) and private-use (Co)
    /// characters, except tab, line feed and carriage return, which count as whitespace.
    /// Unassigned scalars (Cn) and format characters newer than Unicode 8.0 are kept.
    @inline(__always)
    static func isDropped(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return value == 0x7F || (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D)
        }
        if value == 0xFFFD { return true }
        if isPlainIdeograph(value) { return false }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .privateUse:
            return true
        case .format:
            return isInReferenceTables(properties)
        default:
            return false
        }
    }

    /// Whitespace for both the clean-up and the word split: tab, LF, CR and the Unicode
    /// `White_Space` property (space, NBSP, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F,
    /// U+3000, …). Call it after ``isDropped(_:)``; the C0 controls in `White_Space` are dropped first.
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return value == 0x20 || value == 0x09 || value == 0x0A || value == 0x0D
        }
        if isPlainIdeograph(value) { return false }
        return scalar.properties.isWhitespace
    }

    /// A CJK ideograph that BERT isolates into a word of its own. These are the ranges of
    /// `tokenizers`' `is_chinese_char`, which differ from the Python BERT code in one place:
    /// Extension E starts at U+2B920 there, so U+2B820–U+2B91F is *not* isolated.
    @inline(__always)
    static func isCJKIdeograph(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x3400 { return false }
        return (0x3400...0x4DBF).contains(value)
            || (0x4E00...0x9FFF).contains(value)
            || (0xF900...0xFAFF).contains(value)
            || (0x20000...0x2A6DF).contains(value)
            || (0x2A700...0x2B81F).contains(value)
            || (0x2B920...0x2CEAF).contains(value)
            || (0x2F800...0x2FA1F).contains(value)
    }

    /// Split off as a token of its own: ASCII 33–47, 58–64, 91–96, 123–126 (which includes
    /// symbols such as `$`, `+`, `^`) and every scalar of a Unicode P* category.
    @inline(__always)
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (33...47).contains(value) || (58...64).contains(value)
                || (91...96).contains(value) || (123...126).contains(value)
        }
        // Po in Unicode 8.0, since re-categorised: U+166D CANADIAN SYLLABICS CHI SIGN (now So),
        // U+111C9 SHARADA SANDHI MARK (now Mn).
        if value == 0x166D || value == 0x111C9 { return true }
        if isPlainIdeograph(value) { return false }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return isInReferenceTables(properties)
        default:
            return false
        }
    }

    /// A non-spacing mark (Mn), which accent stripping removes after NFD.
    @inline(__always)
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x300 { return false }
        switch value {
        // Mn in Unicode 8.0, Mc now: HANUNOO SIGN PAMUDPOD, AHOM SIGN KILLER.
        case 0x1734, 0x1171E: return true
        // Mn now, not in Unicode 8.0: MONGOLIAN LETTER ALI GALI BALUDA and THREE BALUDA (were Lo),
        // JAVANESE CONSONANT SIGN KERET (was Mc), SHARADA SANDHI MARK (was Po).
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false
        default: break
        }
        if isPlainIdeograph(value) { return false }
        let properties = scalar.properties
        return properties.generalCategory == .nonspacingMark && isInReferenceTables(properties)
    }
}
