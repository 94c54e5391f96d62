import ArgumentParser
import Foundation
import RecdClient
import RecdProtocol

struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ping", abstract: "Check that recd answers.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let start = ContinuousClock.now
        try await connection.with { try await $0.ping() }
        let ms = Double((ContinuousClock.now - start).components.attoseconds) / 1e15
            + Double((ContinuousClock.now - start).components.seconds) * 1000
        if connection.json {
            print("{\"ok\":true,\"ms\":\(String(format: "%.3f", ms))}")
        } else {
            print("PONG from \(connection.socket) in \(String(format: "%.3f", ms)) ms")
        }
    }
}

struct IntentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "intent", abstract: "Classify a text's intent and slots.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The text.") var text: String
    @Option(help: "Alternatives to show (0 = server default).") var topK: Int = 0

    func run() async throws {
        let r = try await connection.with { try await $0.intent(text, topK: topK) }
        try connection.output(r) { describe(r) }
    }
}

func describe(_ r: Recd_V1_IntentResponse) -> String {
    var lines = [r.oos ? "out of scope (confidence \(format(r.confidence)))" : "\(r.intent) (confidence \(format(r.confidence)))"]
    for a in r.alternatives { lines.append("  alt \(a.intent) \(format(a.confidence))") }
    for s in r.slots {
        var line = "  slot \(s.name) = \(s.value) [\(s.start)..<\(s.end)] \"\(s.text)\""
        if s.hasMin { line += " min \(s.min)" }
        if s.hasMax { line += " max \(s.max)" }
        if !s.currency.isEmpty { line += " \(s.currency)" }
        if s.negated { line += " (negated)" }
        lines.append(line)
    }
    return lines.joined(separator: "\n")
}

struct RecommendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recommend", abstract: "Recommend items for a user and/or a query.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "User id.") var user: String = ""
    @Option(help: "Free-text query.") var query: String = ""
    @Option(name: [.customShort("k"), .long], help: "Items wanted (0 = server default).") var k: Int = 0
    @OptionGroup var filters: FilterOptions
    @Option(help: "default, exclude-purchased, exclude-seen or none.") var consumed: String = "default"
    @Option(help: "Ranking weights override: alpha,beta,gamma,delta.") var weights: String?
    @Option(help: "MMR diversity lambda in [0, 1] (0 = off).") var diversity: Float = 0

    func run() async throws {
        var r = Recd_V1_RecommendRequest()
        r.user = user; r.query = query; r.k = UInt32(k); r.diversity = diversity
        r.filters = try filters.message()
        switch consumed {
        case "default": r.consumed = .default
        case "exclude-purchased": r.consumed = .excludePurchased
        case "exclude-seen": r.consumed = .excludeSeen
        case "none": r.consumed = .none
        default: throw ValidationError("--consumed must be default, exclude-purchased, exclude-seen or none; found \(consumed)")
        }
        if let weights {
            let parts = weights.split(separator: ",").compactMap { Float($0) }
            guard parts.count == 4 else { throw ValidationError("--weights needs four numbers alpha,beta,gamma,delta; found \(weights)") }
            r.weights.alpha = parts[0]; r.weights.beta = parts[1]; r.weights.gamma = parts[2]; r.weights.delta = parts[3]
        }
        let request = r
        let reply = try await connection.with { try await $0.recommend(request) }
        try connection.output(reply) {
            var lines = reply.items.enumerated().map { i, item in describe(i, item) }
            if reply.hasQueryIntent { lines.insert("query intent: " + describe(reply.queryIntent), at: 0) }
            return lines.isEmpty ? "(no items)" : lines.joined(separator: "\n")
        }
    }
}

func describe(_ i: Int, _ item: Recd_V1_Recommendation) -> String {
    var line = "\(i + 1). \(item.itemID)  \(format(item.score))  \(item.title)"
    if !item.explanation.isEmpty { line += "\n     \(item.explanation)" }
    return line
}

struct FilterOptions: ParsableArguments {
    @Option(help: "Keep only this category (repeatable).") var category: [String] = []
    @Option(help: "Keep only this brand (repeatable).") var brand: [String] = []
    @Option(help: "Lowest price.") var minPrice: Double?
    @Option(help: "Highest price.") var maxPrice: Double?
    @Flag(help: "Only items in stock.") var inStock = false
    @Option(help: "Never return this item (repeatable).") var exclude: [String] = []

    func message() throws -> Recd_V1_Filters {
        var f = Recd_V1_Filters()
        f.categories = category; f.brands = brand; f.inStockOnly = inStock; f.excludeItems = exclude
        if let minPrice { f.minPrice = minPrice }
        if let maxPrice { f.maxPrice = maxPrice }
        return f
    }
}

struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "feedback", abstract: "Record a user event on an item.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "User id.") var user: String
    @Option(help: "Item id.") var item: String
    @Option(help: "view, click, add-to-cart, purchase, rating or dislike.") var event: String
    @Option(help: "Event value (the rating for 'rating').") var value: Float = 0
    @Option(help: "Unix time in ms (0 = now).") var timestampMs: Int64 = 0
    @Option(help: "Idempotency key: a retry with the same key is not applied twice.") var key: String = ""

    func run() async throws {
        var r = Recd_V1_FeedbackRequest()
        r.user = user; r.item = item; r.value = value; r.timestampMs = timestampMs; r.idempotencyKey = key
        let events: [String: Recd_V1_Event] = ["view": .view, "click": .click, "add-to-cart": .addToCart,
                                               "purchase": .purchase, "rating": .rating, "dislike": .dislike]
        guard let e = events[event] else {
            throw ValidationError("--event must be one of view, click, add-to-cart, purchase, rating, dislike; found \(event)")
        }
        r.event = e
        let request = r
        let reply = try await connection.with { try await $0.feedback(request) }
        try connection.output(reply) { reply.duplicate ? "duplicate (already recorded)" : "recorded, sequence \(reply.sequence)" }
    }
}

struct SimilarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "similar", abstract: "Items similar to an item.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Item id.") var item: String
    @Option(name: [.customShort("k"), .long], help: "Items wanted (0 = server default).") var k: Int = 0
    @OptionGroup var filters: FilterOptions

    func run() async throws {
        var r = Recd_V1_SimilarRequest()
        r.item = item; r.k = UInt32(k); r.filters = try filters.message()
        let request = r
        let reply = try await connection.with { try await $0.similar(request) }
        try connection.output(reply) {
            reply.items.isEmpty ? "(no items)" : reply.items.enumerated().map { describe($0, $1) }.joined(separator: "\n")
        }
    }
}

struct IntentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "intents", abstract: "Manage intent definitions.",
                                                    subcommands: [IntentsReloadCommand.self])
}

struct IntentsReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reload", abstract: "Reload intent definitions.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "File to load (default: the file recd was started with).") var path: String = ""

    func run() async throws {
        let reply = try await connection.with { try await $0.reloadIntents(path: path) }
        try connection.output(reply) { "reloaded \(reply.intents) intents from \(reply.examples) examples" }
    }
}
