import XCTest
@testable import RecdRecommend

/// `UserProfile.apply` updates an interaction in place (session 5); these tests hold it to the
/// state the earlier copy-out / write-back code produced, event for event.
final class UserProfileTests: XCTestCase {
    /// The session-4 `apply`, kept verbatim as the reference.
    private struct ReferenceProfile {
        var interactions: [String: UserProfile.Interaction] = [:]
        var purchased: Set<String> = []
        var disliked: Set<String> = []
        var recent: [String] = []
        var eventCount = 0

        mutating func apply(_ e: FeedbackEvent, weights: EventWeights) -> String? {
            let previous = recent.last
            eventCount += 1
            let w = weights.weight(e.kind, value: e.value)
            var entry = interactions[e.item] ?? UserProfile.Interaction(item: e.item, weight: 0, strongestKind: e.kind,
                                                                        lastTimestampMs: e.timestampMs, lastSequence: eventCount)
            entry.weight += w
            if rank(e.kind) > rank(entry.strongestKind) { entry.strongestKind = e.kind }
            entry.lastTimestampMs = max(entry.lastTimestampMs, e.timestampMs)
            entry.lastSequence = eventCount
            interactions[e.item] = entry
            switch e.kind {
            case .purchase: purchased.insert(e.item)
            case .dislike: disliked.insert(e.item)
            default: break
            }
            if e.kind != .dislike {
                if let i = recent.lastIndex(of: e.item) { recent.remove(at: i) }
                recent.append(e.item)
                if recent.count > UserProfile.recentCap { recent.removeFirst(recent.count - UserProfile.recentCap) }
            }
            return e.kind == .dislike || previous == e.item ? nil : previous
        }

        private func rank(_ k: FeedbackKind) -> Int {
            switch k {
            case .dislike: 0
            case .view: 1
            case .click: 2
            case .rating: 3
            case .addToCart: 4
            case .purchase: 5
            }
        }
    }

    func testApplyMatchesTheReferenceEventForEvent() {
        var generator = SplitMix(state: 11)
        let weights = EventWeights()
        var profile = UserProfile()
        var reference = ReferenceProfile()
        // 120 items so the 64-item recency window fills and items fall out of it and come back;
        // timestamps go backwards now and then (out-of-order delivery); some items are disliked.
        for n in 0..<5000 {
            var kind = FeedbackKind.allCases[Int(generator.next() % UInt64(FeedbackKind.allCases.count))]
            let item = generator.next() % 120
            if kind == .dislike && item < 100 { kind = .view }  // dislikes only on items 100…119
            let e = FeedbackEvent(user: "u", item: "item-\(item)", kind: kind,
                                  value: kind == .rating ? Double(generator.next() % 6) : 0,
                                  timestampMs: Int64(n * 10) - Int64(generator.next() % 50))
            let got = profile.apply(e, weights: weights)
            let want = reference.apply(e, weights: weights)
            XCTAssertEqual(got, want, "transition source after event \(n)")
            guard got == want else { return }
        }
        XCTAssertEqual(profile.eventCount, reference.eventCount)
        XCTAssertEqual(profile.recent, reference.recent)
        XCTAssertEqual(profile.purchased, reference.purchased)
        XCTAssertEqual(profile.disliked, reference.disliked)
        XCTAssertEqual(Set(profile.interactions.keys), Set(reference.interactions.keys))
        for (id, want) in reference.interactions {
            let got = profile.interactions[id]!
            XCTAssertEqual(got.item, want.item)
            XCTAssertEqual(got.weight, want.weight, "weight of \(id)")
            XCTAssertEqual(got.strongestKind, want.strongestKind, "strongest kind of \(id)")
            XCTAssertEqual(got.lastTimestampMs, want.lastTimestampMs, "timestamp of \(id)")
            XCTAssertEqual(got.lastSequence, want.lastSequence, "sequence of \(id)")
        }
        let history = profile.positiveHistory(limit: 20, decay: 0.9)
        XCTAssertFalse(history.isEmpty, "the sequence leaves some liked items")
    }

    func testFirstEventOfAnItemStartsItsEntry() {
        var profile = UserProfile()
        profile.apply(FeedbackEvent(user: "u", item: "a", kind: .view, timestampMs: 100), weights: EventWeights())
        profile.apply(FeedbackEvent(user: "u", item: "b", kind: .purchase, timestampMs: 50), weights: EventWeights())
        profile.apply(FeedbackEvent(user: "u", item: "a", kind: .click, timestampMs: 70), weights: EventWeights())
        let a = profile.interactions["a"]!
        XCTAssertEqual(a.weight, 3)                  // view 1 + click 2
        XCTAssertEqual(a.strongestKind, .click)
        XCTAssertEqual(a.lastTimestampMs, 100)       // the later of 100 and 70
        XCTAssertEqual(a.lastSequence, 3)
        XCTAssertEqual(profile.interactions["b"]!.lastSequence, 2)
        XCTAssertEqual(profile.recent, ["b", "a"])
    }
}
