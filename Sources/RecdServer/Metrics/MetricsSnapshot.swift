import RecdProtocol

/// A consistent copy of ``Metrics``' counters, taken under its lock in one go, so that a
/// Prometheus scrape renders outside the lock and never holds up a request.
public struct MetricsSnapshot: Sendable {
    /// One opcode's counters.
    public struct Op: Sendable {
        /// Opcode name as in PROTOCOL.md (`EMBED`, …).
        public var name: String
        /// Requests answered, OK or not (PINGs included).
        public var requests: UInt64
        /// Requests answered with a status other than OK.
        public var errors: UInt64
        /// `errors` split by status; only statuses seen at least once.
        public var errorsByStatus: [(Status, UInt64)]
        /// Cumulative counts at the bounds the snapshot was taken with (Prometheus `le` buckets).
        public var latencyCumulative: [UInt64]
        /// Requests whose latency was measured (PING is not).
        public var latencyCount: UInt64
        /// Sum of measured latencies in microseconds.
        public var latencySumMicros: UInt64
    }

    public var uptimeSeconds: Double
    public var connections: Int
    public var ops: [Op]
    /// Batch histogram: upper bounds (texts per encoder call) and per-bucket (not cumulative) counts;
    /// `batchCounts` has one more slot than `batchBounds`, for larger batches.
    public var batchBounds: [UInt32]
    public var batchCounts: [UInt64]
    /// Texts embedded over all encoder calls (the histogram's `_sum`).
    public var batchTexts: UInt64
}
