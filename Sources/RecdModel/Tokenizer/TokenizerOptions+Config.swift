import Foundation

extension TokenizerOptions {
    /// The keys of `tokenizer_config.json` that matter here; every other key is ignored.
    private struct ConfigKeys: Decodable {
        var do_lower_case: Bool?
        var strip_accents: Bool?
        var tokenize_chinese_chars: Bool?
    }

    /// Reads the options from a Hugging Face `tokenizer_config.json`.
    ///
    /// Uses `do_lower_case`, `strip_accents` (null or absent: follow lower-casing) and
    /// `tokenize_chinese_chars`; a key that is absent keeps its default.
    /// - Throws: ``TokenizerError`` when the data is not a JSON object or one of those keys is not
    ///   `true`, `false` or `null`.
    public init(tokenizerConfig data: Data) throws {
        let keys: ConfigKeys
        do {
            keys = try JSONDecoder().decode(ConfigKeys.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            let reason = path.isEmpty
                ? "expected a JSON object (\(context.debugDescription))"
                : "'\(path)' must be true, false or null (\(context.debugDescription))"
            throw TokenizerError(.invalidConfig(reason: reason))
        } catch {
            throw TokenizerError(.invalidConfig(reason: "\(error)"))
        }
        self.init(doLowerCase: keys.do_lower_case ?? true,
                  stripAccents: keys.strip_accents,
                  tokenizeChineseChars: keys.tokenize_chinese_chars ?? true)
    }
}
