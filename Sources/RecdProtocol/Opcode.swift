/// The operation a frame asks for (byte 3 of the header).
///
/// A struct rather than an enum so that a header with an opcode this build does
/// not know can still be represented, echoed in an UNKNOWN_OPCODE response, and
/// skipped without closing the connection.
public struct Opcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Liveness check; answered on the event loop without touching the model.
    public static let ping = Opcode(rawValue: 0x01)
    /// Texts to embeddings.
    public static let embed = Opcode(rawValue: 0x02)
    /// Text to intent, alternatives and slots.
    public static let intent = Opcode(rawValue: 0x03)
    /// User and/or query to ranked items.
    public static let recommend = Opcode(rawValue: 0x04)
    /// A user event on an item.
    public static let feedback = Opcode(rawValue: 0x05)
    /// Catalog upsert / delete / get.
    public static let items = Opcode(rawValue: 0x06)
    /// Items similar to an item.
    public static let similar = Opcode(rawValue: 0x07)
    /// Server counters and latencies.
    public static let stats = Opcode(rawValue: 0x08)
    /// Reload intent definitions.
    public static let intentsReload = Opcode(rawValue: 0x09)

    /// Every opcode of protocol version 1, in numeric order.
    public static let all: [Opcode] = [.ping, .embed, .intent, .recommend, .feedback, .items, .similar, .stats, .intentsReload]

    /// True when this build knows the opcode.
    @inlinable public var isKnown: Bool { rawValue >= 0x01 && rawValue <= 0x09 }

    /// Upper-case name as in PROTOCOL.md, e.g. "INTENTS_RELOAD"; hex for unknown opcodes.
    public var name: String {
        switch rawValue {
        case 0x01: "PING"
        case 0x02: "EMBED"
        case 0x03: "INTENT"
        case 0x04: "RECOMMEND"
        case 0x05: "FEEDBACK"
        case 0x06: "ITEMS"
        case 0x07: "SIMILAR"
        case 0x08: "STATS"
        case 0x09: "INTENTS_RELOAD"
        default: "0x" + String(rawValue, radix: 16, uppercase: true)
        }
    }

    public var description: String { name }

    /// Dense index 0..<Opcode.all.count for per-op counters; nil for unknown opcodes.
    @inlinable public var index: Int? { isKnown ? Int(rawValue) - 1 : nil }
}
