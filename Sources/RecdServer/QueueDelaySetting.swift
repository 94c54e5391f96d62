/// The `max_queue_delay_ms` option as written in a config file or on the command line:
/// a whole number of milliseconds (0 = off, the default) or `"auto"` (``QueueDelayLimit/automatic``).
public enum QueueDelaySetting: Decodable, Sendable, Equatable {
    case auto
    case milliseconds(Int)

    /// Parses `auto` or a whole number; nil for anything else.
    public init?(parsing text: String) {
        if text == "auto" { self = .auto; return }
        guard let n = Int(text) else { return nil }
        self = .milliseconds(n)
    }

    /// How a configured limit is written back (`--check-config`).
    public init(_ limit: QueueDelayLimit) {
        switch limit {
        case .off: self = .milliseconds(0)
        case .fixed(let d): self = .milliseconds(Int(d.wholeMilliseconds))
        case .automatic: self = .auto
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(Int.self) {
            self = .milliseconds(n)
        } else if let s = try? container.decode(String.self), s == "auto" {
            self = .auto
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription:
                "max_queue_delay_ms must be a whole number of milliseconds (0 = off) or \"auto\"")
        }
    }

    /// The limit it sets; a negative number is kept so that validation can name it.
    public var limit: QueueDelayLimit {
        switch self {
        case .auto: return .automatic
        case .milliseconds(0): return .off
        case .milliseconds(let n): return .fixed(.milliseconds(n))
        }
    }

    /// The value for the effective-configuration JSON: a number, or the string "auto".
    var jsonValue: Any {
        switch self {
        case .auto: return "auto"
        case .milliseconds(let n): return n
        }
    }
}
