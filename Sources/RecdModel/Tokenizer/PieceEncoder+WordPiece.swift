extension PieceEncoder {
    /// Appends one scalar of a word, with punctuation already split off, to the current piece.
    @inline(__always)
    mutating func appendToPiece(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        if value < 0x80 {
            piece.append(UInt8(value))
        } else {
            for byte in UTF8.encode(scalar)! { piece.append(byte) }
        }
        boundaries.append(piece.count)
    }

    /// WordPiece on the current piece: greedy longest match first.
    mutating func endPiece() {
        let scalarCount = boundaries.count - 1
        if scalarCount == 0 { return }
        defer {
            piece.removeAll(keepingCapacity: true)
            boundaries.removeAll(keepingCapacity: true)
            boundaries.append(0)
        }
        if scalarCount > tokenizer.options.maxInputCharsPerWord {
            ids.append(tokenizer.unkId)
            return
        }
        let firstPieceIndex = ids.count
        let matched = piece.withUnsafeBufferPointer { bytes -> Bool in
            var start = 0
            while start < scalarCount {
                let table = start == 0 ? tokenizer.wordStarts : tokenizer.continuations
                let from = boundaries[start]
                var end = scalarCount
                var found: Int32? = nil
                while end > start {
                    let to = boundaries[end]
                    if to - from <= table.maxKeyLength,
                       let id = table.id(of: UnsafeBufferPointer(rebasing: bytes[from..<to])) {
                        found = id
                        break
                    }
                    end -= 1
                }
                guard let found else { return false }
                ids.append(found)
                start = end
            }
            return true
        }
        if !matched {
            ids.removeSubrange(firstPieceIndex...)
            ids.append(tokenizer.unkId)
        }
    }
}
