import Foundation
import Testing
@testable import RecdModel

/// The forward-pass profile (RECD_PROFILE): counts the work it was given and does not change results.
@Suite struct ForwardProfileTests {
    @Test func profilingCountsEveryStepAndLeavesVectorsBitwiseTheSame() throws {
        KernelSwitch.lock.lock(); defer { KernelSwitch.lock.unlock() }
        let model = try Fixtures.model.get()
        let cases = Array(Fixtures.reference.cases.prefix(6))
        let ids = cases.map(\.input_ids)
        let plainWS = EncoderWorkspace(model: model, maxBatch: 4, maxTokens: 1024)
        plainWS.profiling = false
        let plain = try model.embed(ids: ids, workspace: plainWS)
        #expect(plainWS.profile == ForwardProfile(), "profiling off must record nothing")

        let ws = EncoderWorkspace(model: model, maxBatch: 4, maxTokens: 1024)
        ws.profiling = true
        let profiled = try model.embed(ids: ids, workspace: ws)
        #expect(profiled == plain, "profiling must not change any vector")

        let p = ws.profile
        let c = model.config
        let tokens = ids.map(\.count).reduce(0, +)
        #expect(p.tokens == tokens)
        #expect(p.chunks == 2, "6 sequences in a workspace of 4: expected 2 chunks, found \(p.chunks)")
        // 2·m·n·k per linear layer, summed over the layers.
        let t = Double(tokens), h = Double(c.hidden), f = Double(c.ffn), l = Double(c.layers)
        #expect(p.flops[ForwardProfile.Step.qkv.rawValue] == 2 * t * 3 * h * h * l)
        #expect(p.flops[ForwardProfile.Step.attnOut.rawValue] == 2 * t * h * h * l)
        #expect(p.flops[ForwardProfile.Step.ffnIn.rawValue] == 2 * t * f * h * l)
        #expect(p.flops[ForwardProfile.Step.ffnOut.rawValue] == 2 * t * f * h * l)
        #expect(p.flops[ForwardProfile.Step.attention.rawValue] == 0)
        for step in [ForwardProfile.Step.qkv, .attention, .attnOut, .ffnIn, .ffnOut] {
            #expect(p.seconds[step.rawValue] > 0, "\(step.name): expected time > 0")
        }
        #expect(p.seconds.allSatisfy { $0 >= 0 } && p.cpuSeconds.allSatisfy { $0 >= 0 })

        ws.resetProfile()
        #expect(ws.profile == ForwardProfile())
        var twice = p
        twice.add(p)
        #expect(twice.tokens == 2 * tokens && twice.flops[0] == 2 * p.flops[0])
    }
}
