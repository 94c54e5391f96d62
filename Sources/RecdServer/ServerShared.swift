import Atomics
import Logging

/// State every connection reads: the accepting flag and the daemon-wide in-flight count.
final class ServerShared: Sendable {
    let logger: Logger
    let metrics: Metrics
    /// The slow-request log; nil when `slow_request_ms` is off (then no request is traced).
    let slowLog: SlowLog?
    private let accepting = ManagedAtomic(false)
    private let inFlight = ManagedAtomic(0)

    init(logger: Logger, metrics: Metrics, slowLog: SlowLog? = nil) {
        self.logger = logger
        self.metrics = metrics
        self.slowLog = slowLog
    }

    /// Counts a request in flight if recd still accepts requests; false, with nothing counted, once the
    /// drain began (the caller answers UNAVAILABLE).
    ///
    /// The count goes up before the flag is read, and the drain clears the flag before it reads the count
    /// (``setAccepting(_:)``, ``requestsInFlight``), all four sequentially consistent. So either this
    /// request sees the drain, or the drain sees this request and waits for its reply. Before session 14 the
    /// event loop read the flag first (relaxed) and counted after: the drain could clear the flag, read 0 in
    /// flight and start releasing the pools and engines in between, and the request then went on to them
    /// with nobody waiting for its reply. `DrainHandshakeTests` races the two on the 2-vCPU machine: the old code
    /// missed 3,277–17,618 of 200,000 rounds; the old order with sequentially consistent atomics missed
    /// 8 and 333 of 50,000 (and none in a third run). (Session 14's one ThreadSanitizer failure, recd
    /// exiting 66 in `CrashSafetyTests.sigtermUnderLoadFinishesInFlightAndExitsZero`, came from a drain
    /// under load; its report was lost, so whether it was this race is not known.)
    func startRequest() -> Bool {
        inFlight.wrappingIncrement(ordering: .sequentiallyConsistent)
        if accepting.load(ordering: .sequentiallyConsistent) { return true }
        inFlight.wrappingDecrement(ordering: .sequentiallyConsistent)
        return false
    }

    /// Starts or stops accepting requests; the drain stops before it reads ``requestsInFlight``.
    func setAccepting(_ value: Bool) { accepting.store(value, ordering: .sequentiallyConsistent) }

    /// Requests admitted whose reply has not yet been written to its socket (or failed to be).
    var requestsInFlight: Int { inFlight.load(ordering: .sequentiallyConsistent) }
    /// Counts one more in flight without the accepting check: a paused connection's unread frames
    /// (`FrameHandler.refusedBusy`), which a drain must wait for.
    func requestStarted() { inFlight.wrappingIncrement(ordering: .sequentiallyConsistent) }
    func requestsFinished(_ count: Int) {
        if count > 0 { inFlight.wrappingDecrement(by: count, ordering: .sequentiallyConsistent) }
    }
}
