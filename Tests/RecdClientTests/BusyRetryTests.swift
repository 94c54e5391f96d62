import Foundation
import RecdClient
import Testing

/// ``BusyRetry``: BUSY answers are retried with a growing delay, anything else is thrown at once, and the
/// last BUSY is thrown when the attempts run out.
@Suite struct BusyRetryTests {
    /// A request that answers BUSY `busyTimes` times, then `final`; counts its calls.
    final class Script: @unchecked Sendable {
        private let lock = NSLock()
        private var calls = 0
        let busyTimes: Int
        let final: Result<Int, RecdError>
        init(busyTimes: Int, final: Result<Int, RecdError> = .success(42)) { self.busyTimes = busyTimes; self.final = final }
        var count: Int { lock.withLock { calls } }
        func call() throws -> Int {
            let n = lock.withLock { calls += 1; return calls }
            if n <= busyTimes { throw RecdError(code: .busy, message: "queue full") }
            return try final.get()
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func bump() { lock.withLock { n += 1 } }
        var value: Int { lock.withLock { n } }
    }

    let quick = BusyRetry(attempts: 5, initialDelay: .milliseconds(1), maxDelay: .milliseconds(4))

    @Test func busyIsRetriedUntilTheRequestIsServed() async throws {
        let s = Script(busyTimes: 3), retried = Counter()
        let v = try await quick.run(onBusy: { retried.bump() }) { try s.call() }
        #expect(v == 42 && s.count == 4 && retried.value == 3)
    }

    @Test func theLastBusyIsThrownWhenAttemptsRunOut() async throws {
        let s = Script(busyTimes: 100)
        await #expect(throws: RecdError(code: .busy, message: "queue full")) { _ = try await quick.run { try s.call() } }
        #expect(s.count == 5)
    }

    @Test func otherErrorsAreNotRetried() async throws {
        let s = Script(busyTimes: 1, final: .failure(RecdError(code: .badRequest, message: "text is empty")))
        await #expect(throws: RecdError(code: .badRequest, message: "text is empty")) { _ = try await quick.run { try s.call() } }
        #expect(s.count == 2)
    }

    @Test func theDelayDoublesUpToItsCap() async throws {
        let s = Script(busyTimes: 4)
        let retry = BusyRetry(attempts: 5, initialDelay: .milliseconds(20), maxDelay: .milliseconds(40))
        let start = ContinuousClock.now
        _ = try await retry.run { try s.call() }
        // 20 + 40 + 40 + 40 ms of waiting (the cap holds the last two).
        #expect(ContinuousClock.now - start >= .milliseconds(140))
    }
}
