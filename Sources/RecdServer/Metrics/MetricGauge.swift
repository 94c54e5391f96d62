/// One extra gauge an engine reports to Prometheus, e.g. its catalog size.
///
/// Names should follow `daemon/METRICS.md`: `recd_` prefix, snake case, base units
/// (`recd_catalog_items`, `recd_feedback_store_lag_seconds`).
public struct MetricGauge: Sendable, Equatable {
    /// Metric name; must match `[a-zA-Z_:][a-zA-Z0-9_:]*` or the exporter drops it (and says so in a comment).
    public var name: String
    /// One line of help text.
    public var help: String
    /// Label names and values, rendered in this order.
    public var labels: [(String, String)]
    public var value: Double

    public init(name: String, help: String, labels: [(String, String)] = [], value: Double) {
        self.name = name
        self.help = help
        self.labels = labels
        self.value = value
    }

    public static func == (a: MetricGauge, b: MetricGauge) -> Bool {
        a.name == b.name && a.help == b.help && a.value == b.value
            && a.labels.map(\.0) == b.labels.map(\.0) && a.labels.map(\.1) == b.labels.map(\.1)
    }
}

/// The hook through which engines feed gauges to `/metrics`: an engine (intent, recommend,
/// feedback, items handler) that also conforms is asked on every scrape, on the metrics thread.
/// Keep it cheap and thread-safe: read an atomic or a value behind the engine's own lock.
///
/// Engines that do not conform still show up: every numeric value of their
/// `statsExtras()` is exported as `recd_engine_extra{key="…"}`.
public protocol MetricsGaugeSource: Sendable {
    /// Gauges to export now.
    func metricGauges() -> [MetricGauge]
}
