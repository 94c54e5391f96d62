/// The `--metrics-listen HOST:PORT` value, parsed and checked.
///
/// Only loopback hosts (127.0.0.0/8, `::1`, `localhost`) are accepted unless remote access is
/// allowed explicitly: the metrics reveal traffic patterns and carry no authentication.
public struct MetricsListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// A numeric IPv4 or IPv6 address (`localhost` becomes `127.0.0.1`).
    public let host: String
    public let port: Int

    /// A `--metrics-listen` value that cannot be used.
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses `127.0.0.1:9464`, `[::1]:9464` or `localhost:9464`.
    public init(parsing text: String, allowRemote: Bool = false) throws(Error) {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw Error(description: "--metrics-listen expects HOST:PORT like [::1]:9464, found \"\(text)\"")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw Error(description: "--metrics-listen expects HOST:PORT like 127.0.0.1:9464 (IPv6 in brackets), found \"\(text)\"")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw Error(description: "--metrics-listen port must be 1-65535, found \"\(portText)\" in \"\(text)\"")
        }
        let numeric = host == "localhost" ? "127.0.0.1" : String(host)
        guard Self.isIPv4(numeric) || numeric.contains(":") else {
            throw Error(description: "--metrics-listen host must be a numeric IP address or localhost, found \"\(host)\"")
        }
        if !allowRemote && !Self.isLoopback(numeric) {
            throw Error(description: "--metrics-listen \(text) is not a loopback address; metrics have no authentication, so use 127.0.0.1 or [::1], or pass --metrics-allow-remote")
        }
        self.host = numeric
        self.port = port
    }

    /// No checks: for tests that bind port 0 (any free port).
    init(uncheckedHost host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in !p.isEmpty && p.count <= 3 && (UInt8(p) != nil) }
    }

    /// 127.0.0.0/8 or ::1 (also written out as 0:0:0:0:0:0:0:1).
    static func isLoopback(_ s: String) -> Bool {
        if isIPv4(s) { return s.hasPrefix("127.") }
        let groups = s.split(separator: ":", omittingEmptySubsequences: true)
        guard let last = groups.last, UInt16(last, radix: 16) == 1 else { return false }
        return groups.dropLast().allSatisfy { UInt16($0, radix: 16) == 0 } && (s.contains("::") || groups.count == 8)
    }
}
