/// When one connection of an open-loop load sends its requests: a fixed rate shared evenly by
/// `connections` connections, each offset by its share of the interval, so that together they send
/// evenly spaced requests instead of `connections` requests at the same instant.
///
/// Times are nanoseconds after the load's start. Request k of this connection is due at
/// `phase + k·interval`. Pure arithmetic: the caller owns the clock and the timers.
public struct OpenLoopSchedule: Sendable, Equatable {
    /// Nanoseconds between two sends of this connection (`connections / totalRate` seconds).
    public let interval: UInt64
    /// Nanoseconds from the start to this connection's first send: `index · interval / connections`.
    public let phase: UInt64

    /// The schedule of connection `index` (0-based) of `connections` sharing `totalRate` requests/s.
    public init(totalRate: Double, connections: Int, index: Int) {
        precondition(totalRate > 0 && connections >= 1 && (0..<connections).contains(index),
                     "open-loop schedule needs a positive rate and 0 ≤ index < connections")
        let interval = max(1, UInt64((1e9 * Double(connections) / totalRate).rounded()))
        self.interval = interval
        self.phase = interval * UInt64(index) / UInt64(connections)
    }

    /// When request `k` (0-based) is due.
    public func time(of k: Int) -> UInt64 { phase + UInt64(k) * interval }

    /// How many requests are due at `elapsed` (those with `time(of:) ≤ elapsed`).
    public func dueCount(at elapsed: UInt64) -> Int {
        elapsed < phase ? 0 : Int((elapsed - phase) / interval) + 1
    }
}
