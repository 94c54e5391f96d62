extension SlotParser {
    struct PriceMatch { var price: PriceRange; var range: Range<Int> }

    static let currencyPrefixes: [(Phrase, String)] = ([
        ("us$", "USD"), ("usd", "USD"), ("$", "USD"), ("rmb", "CNY"), ("¥", "CNY"), ("￥", "CNY"),
        ("€", "EUR"), ("eur", "EUR"), ("£", "GBP"), ("gbp", "GBP"),
    ] as [(String, String)]).map { (Phrase($0.0), $0.1) }
    static let currencySuffixes: [(Phrase, String)] = ([
        ("dollars", "USD"), ("dollar", "USD"), ("bucks", "USD"), ("usd", "USD"), ("美元", "USD"), ("美金", "USD"), ("刀", "USD"),
        ("euros", "EUR"), ("euro", "EUR"), ("eur", "EUR"), ("欧元", "EUR"), ("€", "EUR"),
        ("pounds", "GBP"), ("quid", "GBP"), ("gbp", "GBP"), ("英镑", "GBP"),
        ("yuan", "CNY"), ("rmb", "CNY"), ("cny", "CNY"), ("块钱", "CNY"), ("块", "CNY"), ("元", "CNY"), ("人民币", "CNY"),
        ("yen", "JPY"), ("jpy", "JPY"), ("日元", "JPY"), ("円", "JPY"),
    ] as [(String, String)]).map { (Phrase($0.0), $0.1) }
    static let upperBefore = phrases(["under", "below", "less than", "cheaper than", "no more than", "not more than",
        "not over", "at most", "up to", "max", "maximum", "within", "budget of", "budget is", "budget",
        "under a budget of", "不超过", "不高于", "低于", "少于", "不到", "最多", "预算", "预算是", "预算在", "便宜于"])
    static let lowerBefore = phrases(["over", "above", "more than", "at least", "min", "minimum", "starting at",
        "starting from", "超过", "高于", "至少", "不低于", "多于"])
    static let approxBefore = phrases(["around", "about", "approximately", "roughly", "close to", "near", "~",
        "大约", "大概", "差不多", "约"])
    static let rangeBefore = phrases(["between", "from", "在", "介于", "价格在", "价位在", "预算在", "预算"])
    static let rangeSeparators = phrases(["-", "~", "–", "—", "to", "and", "到", "至", "和"])
    static let upperAfter = phrases(["or less", "or under", "or below", "and under", "and below", "max", "tops",
        "at most", "以内", "以下", "之内", "内"])
    static let lowerAfter = phrases(["or more", "and up", "and above", "or above", "plus", "+", "以上", "起"])
    static let approxAfter = phrases(["左右", "上下", "ish"])
    /// After-cues that mark a price on their own, without currency or price words ("1万以内").
    static let strongAfter: Set<String> = ["以内", "以下", "之内", "以上", "左右", "上下", "or less", "or more", "and up"]
    static let rangeAfter = phrases(["之间", "中间"])
    static let priceContext: [Phrase] = (["price", "cost", "budget", "spend", "priced", "cheap", "$", "¥", "价格", "价位", "预算",
        "价钱", "钱", "元", "块"] as [String]).map { Phrase($0) }

    /// Currency written right before `i` (its start and code).
    static func currency(before i: Int, in t: SlotText) -> (Int, String)? {
        for (p, code) in currencyPrefixes {
            let start = p.chars.first!.isLetter ? t.skipSpacesBackward(from: i) - p.count : i - p.count
            if start >= 0 && t.matches(p, at: start) { return (start, code) }
        }
        return nil
    }

    /// Currency written right after `i` (its end and code).
    static func currency(after i: Int, in t: SlotText) -> (Int, String)? {
        for (s, code) in currencySuffixes {
            let start = s.chars.first!.isLetter ? t.skipSpaces(from: i) : i
            if t.matches(s, at: start) { return (start + s.count, code) }
        }
        return nil
    }

    /// A number with the currency around it.
    struct Amount { var value: Double; var range: Range<Int>; var currency: String? }

    static func amount(_ n: NumberToken, _ t: SlotText) -> Amount {
        var a = Amount(value: n.value, range: n.range, currency: nil)
        if let (start, code) = currency(before: n.range.lowerBound, in: t) { a.range = start..<a.range.upperBound; a.currency = code }
        if let (end, code) = currency(after: n.range.upperBound, in: t) { a.range = a.range.lowerBound..<end; a.currency = a.currency ?? code }
        return a
    }

    static func prices(_ t: SlotText, _ numbers: [NumberToken]) -> [PriceMatch] {
        guard !numbers.isEmpty else { return [] }
        let amounts = numbers.map { amount($0, t) }
        let hasContext = priceContext.contains { t.contains($0) }
        var out: [PriceMatch] = []
        var k = 0
        while k < amounts.count {
            let a = amounts[k]
            // Range: A sep B.
            if k + 1 < amounts.count {
                let b = amounts[k + 1]
                let gapStart = t.skipSpaces(from: a.range.upperBound)
                if let sepEnd = t.phraseStarting(after: a.range.upperBound, in: rangeSeparators),
                   t.skipSpaces(from: sepEnd) == b.range.lowerBound, gapStart < sepEnd {
                    let cue = t.phraseEnding(before: a.range.lowerBound, in: rangeBefore)
                    let after = t.phraseStarting(after: b.range.upperBound, in: rangeAfter)
                    let currency = a.currency ?? b.currency
                    let sepWord = String(t.chars[gapStart..<sepEnd])
                    // A range is a price with a currency, with a cue and price words, or as a plain
                    // "X-Y"/"X到Y" of amounts ≥ 10 not followed by another unit ("3-5 days").
                    let plainRange = sepWord != "and" && min(a.value, b.value) >= 10
                        && t.phraseStarting(after: b.range.upperBound, in: nonPriceUnits) == nil
                    if currency != nil || (cue != nil && (sepWord == "and" || after != nil || hasContext))
                        || (hasContext && sepWord != "and") || plainRange {
                        let lo = min(a.value, b.value), hi = max(a.value, b.value)
                        let start = cue.map { min($0, a.range.lowerBound) } ?? a.range.lowerBound
                        out.append(PriceMatch(price: PriceRange(lower: lo, upper: hi, currency: currency),
                                              range: start ..< (after ?? b.range.upperBound)))
                        k += 2
                        continue
                    }
                }
            }
            // Single amount with a cue before or after.
            var price: PriceRange?
            var start = a.range.lowerBound, end = a.range.upperBound
            if let s = t.phraseEnding(before: a.range.lowerBound, in: upperBefore) {
                price = PriceRange(upper: a.value, currency: a.currency); start = s
            } else if let s = t.phraseEnding(before: a.range.lowerBound, in: lowerBefore) {
                price = PriceRange(lower: a.value, currency: a.currency); start = s
            } else if let s = t.phraseEnding(before: a.range.lowerBound, in: approxBefore) {
                price = PriceRange(lower: a.value * 0.8, upper: a.value * 1.2, currency: a.currency, approximate: true); start = s
            }
            func strong(_ e: Int) -> Bool {
                a.currency != nil || hasContext || strongAfter.contains(String(t.chars[t.skipSpaces(from: a.range.upperBound)..<e]))
            }
            if let e = t.phraseStarting(after: a.range.upperBound, in: upperAfter), strong(e) {
                price = PriceRange(lower: price?.lower, upper: a.value, currency: a.currency); end = e
            } else if let e = t.phraseStarting(after: a.range.upperBound, in: lowerAfter), strong(e) {
                price = PriceRange(lower: a.value, upper: price?.upper, currency: a.currency); end = e
            } else if let e = t.phraseStarting(after: a.range.upperBound, in: approxAfter), strong(e) {
                price = PriceRange(lower: a.value * 0.8, upper: a.value * 1.2, currency: a.currency, approximate: true); end = e
            }
            if price == nil, a.currency != nil {
                price = PriceRange(lower: a.value * 0.8, upper: a.value * 1.2, currency: a.currency, approximate: true)
            }
            if let p = price {
                // A cue without currency or price words is still a price ("under 100"), except
                // for small counts with a unit ("over 2 days" is not a budget).
                if a.currency == nil, let unitEnd = t.phraseStarting(after: a.range.upperBound, in: nonPriceUnits), unitEnd > 0 {
                    k += 1; continue
                }
                out.append(PriceMatch(price: p, range: start..<end))
            }
            k += 1
        }
        return out
    }

    static let nonPriceUnits = phrases(["days", "day", "hours", "hour", "weeks", "week", "months", "month", "years",
        "year", "minutes", "stars", "star", "items", "pieces", "pairs", "people", "inch", "inches", "gb", "tb", "mb",
        "kg", "g", "mm", "cm", "%", "percent", "天", "小时", "周", "个月", "年", "星", "寸", "英寸", "件", "个", "双", "台",
        "人", "斤", "公斤", "克", "号", "码"])
}
