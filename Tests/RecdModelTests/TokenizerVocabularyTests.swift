import Foundation
import XCTest
@testable import RecdModel

/// Building a tokenizer: vocab.txt parsing and the errors for unusable vocabularies.
final class TokenizerVocabularyTests: XCTestCase {
    private let minimal = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello"]

    private func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testMissingSpecialTokenIsNamed() {
        for missing in ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] {
            let text = message { _ = try WordPieceTokenizer(vocabulary: minimal.filter { $0 != missing }) }
            XCTAssertTrue(text.contains("no '\(missing)' token"), text)
        }
        XCTAssertTrue(message { _ = try WordPieceTokenizer(vocabulary: []) }.contains("is empty"))
    }

    func testRepeatedTokenIsNamedWithBothIds() {
        let text = message { _ = try WordPieceTokenizer(vocabulary: minimal + ["world", "hello"]) }
        XCTAssertTrue(text.contains("'hello' twice (ids 4 and 6)"), text)
    }

    func testCanonicallyEquivalentTokensAreDistinct() throws {
        let t = try WordPieceTokenizer(vocabulary: minimal + ["caf\u{E9}", "cafe\u{301}"],
                                       options: TokenizerOptions(doLowerCase: false))
        XCTAssertEqual(t.encode("caf\u{E9} cafe\u{301}"), [2, 5, 6, 3])
    }

    func testVocabFileLinesAreTokenIds() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("recd-tokenizer-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let unix = directory.appendingPathComponent("unix.txt")
        try Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n##s\n".utf8).write(to: unix)
        let t = try WordPieceTokenizer(vocabFile: unix)
        XCTAssertEqual(t.vocabulary, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "##s"])
        XCTAssertEqual(t.encode("Hellos"), [2, 4, 5, 3])

        let windows = directory.appendingPathComponent("windows.txt")
        try Data("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhello".utf8).write(to: windows)
        XCTAssertEqual(try WordPieceTokenizer(vocabFile: windows).vocabulary.last, "hello")

        let binary = directory.appendingPathComponent("binary.txt")
        try Data([0x5B, 0xFF, 0xFE, 0x0A]).write(to: binary)
        XCTAssertTrue(message { _ = try WordPieceTokenizer(vocabFile: binary) }.contains("not valid UTF-8"))

        let absent = directory.appendingPathComponent("absent.txt")
        let text = message { _ = try WordPieceTokenizer(vocabFile: absent) }
        XCTAssertTrue(text.contains("cannot read vocabulary file '\(absent.path)'"), text)
    }
}
