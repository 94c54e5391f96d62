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

    var acceptsRequests: Bool { accepting.load(ordering: .relaxed) }
    func setAccepting(_ value: Bool) { accepting.store(value, ordering: .sequentiallyConsistent) }

    /// Requests admitted whose reply has not yet been written to its socket (or failed to be).
    var requestsInFlight: Int { inFlight.load(ordering: .sequentiallyConsistent) }
    func requestStarted() { inFlight.wrappingIncrement(ordering: .relaxed) }
    func requestsFinished(_ count: Int) {
        if count > 0 { inFlight.wrappingDecrement(by: count, ordering: .sequentiallyConsistent) }
    }
}
