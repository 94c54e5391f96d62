/// Catalog terms prepared for matching: every spelling as Characters, plus an index of Latin
/// spellings for fuzzy (typo-tolerant) matching.
struct TermLexicon: Sendable {
    struct Entry: Sendable {
        let kind: SlotKind
        let value: String
        let spelling: [Character]
    }

    struct Match { var kind: SlotKind; var value: String; var range: Range<Int> }

    let entries: [Entry]
    /// Indices into `entries` (longest spelling first) by first Character: a position is compared
    /// only with the spellings that can start there, instead of with the whole vocabulary
    /// (the whole-vocabulary scan was most of INTENT's cost after the encoder).
    let byFirst: [Character: [Int]]
    /// Single-word Latin spellings of ≥ 5 letters (shorter words have too many real-word
    /// neighbours: nike/like, dell/tell, sony/song), candidates for fuzzy matches.
    let fuzzy: [Entry]
    /// `fuzzy` spellings as ASCII bytes, same order.
    let fuzzyBytes: [[UInt8]]

    init(_ vocabulary: CatalogVocabulary) {
        var e: [Entry] = []
        for term in vocabulary.terms {
            var seen = Set<String>()
            for s in [term.value] + term.synonyms {
                let key = TextNormalizer.normalize(s)
                guard !key.isEmpty, seen.insert(key).inserted else { continue }
                e.append(Entry(kind: term.kind, value: term.value, spelling: Array(key)))
            }
        }
        entries = e.sorted { $0.spelling.count > $1.spelling.count }
        var index: [Character: [Int]] = [:]
        for (k, entry) in entries.enumerated() { index[entry.spelling[0], default: []].append(k) }
        byFirst = index
        fuzzy = e.filter { $0.spelling.count >= 5 && $0.spelling.allSatisfy { $0.isASCII && $0.isLetter } }
        fuzzyBytes = fuzzy.map { Array(String($0.spelling).utf8) }
    }

    /// Common words one typo away from a catalog word ("apply"/"apple", "speakers"/"sneakers")
    /// that must never be read as that word.
    static let notFuzzy: Set<String> = ["apply", "ample", "while", "write", "whine", "block", "slack", "blank",
        "greet", "grown", "crown", "match", "catch", "patch", "shows", "shops", "shots", "press", "looks", "boots",
        "cooks", "hooks", "phony", "prone", "shone", "table", "packet", "racket", "smell", "shall", "stall", "barge",
        "lager", "sliver", "canoe", "speakers", "speaker", "trailers", "navel", "there", "their", "where", "black",
        "about", "price", "prices", "order", "orders", "cheap", "other", "these", "those", "which", "would", "could"]

    func matches(in t: SlotText) -> [Match] {
        var out: [Match] = []
        var i = 0
        while i < t.count {
            var best: Match?
            guard let candidates = byFirst[t.chars[i]] else { i += 1; continue }
            for k in candidates where entries[k].spelling.count > (best?.range.count ?? 0) {
                let e = entries[k]
                if t.matches(e.spelling, at: i) {
                    best = Match(kind: e.kind, value: e.value, range: i ..< i + e.spelling.count)
                } else if SlotText.isLatinWordChar(e.spelling.last!), i + e.spelling.count < t.count,
                          t.chars[i + e.spelling.count] == "s", t.matches(e.spelling + ["s"], at: i) {
                    best = Match(kind: e.kind, value: e.value, range: i ..< i + e.spelling.count + 1)   // plural
                }
            }
            if let b = best { out.append(b); i = b.range.upperBound; continue }
            i += 1
        }
        // Typos: Latin words that matched nothing, compared with single-word spellings.
        for w in t.words() where w.text.count >= 5 && w.text.allSatisfy({ $0.isASCII && $0.isLetter })
            && !Self.notFuzzy.contains(w.text) && !out.contains(where: { $0.range.overlaps(w.range) }) {
            let word = Array(w.text.utf8)
            var best: (Int, Entry)?
            word.withUnsafeBufferPointer { wb in
                for (k, e) in fuzzy.enumerated() {
                    let limit = e.spelling.count >= 9 ? 2 : 1
                    guard abs(e.spelling.count - wb.count) <= limit else { continue }
                    let d = fuzzyBytes[k].withUnsafeBufferPointer { editDistance(wb, $0, limit: limit) }
                    if d <= limit, best == nil || d < best!.0 { best = (d, e) }
                }
            }
            if let (_, e) = best { out.append(Match(kind: e.kind, value: e.value, range: w.range)) }
        }
        return out.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }
}
