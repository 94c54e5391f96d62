/// The text-level encoder: a loaded model plus the WordPiece tokenizer built from the vocabulary and
/// settings stored in the same weights file.
///
/// `Sendable`: both parts are immutable; give each worker its own `EncoderWorkspace`.
public struct Encoder: Sendable {
    /// The loaded model (shared, read-only).
    public let model: EncoderModel
    /// The tokenizer built from the file's vocabulary and settings.
    public let tokenizer: WordPieceTokenizer

    /// Wraps an already loaded model.
    public init(model: EncoderModel) throws {
        let s = model.tokenizerSettings
        let options = TokenizerOptions(doLowerCase: s.doLowerCase, stripAccents: s.stripAccents,
                                       tokenizeChineseChars: s.tokenizeChineseChars,
                                       maxInputCharsPerWord: s.maxInputCharsPerWord)
        do {
            tokenizer = try WordPieceTokenizer(vocabulary: model.vocabulary, options: options)
        } catch {
            throw ModelError(.malformed, "the weights file's vocabulary does not make a tokenizer: \(error)")
        }
        self.model = model
    }

    /// Loads a weights file and builds its tokenizer.
    public init(path: String) throws {
        try self.init(model: EncoderModel.load(path: path))
    }

    /// Loads a weights file at `precision` (`.int8` quantises the linear layers at load) and builds its tokenizer.
    public init(path: String, precision: EncoderPrecision) throws {
        try self.init(model: EncoderModel.load(path: path, precision: precision))
    }

    /// Token ids of `text` with [CLS]/[SEP], truncated to the model's max sequence length (256).
    public func tokenize(_ text: String) -> [Int32] {
        tokenizer.encode(text, maxLength: model.maxSequenceLength)
    }

    /// Embeds `texts` into `out` (`texts.count × dimension` floats, row i for text i).
    public func embed(texts: [String], workspace: EncoderWorkspace, into out: UnsafeMutablePointer<Float>) throws {
        try model.embed(ids: texts.map(tokenize), workspace: workspace, into: out)
    }

    /// Embeds `texts` and returns one unit vector per text.
    public func embed(texts: [String], workspace: EncoderWorkspace) throws -> [[Float]] {
        try model.embed(ids: texts.map(tokenize), workspace: workspace)
    }

    /// Per text, the unit sentence embedding followed by the masked mean pools of transformer blocks
    /// `layers` (1-based), `(1 + layers.count) × dimension` floats (see EncoderModel+LayerPools.swift).
    public func embed(texts: [String], layerPools layers: [Int], workspace: EncoderWorkspace) throws -> [[Float]] {
        try model.embed(ids: texts.map(tokenize), layerPools: layers, workspace: workspace)
    }
}
