/// An immutable hash table from UTF-8 byte strings to token ids.
///
/// A final class with only `let` properties, so it is Sendable as it stands and passing it around
/// costs one retain, where a struct of five arrays would cost five on every probe loop.
///
/// WordPiece probes many substrings of every word; keying by bytes lets it probe a slice of the
/// word's UTF-8 buffer without building a `String` per probe. Keys are compared byte for byte, as
/// `tokenizers` compares them: a `Dictionary<String, Int32>` would also merge canonically
/// equivalent tokens such as "é" and "e\u{301}", which are different vocabulary entries.
final class PieceTable: Sendable {
    /// All keys, back to back.
    private let bytes: [UInt8]
    /// Entry `i` is `bytes[starts[i] ..< starts[i + 1]]`; one more element than there are entries.
    private let starts: [Int32]
    /// Token id of entry `i`.
    private let ids: [Int32]
    /// Open addressing with linear probing: an entry index, or -1 for an empty slot.
    private let slots: [Int32]
    /// `slots.count - 1`; the slot count is a power of two.
    private let mask: Int
    /// The longest key in bytes; longer probes are skipped without hashing.
    let maxKeyLength: Int

    /// One key and its id, in vocabulary order.
    struct Entry {
        var key: [UInt8]
        var id: Int32
    }

    /// What building found: the table, and every key that appeared again (second id, first id).
    struct Built {
        var table: PieceTable
        var duplicates: [(key: [UInt8], firstId: Int32, secondId: Int32)]
    }

    /// Builds the table; a repeated key keeps its first id and is reported in `duplicates`.
    static func build(_ entries: [Entry]) -> Built {
        var slotCount = 16
        while slotCount < entries.count * 2 { slotCount *= 2 }
        let mask = slotCount - 1
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.reduce(0) { $0 + $1.key.count })
        var starts: [Int32] = [0]
        var ids: [Int32] = []
        var slots = [Int32](repeating: -1, count: slotCount)
        var duplicates: [(key: [UInt8], firstId: Int32, secondId: Int32)] = []
        var maxKeyLength = 0

        for entry in entries {
            var slot = Int(truncatingIfNeeded: hash(entry.key[...])) & mask
            var existing: Int32? = nil
            while slots[slot] >= 0 {
                let index = Int(slots[slot])
                if bytes[Int(starts[index])..<Int(starts[index + 1])].elementsEqual(entry.key) {
                    existing = ids[index]
                    break
                }
                slot = (slot + 1) & mask
            }
            if let existing {
                duplicates.append((entry.key, existing, entry.id))
                continue
            }
            slots[slot] = Int32(ids.count)
            bytes.append(contentsOf: entry.key)
            starts.append(Int32(bytes.count))
            ids.append(entry.id)
            maxKeyLength = max(maxKeyLength, entry.key.count)
        }
        let table = PieceTable(bytes: bytes, starts: starts, ids: ids, slots: slots, mask: mask,
                               maxKeyLength: maxKeyLength)
        return Built(table: table, duplicates: duplicates)
    }

    private init(bytes: [UInt8], starts: [Int32], ids: [Int32], slots: [Int32], mask: Int,
                 maxKeyLength: Int) {
        self.bytes = bytes
        self.starts = starts
        self.ids = ids
        self.slots = slots
        self.mask = mask
        self.maxKeyLength = maxKeyLength
    }

    /// The id of the token spelled by `key`, or nil.
    @inline(__always)
    func id(of key: UnsafeBufferPointer<UInt8>) -> Int32? {
        if key.count > maxKeyLength { return nil }
        return bytes.withUnsafeBufferPointer { stored -> Int32? in
            var slot = Int(truncatingIfNeeded: PieceTable.hash(key)) & mask
            while true {
                let index = Int(slots[slot])
                if index < 0 { return nil }
                let start = Int(starts[index])
                let count = Int(starts[index + 1]) - start
                if count == key.count
                    && (count == 0 || memoryEqual(stored.baseAddress! + start, key.baseAddress!, count)) {
                    return ids[index]
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// FNV-1a, 64 bit: short keys, few collisions, no allocation.
    @inline(__always)
    static func hash<C: Collection<UInt8>>(_ key: C) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}

@inline(__always)
private func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for i in 0..<count where a[i] != b[i] { return false }
    return true
}
