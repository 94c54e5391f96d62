import Foundation

/// NFD-then-drop-Mn for single scalars of U+00C0–U+052F (Latin, Greek, Cyrillic, Armenian) and
/// U+1E00–U+206F (Latin Extended Additional, Greek Extended, General Punctuation), so that the
/// common accented words skip Foundation on the request path.
///
/// Decomposing scalar by scalar equals decomposing the word: NFD of a string is the
/// concatenation of the scalars' decompositions followed by canonical ordering, and in these
/// ranges every scalar that ordering can move (combining class ≠ 0, U+0300–U+036F and
/// U+0483–U+0487) is a non-spacing mark that accent stripping removes anyway.
///
/// The table is built once per process from Foundation (about 1 800 scalars, a few
/// milliseconds) on first use; a hand-written table was rejected as a second source of truth.
struct StrippedDecompositions: Sendable {
    private static let ranges: [Range<UInt32>] = [0xC0..<0x530, 0x1E00..<0x2070]

    /// The shared table, built on first use (Swift initialises globals once, thread-safely).
    static let shared = StrippedDecompositions()

    /// Offsets into `scalars`, per scalar of `ranges` in order, plus the end.
    private let offsets: [UInt16]
    private let scalars: [Unicode.Scalar]

    /// Whether ``append(_:to:)`` handles `scalar` (ASCII and Latin-1 below U+00C0 included).
    @inline(__always)
    static func covers(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x530 || (scalar.value >= 0x1E00 && scalar.value < 0x2070)
    }

    private init() {
        var offsets: [UInt16] = [0]
        var scalars: [Unicode.Scalar] = []
        for range in Self.ranges {
            for value in range {
                if let scalar = Unicode.Scalar(value) {
                    let decomposed = String(Character(scalar)).decomposedStringWithCanonicalMapping
                    scalars.append(contentsOf: decomposed.unicodeScalars.filter { !BertScalar.isNonspacingMark($0) })
                }
                offsets.append(UInt16(scalars.count))
            }
        }
        self.offsets = offsets
        self.scalars = scalars
    }

    /// Appends the decomposition of `scalar` without non-spacing marks; `scalar` must be covered.
    @inline(__always)
    func append(_ scalar: Unicode.Scalar, to output: inout [Unicode.Scalar]) {
        let value = scalar.value
        let index: Int
        if value < 0xC0 {
            output.append(scalar)
            return
        } else if value < 0x530 {
            index = Int(value - 0xC0)
        } else {
            index = Int(value - 0x1E00) + (0x530 - 0xC0)
        }
        for i in Int(offsets[index])..<Int(offsets[index + 1]) { output.append(scalars[i]) }
    }
}
