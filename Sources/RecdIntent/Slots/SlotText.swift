import Foundation

/// The text as the slot parser sees it: one normalised, lower-cased Character per original
/// Character (so offsets carry over to the original), plus UTF-16 offsets for each position.
///
/// Every rule compares phrases with the text position by position, so each position also has an
/// integer code (``code(of:)``) and its word-character class precomputed: comparing two `Character`s
/// goes through String comparison, which is slow for anything but ASCII (a CJK phrase against the
/// text took Unicode normalisation checks), and INTENT ran that for every position × every phrase.
struct SlotText {
    let original: [Character]
    /// Same length as `original`; full-width forms mapped ("１" → "1"), lower case.
    let chars: [Character]
    /// ``code(of:)`` of each of `chars`.
    let codes: [UInt32]
    /// ``isLatinWordChar(_:)`` of each of `chars`.
    let latin: [Bool]
    /// UTF-16 offset of each Character, plus one past the end.
    let utf16Offsets: [Int]

    /// The code of a Character made of several scalars ("\r\n", a letter with a combining mark): such
    /// positions are compared as Characters.
    static let multiScalar: UInt32 = .max

    /// The Character's only Unicode scalar value, or ``multiScalar``. Two single-scalar Characters are
    /// equal exactly when their codes are: both the text and the phrases are in composed form (the
    /// text compatibility-mapped per Character, the catalog terms by ``TextNormalizer``, the rule
    /// tables written composed), so canonical equivalence reduces to scalar equality.
    @inline(__always)
    static func code(of c: Character) -> UInt32 {
        if let a = c.asciiValue, c.utf8.count == 1 { return UInt32(a) }
        let scalars = c.unicodeScalars
        return scalars.index(after: scalars.startIndex) == scalars.endIndex ? scalars.first!.value : multiScalar
    }

