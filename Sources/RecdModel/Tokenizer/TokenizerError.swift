/// Why a ``WordPieceTokenizer`` could not be built from a vocabulary.
///
/// A struct around a private enum (as swift-nio does) so that cases can be added later
/// without breaking callers; ``description`` says what was expected and what was found.
public struct TokenizerError: Error, CustomStringConvertible, Equatable {
    enum Kind: Equatable {
        case unreadableVocabFile(path: String, reason: String)
        case emptyVocabulary(source: String)
        case missingSpecialToken(token: String, source: String)
        case duplicateToken(token: String, firstId: Int, secondId: Int, source: String)
        case tooManyTokens(count: Int, source: String)
        case invalidConfig(reason: String)
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    /// A message a person can act on.
    public var description: String {
        switch kind {
        case let .unreadableVocabFile(path, reason):
            return "cannot read vocabulary file '\(path)': \(reason); expected a BERT vocab.txt "
                + "(one token per line, line number = token id)"
        case let .emptyVocabulary(source):
            return "vocabulary \(source) is empty; expected one token per line"
        case let .missingSpecialToken(token, source):
            return "vocabulary \(source) has no '\(token)' token; a BERT vocabulary must contain "
                + "[PAD], [UNK], [CLS] and [SEP]"
        case let .duplicateToken(token, firstId, secondId, source):
            return "vocabulary \(source) lists token '\(token)' twice (ids \(firstId) and \(secondId)); "
                + "expected every token once"
        case let .tooManyTokens(count, source):
            return "vocabulary \(source) has \(count) tokens; at most \(Int32.max) fit an Int32 token id"
        case let .invalidConfig(reason):
            return "cannot read tokenizer_config.json: \(reason)"
        }
    }
}
