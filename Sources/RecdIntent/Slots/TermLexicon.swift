/// Catalog terms prepared for matching: every spelling as Characters, plus an index of Latin
/// spellings for fuzzy (typo-tolerant) matching.
struct TermLexicon: Sendable {
    struct Entry: Sendable {
        let kind: SlotKind
        let value: String
        let spelling: Phrase

        init(kind: SlotKind, value: String, spelling: [Character]) {
            self.kind = kind
            self.value = value
            self.spelling = Phrase(spelling)
        }
    }

    struct Match { var kind: SlotKind; var value: String; var range: Range<Int> }

    let entries: [Entry]
    /// `entries`' spellings (longest first), packed in the same order and indexed by the code of
    /// their first Character (``SlotText/code(of:)``): a position is compared only with the spellings
    /// that can start there, instead of with the whole vocabulary (the whole-vocabulary scan was most
    /// of INTENT's cost after the encoder). Keyed by code, not Character: hashing a Character hashes
    /// a String.
    let spellings: PackedPhrases
    /// Single-word Latin spellings of ≥ 5 letters (shorter words have too many real-word
    /// neighbours: nike/like, dell/tell, sony/song), candidates for fuzzy matches.
    let fuzzy: [Entry]
    /// `fuzzy` spellings as ASCII bytes, concatenated in the same order; entry `k`'s are
    /// `fuzzyBytes[fuzzyStarts[k] ..< fuzzyStarts[k + 1]]`.
    let fuzzyBytes: [UInt8]
    let fuzzyStarts: [Int]

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
        spellings = PackedPhrases(entries.map(\.spelling))
        fuzzy = e.filter { $0.spelling.count >= 5 && $0.spelling.chars.allSatisfy { $0.isASCII && $0.isLetter } }
        var bytes: [UInt8] = [], starts = [0]
        for f in fuzzy { bytes += Array(String(f.spelling.chars).utf8); starts.append(bytes.count) }
        fuzzyBytes = bytes
        fuzzyStarts = starts
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
            // The longest spelling, or its plural ("laptops"), starting here.
            if let b = spellings.longestMatch(in: t, at: i, plural: true) {
                out.append(Match(kind: entries[b.phrase].kind, value: entries[b.phrase].value, range: i ..< i + b.length))
                i += b.length
                continue
            }
            i += 1
        }
        // Typos: Latin words that matched nothing, compared with single-word spellings.
        for w in t.words() where w.text.count >= 5 && w.text.allSatisfy({ $0.isASCII && $0.isLetter })
            && !Self.notFuzzy.contains(w.text) && !out.contains(where: { $0.range.overlaps(w.range) }) {
            let word = Array(w.text.utf8)
            var best: (distance: Int, entry: Int)?
            word.withUnsafeBufferPointer { wb in
                fuzzyBytes.withUnsafeBufferPointer { all in
                    for k in 0..<fuzzyStarts.count - 1 {   // by index: copying each Entry cost a retain per field
                        let start = fuzzyStarts[k], n = fuzzyStarts[k + 1] - start
                        let limit = n >= 9 ? 2 : 1
                        guard abs(n - wb.count) <= limit else { continue }
                        let d = editDistance(wb, UnsafeBufferPointer(rebasing: all[start ..< start + n]), limit: limit)
                        if d <= limit, best == nil || d < best!.distance { best = (d, k) }
                    }
                }
            }
            if let b = best { out.append(Match(kind: fuzzy[b.entry].kind, value: fuzzy[b.entry].value, range: w.range)) }
        }
        return out.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }
}
