extension SlotParser {
    static let negationCues = phrases(["not", "no", "without", "except", "excluding", "other than", "but not",
        "anything but", "don't want", "do not want", "dont want", "avoid", "non", "never", "not from",
        "不要", "不想要", "不用", "除了", "别买", "别给我", "不是", "非", "不含", "不买", "排除", "不考虑"])
    static let listJoiners = phrases(["or", "and", "nor", ",", "、", "和", "或", "或者", "及", "/"])
    static let fillers = phrases(["a", "an", "the", "any", "from", "made by", "by", "brand", "的"])

    /// True when a negation cue precedes `range` — directly, across fillers ("not from Apple",
    /// "no Samsung"), or across a list whose first item was negated ("not Apple or Samsung").
    static func isNegated(_ t: SlotText, _ range: Range<Int>, previous: [Slot]) -> Bool {
        var i = range.lowerBound
        for _ in 0..<3 {
            if t.phraseEnding(before: i, in: negationCues) != nil { return true }
            if let s = t.phraseEnding(before: i, in: fillers) { i = s; continue }
            if let s = t.phraseEnding(before: i, in: listJoiners) {
                let before = t.skipSpacesBackward(from: s)
                if let prev = previous.last(where: { $0.span.upperBound == before }), prev.negated { return true }
            }
            break
        }
        return false
    }
}
