import Foundation
import RecdClient
import RecdModel
import RecdProtocol
import Testing

/// The real daemon with the real model, a small catalog and a small intent set: the paths a web app
/// uses (INTENT, RECOMMEND, FEEDBACK, ITEMS, SIMILAR, INTENTS_RELOAD), restarts included.
@Suite(.serialized) struct EngineEndToEndTests {
    static let catalog = [
        #"{"id": "lap-1", "title": "Lenovo ThinkPad laptop 14 inch", "category": "laptops", "brand": "Lenovo", "price": 749, "in_stock": true}"#,
        #"{"id": "lap-2", "title": "Apple MacBook Air laptop", "category": "laptops", "brand": "Apple", "price": 1099, "in_stock": true}"#,
        #"{"id": "lap-3", "title": "ASUS gaming laptop with RTX graphics", "category": "laptops", "brand": "ASUS", "price": 1499, "in_stock": false}"#,
        #"{"id": "sho-1", "title": "Nike running shoes for men", "category": "shoes", "brand": "Nike", "price": 79, "in_stock": true}"#,
        #"{"id": "sho-2", "title": "Adidas trail running shoes", "category": "shoes", "brand": "Adidas", "price": 95, "in_stock": true}"#,
        #"{"id": "hp-1", "title": "Sony noise cancelling headphones", "category": "headphones", "brand": "Sony", "price": 299, "in_stock": true}"#,
        #"{"id": "hp-2", "title": "Bose wireless over-ear headphones", "category": "headphones", "brand": "Bose", "price": 249, "in_stock": true}"#,
        #"{"id": "bk-1", "title": "Economics textbook: principles of economics", "category": "books", "brand": "Penguin", "price": 35, "in_stock": true}"#,
    ].joined(separator: "\n") + "\n"

