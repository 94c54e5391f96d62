import Atomics
import Foundation
import Logging
import Testing
@testable import RecdServer

/// The drain's handshake with the event loop (``ServerShared/startRequest()``): a request the event loop
/// admits while SIGTERM's drain stops accepting must be seen by the drain, which then waits for it.
///
/// Each round races one `startRequest` against the drain's two steps (stop accepting, read the count),
/// both threads released together by a spinning barrier. A request that started must show in the count
/// the drain read; if it does not, the drain would have released the engines under it. With the flag read
/// before the count went up (the order before session 14) the window is a few instructions wide.
///
/// The drain side releases a round only once the event-loop side is spinning for it, and then waits a
/// different short while in each round before it stops accepting, so the rounds sweep the window: on a
/// loaded machine without that, the event-loop thread was off its core in all 50,000 rounds of one run
/// (a fresh-clone CI run, session 18) and every round was refused before it began.
@Suite struct DrainHandshakeTests {
    @Test func aRequestStartedAsTheDrainBeginsIsCountedOrRefused() {
        let shared = ServerShared(logger: Logger(label: "test"), metrics: Metrics())
        let rounds = 50_000
        let go = ManagedAtomic(0), done = ManagedAtomic(0), ready = ManagedAtomic(0), sink = ManagedAtomic(0)
        let started = ManagedAtomic(false)
        let missed = ManagedAtomic(0), refused = ManagedAtomic(0)
        let loopSide = Thread {
            for round in 1...rounds {
                ready.store(round, ordering: .releasing)
                Self.spin { go.load(ordering: .acquiring) >= round }
                started.store(shared.startRequest(), ordering: .releasing)
                done.wrappingIncrement(ordering: .acquiringAndReleasing)
            }
        }
        loopSide.start()
        for round in 1...rounds {
            Self.spin { ready.load(ordering: .acquiring) >= round }
            shared.setAccepting(true)
            go.store(round, ordering: .releasing)
            for _ in 0..<(round % 64) * 64 { sink.wrappingIncrement(ordering: .relaxed) }
            shared.setAccepting(false)
            let seen = shared.requestsInFlight
            Self.spin { done.load(ordering: .acquiring) >= round }
            if started.load(ordering: .acquiring) {
                if seen == 0 { missed.wrappingIncrement(ordering: .relaxed) }
                shared.requestsFinished(1)
            } else {
                refused.wrappingIncrement(ordering: .relaxed)
            }
        }
        #expect(missed.load(ordering: .relaxed) == 0,
                "requests admitted after the drain read none in flight: \(missed.load(ordering: .relaxed)) of \(rounds)")
        #expect(shared.requestsInFlight == 0)
        // Both outcomes happen, so the race was really run (not every round decided before it began).
        #expect(refused.load(ordering: .relaxed) > 0 && refused.load(ordering: .relaxed) < rounds,
                "refused \(refused.load(ordering: .relaxed)) of \(rounds)")
    }

    /// Spins until `ready`, yielding the core now and then: on a loaded machine (the suite runs tests in
    /// parallel) the other thread may be waiting for this one's core.
    private static func spin(until ready: () -> Bool) {
        var spins = 0
        while !ready() {
            spins += 1
            if spins % 64 == 0 { sched_yield() }
        }
    }

    @Test func noRequestStartsOnceDrainingAndNothingIsCounted() {
        let shared = ServerShared(logger: Logger(label: "test"), metrics: Metrics())
        shared.setAccepting(true)
        #expect(shared.startRequest())
        #expect(shared.requestsInFlight == 1)
        shared.setAccepting(false)
        #expect(!shared.startRequest())
        #expect(shared.requestsInFlight == 1, "a refused start leaves the count as it was")
        shared.requestsFinished(1)
        #expect(shared.requestsInFlight == 0)
    }
}
