import XCTest
@testable import RecdModel

/// One test per normalisation or WordPiece rule, on a tiny hand-made uncased vocabulary.
final class TokenizerRuleTests: XCTestCase {
    static let vocabulary = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        "hello", "world", "cafe", "café", "Cafe", "un", "##aff", "##able", "##a", "a", "x", "##x",
        "!", ",", ".", "-", "$", "[", "]", "sep", "«", "»", "¿", "、", "“", "”", "·",
        "我", "想", "买", "οδοσ", "i", "istanbul",
    ]

    private func tokenizer(_ options: TokenizerOptions = .init()) throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabulary: Self.vocabulary, options: options)
    }

    func testAccentsAreStrippedAfterDecompositionWhenLowerCasing() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.tokenize("Café"), ["cafe"])
        XCTAssertEqual(t.tokenize("CAFÉ"), ["cafe"])
        XCTAssertEqual(t.tokenize("Cafe\u{301}"), ["cafe"], "decomposed accent")
        XCTAssertEqual(t.tokenize("\u{301}\u{308}"), [], "a word of marks only vanishes")
        XCTAssertEqual(t.tokenize("İSTANBUL"), ["istanbul"], "İ decomposes to I + U+0307 first")
    }

    func testAccentsAreKeptWhenStripAccentsIsFalse() throws {
        let t = try tokenizer(TokenizerOptions(doLowerCase: true, stripAccents: false))
        XCTAssertEqual(t.tokenize("CAFÉ"), ["café"])
        XCTAssertEqual(t.tokenize("Cafe\u{301}"), ["[UNK]"], "no composition: e + U+0301 is not é")
        XCTAssertEqual(t.tokenize("İ"), ["[UNK]"], "lower-cased İ is i + U+0307, kept as it is")
    }

    func testAccentsCanBeStrippedWithoutLowerCasing() throws {
        let t = try tokenizer(TokenizerOptions(doLowerCase: false, stripAccents: true))
        XCTAssertEqual(t.tokenize("Café"), ["Cafe"])
        XCTAssertEqual(t.tokenize("CAFÉ"), ["[UNK]"])
    }

    func testLowerCasingIsPerScalarWithoutFinalSigma() throws {
        XCTAssertEqual(try tokenizer().tokenize("ΟΔΟΣ"), ["οδοσ"])
    }

    func testCJKIdeographsBecomeWordsOfTheirOwn() throws {
        XCTAssertEqual(try tokenizer().tokenize("我想买"), ["我", "想", "买"])
        XCTAssertEqual(try tokenizer().tokenize("hello我world"), ["hello", "我", "world"])
        let off = try tokenizer(TokenizerOptions(tokenizeChineseChars: false))
        XCTAssertEqual(off.tokenize("我想买"), ["[UNK]"])
        XCTAssertEqual(off.tokenize("我 想 买"), ["我", "想", "买"])
    }

    func testASCIIAndUnicodePunctuationIsSplitOff() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.tokenize("hello,world!"), ["hello", ",", "world", "!"])
        XCTAssertEqual(t.tokenize("$a-x."), ["$", "a", "-", "x", "."], "ASCII symbols count as punctuation")
        XCTAssertEqual(t.tokenize("«hello»"), ["«", "hello", "»"])
        XCTAssertEqual(t.tokenize("¿hello“world”"), ["¿", "hello", "“", "world", "”"])
        XCTAssertEqual(t.tokenize("a、x·a"), ["a", "、", "x", "·", "a"])
        XCTAssertEqual(t.tokenize("!!"), ["!", "!"], "each punctuation scalar is its own token")
    }

    func testControlAndFormatCharactersAreDropped() throws {
        let t = try tokenizer()
        for dropped in ["\u{0}", "\u{7}", "\u{1B}", "\u{7F}", "\u{85}", "\u{200B}", "\u{AD}", "\u{FEFF}",
                        "\u{FFFD}", "\u{E000}", "\u{F0000}"] {
            XCTAssertEqual(t.tokenize("hel\(dropped)lo"), ["hello"], "U+\(String(dropped.unicodeScalars.first!.value, radix: 16))")
        }
    }

    func testEveryWhitespaceKindSeparatesWords() throws {
        let t = try tokenizer()
        for space in [" ", "\t", "\n", "\r", "\r\n", "\u{A0}", "\u{1680}", "\u{2009}", "\u{202F}",
                      "\u{2028}", "\u{2029}", "\u{3000}", "  \t "] {
            XCTAssertEqual(t.tokenize("hello\(space)world"), ["hello", "world"], space.debugDescription)
        }
        XCTAssertEqual(t.tokenize(" \t hello \n"), ["hello"])
    }

    func testOverlongWordBecomesUnknown() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.tokenize(String(repeating: "x", count: 100)), ["x"] + Array(repeating: "##x", count: 99))
        XCTAssertEqual(t.tokenize(String(repeating: "x", count: 101) + " hello"), ["[UNK]", "hello"])
        let short = try tokenizer(TokenizerOptions(maxInputCharsPerWord: 3))
        XCTAssertEqual(short.tokenize("xxx xxxx"), ["x", "##x", "##x", "[UNK]"])
        XCTAssertEqual(short.tokenize("xxx!xxx"), ["x", "##x", "##x", "!", "x", "##x", "##x"],
                       "the limit applies after punctuation is split off")
    }

    func testWordWithoutMatchBecomesOneUnknown() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.tokenize("hello helloq world"), ["hello", "[UNK]", "world"])
        XCTAssertEqual(t.tokenize("unaffz"), ["[UNK]"], "partial pieces are discarded")
        XCTAssertEqual(t.tokenize("zzz"), ["[UNK]"])
    }

    func testContinuationPiecesUseLongestMatchFirst() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.tokenize("unaffable"), ["un", "##aff", "##able"])
        XCTAssertEqual(t.tokenize("unaffa"), ["un", "##aff", "##a"])
        XCTAssertEqual(t.tokenize("aa"), ["a", "##a"])
    }

    func testEncodeAddsClsAndSepAndTruncatesToMaxLength() throws {
        let t = try tokenizer()
        let hello: Int32 = 5, world: Int32 = 6, un: Int32 = 10, aff: Int32 = 11
        XCTAssertEqual(t.encode("hello world hello world"), [2, hello, world, hello, world, 3])
        XCTAssertEqual(t.encode("hello world hello world", maxLength: 4), [2, hello, world, 3])
        XCTAssertEqual(t.encode("unaffable hello", maxLength: 4), [2, un, aff, 3], "cut inside a word")
        XCTAssertEqual(t.encode("hello world", maxLength: 2), [2, 3])
        XCTAssertEqual(t.encode("hello world", maxLength: 0), [2, 3], "below 2 counts as 2")
        XCTAssertEqual(t.encode(String(repeating: "hello ", count: 1000)).count, 256)
    }

    func testEmptyAndBlankTextEncodeToClsSep() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.encode(""), [t.clsId, t.sepId])
        XCTAssertEqual(t.encode(" \t\n\u{200B}"), [t.clsId, t.sepId])
        XCTAssertEqual(t.tokenize(""), [])
    }

    func testSpecialTokensWrittenInTextAreKeptCaseSensitively() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.tokenize("hello[SEP]world"), ["hello", "[SEP]", "world"])
        XCTAssertEqual(t.tokenize("[MASK] [CLS]"), ["[MASK]", "[CLS]"])
        XCTAssertEqual(t.tokenize("[sep]"), ["[", "sep", "]"])
        XCTAssertEqual(t.tokenize("[[SEP]"), ["[", "[SEP]"])
        XCTAssertEqual(t.tokenize("[SEP"), ["[", "sep"], "incomplete: ordinary, lower-cased text")
    }

    func testIdsOfSpecialTokensComeFromTheVocabulary() throws {
        let t = try tokenizer()
        XCTAssertEqual([t.padId, t.unkId, t.clsId, t.sepId], [0, 1, 2, 3])
        XCTAssertEqual(t.vocabulary, Self.vocabulary)
    }
}
