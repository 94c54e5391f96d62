/// How the encoder pools token states into one vector.
public enum Pooling: UInt8, Sendable, Equatable {
    /// Average of the token states under the attention mask (sentence-transformers "mean").
    case mean = 0
    /// The state of the first token ([CLS]).
    case cls = 1
}

/// The blueprint of a BERT encoder: sizes and numeric settings, no weights.
public struct ModelConfig: Sendable, Equatable {
    /// Number of transformer layers (6 for all-MiniLM-L6-v2).
    public var layers: Int
    /// Hidden size (384).
    public var hidden: Int
    /// Attention heads (12); `hidden` must be a multiple of it.
    public var heads: Int
    /// Feed-forward inner size (1536).
    public var ffn: Int
    /// Vocabulary size (30522).
    public var vocabSize: Int
    /// Rows of the position embedding table (512).
    public var maxPositions: Int
    /// Rows of the token-type embedding table (2); recd always uses type 0.
    public var typeVocabSize: Int
    /// LayerNorm epsilon (1e-12).
    public var layerNormEps: Float
    /// Pooling over the last hidden state.
    public var pooling: Pooling
    /// Whether the pooled vector is L2-normalised.
    public var normalize: Bool

    /// Size of one attention head.
    public var headDim: Int { hidden / heads }

    /// Creates a configuration; see the fields for meaning.
    public init(layers: Int, hidden: Int, heads: Int, ffn: Int, vocabSize: Int, maxPositions: Int,
                typeVocabSize: Int, layerNormEps: Float, pooling: Pooling, normalize: Bool) {
        self.layers = layers
        self.hidden = hidden
        self.heads = heads
        self.ffn = ffn
        self.vocabSize = vocabSize
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.pooling = pooling
        self.normalize = normalize
    }

    /// Checks the sizes make sense together.
    func validate() throws {
        guard layers > 0, hidden > 0, heads > 0, ffn > 0, vocabSize > 0, maxPositions > 0, typeVocabSize > 0 else {
            throw ModelError(.malformed, "model config: every size must be positive, found layers=\(layers) hidden=\(hidden) heads=\(heads) ffn=\(ffn) vocab=\(vocabSize) positions=\(maxPositions) types=\(typeVocabSize)")
        }
        guard hidden % heads == 0 else {
            throw ModelError(.malformed, "model config: hidden \(hidden) is not a multiple of heads \(heads)")
        }
        guard layers <= 1024, hidden <= 65536, ffn <= 262144, vocabSize <= 10_000_000, maxPositions <= 1_000_000 else {
            throw ModelError(.malformed, "model config: implausibly large sizes (layers=\(layers) hidden=\(hidden) ffn=\(ffn) vocab=\(vocabSize))")
        }
    }
}

/// Tokenizer settings stored in the weights file next to the vocabulary.
public struct TokenizerSettings: Sendable, Equatable {
    /// Lower-case input before WordPiece (true for uncased models).
    public var doLowerCase: Bool
    /// Strip accents; `nil` means "follow doLowerCase" (the Hugging Face default when unset).
    public var stripAccents: Bool?
    /// Put spaces around CJK ideographs.
    public var tokenizeChineseChars: Bool
    /// Maximum sequence length in tokens, including [CLS] and [SEP] (256).
    public var maxLength: Int
    /// Words longer than this many characters become [UNK] (100).
    public var maxInputCharsPerWord: Int

    /// Creates tokenizer settings; see the fields for meaning.
    public init(doLowerCase: Bool, stripAccents: Bool?, tokenizeChineseChars: Bool, maxLength: Int,
                maxInputCharsPerWord: Int = 100) {
        self.doLowerCase = doLowerCase
        self.stripAccents = stripAccents
        self.tokenizeChineseChars = tokenizeChineseChars
        self.maxLength = maxLength
        self.maxInputCharsPerWord = maxInputCharsPerWord
    }
}
