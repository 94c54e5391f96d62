/// Scratch state for one call: the word being collected and the ids produced so far.
///
/// Not Sendable on purpose; it lives for one `encode` or `tokenize` call. Its buffers are reused
/// from word to word, so a call allocates a few arrays, not one per character or probe.
struct PieceEncoder {
    let tokenizer: WordPieceTokenizer
    let lowerCase: Bool
    let stripAccents: Bool
    let isolateCJK: Bool
    /// Ids produced so far.
    var ids: [Int32]
    /// Scalars of the current word (between whitespace) before normalisation, then after it.
    var word: [Unicode.Scalar] = []
    /// Second buffer for normalisation steps that change the length.
    var spare: [Unicode.Scalar] = []
    var wordIsASCII = true
    /// UTF-8 bytes of the current piece (a word with punctuation split off).
    var piece: [UInt8] = []
    /// Byte offsets in `piece` where each scalar starts, plus the end offset.
    var boundaries: [Int] = [0]
    /// `ids.count` at which encoding may stop.
    var stopCount = Int.max

    init(tokenizer: WordPieceTokenizer, capacity: Int) {
        self.tokenizer = tokenizer
        self.lowerCase = tokenizer.options.doLowerCase
        self.stripAccents = tokenizer.options.effectiveStripAccents
        self.isolateCJK = tokenizer.options.tokenizeChineseChars
        self.ids = []
        ids.reserveCapacity(capacity)
        word.reserveCapacity(64)
        piece.reserveCapacity(64)
        boundaries.reserveCapacity(65)
    }

    /// Appends the ids of `text`'s word pieces, stopping once `limit` more ids exist (the word that
    /// crosses the limit is finished, so the caller truncates).
    mutating func encode(_ text: String, limit: Int) {
        let (sum, overflow) = ids.count.addingReportingOverflow(limit)
        stopCount = overflow ? Int.max : sum
        if ids.count >= stopCount { return }
        var text = text
        text.withUTF8 { bytes in scan(bytes) }
    }

    private mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) {
        let hasSpecials = !tokenizer.literalSpecials.isEmpty
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead == UInt8(ascii: "["), hasSpecials, let (id, length) = special(in: bytes, at: index) {
                endWord()
                ids.append(id)
                index += length
                if ids.count >= stopCount { return }
                continue
            }
            let (scalar, length) = decodeScalar(bytes, at: index)
            index += length
            if BertScalar.isDropped(scalar) { continue }
            if BertScalar.isWhitespace(scalar) {
                endWord()
                if ids.count >= stopCount { return }
            } else if isolateCJK && BertScalar.isCJKIdeograph(scalar) {
                endWord()
                word.append(scalar)
                wordIsASCII = false
                endWord()
                if ids.count >= stopCount { return }
            } else {
                word.append(scalar)
                if scalar.value >= 0x80 { wordIsASCII = false }
            }
        }
        endWord()
    }

    /// The special token spelled literally at `index`, if any.
    private func special(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Int32, Int)? {
        for (token, id) in tokenizer.literalSpecials where index + token.count <= bytes.count {
            var matches = true
            for offset in 1..<token.count where bytes[index + offset] != token[offset] {
                matches = false
                break
            }
            if matches { return (id, token.count) }
        }
        return nil
    }

    /// Normalises the collected word, splits off punctuation and encodes each piece.
    private mutating func endWord() {
        if word.isEmpty { return }
        if wordIsASCII {
            if lowerCase {
                for i in word.indices where word[i].value >= 0x41 && word[i].value <= 0x5A {
                    word[i] = Unicode.Scalar(UInt8(word[i].value + 0x20))
                }
            }
        } else {
            if stripAccents {
                spare.removeAll(keepingCapacity: true)
                BertNormalizer.appendStrippingAccents(word[...], to: &spare)
                swap(&word, &spare)
            }
            if lowerCase {
                spare.removeAll(keepingCapacity: true)
                for scalar in word { BertNormalizer.appendLowercased(scalar, to: &spare) }
                swap(&word, &spare)
            }
        }
        for scalar in word {
            if BertScalar.isPunctuation(scalar) {
                endPiece()
                appendToPiece(scalar)
                endPiece()
            } else {
                appendToPiece(scalar)
            }
        }
        endPiece()
        word.removeAll(keepingCapacity: true)
        wordIsASCII = true
    }
}

/// Decodes the scalar starting at `index` of well-formed UTF-8 (a `String`'s bytes always are).
@inline(__always)
private func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (Unicode.Scalar, Int) {
    let lead = UInt32(bytes[index])
    let value: UInt32
    let length: Int
    if lead < 0x80 {
        return (Unicode.Scalar(UInt8(lead)), 1)
    } else if lead < 0xE0 {
        value = (lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F)
        length = 2
    } else if lead < 0xF0 {
        value = (lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F)
        length = 3
    } else {
        value = (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
            | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F)
        length = 4
    }
    return (Unicode.Scalar(value).unsafelyUnwrapped, length)
}
