/// The `max_queue_delay_ms` option as written in a config file or on the command line:
/// a whole number of milliseconds (0 = off), `"auto"` (``QueueDelayLimit/automatic``) or `"adaptive"`
/// (``QueueDelayLimit/adaptive``).
public enum QueueDelaySetting: Decodable, Sendable, Equatable {
    case auto
    case adaptive
    case milliseconds(Int)

    /// Parses `auto`, `adaptive` or a whole number; nil for anything else.
    public init?(parsing text: String) {
        if text == "auto" { self = .auto; return }
        if text == "adaptive" { self = .adaptive; return }
        guard let n = Int(text) else { return nil }
        self = .milliseconds(n)
    }

    /// How a configured limit is written back (`--check-config`).
    public init(_ limit: QueueDelayLimit) {
        switch limit {
        case .off: self = .milliseconds(0)
        case .fixed(let d): self = .milliseconds(Int(d.wholeMilliseconds))
        case .automatic: self = .auto
        case .adaptive: self = .adaptive
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(Int.self) {
            self = .milliseconds(n)
        } else if let s = try? container.decode(String.self), let setting = QueueDelaySetting(parsing: s), Int(s) == nil {
            self = setting
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription:
                "max_queue_delay_ms must be a whole number of milliseconds (0 = off), \"auto\" or \"adaptive\"")
        }
    }

    /// The limit it sets; a negative number is kept so that validation can name it.
    public var limit: QueueDelayLimit {
        switch self {
        case .auto: return .automatic
        case .adaptive: return .adaptive
        case .milliseconds(0): return .off
        case .milliseconds(let n): return .fixed(.milliseconds(n))
        }
    }

    /// The value for the effective-configuration JSON: a number, or the string "auto".
    var jsonValue: Any {
        switch self {
        case .auto: return "auto"
        case .adaptive: return "adaptive"
        case .milliseconds(let n): return n
        }
    }
}
