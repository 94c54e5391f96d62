/// Where a pool job came from: its connection, and how hard that connection is sending (``PipelineDepth``).
///
/// The pool uses it twice: to keep a connection with a deep pipeline from pushing a lightly loaded
/// caller's requests behind all of its own (``PoolQueue``'s light lane), and to refuse only where
/// refusing protects someone else (``AdmissionControl``: a queue that holds one connection's work
/// alone is that connection's own choice, bounded by `max_in_flight_per_connection`).
public struct CallerFlow: Sendable, Hashable {
    /// A connection whose depth is at most this is light (an interactive caller: one web request, one query).
    public static let lightDepth = 2

    /// Identifies the connection within this process (any stable number; 0 = in-process callers).
    public var id: UInt64
    /// How hard the connection sends, in units of ``PipelineDepth/perWindow`` requests per window (≥ 1).
    public var depth: Int

    public init(id: UInt64, depth: Int) {
        self.id = id
        self.depth = max(1, depth)
    }

    /// Whether its jobs go to the light lane.
    public var isLight: Bool { depth <= Self.lightDepth }

    /// In-process callers and tests: one flow, one request at a time (the light lane).
    public static let anonymous = CallerFlow(id: 0, depth: 1)
}

/// A connection's depth as the pool sees it, from how fast it sends: one connection's running account
/// (its event loop keeps one), pure so it is tested without sockets.
///
/// Measured (session 6, `daemon/overload.sh` with a probe): neither requests in flight nor frames per read
/// tell a flooding connection from an interactive one once recd is overloaded. A refused request's BUSY
/// leaves at once, so a connection with 32 requests outstanding in the client has one or two in flight
/// in recd; and with the event loop tens of milliseconds behind, a caller sending 50 requests a second
/// finds its replies late (several in flight) and its requests read two or three at a time. Classified by
/// those, the flood filled the light lane, then the probe was put in the bulk lane and refused 98 % of the
/// time. What does tell them apart is the rate: a flooding connection sends thousands of requests a second,
/// an interactive caller tens. So the depth is the requests of the current `window` (50 ms) divided by
/// `perWindow`, rounded up: light up to ``CallerFlow/lightDepth`` × `perWindow` = 16 requests in 50 ms
/// (320 a second); and a connection once deeper stays at least one deeper for `hold` (1 s) afterwards,
/// so that a flood is not light again at the start of each window.
public struct PipelineDepth: Sendable, Equatable {
    /// How long a connection counts as deep after it last was (µs).
    public static let hold: UInt64 = 1_000_000
    /// The rate window (µs) and the requests in it that count as one level of depth.
    public static let window: UInt64 = 50_000
    public static let perWindow = 8
    /// Waiting requests counted beyond this make no difference: with them alone a connection is past
    /// light (``CallerFlow/lightDepth`` × `perWindow`, 16 in a window).
    public static let waitingCounted = CallerFlow.lightDepth * perWindow
    private(set) var deepUntil: UInt64 = 0
    private(set) var windowStart: UInt64 = 0
    private(set) var inWindow = 0

    public init() {}

    /// The flow of a request read at `nowMicros` (monotonic µs), with `waiting` more complete requests
    /// already read from the connection behind it.
    ///
    /// Why the waiting ones count: a connection that sends 32 requests at once has sent them in this
    /// window, although recd hands them on one by one. Counted only as they were handed on, its first 16
    /// went to the light lane. Measured (session 13, `daemon/overload.sh 10 64 32`): at the flood's start
    /// the 64 connections' first requests filled the light lane to `queue_capacity`, which admission does
    /// not bound for light callers, and waited up to 0.6 s. An interactive caller has a request or two
    /// waiting at most, even with the event loop behind (session 6 saw two or three), far from the 16.
    public mutating func flow(id: UInt64, nowMicros: UInt64, waiting: Int = 0) -> CallerFlow {
        if nowMicros &- windowStart >= Self.window { windowStart = nowMicros; inWindow = 0 }
        inWindow += 1
        let sent = inWindow + max(0, waiting)
        var depth = (sent + Self.perWindow - 1) / Self.perWindow
        if depth > CallerFlow.lightDepth {
            deepUntil = nowMicros &+ Self.hold
        } else if nowMicros < deepUntil {
            depth = CallerFlow.lightDepth + 1
        }
        return CallerFlow(id: id, depth: depth)
    }

    /// The connection was answered BUSY at `nowMicros`: when it had more frames waiting to be read
    /// (`framesWaiting`: it pipelines), it counts as deep for `hold` from now; a caller with nothing else
    /// waiting keeps its depth by rate.
    ///
    /// Why the hold: with its reads paused after each BUSY (``BusyBackoff``) a flooding connection is read
    /// only a few requests per window, so by rate alone it looked light again. Measured (session 7, first
    /// run of `daemon/overload.sh` with the pause): the 64 flooding connections moved to the light lane, it
    /// stood, and the 50/s probe was refused 38 % of the time.
    ///
    /// Why only when frames wait (session 11): held deep for any BUSY, a caller sending one request at a
    /// time was locked out. One refusal (the queue full, or the light lane standing) put it in the bulk
    /// lane for a second; there each request was refused again, which renewed the hold, and so on: in
    /// `daemon/overload.sh` with `max_batch_ms` 8 the 50/s probe was answered BUSY 75.5 % and 99.5 % of the
    /// time in two of three runs. The flood's connections, 32 requests deep, have frames waiting when
    /// refused (the same test the read pause uses); the probe has none.
    public mutating func refused(nowMicros: UInt64, framesWaiting: Bool) {
        guard framesWaiting else { return }
        deepUntil = max(deepUntil, nowMicros &+ Self.hold)
    }
}
