/// Retrying a request that recd answered BUSY: what a caller does when the daemon sheds load.
///
/// BUSY means "not now": recd refused the request at once instead of queueing it (a full queue, an
/// estimated wait over the admission limit, or too many requests in flight on the connection), and
/// nothing was done, so sending it again is safe for every operation. Retrying at once would only
/// add to the overload, so the delay doubles from `initialDelay` up to `maxDelay`.
public struct BusyRetry: Sendable, Equatable {
    /// Most attempts in all (the first one included); the last BUSY is thrown after them.
    public var attempts: Int
    /// Wait before the second attempt.
    public var initialDelay: Duration
    /// Longest wait between attempts.
    public var maxDelay: Duration

    public init(attempts: Int = 12, initialDelay: Duration = .milliseconds(5), maxDelay: Duration = .milliseconds(500)) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// Runs `request`, again after a delay each time it throws BUSY, at most `attempts` times. Any other
    /// error is thrown at once. `onBusy` is called once for every BUSY answer that is retried.
    public func run<T: Sendable>(onBusy: @Sendable () -> Void = {}, _ request: @Sendable () async throws -> T) async throws -> T {
        var delay = initialDelay
        var attempt = 1
        while true {
            do {
                return try await request()
            } catch let e as RecdError where e.code == .busy && attempt < attempts {
                onBusy()
                try await Task.sleep(for: delay)
                delay = min(delay * 2, maxDelay)
                attempt += 1
            }
        }
    }
}
