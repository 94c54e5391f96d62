/// A number written in the text: digits ("1,299.99", "1.5k", "3万"), English words
/// ("two hundred", "twenty-five") or Chinese numerals ("两百", "三千五", "一百").
struct NumberToken: Hashable {
    var value: Double
    /// Character offsets in the slot text.
    var range: Range<Int>
}

/// Finds numbers in a ``SlotText``.
enum NumberScanner {
    static func scan(_ t: SlotText) -> [NumberToken] {
        var out: [NumberToken] = []
        var i = 0
        while i < t.count {
            if let tok = digits(t, at: i) ?? englishWords(t, at: i) ?? chinese(t, at: i) {
                out.append(tok)
                i = tok.range.upperBound
            } else {
                i += 1
            }
        }
        return out
    }

    // MARK: digits

    private static func digits(_ t: SlotText, at i: Int) -> NumberToken? {
        let c = t.chars
        guard (0x30...0x39).contains(t.codes[i]) else { return nil }   // an ASCII digit
        if i > 0, SlotText.isLatinWordChar(c[i - 1]), !c[i - 1].isNumber { return nil }   // "x100", "ps5"
        var j = i
        var text = ""
        while j < t.count {
            if c[j].isASCII && c[j].isNumber { text.append(c[j]); j += 1; continue }
            // Thousands separator: a comma followed by exactly three digits.
            if c[j] == ",", j + 3 < t.count,
               (1...3).allSatisfy({ c[j + $0].isASCII && c[j + $0].isNumber }),
               !(j + 4 < t.count && c[j + 4].isASCII && c[j + 4].isNumber) {
                j += 1; continue
            }
            if c[j] == ".", j + 1 < t.count, c[j + 1].isASCII, c[j + 1].isNumber, !text.contains(".") {
                text.append("."); j += 1; continue
            }
            break
        }
        guard var value = Double(text) else { return nil }
        // Multiplier suffixes: 1.5k, 2K, 3w (萬 shorthand), 3万, 5千.
        if j < t.count {
            let next = c[j]
            let followedByLetter = j + 1 < t.count && SlotText.isLatinWordChar(c[j + 1]) && !c[j + 1].isNumber
            if (next == "k") && !followedByLetter { value *= 1000; j += 1 }
            else if next == "w" && !followedByLetter { value *= 10000; j += 1 }
            else if next == "万" { value *= 10000; j += 1 }
            else if next == "千" { value *= 1000; j += 1 }
        }
        return NumberToken(value: value, range: i..<j)
    }

    // MARK: English words

    static let units: [String: Double] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
        "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "dozen": 12,
    ]
    static let tens: [String: Double] = [
        "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    ]

    /// A letter of a space-separated script at `i` (ASCII decided from the code, without a Unicode
    /// property lookup).
    @inline(__always)
    private static func isWordLetter(_ t: SlotText, _ i: Int) -> Bool {
        let c = t.codes[i]
        if c < 0x80 { return (0x61...0x7A).contains(c) || (0x41...0x5A).contains(c) }
        return t.chars[i].isLetter && !SlotText.isCJK(t.chars[i])
    }

    private static func word(_ t: SlotText, at i: Int) -> (String, Int)? {
        guard i < t.count, isWordLetter(t, i) else { return nil }
        if i > 0, t.latin[i - 1] { return nil }
        var j = i
        while j < t.count && isWordLetter(t, j) { j += 1 }
        return (String(t.chars[i..<j]), j)
    }

    private static func englishWords(_ t: SlotText, at i: Int) -> NumberToken? {
        var total = 0.0, current = 0.0
        var end = i
        var pos = i
        var any = false
        // "a hundred", "a thousand"
        if let (w, j) = word(t, at: pos), w == "a", let (w2, _) = word(t, at: t.skipSpaces(from: j)),
           w2 == "hundred" || w2 == "thousand" {
            current = 1; pos = t.skipSpaces(from: j)
        }
        while let (w, j) = word(t, at: pos) {
            if let u = units[w] { current += u }
            else if let te = tens[w] {
                current += te
                // twenty-five
                if j < t.count, t.chars[j] == "-", let (w2, j2) = word(t, at: j + 1), let u = units[w2], u < 10 {
                    current += u; end = j2; any = true
                    pos = t.skipSpaces(from: j2)
                    continue
                }
            } else if w == "hundred", any || current > 0 { current = max(current, 1) * 100 }
            else if w == "thousand", any || current > 0 { total += max(current, 1) * 1000; current = 0 }
            else if w == "and", any, let (w2, _) = word(t, at: t.skipSpaces(from: j)), units[w2] != nil || tens[w2] != nil {
                pos = t.skipSpaces(from: j); continue
            } else { break }
            any = true
            end = j
            pos = t.skipSpaces(from: j)
        }
        guard any else { return nil }
        return NumberToken(value: total + current, range: i..<end)
    }

    // MARK: Chinese numerals

    static let chineseDigits: [Character: Double] = [
        "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    ]
    static let chineseUnits: [Character: Double] = ["十": 10, "百": 100, "千": 1000, "万": 10000]

    private static func chinese(_ t: SlotText, at i: Int) -> NumberToken? {
        let c = t.chars
        // Every Chinese numeral is at or above U+3007 (〇); the code check spares the Character hash.
        guard t.codes[i] >= 0x3007, chineseDigits[c[i]] != nil || c[i] == "十" else { return nil }
        var total = 0.0, section = 0.0, number = 0.0
        var lastUnit = 0.0
        var j = i
        var pendingDigit = false
        while j < t.count {
            if let d = chineseDigits[c[j]] {
                number = d; pendingDigit = true
            } else if let u = chineseUnits[c[j]] {
                if u == 10000 {
                    total += (section + number) * 10000; section = 0
                } else {
                    section += (number == 0 && u == 10 ? 1 : number) * u
                }
                number = 0; pendingDigit = false; lastUnit = u
            } else { break }
            j += 1
        }
        // Colloquial tail: 三千五 = 3500, 一百五 = 150, 一万二 = 12000.
        if pendingDigit && lastUnit >= 100 && j - i >= 3 { number *= lastUnit / 10 }
        let value = total + section + number
        // A lone 一 inside words (一下, 一起, 统一) is not a number worth reporting unless a
        // measure word follows; the quantity rule checks that, prices need a cue.
        return NumberToken(value: value, range: i..<j)
    }
}
