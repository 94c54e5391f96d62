import XCTest
@testable import RecdModel

/// The tokenizer against Hugging Face's own output for all-MiniLM-L6-v2's vocabulary.
final class TokenizerReferenceTests: XCTestCase {
    private struct Reference: Decodable {
        let max_seq_length: Int
        let cases: [TokenizerFixtures.Case]
    }

    private struct Groups: Decodable {
        struct Options: Decodable {
            let doLowerCase: Bool
            let stripAccents: Bool?
            let tokenizeChineseChars: Bool
        }
        struct Group: Decodable {
            let name: String
            let options: Options
            let cases: [TokenizerFixtures.Case]
        }
        let max_length: Int
        let groups: [Group]
    }

    private struct Sweep: Decodable {
        let max_length: Int
        let cases: [TokenizerFixtures.Case]
    }

    /// The 33 sentence-transformers reference cases the model tests also use.
    func testMatchesSentenceTransformersReferenceIds() throws {
        let reference = try TokenizerFixtures.load(Reference.self, fixture: "minilm_reference")
        XCTAssertEqual(reference.cases.count, 33)
        let tokenizer = try TokenizerFixtures.realTokenizer()
        TokenizerFixtures.check(reference.cases, with: tokenizer, maxLength: reference.max_seq_length,
                                label: "minilm_reference")
    }

    /// A few hundred diverse strings under five option sets (made by make_tokenizer_cases.py).
    func testMatchesHuggingFaceOnDiverseStrings() throws {
        let fixture = try TokenizerFixtures.load(Groups.self, fixture: "tokenizer_cases")
        XCTAssertEqual(fixture.groups.count, 5)
        for group in fixture.groups {
            let options = TokenizerOptions(doLowerCase: group.options.doLowerCase,
                                           stripAccents: group.options.stripAccents,
                                           tokenizeChineseChars: group.options.tokenizeChineseChars)
            let tokenizer = try TokenizerFixtures.realTokenizer(options: options)
            XCTAssertGreaterThan(group.cases.count, 150, group.name)
            TokenizerFixtures.check(group.cases, with: tokenizer, maxLength: fixture.max_length,
                                    label: "tokenizer_cases[\(group.name)]")
        }
    }

    /// About 16 000 single code points, each as "a<c>a": drop, whitespace, punctuation, accents,
    /// case and CJK handling per scalar, including the Unicode-version quirks of `tokenizers`.
    func testMatchesHuggingFaceOnCodePointSweep() throws {
        let fixture = try TokenizerFixtures.load(Sweep.self, fixture: "tokenizer_codepoints")
        XCTAssertGreaterThan(fixture.cases.count, 300)
        let tokenizer = try TokenizerFixtures.realTokenizer()
        TokenizerFixtures.check(fixture.cases, with: tokenizer, maxLength: fixture.max_length,
                                label: "tokenizer_codepoints")
    }

    /// Long input is cut to maxLength with [SEP] kept last.
    func testRealVocabularyTruncatesTo256() throws {
        let tokenizer = try TokenizerFixtures.realTokenizer()
        let ids = tokenizer.encode(String(repeating: "shoes and socks ", count: 200))
        XCTAssertEqual(ids.count, 256)
        XCTAssertEqual(ids.first, tokenizer.clsId)
        XCTAssertEqual(ids.last, tokenizer.sepId)
        XCTAssertEqual([tokenizer.padId, tokenizer.unkId, tokenizer.clsId, tokenizer.sepId], [0, 100, 101, 102])
    }
}
