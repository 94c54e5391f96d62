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
/// The drain side releases a round only while the event-loop side is seen spinning for it (its spin
/// counter moves), then waits a different while in each round (``wait(_:)``) before it stops accepting, so
/// the rounds sweep the window. The rounds go on past 50,000 until both outcomes have been seen, but stop
/// after 20 s once they have (60 s at most), so a loaded machine runs fewer rounds rather than none.
/// Session 18's version released a round whenever the other side had arrived, on or off its core: with
/// four busy loops beside it, all 50,000 rounds were refused (session 19), as in one fresh-clone CI run
/// before it. This one ran 11,095 and 32,927 rounds in its 20 s beside four, refusing 15 % and 6 %. With the
/// session-14 order (flag read before the count) put back, this version misses 53–115 of 50,000.
@Suite struct DrainHandshakeTests {
    @Test func aRequestStartedAsTheDrainBeginsIsCountedOrRefused() {
        let shared = ServerShared(logger: Logger(label: "test"), metrics: Metrics())
        let minimumRounds = 50_000, start = ContinuousClock.now
        let go = ManagedAtomic(0), done = ManagedAtomic(0), ready = ManagedAtomic(0), sink = ManagedAtomic(0)
        let started = ManagedAtomic(false), finished = ManagedAtomic(false), last = ManagedAtomic(Int.max)
        let missed = ManagedAtomic(0), refused = ManagedAtomic(0), beat = ManagedAtomic(0)
        let loopSide = Thread {
            var round = 1
            while round <= last.load(ordering: .acquiring) {
                ready.store(round, ordering: .releasing)
                Self.spin(yieldEvery: 1 << 16) {
                    beat.wrappingIncrement(ordering: .relaxed)
                    return go.load(ordering: .acquiring) >= round || last.load(ordering: .acquiring) < round
                }
                if go.load(ordering: .acquiring) < round { break }
                started.store(shared.startRequest(), ordering: .releasing)
                done.wrappingIncrement(ordering: .acquiringAndReleasing)
                round += 1
            }
            finished.store(true, ordering: .releasing)
        }
        loopSide.start()
        var rounds = 0
        while true {
            let bothSeen = refused.load(ordering: .relaxed) > 0 && rounds - refused.load(ordering: .relaxed) > 0
            let elapsed = ContinuousClock.now - start
            if (bothSeen && (rounds >= minimumRounds || elapsed > .seconds(20))) || elapsed > .seconds(60) { break }
            rounds += 1
            let round = rounds
            Self.spin { ready.load(ordering: .acquiring) >= round }
            // Release the round while the other thread is on its core: its spin is seen to move.
            let before = beat.load(ordering: .relaxed)
            Self.spin { beat.load(ordering: .relaxed) != before }
            shared.setAccepting(true)
            go.store(round, ordering: .releasing)
            let wait = Self.wait(round)
            for _ in 0..<wait { sink.wrappingIncrement(ordering: .relaxed) }
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
        last.store(rounds, ordering: .releasing)
        Self.spin { finished.load(ordering: .acquiring) }
        #expect(missed.load(ordering: .relaxed) == 0,
                "requests admitted after the drain read none in flight: \(missed.load(ordering: .relaxed)) of \(rounds)")
        #expect(shared.requestsInFlight == 0)
        // Both outcomes happen, so the race was really run (not every round decided before it began).
        #expect(refused.load(ordering: .relaxed) > 0 && refused.load(ordering: .relaxed) < rounds,
                "refused \(refused.load(ordering: .relaxed)) of \(rounds)")
    }

    /// How long the drain side waits between releasing a round and stopping accepting, in atomic
    /// increments: a fine sweep (0–126) in half the rounds, where the two threads meet within a cache-line
    /// transfer, a coarse one (0–4,032) in a quarter and a long one (4,096–20,224) in the rest.
    private static func wait(_ round: Int) -> Int {
        let step = (round / 4) % 64
        switch round % 4 {
        case 0, 1: return step * 2
        case 2: return step * 64
        default: return step * 256 + 4_096
        }
    }

    /// Spins until `ready`, yielding the core now and then: on a loaded machine (the suite runs tests in
    /// parallel) the other thread may be waiting for this one's core.
    private static func spin(yieldEvery: Int = 64, until ready: () -> Bool) {
        var spins = 0
        while !ready() {
            spins += 1
            if spins % yieldEvery == 0 { sched_yield() }
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
