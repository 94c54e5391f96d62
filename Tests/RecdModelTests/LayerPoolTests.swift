import Foundation
import Testing
@testable import RecdModel

/// Intermediate-block pools against sentence-transformers' `output_hidden_states` pools
/// (Fixtures/layer_pools_reference.json, made by Fixtures/make_layer_pools.py).
@Suite struct LayerPoolTests {
    struct Case: Decodable {
        let text: String
        let input_ids: [Int32]
        let pools: [String: [Float]]
    }
    struct Reference: Decodable {
        let layers: [Int]
        let cases: [Case]
    }

    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "layer_pools_reference", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    static func maxDiff(_ a: ArraySlice<Float>, _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test func poolsMatchReference() throws {
        KernelSwitch.lock.lock(); defer { KernelSwitch.lock.unlock() }
        let model = try Fixtures.model.get()
        let ref = Self.reference
        #expect(ref.cases.count == 5 && ref.layers == [4, 5])
        // One batch of all cases (several sequences per chunk) and one at a time must both match.
        let batchWS = EncoderWorkspace(model: model, maxBatch: ref.cases.count, maxTokens: 256)
        let batch = try model.embed(ids: ref.cases.map(\.input_ids), layerPools: ref.layers, workspace: batchWS)
        let single = EncoderWorkspace(model: model, maxBatch: 1, maxTokens: 256)
        for (i, c) in ref.cases.enumerated() {
            let alone = try model.embed(ids: [c.input_ids], layerPools: ref.layers, workspace: single)[0]
            let plain = try model.embed(ids: [c.input_ids], workspace: single)[0]
            #expect(alone.count == 3 * 384)
            #expect(Array(alone[0..<384]) == plain, "the embedding part must be exactly EMBED's vector")
            for (slot, layer) in ref.layers.enumerated() {
                let want = c.pools[String(layer)]!
                let got = alone[(1 + slot) * 384 ..< (2 + slot) * 384]
                let d = Self.maxDiff(got, want)
                #expect(d <= 2e-4, "block \(layer) of '\(c.text)': max |diff| \(d)")
                let db = Self.maxDiff(batch[i][(1 + slot) * 384 ..< (2 + slot) * 384], want)
                #expect(db <= 2e-4, "batched block \(layer) of '\(c.text)': max |diff| \(db)")
            }
        }
    }

    @Test func int8PoolsAreClose() throws {
        let path = try Fixtures.packedPath.get()
        let model = try EncoderModel.load(path: path, precision: .int8)
        let ws = EncoderWorkspace(model: model, maxBatch: 4, maxTokens: 256)
        for c in Self.reference.cases {
            let got = try model.embed(ids: [c.input_ids], layerPools: [4, 5], workspace: ws)[0]
            for (slot, layer) in [4, 5].enumerated() {
                let want = c.pools[String(layer)]!
                let g = Array(got[(1 + slot) * 384 ..< (2 + slot) * 384])
                let dot = zip(g, want).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                let cos = dot / (g.reduce(0) { $0 + $1 * $1 }.squareRoot() * want.reduce(0) { $0 + $1 * $1 }.squareRoot())
                #expect(cos >= 0.98, "int8 block \(layer) of '\(c.text)': cosine \(cos)")
            }
        }
    }

    @Test func rejectsBlockOutsideModel() throws {
        let model = try Fixtures.model.get()
        let ws = EncoderWorkspace(model: model, maxBatch: 1, maxTokens: 256)
        #expect(modelError { _ = try model.embed(ids: [[101, 102]], layerPools: [7], workspace: ws) }?.message.contains("found 7") == true)
        #expect(modelError { _ = try model.embed(ids: [[101, 102]], layerPools: [0], workspace: ws) }?.code == .invalidInput)
    }
}
