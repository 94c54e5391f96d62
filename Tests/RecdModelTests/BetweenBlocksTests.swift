import Foundation
import Testing
@testable import RecdModel

/// `EncoderWorkspace.betweenBlocks`: called after every block but the last, on the pass's thread, and a
/// whole other pass run from it (on its own workspace, as recd's workers do for a light request) changes
/// neither pass's vectors.
@Suite struct BetweenBlocksTests {
    static let outerTexts: [[Int32]] = [
        [101, 2054, 2003, 1996, 3976, 1997, 2023, 102],
        [101, 2417, 5870, 6007, 2104, 1002, 2753, 102],
        [101, 2073, 2003, 2026, 2344, 102],
    ]
    static let innerText: [Int32] = [101, 2064, 2017, 2425, 2033, 1037, 8972, 102]

    func check(_ model: EncoderModel) throws {
        let outer = EncoderWorkspace(model: model, maxBatch: 4, maxTokens: 256)
        let inner = EncoderWorkspace(model: model, maxBatch: 1, maxTokens: 256)
        let plainOuter = try model.embed(ids: Self.outerTexts, layerPools: [4, 5], workspace: outer)
        let plainInner = try model.embed(ids: [Self.innerText], workspace: inner)

        var calls = 0
        var innerResults: [[[Float]]] = []
        outer.betweenBlocks = {
            calls += 1
            innerResults.append(try! model.embed(ids: [Self.innerText], workspace: inner))
        }
        let interrupted = try model.embed(ids: Self.outerTexts, layerPools: [4, 5], workspace: outer)
        #expect(calls == model.config.layers - 1, "one call between each two of the \(model.config.layers) blocks")
        #expect(interrupted == plainOuter, "the paused pass gives the same bits")
        #expect(innerResults.allSatisfy { $0 == plainInner }, "each pass run in between gives the same bits")

        outer.betweenBlocks = nil
        #expect(try model.embed(ids: Self.outerTexts, layerPools: [4, 5], workspace: outer) == plainOuter)
        #expect(calls == model.config.layers - 1, "cleared: no more calls")
    }

    @Test func fp32() throws {
        KernelSwitch.lock.lock(); defer { KernelSwitch.lock.unlock() }
        try check(try Fixtures.model.get())
    }

    @Test func int8() throws {
        // Bit-for-bit comparisons hold the lock: other suites flip process-wide kernel switches (the fp32
        // LayerNorm, softmax and attention the int8 pass also runs) while this one runs.
        KernelSwitch.lock.lock(); defer { KernelSwitch.lock.unlock() }
        try check(try EncoderModel.load(path: try Fixtures.packedPath.get(), precision: .int8))
    }
}
