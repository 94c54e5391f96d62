import Foundation
import Testing
@testable import RecdModel

/// `EncoderModel.loadProfile`: every stage a load runs is recorded, the others stay zero, and the stages
/// account for `loadMilliseconds`.
struct LoadProfileTests {
    @Test func packedLoadRecordsMapHeaderDecodeAndPack() throws {
        let model = try EncoderModel.load(path: Fixtures.packedPath.get(), kernel: .packed)
        let p = model.loadProfile
        for stage in [LoadProfile.Stage.map, .header, .verifyDecode, .pack] {
            #expect(p[stage].wallMs > 0, "\(stage.name): expected a wall time, found \(p[stage].wallMs) ms")
            #expect(p[stage].cpuMs >= 0 && p[stage].minorFaults >= 0, "\(stage.name): \(p[stage])")
        }
        #expect(p[.quantize] == LoadProfile.Sample(), "quantize: expected nothing for an fp32 load, found \(p[.quantize])")
        // ~90 MB of tensors: hashing and decoding each take measurable CPU.
        #expect(p.hashCpuMs > 0 && p.decodeCpuMs > 0, "hash \(p.hashCpuMs) ms, decode \(p.decodeCpuMs) ms")
        // The stages are consecutive pieces of the load: together at most its wall time.
        #expect(p.totalWallMs <= model.loadMilliseconds + 0.01, "stages \(p.totalWallMs) ms > load \(model.loadMilliseconds) ms")
    }

    @Test func openBLASLoadHasNoPackStage() throws {
        let model = try EncoderModel.load(path: Fixtures.packedPath.get(), kernel: .openblas)
        #expect(model.loadProfile[.verifyDecode].wallMs > 0)
        #expect(model.loadProfile[.pack] == LoadProfile.Sample(), "pack: expected nothing without packing, found \(model.loadProfile[.pack])")
    }

    @Test func int8LoadRecordsQuantize() throws {
        let model = try EncoderModel.load(path: Fixtures.packedPath.get(), precision: .int8)
        #expect(model.loadProfile[.quantize].wallMs > 0, "quantize: expected a wall time for an int8 load")
        #expect(model.loadProfile[.pack] == LoadProfile.Sample())
        #expect(model.loadProfile.totalWallMs <= model.loadMilliseconds + 0.01)
    }
}
