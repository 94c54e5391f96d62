import Foundation
import XCTest
@testable import RecdModel

/// Shared helpers for the tokenizer tests: the real vocabulary and the JSON fixtures.
enum TokenizerFixtures {
    /// A failure whose message tells the reader what to do.
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// `$RECD_MODEL_SRC`, or `~/.cache/recd/model-src`.
    static var modelSourceDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["RECD_MODEL_SRC"], !path.isEmpty {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/recd/model-src", isDirectory: true)
    }

    /// all-MiniLM-L6-v2's vocab.txt, with the given options.
    static func realTokenizer(options: TokenizerOptions = .init()) throws -> WordPieceTokenizer {
        let vocab = modelSourceDirectory.appendingPathComponent("vocab.txt")
        guard FileManager.default.fileExists(atPath: vocab.path) else {
            throw Missing(description: "\(vocab.path) is missing: run `make model` "
                + "(or point RECD_MODEL_SRC at a folder holding the model's vocab.txt)")
        }
        return try WordPieceTokenizer(vocabFile: vocab, options: options)
    }

    /// Decodes `Fixtures/<name>.json` from the test bundle.
    static func load<T: Decodable>(_ type: T.Type, fixture name: String) throws -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures")
        else {
            throw Missing(description: "test resource Fixtures/\(name).json is missing from the bundle")
        }
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    /// One text and the ids Hugging Face produced for it.
    struct Case: Decodable {
        let text: String
        let input_ids: [Int32]
    }

    /// Compares every case; reports the first few mismatches with their tokens and returns the count.
    @discardableResult
    static func check(_ cases: [Case], with tokenizer: WordPieceTokenizer, maxLength: Int,
                      label: String, file: StaticString = #filePath, line: UInt = #line) -> Int {
        var mismatches = 0
        for item in cases {
            let ids = tokenizer.encode(item.text, maxLength: maxLength)
            guard ids != item.input_ids else { continue }
            mismatches += 1
            if mismatches <= 10 {
                let expected = item.input_ids.map { tokenizer.vocabulary[Int($0)] }
                let found = ids.map { tokenizer.vocabulary[Int($0)] }
                XCTFail("""
                    \(label): text \(item.text.debugDescription)
                      expected \(expected)
                      found    \(found)
                    """, file: file, line: line)
            }
        }
        if mismatches > 10 {
            XCTFail("\(label): \(mismatches) of \(cases.count) cases differ (first 10 shown)", file: file, line: line)
        }
        return mismatches
    }
}
