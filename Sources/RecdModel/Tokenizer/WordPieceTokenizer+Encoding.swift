extension WordPieceTokenizer {
    /// The word pieces of `text`, without `[CLS]`/`[SEP]` and without truncation.
    public func tokenize(_ text: String) -> [String] {
        var encoder = PieceEncoder(tokenizer: self, capacity: 32)
        encoder.encode(text, limit: Int.max)
        return encoder.ids.map { vocabulary[Int($0)] }
    }

    /// Token ids of `text` as the model takes them: `[CLS]`, the word pieces, `[SEP]`.
    ///
    /// The result has at most `maxLength` ids, `[CLS]` and `[SEP]` included (word pieces past
    /// `maxLength − 2` are dropped, as Hugging Face's `truncation=True` does). A `maxLength` below 2
    /// is treated as 2, so the result is always at least `[CLS] [SEP]`.
    public func encode(_ text: String, maxLength: Int = 256) -> [Int32] {
        let budget = max(maxLength, 2) - 2
        var encoder = PieceEncoder(tokenizer: self, capacity: min(budget, 62) + 2)
        encoder.ids.append(clsId)
        encoder.encode(text, limit: budget)
        if encoder.ids.count > budget + 1 {
            encoder.ids.removeSubrange((budget + 1)...)
        }
        encoder.ids.append(sepId)
        return encoder.ids
    }
}
