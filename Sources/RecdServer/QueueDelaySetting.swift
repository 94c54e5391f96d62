/// The `max_queue_delay_ms` option as written in a config file or on the command line:
/// a number of milliseconds, fractions allowed (0 = off), `"auto"` (``QueueDelayLimit/automatic``) or `"adaptive"`
/// (``QueueDelayLimit/adaptive``).
public enum QueueDelaySetting: Decodable, Sendable, Equatable {
    case auto
    case adaptive
    case milliseconds(Double)

    /// Parses `auto`, `adaptive` or a finite number; nil for anything else.
    public init?(parsing text: String) {
        if text == "auto" { self = .auto; return }
        if text == "adaptive" { self = .adaptive; return }
        guard let n = Double(text), n.isFinite else { return nil }
        self = .milliseconds(n)
    }

    /// How a configured limit is written back (`--check-config`).
    public init(_ limit: QueueDelayLimit) {
        switch limit {
        case .off: self = .milliseconds(0)
        case .fixed(let d): self = .milliseconds(d.inMilliseconds)
        case .automatic: self = .auto
        case .adaptive: self = .adaptive
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(Double.self), n.isFinite {
            self = .milliseconds(n)
        } else if let s = try? container.decode(String.self), let setting = QueueDelaySetting(parsing: s), Double(s) == nil {
            self = setting
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription:
                "max_queue_delay_ms must be a number of milliseconds (0 = off), \"auto\" or \"adaptive\"")
        }
    }

    /// The limit it sets; a negative number is kept so that validation can name it.
    public var limit: QueueDelayLimit {
        switch self {
        case .auto: return .automatic
        case .adaptive: return .adaptive
        case .milliseconds(0): return .off
        case .milliseconds(let n): return .fixed(.nanoseconds(Int64((n * 1e6).rounded())))
        }
    }

    /// The value for the effective-configuration JSON: a number (whole when it is), or the string "auto" / "adaptive".
    var jsonValue: Any {
        switch self {
        case .auto: return "auto"
        case .adaptive: return "adaptive"
        case .milliseconds(let n): return n == n.rounded() && abs(n) < 1e15 ? Int64(n) as Any : n
        }
    }
}
