/// How ``WordPieceTokenizer`` normalises text before splitting it into word pieces.
///
/// The fields mirror the keys of a Hugging Face `tokenizer_config.json` for `BertTokenizer`
/// (`do_lower_case`, `strip_accents`, `tokenize_chinese_chars`) and WordPiece's
/// `max_input_chars_per_word`. The defaults are those of an uncased English BERT such as
/// all-MiniLM-L6-v2.
public struct TokenizerOptions: Sendable, Equatable {
    /// Lower-case every character (full Unicode lower-case mapping, one scalar at a time).
    public var doLowerCase: Bool = true
    /// Remove accents: canonical decomposition (NFD), then drop non-spacing marks (Mn).
    /// `nil` follows ``doLowerCase``, as in the original BERT.
    public var stripAccents: Bool? = nil
    /// Put every CJK ideograph (BERT's code-point ranges) into a word of its own.
    public var tokenizeChineseChars: Bool = true
    /// A word longer than this many Unicode scalars becomes the unknown token.
    public var maxInputCharsPerWord: Int = 100

    /// Creates options; every argument defaults to the uncased-BERT value.
    public init(
        doLowerCase: Bool = true,
        stripAccents: Bool? = nil,
        tokenizeChineseChars: Bool = true,
        maxInputCharsPerWord: Int = 100
    ) {
        self.doLowerCase = doLowerCase
        self.stripAccents = stripAccents
        self.tokenizeChineseChars = tokenizeChineseChars
        self.maxInputCharsPerWord = maxInputCharsPerWord
    }

    /// Whether accents are stripped once `nil` has been resolved against ``doLowerCase``.
    var effectiveStripAccents: Bool { stripAccents ?? doLowerCase }
}
