import RecdProtocol

extension RecdDaemon {
    /// Texts for the intent engine's warm-up: a price range, a Chinese query, negation, a quantity and
    /// a sort, so the slot parser's phrase tables and the classifier are built before the first request.
    static let warmUpTexts = [
        "I want a laptop under $800",
        "我想买一本经济类的书，价格在100-200元之间",
        "2 pairs of running shoes, not red, cheapest first",
    ]

    /// What each model worker runs once before the socket opens (after the pool's own encoder passes):
    /// the intent engine end to end, so its lazily built tables and this thread's allocations are made
    /// outside any request. Errors are ignored: a warm-up never stops the daemon.
    static func warmUp(_ engines: Engines) -> @Sendable (HandlerContext) -> Void {
        let intents = engines.intents, hasEncoder = engines.encoder != nil
        return { context in
            guard hasEncoder, let intents else { return }
            for text in warmUpTexts {
                guard let features = try? context.intentFeatures([text]), let first = features.first else { continue }
                _ = try? intents.classify(text: text, embedding: first, topK: 3, context: context)
            }
        }
    }
}
