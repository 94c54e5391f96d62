import RecdProtocol

/// The request bodies `recbench load` cycles through for each op.
enum LoadWorkload {
    static let texts = [
        "where is my order", "red running shoes under $50", "cancel my subscription",
        "a gentle moisturiser for dry skin", "i want to return these headphones",
        "matte lipstick that lasts all day", "how do i reset my password", "gift ideas for my sister",
    ]

    /// (opcode, body) pairs for `op`; requests go through them round-robin.
    static func requests(for op: String) throws -> [(Opcode, [UInt8])] {
        switch op {
        case "ping":
            return [(.ping, [])]
        case "embed":
            return try texts.map { t in
                var r = Recd_V1_EmbedRequest(); r.texts = [t]
                return (.embed, try r.serializedBytes())
            }
        case "intent":
            return try texts.map { t in
                var r = Recd_V1_IntentRequest(); r.text = t
                return (.intent, try r.serializedBytes())
            }
        case "recommend":
            return try (0..<16).map { i in
                var r = Recd_V1_RecommendRequest(); r.user = "user\(i)"; r.k = 10
                if i % 2 == 0 { r.query = texts[i % texts.count] }
                return (.recommend, try r.serializedBytes())
            }
        case "feedback":
            return try (0..<16).map { i in
                var r = Recd_V1_FeedbackRequest(); r.user = "user\(i)"; r.item = "item\(i * 7 % 13)"; r.event = .click
                return (.feedback, try r.serializedBytes())
            }
        case "items":
            return try itemsRequests()
        case "mix":
            return try mixRequests()
        default:
            throw LoadError("--op must be ping, embed, intent, recommend, feedback, items or mix; found \(op)")
        }
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
