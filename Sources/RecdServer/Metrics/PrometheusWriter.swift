import Foundation

/// Writes the Prometheus text exposition format, version 0.0.4: one `# HELP` and one
/// `# TYPE` line per family, then its samples, each `name{label="value"} number`.
///
/// Pure and allocation-light; it knows nothing of recd, so the tests check it byte for byte.
public struct PrometheusWriter: Sendable {
    /// The `Content-Type` a scrape response carries.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Metric family types used here.
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public private(set) var text = ""
    private var families = Set<String>()

    public init() {}

    /// True for names Prometheus accepts: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func letter(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95 || c == 58 }
        return letter(first) && name.utf8.allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
    }

    /// Starts a family; returns false (writing nothing) if one of that name was already started,
    /// since the format allows each family once.
    @discardableResult
    public mutating func family(_ name: String, _ kind: Kind, help: String) -> Bool {
        guard families.insert(name).inserted else { return false }
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        return true
    }

    /// One sample line without labels.
    public mutating func sample(_ name: String, _ value: Double) { sample(name, [], value) }

    /// One sample line without labels, integer value.
    public mutating func sample(_ name: String, _ value: UInt64) { sample(name, [], Double(value)) }

    /// One sample line.
    public mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (i, (k, v)) in labels.enumerated() {
                if i > 0 { text += "," }
                text += "\(k)=\"\(Self.escapeLabel(v))\""
            }
            text += "}"
        }
        text += " \(Self.format(value))\n"
    }

    /// One sample line with an integer value (counters, bucket counts).
    public mutating func sample(_ name: String, _ labels: [(String, String)], _ value: UInt64) {
        sample(name, labels, Double(value))
    }

    /// A whole histogram: cumulative `counts` at `bounds`, then `+Inf`, `_sum` and `_count`.
    public mutating func histogram(_ name: String, _ labels: [(String, String)] = [], bounds: [Double],
                                   cumulative counts: [UInt64], sum: Double, count: UInt64) {
        for (bound, c) in zip(bounds, counts) {
            sample(name + "_bucket", labels + [("le", Self.format(bound))], c)
        }
        sample(name + "_bucket", labels + [("le", "+Inf")], count)
        sample(name + "_sum", labels, sum)
        sample(name + "_count", labels, count)
    }

    /// Go-style float text: integers without a fraction, `+Inf`, `-Inf`, `NaN`.
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func escapeLabel(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 92 || $0 == 34 || $0 == 10 }) else { return s }
        return s.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func escapeHelp(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
