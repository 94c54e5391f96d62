import Foundation
import XCTest
@testable import RecdRecommend

/// The feedback writer's gathering rule as a pure function (times in plain nanoseconds), and the store
/// following it with closed-loop writers.
final class GroupCommitTests: XCTestCase {
    let policy = GroupCommitPolicy(maxBatch: 16, maxWait: 1_000_000, idleGap: 250_000)

    func testALoneWriterIsCommittedAtOnce() {
        // Nothing was committed before, or the last commit held one event: no company is on its way.
        XCTAssertEqual(policy.decide(pending: 1, expected: 0, started: 0, lastArrival: 0, now: 0), .commit)
        XCTAssertEqual(policy.decide(pending: 1, expected: 1, started: 0, lastArrival: 0, now: 0), .commit)
    }

    func testWaitsForTheSendersThePreviousCommitAnswered() {
        XCTAssertEqual(policy.decide(pending: 1, expected: 8, started: 1_000, lastArrival: 1_000, now: 1_000),
                       .wait(until: 251_000))
        XCTAssertEqual(policy.decide(pending: 5, expected: 8, started: 1_000, lastArrival: 100_000, now: 120_000),
                       .wait(until: 350_000), "each arrival extends the wait by the gap")
        XCTAssertEqual(policy.decide(pending: 8, expected: 8, started: 1_000, lastArrival: 100_000, now: 120_000),
                       .commit, "everyone expected is here")
        XCTAssertEqual(policy.decide(pending: 16, expected: 40, started: 0, lastArrival: 0, now: 0),
                       .commit, "a full transaction never waits")
    }

    func testAnEventQueuedDuringTheLastCommitDoesNotEndTheWaitEarly() {
        // The newest pending event arrived before gathering began: the gap counts from `started`.
        XCTAssertEqual(policy.decide(pending: 2, expected: 8, started: 500_000, lastArrival: 10_000, now: 500_000),
                       .wait(until: 750_000))
    }

    func testStopsAfterAQuietGapOrTheLongestWait() {
        XCTAssertEqual(policy.decide(pending: 7, expected: 8, started: 0, lastArrival: 100_000, now: 350_000), .commit,
                       "a sender that did not answer within the gap is not waited for")
        XCTAssertEqual(policy.decide(pending: 7, expected: 8, started: 0, lastArrival: 900_000, now: 1_000_000), .commit,
                       "arrivals keep coming, but 1 ms is the most a commit waits")
        let never = GroupCommitPolicy(maxBatch: 16, maxWait: 0)
        XCTAssertEqual(never.decide(pending: 1, expected: 8, started: 0, lastArrival: 0, now: 0), .commit)
        XCTAssertEqual(never.idleGap, 0, "the gap is capped at the longest wait")
    }

    /// Eight closed-loop writers (each sends its next event when the previous one is acknowledged) fill
    /// one transaction each round. Committing as soon as the first event arrives splits the rounds: the
    /// daemon measured 4.0–4.4 events per commit that way with 8 connections, 7.0–7.9 with the policy.
    func testClosedLoopWritersShareOneCommitPerRound() throws {
        let dir = temporaryDirectory(self)
        // Generous gaps so a loaded test machine's scheduling does not end the wait.
        let store = try FeedbackStore(path: dir + "/feedback.sqlite",
                                      policy: GroupCommitPolicy(maxWait: 200_000_000, idleGap: 100_000_000)) { _ in }
        defer { store.close() }
        let writers = 8, rounds = 30
        let done = DispatchGroup()
        let failures = FailureLog()
        for w in 0..<writers {   // threads of their own: concurrentPerform runs only one per core
            done.enter()
            Thread {
                for i in 0..<rounds {
                    do { _ = try store.recordBlocking(event("u\(w)", "item-\(i)", .view, at: Int64(i))) } catch { failures.add("\(error)") }
                }
                done.leave()
            }.start()
        }
        done.wait()
        XCTAssertEqual(failures.all, [])
        let stats = store.stats
        XCTAssertEqual(stats["feedback.committed_events"], Double(writers * rounds))
        let commits = stats["feedback.committed_batches"] ?? 0
        // The first rounds may be split while the writers start; after that every round is one commit.
        XCTAssertLessThanOrEqual(commits, Double(rounds + 6), "\(commits) commits for \(rounds) rounds of \(writers)")
    }
}

/// Errors seen on the writer threads.
private final class FailureLog: @unchecked Sendable {
    // Safety: `messages` is guarded by `lock`.
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ m: String) { lock.lock(); messages.append(m); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return messages }
}