    static func intents(extra: String = "") -> String {
        var lines: [String] = []
        let sets: [(String, [String])] = [
            ("purchase", ["I want to buy a laptop", "buy running shoes", "I'd like to order headphones", "purchase a new phone",
                          "add a book to my order, I want to buy it", "I need to buy a gift", "我想买一台笔记本电脑", "我要买鞋"]),
            ("order_status", ["where is my order", "track my package", "when will my order arrive", "has my parcel shipped",
                              "order status please", "my delivery is late", "我的订单到哪了", "快递什么时候到"]),
            ("return_refund", ["I want to return this", "how do I get a refund", "send it back for my money", "return policy",
                               "refund my purchase", "the item is broken, I want a refund", "退货怎么办理", "我要退款"]),
            ("oos", ["what is the weather today", "tell me a joke", "who won the football game", "what is the capital of France"]),
        ]
        for (intent, texts) in sets {
            for t in texts { lines.append(#"{"text": "\#(t)", "intent": "\#(intent)"}"#) }
        }
        return lines.joined(separator: "\n") + "\n" + extra
    }

    /// A recd serving the real model over files in a fresh directory.
    final class Fixture: @unchecked Sendable {
        let dir: URL
        var daemon: Process
        let socket: String
        var client: RecdClient!
        let extra: [String]

        init(extra: [String] = []) async throws {
            self.extra = extra
            dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("recd-engines-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(EngineEndToEndTests.catalog.utf8).write(to: dir.appendingPathComponent("catalog.jsonl"))
            try Data(EngineEndToEndTests.intents().utf8).write(to: dir.appendingPathComponent("intents.jsonl"))
            socket = dir.appendingPathComponent("recd.sock").path
            daemon = Process()
            try await start()
        }

        var weights: String { DefaultWeightsPath.path }

        func start() async throws {
            guard FileManager.default.fileExists(atPath: weights) else {
                throw E2EError("the packed model \(weights) is missing: run `make model` (make test does)")
            }
            daemon = Process()
            daemon.executableURL = Executables.url("recd")
            daemon.arguments = ["--socket", socket, "--model", weights,
                                "--catalog", dir.appendingPathComponent("catalog.jsonl").path,
                                "--intents", dir.appendingPathComponent("intents.jsonl").path,
                                "--store", dir.appendingPathComponent("store").path,
                                "--cache-dir", dir.appendingPathComponent("cache").path] + extra
            let log = dir.appendingPathComponent("recd.log")
            #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
            let handle = try FileHandle(forWritingTo: log)
            handle.seekToEndOfFile()
            daemon.standardOutput = handle
            daemon.standardError = handle
            try daemon.run()
            let deadline = Date().addingTimeInterval(600)
            while !RawSocket.canConnect(socket) {
                guard daemon.isRunning, Date() < deadline else {
                    throw E2EError("recd did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            client = try await RecdClient.connect(socketPath: socket, timeout: .seconds(120))
        }

        func stop() async {
            await client?.close()
            daemon.terminate()
            while daemon.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }

        func recommend(user: String, query: String = "", k: Int = 8, configure: (inout Recd_V1_RecommendRequest) -> Void = { _ in })
            async throws -> [String] {
            var r = Recd_V1_RecommendRequest()
            r.user = user
            r.query = query
            r.k = UInt32(k)
            configure(&r)
            return try await client.recommend(r).items.map(\.itemID)
        }

        func feedback(user: String, item: String, event: Recd_V1_Event, key: String = "") async throws -> Recd_V1_FeedbackResponse {
            var f = Recd_V1_FeedbackRequest()
            f.user = user
            f.item = item
            f.event = event
            f.idempotencyKey = key
            return try await client.feedback(f)
        }

        /// The end of the daemon's log (stdout and stderr), for a failure message: a sanitizer's report is there.
        func logTail(_ characters: Int = 6000) -> String {
            let text = (try? String(contentsOf: dir.appendingPathComponent("recd.log"), encoding: .utf8)) ?? ""
            return String(text.suffix(characters))
        }

        deinit {
            if daemon.isRunning { daemon.terminate() }
            try? FileManager.default.removeItem(at: dir)
        }
    }

    @Test func embedThroughTheDaemonEqualsTheInProcessEncoder() async throws {
        let f = try await Fixture()
        let texts = ["I want to buy a laptop", "我想买一台笔记本电脑", "running shoes under $80"]
        let remote = try await f.client.embed(texts)
        let encoder = try Encoder(path: f.weights)
        let local = try encoder.embed(texts: texts, workspace: EncoderWorkspace(model: encoder.model, maxBatch: 4, maxTokens: 256))
        for (r, l) in zip(remote, local) {
            #expect(r.count == 384)
            let maxDiff = zip(r, l).map { abs($0 - $1) }.max() ?? 1
            #expect(maxDiff <= 1e-5, "daemon and in-process embeddings differ by \(maxDiff)")
        }
        await f.stop()
    }

    /// `recbench overhead` (#3 / #4's one-connection comparison): one in-process encode and one daemon
    /// request per pair, both p50s and the overhead consistent with them; a daemon error is an error.
    @Test func overheadPairsInProcessEncodesWithDaemonRequests() async throws {
        let f = try await Fixture()
        for op in ["embed", "intent"] {
            let r = try await run("recbench", ["overhead", "--socket", f.socket, "--op", op, "--runs", "12", "--model", f.weights])
            #expect(r.status == 0, "\(r.err)")
            let j = try #require(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], "\(r.out)")
            #expect(j["op"] as? String == op && j["runs"] as? Int == 12, "\(r.out)")
            let local = try #require(j["inproc_p50_ms"] as? Double), remote = try #require(j["daemon_p50_ms"] as? Double)
            let overhead = try #require(j["overhead_p50_ms"] as? Double)
            #expect(local > 0 && remote > 0, "\(r.out)")
            #expect(abs(overhead - (remote - local)) < 0.001, "\(r.out)")
            for key in ["inproc_helper_shared_gemms", "inproc_helper_chunks", "inproc_helper_backoffs"] {
                #expect(((j[key] as? Int) ?? -1) >= 0, "\(key) in \(r.out)")
            }
        }
        // recd's side of the helper counters: a two-CPU daemon shares its lone passes' GEMMs (warm-up included).
        let extras = try await f.client.stats().extras
        let shared = Int(extras["encoder.helper_shared_gemms"] ?? ""), chunks = Int(extras["encoder.helper_chunks"] ?? "")
        #expect(shared != nil && chunks != nil && Int(extras["encoder.helper_backoffs"] ?? "") != nil, "\(extras)")
        if PackedGEMM.intraOpHelper { #expect((shared ?? 0) > 0, "\(extras)") }
        let bad = try await run("recbench", ["overhead", "--socket", f.socket, "--op", "ping", "--runs", "3"])
        #expect(bad.status != 0 && bad.err.contains("--op must be embed or intent"), "\(bad.err)")
        await f.stop()
        // A daemon without an intent engine answers UNAVAILABLE: the pair cannot be timed.
        let bare = try DaemonProcess()
        defer { bare.terminate() }
        let refused = try await run("recbench", ["overhead", "--socket", bare.socketPath, "--op", "intent", "--runs", "3", "--model", f.weights])
        #expect(refused.status != 0 && refused.err.contains("UNAVAILABLE"), "\(refused.err)")
    }

    /// `recbench eval-intent` takes a recd intents file as its training set (a comment line, intent lines
    /// with example arrays, example lines) and counts its examples as recd does.
    @Test func evalIntentTrainsOnAnIntentsFile() async throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("recd-evalintent-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let train = dir.appendingPathComponent("intents.jsonl"), test = dir.appendingPathComponent("test.jsonl")
        let greeting = #"{"intent": "greeting", "description": "Hello.", "examples": ["hello there", "hi", "good morning"]}"#
        try Data(("# a comment, as the demo intents file has\n" + greeting + "\n" + Self.intents()).utf8).write(to: train)
        try Data([#"{"text": "where is my parcel", "intent": "order_status"}"#,
                  #"{"text": "I would like to buy new headphones", "intent": "purchase"}"#].joined(separator: "\n").utf8).write(to: test)
        let r = try await run("recbench", ["eval-intent", "--train", train.path, "--test", test.path,
                                           "--model", DefaultWeightsPath.path, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let j = try #require(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], "\(r.out)\(r.err)")
        #expect(j["n_train"] as? Int == 31 && j["n_test"] as? Int == 2, "\(r.out)")
        #expect(j["busy_retries"] as? Int == 0 && j["accuracy"] != nil, "\(r.out)")
        #expect(j["precision"] as? String == "fp32", "\(r.out)")
        let answeredOOS = try #require(j["in_scope_answered_oos"] as? Int, "\(r.out)")
        #expect((0...2).contains(answeredOOS), "\(r.out)")
        let firstRight = try #require(j["in_scope_answered_oos_first_right"] as? Int, "\(r.out)")
        #expect((0...answeredOOS).contains(firstRight), "\(r.out)")
        // The same with the int8 encoder, and a precision recd does not have.
        let q = try await run("recbench", ["eval-intent", "--train", train.path, "--test", test.path,
                                           "--model", DefaultWeightsPath.path, "--precision", "int8", "--json"])
        #expect(q.status == 0, "\(q.err)")
        let qj = try #require(JSONSerialization.jsonObject(with: Data(q.out.utf8)) as? [String: Any], "\(q.out)\(q.err)")
        #expect(qj["precision"] as? String == "int8" && qj["n_test"] as? Int == 2, "\(q.out)")
        let bad = try await run("recbench", ["eval-intent", "--train", train.path, "--test", test.path, "--precision", "fp16"])
        #expect(bad.status != 0 && bad.err.contains("--precision must be fp32 or int8; found fp16"), "\(bad.err)")
    }

    @Test func intentAnswersWithSlotsAndRefusesPaths() async throws {
        let f = try await Fixture()
        let r = try await f.client.intent("I want to buy a Lenovo laptop under $800")
        #expect(r.intent == "purchase" && !r.oos, "\(r)")
        let price = r.slots.first { $0.name == "price" }
        #expect(price?.max == 800, "\(r.slots)")
        #expect(r.slots.contains { $0.name == "brand" && $0.value.lowercased() == "lenovo" }, "\(r.slots)")
        let zh = try await f.client.intent("我的订单到哪了")
        #expect(zh.intent == "order_status", "\(zh)")
        await #expect(throws: RecdError.self) { _ = try await f.client.reloadIntents(path: "/etc/passwd") }
        await f.stop()
    }

    @Test func queryFiltersFromSlotsAndExplicitFilters() async throws {
        let f = try await Fixture()
        let laptops = try await f.recommend(user: "", query: "laptop under $800", k: 3)
        #expect(laptops == ["lap-1"], "the query's category and price become filters: \(laptops)")
        let shoes = try await f.recommend(user: "", query: "running shoes", k: 2)
        #expect(Set(shoes) == ["sho-1", "sho-2"], "\(shoes)")
        let inStock = try await f.recommend(user: "", k: 8) { $0.filters.inStockOnly = true; $0.filters.categories = ["laptops"] }
        #expect(Set(inStock) == ["lap-1", "lap-2"], "\(inStock)")
        let byBrand = try await f.recommend(user: "", k: 8) { $0.filters.brands = ["Sony"] }
        #expect(byBrand == ["hp-1"], "\(byBrand)")
        let cheap = try await f.recommend(user: "", k: 8) { $0.filters.maxPrice = 80 }
        #expect(Set(cheap) == ["sho-1", "bk-1"], "\(cheap)")
        let notApple = try await f.recommend(user: "", query: "laptop not Apple", k: 8)
        #expect(Set(notApple) == ["lap-1", "lap-3"], "a negated brand excludes it: \(notApple)")
        let zhNotApple = try await f.recommend(user: "", query: "不要苹果的笔记本电脑", k: 8)
        #expect(!zhNotApple.contains("lap-2") && zhNotApple.contains("lap-1"), "不要苹果 excludes Apple: \(zhNotApple)")
        let notShoes = try await f.recommend(user: "", k: 8) { $0.filters.excludeCategories = ["Shoes"]; $0.filters.excludeBrands = ["sony"] }
        #expect(Set(notShoes) == ["lap-1", "lap-2", "lap-3", "hp-2", "bk-1"], "\(notShoes)")
        await f.stop()
    }

    @Test func feedbackChangesTheNextRecommendationAndSurvivesRestart() async throws {
        let f = try await Fixture()
        let first = try await f.feedback(user: "u1", item: "hp-1", event: .purchase, key: "k-1")
        #expect(!first.duplicate && first.sequence >= 1, "\(first)")
        let retry = try await f.feedback(user: "u1", item: "hp-1", event: .purchase, key: "k-1")
        #expect(retry.duplicate, "a retried idempotency key is acknowledged but not applied twice")
        #expect(retry.sequence == first.sequence, "a duplicate answers the original's place in the log")
        let next = try await f.feedback(user: "u2", item: "bk-1", event: .view)
        #expect(next.sequence == first.sequence + 1, "\(next)")
        let after = try await f.recommend(user: "u1", k: 3)
        #expect(!after.contains("hp-1"), "a purchased item is excluded by default: \(after)")
        #expect(after.first == "hp-2", "the most similar item to what u1 bought comes first: \(after)")
        var r = Recd_V1_RecommendRequest()
        r.user = "u1"; r.k = 1
        let explained = try await f.client.recommend(r).items.first
        #expect(explained?.explanation.contains("Sony") == true, "the explanation names the bought item: \(explained?.explanation ?? "")")

        await f.stop()
        try await f.start()
        let restored = try await f.recommend(user: "u1", k: 3)
        #expect(restored == after, "state rebuilt from the store after a restart")
        let again = try await f.feedback(user: "u1", item: "hp-1", event: .purchase, key: "k-1")
        #expect(again.duplicate, "idempotency keys survive a restart")
        await f.stop()
    }

    @Test func newItemsAreRecommendableAndSimilarWorks() async throws {
        let f = try await Fixture()
        _ = try await f.recommend(user: "", query: "laptop", k: 1)   // the daemon now knows the catalog's brands
        var item = Recd_V1_Item()
        item.id = "lap-9"; item.title = "Dell XPS ultrabook laptop"; item.category = "laptops"; item.brand = "Dell"
        item.price = 999; item.inStock = true
        _ = try await f.client.upsertItems([item])
        let got = try await f.client.getItems(["lap-9", "nope"])
        #expect(got.items.map(\.id) == ["lap-9"] && got.missing == ["nope"])
        // Stock: unset on upsert = in stock; an explicit false = out of stock; GET states it.
        var unset = Recd_V1_Item()
        unset.id = "lap-10"; unset.title = "Framework modular laptop"; unset.category = "laptops"; unset.brand = "Framework"
        var sold = unset
        sold.id = "lap-11"; sold.title = "Old netbook laptop"; sold.inStock = false
        _ = try await f.client.upsertItems([unset, sold])
        let stock = try await f.client.getItems(["lap-10", "lap-11"]).items
        #expect(stock.map(\.hasInStock) == [true, true] && stock.map(\.inStock) == [true, false], "\(stock)")
        let inStockLaptops = try await f.recommend(user: "", k: 20) { $0.filters.inStockOnly = true; $0.filters.categories = ["laptops"] }
        #expect(inStockLaptops.contains("lap-10") && !inStockLaptops.contains("lap-11"), "\(inStockLaptops)")
        var s = Recd_V1_SimilarRequest()
        s.item = "lap-9"; s.k = 2
        let similar = try await f.client.similar(s).items.map(\.itemID)
        #expect(similar.allSatisfy { $0.hasPrefix("lap-") }, "a new item with no interactions has content neighbours: \(similar)")
        let query = try await f.recommend(user: "", query: "Dell laptop", k: 3)
        #expect(query == ["lap-9"], "the new brand filters the query at once: \(query)")
        s.item = "missing-item"
        await #expect(throws: RecdError.self) { _ = try await f.client.similar(s) }
        await f.stop()
    }

    @Test func engineGaugesAreScraped() async throws {
        let port = try freeTCPPort()
        let f = try await Fixture(extra: ["--metrics-listen", "127.0.0.1:\(port)"])
        _ = try await f.feedback(user: "u2", item: "bk-1", event: .view)
        let text = try await OperationsTests().scrape(port)
        #expect(text.contains("recd_catalog_items 8\n"), "\(text)")
        #expect(text.contains("recd_intents 3\n"), "three intents besides oos: \(text)")
        #expect(text.contains("recd_feedback_pending_events 0\n"), "an acknowledged event is no longer pending")
        #expect(text.contains("recd_feedback_store_lag_seconds 0\n"))
        await f.stop()
    }

    @Test func intentsReloadSwapsTheSet() async throws {
        let f = try await Fixture()
        let extra = ["cancel my order", "I want to cancel", "cancel the purchase please", "stop my order",
                     "please cancel order 123", "取消订单"].map { #"{"text": "\#($0)", "intent": "cancel_order"}"# }
        try Data(EngineEndToEndTests.intents(extra: extra.joined(separator: "\n") + "\n").utf8)
            .write(to: f.dir.appendingPathComponent("intents.jsonl"))
        let reloaded = try await f.client.reloadIntents()
        #expect(reloaded.intents >= 4, "\(reloaded)")
        let r = try await f.client.intent("please cancel my order")
        #expect(r.intent == "cancel_order", "\(r)")
        await f.stop()
    }
}
