import Foundation
import XCTest
@testable import RecdModel

/// TokenizerOptions read from Hugging Face's tokenizer_config.json.
final class TokenizerConfigTests: XCTestCase {
    func testModelConfigGivesTheUncasedDefaults() throws {
        let url = TokenizerFixtures.modelSourceDirectory.appendingPathComponent("tokenizer_config.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TokenizerFixtures.Missing(description: "\(url.path) is missing: run `make model`")
        }
        XCTAssertEqual(try TokenizerOptions(tokenizerConfig: Data(contentsOf: url)), TokenizerOptions())
    }

    func testKeysOverrideDefaultsAndOthersAreIgnored() throws {
        let options = try TokenizerOptions(tokenizerConfig: Data("""
            {"do_lower_case": false, "strip_accents": true, "tokenize_chinese_chars": false,
             "model_max_length": 512, "never_split": null}
            """.utf8))
        XCTAssertEqual(options, TokenizerOptions(doLowerCase: false, stripAccents: true, tokenizeChineseChars: false))
        XCTAssertEqual(try TokenizerOptions(tokenizerConfig: Data("{}".utf8)), TokenizerOptions())
        XCTAssertEqual(try TokenizerOptions(tokenizerConfig: Data(#"{"strip_accents": null}"#.utf8)).stripAccents, nil)
    }

    func testWrongTypesAreReportedWithTheKey() {
        func message(_ json: String) -> String {
            do {
                _ = try TokenizerOptions(tokenizerConfig: Data(json.utf8))
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(message(#"{"do_lower_case": 1}"#).contains("'do_lower_case' must be true, false or null"))
        XCTAssertTrue(message("[true]").contains("expected a JSON object"))
        XCTAssertTrue(message("{").contains("cannot read tokenizer_config.json"))
    }
}
