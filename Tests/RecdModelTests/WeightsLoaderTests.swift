import Foundation
import Testing
@testable import RecdModel

/// Each kind of damage to a packed file fails with an error that names what was wrong.
@Suite struct WeightsLoaderTests {
    let dir = Fixtures.tempDir()

    @Test func tinyModelLoadsAndRuns() throws {
        let path = try TinyModel.write(in: dir)
        let model = try EncoderModel.load(path: path)
        #expect(model.config == TinyModel.config)
        #expect(model.vocabulary == TinyModel.vocabulary)
        #expect(model.tokenizerSettings == TinyModel.tokenizer)
        let ws = EncoderWorkspace(model: model, maxBatch: 2, maxTokens: 8)
        let v = try model.embed(ids: [[2, 4, 5, 3]], workspace: ws)[0]
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-5)
    }

    @Test func wrongMagic() throws {
        let path = try TinyModel.write(in: dir)
        patchFile(path) { $0[0] = UInt8(ascii: "X") }
        let e = modelError { _ = try EncoderModel.load(path: path) }
        #expect(e?.code == .badMagic)
        #expect(e?.message.contains("expected magic 52 45 43 44 57 54 53 00") == true, "\(e?.message ?? "")")
        #expect(e?.message.contains("found 58 45 43 44") == true)
    }

    @Test func unsupportedVersion() throws {
        let path = try TinyModel.write(in: dir)
        patchFile(path) { $0[8] = 7 }
        let e = modelError { _ = try EncoderModel.load(path: path) }
        #expect(e?.code == .unsupportedVersion)
        #expect(e?.message.contains("version 7") == true, "\(e?.message ?? "")")
    }

    @Test func truncatedInTensorData() throws {
        let path = try TinyModel.write(in: dir)
        let header = try WeightsFileReader.readHeader(path: path)
        let last = header.tensors.max { $0.dataOffset < $1.dataOffset }!
        patchFile(path) { $0.removeLast($0.count - (last.dataOffset + last.compressedSize / 2)) }
        let e = modelError { _ = try EncoderModel.load(path: path) }
        #expect(e?.code == .truncated)
        #expect(e?.message.contains("tensor '\(last.spec.name)'") == true, "\(e?.message ?? "")")
    }

    @Test func truncatedInHeader() throws {
        let path = try TinyModel.write(in: dir)
        patchFile(path) { $0.removeLast($0.count - 40) }
        let e = modelError { _ = try EncoderModel.load(path: path) }
        #expect(e?.code == .truncated, "\(e?.message ?? "")")
        let empty = dir + "/empty.recd"
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(modelError { _ = try EncoderModel.load(path: empty) }?.code == .truncated)
    }

    @Test func flippedBitInTensorNamesTheTensor() throws {
        let path = try TinyModel.write(in: dir)
        let header = try WeightsFileReader.readHeader(path: path)
        let victim = header.tensors.first { $0.spec.name == "encoder.layer.0.intermediate.dense.weight" }!
        patchFile(path) { $0[victim.dataOffset + victim.compressedSize / 2] ^= 0x10 }
        let e = modelError { _ = try EncoderModel.load(path: path) }
        #expect(e?.code == .checksumMismatch)
        #expect(e?.message.contains("tensor 'encoder.layer.0.intermediate.dense.weight'") == true, "\(e?.message ?? "")")
    }

    @Test func flippedBitInHeader() throws {
        let path = try TinyModel.write(in: dir)
        patchFile(path) { $0[20] ^= 0x01 }  // inside the config section
        let e = modelError { _ = try EncoderModel.load(path: path) }
        #expect(e?.code == .checksumMismatch)
        #expect(e?.message.contains("header checksum") == true, "\(e?.message ?? "")")
    }

    @Test func missingTensor() throws {
        let path = try TinyModel.write(in: dir) { t in t.removeAll { $0.spec.name == "encoder.layer.0.output.dense.bias" } }
        let e = modelError { _ = try EncoderModel.load(path: path) }
        #expect(e?.code == .missingTensor)
        #expect(e?.message.contains("tensor 'encoder.layer.0.output.dense.bias' is missing") == true, "\(e?.message ?? "")")
    }

    @Test func wrongShape() throws {
        let name = "encoder.layer.0.attention.output.dense.weight"
        let path = try TinyModel.write(in: dir) { t in
            let i = t.firstIndex { $0.spec.name == name }!
            t[i] = PackedTensor(spec: TensorSpec(name: name, dtype: .f32, shape: [16, 15]), floats: [Float](repeating: 0.5, count: 240))
        }
        let e = modelError { _ = try EncoderModel.load(path: path) }
        #expect(e?.code == .shapeMismatch)
        #expect(e?.message == "tensor '\(name)': expected [16, 16] f32, found [16, 15] f32")
    }

    @Test func wrongDtype() throws {
        let name = "embeddings.LayerNorm.weight"
        let path = try TinyModel.write(in: dir) { t in
            let i = t.firstIndex { $0.spec.name == name }!
            t[i] = PackedTensor(spec: TensorSpec(name: name, dtype: .i8, shape: [16]), bytes: [UInt8](repeating: 1, count: 16))
        }
        let e = modelError { _ = try EncoderModel.load(path: path) }
        #expect(e?.code == .shapeMismatch)
        #expect(e?.message == "tensor '\(name)': expected [16] f32, found [16] i8")
    }

    @Test func missingFile() {
        let e = modelError { _ = try EncoderModel.load(path: dir + "/nope.recd") }
        #expect(e?.code == .io)
        #expect(e?.message.contains("nope.recd") == true)
    }

    @Test func flippedBitInRealModel() throws {
        let src = try Fixtures.packedPath.get()
        let path = dir + "/real.recd"
        try FileManager.default.copyItem(atPath: src, toPath: path)
        let header = try WeightsFileReader.readHeader(path: path)
        let victim = header.tensors.first { $0.spec.name == "encoder.layer.3.attention.self.qkv.weight" }!
        patchFile(path) { $0[victim.dataOffset + 1000] ^= 0x04 }
        let e = modelError { _ = try EncoderModel.load(path: path) }
        #expect(e?.code == .checksumMismatch)
        #expect(e?.message.contains("tensor 'encoder.layer.3.attention.self.qkv.weight'") == true, "\(e?.message ?? "")")
    }
}
