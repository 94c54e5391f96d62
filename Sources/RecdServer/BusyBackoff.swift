/// How long recd stops reading a connection after answering it BUSY (`busy_backoff_ms`): one
/// connection's running account, kept by its ``FrameHandler`` on its event loop; pure, so the rule is
/// tested without sockets or clocks.
///
/// Why: a closed-loop client answers each BUSY with its next request at once, so refusing it costs
/// recd a read, a decode, an admission check and a reply per refused frame — measured in session 6 at
/// ~200k BUSY replies a second from one event loop, on the cores the model workers needed (a batch of
/// 1.6 texts, ~2 ms of work, ran for up to 115 ms). Pausing the connection's reads instead lets its
/// later frames wait in its own socket buffer: the BUSY itself still leaves at once, and the flooding
/// client is slowed by its socket (backpressure) rather than by recd's CPU.
///
/// The rule: the first BUSY pauses ``first`` (1 ms, or the cap if smaller); each refused read burst that
/// follows without an admitted request in between doubles the pause, up to the cap; an admitted request
/// resets it. ``FrameHandler`` asks once per read burst and answers every frame already read (session
/// 15). A connection that is refused once waits a millisecond; one that keeps being refused is read at
/// most once per cap. ``FrameHandler`` pauses only a connection with more frames already waiting (a
/// pipelining flood); a caller sending one request at a time is never paused.
public struct BusyBackoff: Sendable, Equatable {
    /// The first pause (µs) when the cap allows it.
    public static let first: UInt64 = 1_000
    /// The longest pause (µs); 0 = never pause.
    public let capMicros: UInt64
    /// The pause the next BUSY gets (µs).
    public private(set) var nextMicros: UInt64
    /// BUSY answers since the last admitted request.
    public private(set) var streak = 0

    /// - Parameter capMicros: the longest pause in microseconds; 0 turns pausing off.
    public init(capMicros: UInt64) {
        self.capMicros = capMicros
        nextMicros = min(Self.first, capMicros)
    }

    /// The connection was answered BUSY: returns how long (µs) to leave its next frames unread; 0 = not at all.
    public mutating func refused() -> UInt64 {
        guard capMicros > 0 else { return 0 }
        let pause = nextMicros
        streak += 1
        nextMicros = min(capMicros, nextMicros &* 2)
        return pause
    }

    /// A request of the connection was admitted (anything but BUSY): the next BUSY pauses ``first`` again.
    public mutating func admitted() {
        streak = 0
        nextMicros = min(Self.first, capMicros)
    }
}
