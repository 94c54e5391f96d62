import Testing
@testable import RecdModel

/// The fp32 forward pass against sentence-transformers' own embeddings for 33 inputs
/// (Fixtures/minilm_reference.json), using the reference's input_ids.
@Suite struct ReferenceEmbeddingTests {
    static func compare(_ got: [Float], _ want: [Float]) -> (cosine: Float, maxDiff: Float) {
        var dot: Float = 0, ng: Float = 0, nw: Float = 0, md: Float = 0
        for (g, w) in zip(got, want) {
            dot += g * w; ng += g * g; nw += w * w
            md = max(md, abs(g - w))
        }
        return (dot / (ng.squareRoot() * nw.squareRoot()), md)
    }

    @Test func oneAtATimeMatchesReference() throws {
        let model = try Fixtures.model.get()
        let ws = EncoderWorkspace(model: model, maxBatch: 1, maxTokens: 256)
        #expect(Fixtures.reference.cases.count == 33)
        for c in Fixtures.reference.cases {
            let got = try model.embed(ids: [c.input_ids], workspace: ws)[0]
            let (cosine, maxDiff) = Self.compare(got, c.embedding)
            #expect(got.count == 384)
            #expect(cosine >= 0.9999, "cosine \(cosine) for '\(c.text.prefix(40))'")
            #expect(maxDiff <= 1e-4, "max |diff| \(maxDiff) for '\(c.text.prefix(40))'")
        }
    }

    @Test func oneBatchMatchesOneAtATime() throws {
        let model = try Fixtures.model.get()
        let cases = Fixtures.reference.cases
        let single = EncoderWorkspace(model: model, maxBatch: 1, maxTokens: 256)
        let batchWS = EncoderWorkspace(model: model, maxBatch: cases.count, maxTokens: cases.reduce(0) { $0 + $1.input_ids.count })
        let batch = try model.embed(ids: cases.map(\.input_ids), workspace: batchWS)
        for (i, c) in cases.enumerated() {
            let alone = try model.embed(ids: [c.input_ids], workspace: single)[0]
            let (cosine, maxDiff) = Self.compare(batch[i], c.embedding)
            #expect(cosine >= 0.9999 && maxDiff <= 1e-4, "batch row \(i): cosine \(cosine), max |diff| \(maxDiff)")
            let drift = zip(batch[i], alone).map { abs($0 - $1) }.max()!
            #expect(drift <= 1e-5, "batch row \(i) differs from the single run by \(drift)")
        }
    }

    @Test func smallWorkspaceSplitsIntoChunks() throws {
        let model = try Fixtures.model.get()
        let cases = Array(Fixtures.reference.cases.prefix(10))
        let ws = EncoderWorkspace(model: model, maxBatch: 3, maxTokens: 256)
        let got = try model.embed(ids: cases.map(\.input_ids), workspace: ws)
        for (g, c) in zip(got, cases) {
            #expect(Self.compare(g, c.embedding).cosine >= 0.9999)
        }
    }

    @Test func rejectsBadInput() throws {
        let model = try Fixtures.model.get()
        let ws = EncoderWorkspace(model: model, maxBatch: 2, maxTokens: 256)
        #expect(modelError { _ = try model.embed(ids: [[]], workspace: ws) }?.code == .invalidInput)
        let tooLong = modelError { _ = try model.embed(ids: [[Int32](repeating: 100, count: 257)], workspace: ws) }
        #expect(tooLong?.message.contains("found 257") == true)
        let badId = modelError { _ = try model.embed(ids: [[101, 30522, 102]], workspace: ws) }
        #expect(badId?.message.contains("30522") == true)
    }
}

/// The text-level `Encoder`: the tokenizer built from the weights file reproduces the reference ids,
/// and embedding texts gives the reference vectors.
@Suite struct EncoderTextTests {
    @Test func textsMatchReference() throws {
        let encoder = try Encoder(model: Fixtures.model.get())
        let cases = Fixtures.reference.cases
        for c in cases {
            #expect(encoder.tokenize(c.text) == c.input_ids, "ids for '\(c.text.prefix(40))'")
        }
        let ws = EncoderWorkspace(model: encoder.model, maxBatch: 8, maxTokens: 1024)
        let got = try encoder.embed(texts: cases.map(\.text), workspace: ws)
        for (g, c) in zip(got, cases) {
            let (cosine, maxDiff) = ReferenceEmbeddingTests.compare(g, c.embedding)
            #expect(cosine >= 0.9999 && maxDiff <= 1e-4, "'\(c.text.prefix(40))': cosine \(cosine), max |diff| \(maxDiff)")
        }
    }
}
