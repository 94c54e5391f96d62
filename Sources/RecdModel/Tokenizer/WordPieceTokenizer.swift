import Foundation

/// BERT's WordPiece tokenizer: turns text into the token ids a BERT encoder expects.
///
/// It reproduces what Hugging Face `transformers.BertTokenizer` (backed by `tokenizers` 0.23)
/// produces, in this order:
/// 1. Special tokens (`[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]`, when in the vocabulary) written
///    literally in the text are kept as themselves, case-sensitively, before any normalisation.
/// 2. Clean-up: NUL, U+FFFD and control/format/private-use characters are dropped; tab, LF, CR
///    and every `White_Space` character separate words.
/// 3. CJK ideographs become words of their own (``TokenizerOptions/tokenizeChineseChars``).
/// 4. Accent stripping (NFD, then drop Mn), then lower-casing (``TokenizerOptions``).
/// 5. Punctuation (ASCII 33–47, 58–64, 91–96, 123–126 and Unicode P*) is split off.
/// 6. WordPiece: greedy longest match first, continuations prefixed with `##`; a word longer than
///    ``TokenizerOptions/maxInputCharsPerWord`` scalars, or one with no match, becomes `[UNK]`.
///
/// Nothing is specific to one vocabulary: any BERT-family `vocab.txt` works. Classification
/// details (Unicode versions, the CJK ranges) are documented on `BertScalar`.
public struct WordPieceTokenizer: Sendable {
    /// Every token; the index is the token id.
    public let vocabulary: [String]
    /// The options this tokenizer normalises with.
    public let options: TokenizerOptions
    /// Id of `[CLS]`, which ``encode(_:maxLength:)`` puts first.
    public let clsId: Int32
    /// Id of `[SEP]`, which ``encode(_:maxLength:)`` puts last.
    public let sepId: Int32
    /// Id of `[PAD]`, for callers that pad batches.
    public let padId: Int32
    /// Id of `[UNK]`, which stands for a word the vocabulary cannot spell.
    public let unkId: Int32

    /// All tokens, keyed by their UTF-8 bytes: the first piece of a word.
    let wordStarts: PieceTable
    /// Tokens that begin with `##`, keyed by the bytes after `##`: later pieces of a word.
    let continuations: PieceTable
    /// Special tokens recognised literally in the input, as UTF-8 bytes (all begin with `[`).
    let literalSpecials: [(bytes: [UInt8], id: Int32)]

    /// Builds a tokenizer from a list of tokens whose index is the token id.
    ///
    /// - Throws: ``TokenizerError`` when `[CLS]`, `[SEP]`, `[UNK]` or `[PAD]` is missing or a token
    ///   appears twice.
    public init(vocabulary: [String], options: TokenizerOptions = .init()) throws {
        try self.init(vocabulary: vocabulary, options: options,
                      source: "(\(vocabulary.count) tokens given in memory)")
    }

    /// Reads a BERT `vocab.txt` (UTF-8, one token per line, line *n* is token id *n − 1*).
    ///
    /// A final newline does not add an empty token; a carriage return before a newline is dropped.
    /// - Throws: ``TokenizerError`` when the file cannot be read or is not UTF-8, or as
    ///   ``init(vocabulary:options:)`` does.
    public init(vocabFile: URL, options: TokenizerOptions = .init()) throws {
        let data: Data
        do {
            data = try Data(contentsOf: vocabFile)
        } catch {
            throw TokenizerError(.unreadableVocabFile(path: vocabFile.path, reason: "\(error)"))
        }
        let bytes = [UInt8](data)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw TokenizerError(.unreadableVocabFile(path: vocabFile.path, reason: "it is not valid UTF-8"))
        }
        var tokens: [String] = []
        var lineStart = 0
        while lineStart < bytes.count {
            let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var lineEnd = newline
            if lineEnd > lineStart && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            tokens.append(String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self))
            lineStart = newline + 1
        }
        try self.init(vocabulary: tokens, options: options, source: "'\(vocabFile.path)'")
    }

    private init(vocabulary: [String], options: TokenizerOptions, source: String) throws {
        if vocabulary.isEmpty { throw TokenizerError(.emptyVocabulary(source: source)) }
        if vocabulary.count > Int(Int32.max) {
            throw TokenizerError(.tooManyTokens(count: vocabulary.count, source: source))
        }
        var starts: [PieceTable.Entry] = []
        var continuations: [PieceTable.Entry] = []
        starts.reserveCapacity(vocabulary.count)
        for (index, token) in vocabulary.enumerated() {
            let bytes = Array(token.utf8)
            starts.append(.init(key: bytes, id: Int32(index)))
            if bytes.count >= 2 && bytes[0] == UInt8(ascii: "#") && bytes[1] == UInt8(ascii: "#") {
                continuations.append(.init(key: Array(bytes[2...]), id: Int32(index)))
            }
        }
        let built = PieceTable.build(starts)
        if let duplicate = built.duplicates.first {
            throw TokenizerError(.duplicateToken(token: String(decoding: duplicate.key, as: UTF8.self),
                                                 firstId: Int(duplicate.firstId),
                                                 secondId: Int(duplicate.secondId), source: source))
        }
        let table = built.table
        func required(_ token: String) throws -> Int32 {
            let id = Array(token.utf8).withUnsafeBufferPointer { table.id(of: $0) }
            guard let id else { throw TokenizerError(.missingSpecialToken(token: token, source: source)) }
            return id
        }
        self.vocabulary = vocabulary
        self.options = options
        self.wordStarts = table
        self.continuations = PieceTable.build(continuations).table
        self.clsId = try required("[CLS]")
        self.sepId = try required("[SEP]")
        self.padId = try required("[PAD]")
        self.unkId = try required("[UNK]")
        // Build the accent table now (about 10 ms, once per process) rather than on the first request.
        if options.effectiveStripAccents { _ = StrippedDecompositions.shared }
        // The special tokens `transformers` registers for BERT; [MASK] only when the vocabulary has it.
        self.literalSpecials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { token in
            let bytes = Array(token.utf8)
            return bytes.withUnsafeBufferPointer { table.id(of: $0) }.map { (bytes, $0) }
        }
    }
}
