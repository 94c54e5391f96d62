extension SlotParser {
    struct QuantityMatch { var count: Int; var range: Range<Int> }

    static let measureWords: Set<Character> = ["个", "件", "双", "台", "本", "只", "瓶", "盒", "支", "条", "套", "部", "张",
        "份", "包", "副", "箱", "袋", "块", "片", "对", "顶", "把", "款", "罐", "管"]
    static let unitWords = phrases(["pairs", "pair", "pieces", "piece", "pcs", "units", "unit", "packs", "pack",
        "bottles", "bottle", "boxes", "box", "sets", "set", "items", "item", "copies", "copy", "of them", "of those"])
    static let notCounted = phrases(["days", "day", "hours", "hour", "weeks", "week", "months", "month", "years",
        "year", "minutes", "minute", "stars", "star", "inch", "inches", "gb", "tb", "mb", "kg", "mm", "cm", "%",
        "percent", "times", "am", "pm", "o'clock"])

    /// "two", "3 pairs", "两个", "三件"; not prices, sizes, times or measurements.
    static func quantities(_ t: SlotText, _ numbers: [NumberToken]) -> [QuantityMatch] {
        var out: [QuantityMatch] = []
        for n in numbers where n.value >= 1 && n.value <= 999 && n.value == n.value.rounded() {
            let isCJKNumber = SlotText.isCJK(t.chars[n.range.lowerBound])
            let end = n.range.upperBound
            if end < t.count, measureWords.contains(t.chars[end]) {
                out.append(QuantityMatch(count: Int(n.value), range: n.range.lowerBound ..< end + 1)); continue
            }
            if isCJKNumber { continue }   // 一 in 一下/统一 is not a count
            if t.phraseStarting(after: end, in: notCounted) != nil { continue }
            if let e = t.phraseStarting(after: end, in: unitWords) {
                out.append(QuantityMatch(count: Int(n.value), range: n.range.lowerBound ..< e)); continue
            }
            // A bare count before a noun ("two laptops", "3 t-shirts"), or a number word alone.
            let next = t.skipSpaces(from: end)
            let isWord = t.chars[n.range.lowerBound].isLetter
            if isWord || (next < t.count && next > end && t.chars[next].isLetter) {
                out.append(QuantityMatch(count: Int(n.value), range: n.range))
            }
        }
        return out
    }
}
