import Histogram
import RecdProtocol

/// `recbench load --op mix` and `--op items`: a web app's traffic against the demo catalog
/// (`make run`: daemon/demo/catalog.jsonl and intents.jsonl), for soak and overload runs.
extension LoadWorkload {
    /// Ids in daemon/demo/catalog.jsonl, spread over its categories.
    static let demoItems = ["lap-0001", "lap-0029", "pho-0057", "hea-0085", "sho-0113", "sho-0141", "boo-0169", "boo-0197", "bea-0225", "kit-0253", "kit-0281", "toy-0309"]

    /// ITEMS: mostly gets of two ids, one upsert in four (of four fixed extra items, so the catalog
    /// and the embedding cache stay the same size however long the run).
    static func itemsRequests() throws -> [(Opcode, [UInt8])] {
        try (0..<16).map { i -> (Opcode, [UInt8]) in
            var r = Recd_V1_ItemsRequest()
            if i % 4 == 3 {
                var item = Recd_V1_Item()
                item.id = "mix-item-\(i % 4)"
                item.title = "Soak test travel mug \(i % 4)"
                item.category = "kitchen"
                item.brand = "Acme"
                item.price = 12
                item.inStock = true
                var list = Recd_V1_ItemList(); list.items = [item]
                r.upsert = list
            } else {
                var ids = Recd_V1_ItemIds()
                ids.ids = [demoItems[i % demoItems.count], demoItems[(i + 5) % demoItems.count]]
                r.get = ids
            }
            return (.items, try r.serializedBytes())
        }
    }

    /// Per 20 requests: 6 INTENT, 5 RECOMMEND (half with a query), 3 FEEDBACK, 2 EMBED, 3 ITEMS
    /// (2 gets, 1 upsert), 1 PING. FEEDBACK carries idempotency keys from a fixed set of 48, so after
    /// the first pass every event is a duplicate: the store and the users' state stop growing, and
    /// RSS drift in a long run means a leak, not more data.
    static func mixRequests() throws -> [(Opcode, [UInt8])] {
        let events: [Recd_V1_Event] = [.view, .click, .addToCart, .view, .purchase, .click]
        var feedback: [(Opcode, [UInt8])] = []
        for i in 0..<48 {
            var r = Recd_V1_FeedbackRequest()
            r.user = "mix-user\(i % 16)"
            r.item = demoItems[(i * 7) % demoItems.count]
            r.event = events[i % events.count]
            r.idempotencyKey = "mix-\(i)"
            feedback.append((.feedback, try r.serializedBytes()))
        }
        let recommend = try (0..<16).map { i -> (Opcode, [UInt8]) in
            var r = Recd_V1_RecommendRequest(); r.user = "mix-user\(i)"; r.k = 10
            if i % 2 == 0 { r.query = texts[i % texts.count] }
            return (.recommend, try r.serializedBytes())
        }
        let intent = try requests(for: "intent"), embed = try requests(for: "embed")
        let items = try itemsRequests(), ping = try requests(for: "ping")
        let block: [String] = ["intent", "recommend", "feedback", "intent", "items", "embed", "recommend", "intent",
                               "feedback", "recommend", "ping", "intent", "items", "recommend", "embed", "intent",
                               "feedback", "items", "recommend", "intent"]
        var next: [String: Int] = [:]
        var out: [(Opcode, [UInt8])] = []
        for _ in 0..<48 {
            for kind in block {
                let pool = ["intent": intent, "recommend": recommend, "feedback": feedback, "embed": embed,
                            "items": items, "ping": ping][kind]!
                let i = next[kind, default: 0]
                next[kind] = i + 1
                out.append(pool[i % pool.count])
            }
        }
        return out
    }
}

/// Replies counted by status, with OK and BUSY latency apart: under overload the BUSY answers
/// must be fast and the admitted (OK) ones must keep their unloaded latency.
struct StatusCounts: Sendable {
    var counts: [String: UInt64] = [:]
    var ok = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var busy = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

    mutating func record(_ status: Status, micros: UInt64?) {
        counts[status.name, default: 0] += 1
        guard let micros else { return }
        if status == .ok { _ = ok.record(micros) } else if status == .busy { _ = busy.record(micros) }
    }

    mutating func add(_ other: StatusCounts) {
        for (k, v) in other.counts { counts[k, default: 0] += v }
        ok.add(other.ok)
        busy.add(other.busy)
    }

    /// `statuses` (replies per status name) and OK / BUSY latency percentiles for the JSON report.
    func reportFields() -> [(String, String)] {
        func ms(_ h: Histogram<UInt64>, _ p: Double) -> String {
            String(format: "%.3f", Double(h.valueAtPercentile(p)) / 1000)
        }
        let statuses = counts.keys.sorted().map { "\"\($0)\":\(counts[$0]!)" }.joined(separator: ",")
        var fields = [("statuses", "{\(statuses)}"), ("ok_p50_ms", ms(ok, 50)), ("ok_p99_ms", ms(ok, 99))]
        if busy.totalCount > 0 { fields += [("busy_p50_ms", ms(busy, 50)), ("busy_p99_ms", ms(busy, 99))] }
        return fields
    }
}