    init(_ text: String) {
        original = Array(text)
        var mapped: [Character] = []
        mapped.reserveCapacity(original.count)
        var codes: [UInt32] = []
        codes.reserveCapacity(original.count)
        var offsets: [Int] = [0]
        offsets.reserveCapacity(original.count + 1)
        for c in original {
            if let a = c.asciiValue, c.utf8.count == 1 {   // fast path: no String per Character
                let lower = a >= 0x41 && a <= 0x5A ? a + 0x20 : a
                mapped.append(lower == a ? c : Character(Unicode.Scalar(lower)))
                codes.append(UInt32(lower))
                offsets.append(offsets.last! + 1)
                continue
            }
            var s = String(c)
            if !c.isASCII { s = s.precomposedStringWithCompatibilityMapping }
            s = s.lowercased()
            let m = s.count == 1 ? s.first! : c
            mapped.append(m)
            codes.append(Self.code(of: m))
            offsets.append(offsets.last! + c.utf16.count)
        }
        chars = mapped
        self.codes = codes
        latin = mapped.map(Self.isLatinWordChar)
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
    @inline(__always)
    func matches(_ phrase: Phrase, at i: Int) -> Bool {
        guard i >= 0, i + phrase.count <= count, phrase.count > 0 else { return false }
        return codes.withUnsafeBufferPointer { c in
            phrase.codes.withUnsafeBufferPointer { p in
                for k in 0..<p.count where c[i + k] != p[k] || (p[k] == Self.multiScalar && chars[i + k] != phrase.chars[k]) {
                    return false
                }
                if phrase.firstIsLatin, i > 0, latin[i - 1] { return false }
                if phrase.lastIsLatin, i + p.count < count, latin[i + p.count] { return false }
                return true
            }
        }
    }

    /// True when `phrase` occurs anywhere in the text, word boundaries or not (a substring search).
    func contains(_ phrase: Phrase) -> Bool {
        guard phrase.count > 0, phrase.count <= count else { return false }
        for i in 0...(count - phrase.count) {
            var k = 0
            while k < phrase.count && codes[i + k] == phrase.codes[k]
                    && (phrase.codes[k] != Self.multiScalar || chars[i + k] == phrase.chars[k]) { k += 1 }
            if k == phrase.count { return true }
        }
        return false
    }

    /// Latin words (and single CJK characters as their own words) with their ranges.
    func words() -> [(range: Range<Int>, text: String)] {
        var out: [(Range<Int>, String)] = []
        var i = 0
        while i < count {
            if latin[i] {
                var j = i
                while j < count && (latin[j] || (codes[j] == 0x2D && j + 1 < count && latin[j + 1])) { j += 1 }   // "-"
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
    func phraseEnding(before i: Int, in phrases: [Phrase]) -> Int? {
        let end = skipSpacesBackward(from: i)
        var best: Int?
        for p in phrases where p.count <= end {
            let start = end - p.count
            if matches(p, at: start), best == nil || start < best! { best = start }
        }
        return best
    }

    /// If one of `phrases` starts right after `i` (spaces allowed between), its end.
    func phraseStarting(after i: Int, in phrases: [Phrase]) -> Int? {
        let start = skipSpaces(from: i)
        var best: Int?
        for p in phrases where matches(p, at: start) {
            if best == nil || start + p.count > best! { best = start + p.count }
        }
        return best
    }
}

/// A phrase of a rule table or a catalog spelling, as Characters and as ``SlotText/code(of:)`` codes.
struct Phrase: Sendable {
    let chars: [Character]
    let codes: [UInt32]
    /// Whether the first / last Character is a Latin word character (the phrase then needs a word
    /// boundary on that side).
    let firstIsLatin: Bool
    let lastIsLatin: Bool

    init(_ chars: [Character]) {
        self.chars = chars
        codes = chars.map(SlotText.code(of:))
        firstIsLatin = chars.first.map(SlotText.isLatinWordChar) ?? false
        lastIsLatin = chars.last.map(SlotText.isLatinWordChar) ?? false
    }

    init(_ text: String) { self.init(Array(text)) }

    var count: Int { codes.count }
}

/// Phrases packed into one code array, for the loops that try every phrase of a table at every
/// position (sort phrases, size cues, catalog spellings). Iterating an array of ``Phrase`` values
/// copies each one, a retain and a release of its two arrays per phrase per position: that was two
/// thirds of the slot parser's time before these loops read packed codes by index instead.
struct PackedPhrases: Sendable {
    /// Every phrase's codes, concatenated.
    private let codes: [UInt32]
    /// Phrase `p` is `codes[starts[p] ..< starts[p + 1]]`.
    private let starts: [Int]
    private let firstIsLatin: [Bool]
    private let lastIsLatin: [Bool]
    /// The phrases' Characters, read only where a code is ``SlotText/multiScalar``.
    private let chars: [[Character]]
    /// Phrase indices (in table order) by the code of their first Character: a position is tried
    /// only with the phrases that can start there.
    private let byFirst: [UInt32: [Int]]

    init(_ phrases: [Phrase]) {
        var codes: [UInt32] = [], starts = [0]
        var index: [UInt32: [Int]] = [:]
        for (k, p) in phrases.enumerated() {
            codes += p.codes
            starts.append(codes.count)
            if let first = p.codes.first { index[first, default: []].append(k) }
        }
        self.codes = codes
        self.starts = starts
        firstIsLatin = phrases.map(\.firstIsLatin)
        lastIsLatin = phrases.map(\.lastIsLatin)
        chars = phrases.map(\.chars)
        byFirst = index
    }

    /// The longest phrase matching at position `i` of `t` (``match(_:in:at:plural:)``; among equally
    /// long phrases, the first in table order, whose own length decides: a plural match does not
    /// displace a longer spelling found first) and its match length.
    func longestMatch(in t: SlotText, at i: Int, plural: Bool = false) -> (phrase: Int, length: Int)? {
        guard i < t.count, let candidates = byFirst[t.codes[i]] else { return nil }
        var best: (phrase: Int, length: Int)?
        for p in candidates where length(p) > (best?.length ?? 0) {
            if let n = match(p, in: t, at: i, plural: plural) { best = (p, n) }
        }
        return best
    }

    /// Number of phrases.
    var count: Int { starts.count - 1 }

    /// Length of phrase `p` in Characters.
    @inline(__always)
    func length(_ p: Int) -> Int { starts[p + 1] - starts[p] }

    /// The length of the match of phrase `p` at position `i` of `t`, on word boundaries for Latin
    /// ends (as ``SlotText/matches(_:at:)``); with `plural`, a phrase ending in a Latin word character
    /// also matches followed by "s" (length + 1) when it does not match alone. Nil when neither does.
    @inline(__always)
    func match(_ p: Int, in t: SlotText, at i: Int, plural: Bool = false) -> Int? {
        let start = starts[p], n = starts[p + 1] - start
        guard n > 0, i >= 0, i + n <= t.count else { return nil }
        return codes.withUnsafeBufferPointer { pc in
            t.codes.withUnsafeBufferPointer { tc in
                for k in 0..<n where tc[i + k] != pc[start + k]
                    || (pc[start + k] == SlotText.multiScalar && t.chars[i + k] != chars[p][k]) {
                    return nil
                }
                if firstIsLatin[p], i > 0, t.latin[i - 1] { return nil }
                guard lastIsLatin[p], i + n < t.count, t.latin[i + n] else { return n }
                // Followed by a word character: only "s" then a boundary can still match (plural).
                guard plural, tc[i + n] == 0x73, i + n + 1 == t.count || !t.latin[i + n + 1] else { return nil }
                return n + 1
            }
        }
    }
}
