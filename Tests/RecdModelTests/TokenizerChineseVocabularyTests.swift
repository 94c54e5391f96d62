import XCTest
@testable import RecdModel

/// A Chinese-style BERT vocabulary (special tokens not first, case-sensitive entries, single
/// ideographs, `##` continuations of Latin words) with lower-casing off, as bert-base-chinese uses.
final class TokenizerChineseVocabularyTests: XCTestCase {
    static let vocabulary = [
        "[UNK]", "我", "想", "买", "一", "台", "笔", "记", "本", "电", "脑", "，", "。", "？", "[PAD]",
        "Apple", "apple", "i", "##Phone", "##phone", "Café", "1", "##00", "元", "-", "[CLS]", "[SEP]",
    ]

    private func tokenizer() throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabulary: Self.vocabulary, options: TokenizerOptions(doLowerCase: false))
    }

    func testIdeographsSplitAndCaseIsPreserved() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.tokenize("我想买Apple笔记本电脑。"), ["我", "想", "买", "Apple", "笔", "记", "本", "电", "脑", "。"])
        XCTAssertEqual(t.tokenize("apple iPhone iphone"), ["apple", "i", "##Phone", "i", "##phone"])
        XCTAssertEqual(t.tokenize("APPLE"), ["[UNK]"], "nothing is lower-cased")
    }

    func testAccentsAreKeptWhenNotLowerCasing() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.tokenize("Café"), ["Café"])
        XCTAssertEqual(t.tokenize("Cafe\u{301}"), ["[UNK]"], "no NFC composition either")
    }

    func testSpecialIdsFollowTheVocabularyNotBERTDefaults() throws {
        let t = try tokenizer()
        XCTAssertEqual([t.unkId, t.padId, t.clsId, t.sepId], [0, 14, 25, 26])
        XCTAssertEqual(t.encode("一台100元？"), [25, 4, 5, 21, 22, 23, 13, 26])
        XCTAssertEqual(t.tokenize("[MASK]"), ["[UNK]", "[UNK]", "[UNK]"],
                       "no [MASK] in this vocabulary, so it is ordinary text")
    }
}
