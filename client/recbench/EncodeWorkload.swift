/// The texts of /work/shared/anchors/encoder_peers.py, so recbench figures compare with ONNX Runtime's.
enum EncodeWorkload {
    /// 1,000 short shopping queries (11–13 tokens with [CLS]/[SEP]).
    static let queries: [String] = {
        let what = ["running shoes", "laptops", "headphones", "books", "jackets"]
        let who = ["mom", "dad", "trip", "office", "kid"]
        return (0..<1000).map { i in "show me \(what[i % 5]) under $\(i) for my \(who[i % 5])" }
    }()

    /// 200 product descriptions of ~104 tokens.
    static let docs: [String] = {
        let sentence = "Lightweight breathable mesh running shoe with responsive foam cushioning and durable rubber outsole for daily training."
        let desc = Array(repeating: sentence, count: 5).joined(separator: " ")
        return (0..<200).map { "\(desc) model \($0)" }
    }()
}
