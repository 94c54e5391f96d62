extension SlotParser {
    struct SortMatch { var preference: SortPreference; var range: Range<Int> }

    static let sortPhrases: [(SortPreference, [Phrase])] = [
        (.priceAscending, phrases(["cheapest", "lowest price", "lowest priced", "least expensive", "price low to high",
            "low to high", "lowest cost", "最便宜", "价格最低", "价格从低到高", "从低到高", "最实惠", "价格最便宜"])),
        (.priceDescending, phrases(["most expensive", "highest price", "priciest", "price high to low", "high to low",
            "最贵", "价格最高", "价格从高到低", "从高到低"])),
        (.ratingDescending, phrases(["best rated", "best-rated", "top rated", "top-rated", "highest rated", "best reviewed",
            "best reviews", "highest rating", "best ratings", "评分最高", "好评最多", "评价最好", "口碑最好", "评分高", "好评率最高"])),
        (.newest, phrases(["newest", "latest", "most recent", "new arrivals", "just released", "最新款", "最新", "新款", "新品"])),
        (.popularity, phrases(["most popular", "best selling", "best-selling", "bestseller", "bestsellers", "top selling",
            "最畅销", "卖得最好", "销量最高", "最受欢迎", "最火", "热销"])),
    ]

    /// `sortPhrases` packed in order, and the preference of each.
    static let sortTable = PackedPhrases(sortPhrases.flatMap(\.1))
    static let sortTablePreferences = sortPhrases.flatMap { pref, list in list.map { _ in pref } }

    static func sorts(_ t: SlotText) -> [SortMatch] {
        var out: [SortMatch] = []
        let table = sortTable
        var i = 0
        while i < t.count {
            if let b = table.longestMatch(in: t, at: i) {
                out.append(SortMatch(preference: sortTablePreferences[b.phrase], range: i ..< i + b.length))
                i += b.length
            } else { i += 1 }
        }
        return out
    }

    struct SizeMatch { var value: String; var range: Range<Int> }

    static let sizeCues = PackedPhrases(phrases(["size", "尺码", "尺寸"]))

    /// "size 10", "size 9.5", "size M", "42码", "尺码42", "XL号".
    static func explicitSizes(_ t: SlotText) -> [SizeMatch] {
        var out: [SizeMatch] = []
        let cues = sizeCues
        for i in 0..<t.count {
            var found: Int?
            for p in 0..<cues.count { if let n = cues.match(p, in: t, at: i) { found = n; break } }
            guard let cue = found else { continue }
            let start = t.skipSpaces(from: i + cue)
            var j = start
            while j < t.count && ((t.chars[j].isASCII && (t.chars[j].isNumber || t.chars[j].isLetter))
                                  || (t.chars[j] == "." && j > start && j + 1 < t.count && t.chars[j + 1].isNumber)) { j += 1 }
            let value = String(t.chars[start..<j])
            if j > start, value.first!.isNumber || ["xs", "s", "m", "l", "xl", "xxl"].contains(value) {
                out.append(SizeMatch(value: value.uppercased(), range: i..<j))
            }
        }
        // 42码, XL号
        var i = 0
        while i < t.count {
            if t.chars[i] == "码" || t.chars[i] == "号" {
                var j = i
                while j > 0 && (t.chars[j - 1].isNumber || (t.chars[j - 1].isASCII && t.chars[j - 1].isLetter) || t.chars[j - 1] == ".") { j -= 1 }
                let value = String(t.chars[j..<i])
                if j < i, value.first?.isNumber == true || ["xs", "s", "m", "l", "xl", "xxl"].contains(value),
                   !out.contains(where: { $0.range.overlaps(j ..< i + 1) }) {
                    out.append(SizeMatch(value: value.uppercased(), range: j ..< i + 1))
                }
            }
            i += 1
        }
        return out
    }
}
