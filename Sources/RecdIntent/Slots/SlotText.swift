import Foundation

/// The text as the slot parser sees it: one normalised, lower-cased Character per original
/// Character (so offsets carry over to the original), plus UTF-16 offsets for each position.
struct SlotText {
    let original: [Character]
    /// Same length as `original`; full-width forms mapped ("１" → "1"), lower case.
    let chars: [Character]
    /// UTF-16 offset of each Character, plus one past the end.
    let utf16Offsets: [Int]

    init(_ text: String) {
        original = Array(text)
        var mapped: [Character] = []
        mapped.reserveCapacity(original.count)
        var offsets: [Int] = [0]
        for c in original {
            if let a = c.asciiValue {   // fast path: no String per Character
                mapped.append(a >= 0x41 && a <= 0x5A ? Character(Unicode.Scalar(a + 0x20)) : c)
                offsets.append(offsets.last! + c.utf16.count)
                continue
            }
            var s = String(c)
            if !c.isASCII { s = s.precomposedStringWithCompatibilityMapping }
            s = s.lowercased()
            mapped.append(s.count == 1 ? s.first! : c)
            offsets.append(offsets.last! + c.utf16.count)
        }
        chars = mapped
        utf16Offsets = offsets
    }

    var count: Int { chars.count }

    func surface(_ r: Range<Int>) -> String { String(original[r]) }

    func utf16(_ r: Range<Int>) -> Range<Int> { utf16Offsets[r.lowerBound] ..< utf16Offsets[r.upperBound] }

    /// True for a letter or digit of a space-separated script (not CJK).
    static func isLatinWordChar(_ c: Character) -> Bool {
        guard let s = c.unicodeScalars.first else { return false }
        return (c.isLetter || c.isNumber || c == "'" ) && !TextNormalizer.isCJK(s)
    }

    static func isCJK(_ c: Character) -> Bool {
        guard let s = c.unicodeScalars.first else { return false }
        return TextNormalizer.isCJK(s)
    }

    /// True when `phrase` occurs at `i` and, for Latin phrases, on word boundaries.
    func matches(_ phrase: [Character], at i: Int) -> Bool {
        guard i >= 0, i + phrase.count <= count, !phrase.isEmpty else { return false }
        for k in 0..<phrase.count where chars[i + k] != phrase[k] { return false }
        if Self.isLatinWordChar(phrase.first!), i > 0, Self.isLatinWordChar(chars[i - 1]) { return false }
        if Self.isLatinWordChar(phrase.last!), i + phrase.count < count, Self.isLatinWordChar(chars[i + phrase.count]) { return false }
        return true
    }

    /// Latin words (and single CJK characters as their own words) with their ranges.
    func words() -> [(range: Range<Int>, text: String)] {
        var out: [(Range<Int>, String)] = []
        var i = 0
        while i < count {
            if Self.isLatinWordChar(chars[i]) {
                var j = i
                while j < count && (Self.isLatinWordChar(chars[j]) || (chars[j] == "-" && j + 1 < count && Self.isLatinWordChar(chars[j + 1]))) { j += 1 }
                out.append((i..<j, String(chars[i..<j])))
                i = j
            } else {
                if Self.isCJK(chars[i]) { out.append((i..<(i + 1), String(chars[i]))) }
                i += 1
            }
        }
        return out
    }

    /// Index of the first non-space position at or after `i`.
    func skipSpaces(from i: Int) -> Int {
        var j = i
        while j < count && chars[j].isWhitespace { j += 1 }
        return j
    }

    /// Index just after the last non-space position before `i`.
    func skipSpacesBackward(from i: Int) -> Int {
        var j = i
        while j > 0 && chars[j - 1].isWhitespace { j -= 1 }
        return j
    }

    /// If one of `phrases` ends right before `i` (spaces allowed between), its start.
    func phraseEnding(before i: Int, in phrases: [[Character]]) -> Int? {
        let end = skipSpacesBackward(from: i)
        var best: Int?
        for p in phrases where p.count <= end {
            let start = end - p.count
            if matches(p, at: start), best == nil || start < best! { best = start }
        }
        return best
    }

    /// If one of `phrases` starts right after `i` (spaces allowed between), its end.
    func phraseStarting(after i: Int, in phrases: [[Character]]) -> Int? {
        let start = skipSpaces(from: i)
        var best: Int?
        for p in phrases where matches(p, at: start) {
            if best == nil || start + p.count > best! { best = start + p.count }
        }
        return best
    }
}
