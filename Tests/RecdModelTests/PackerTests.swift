import Foundation
import Testing
@testable import RecdModel

/// Packing the real model folder and reading it back gives exactly the source tensors.
@Suite struct PackerTests {
    @Test func roundTripMatchesSafetensors() throws {
        let path = try Fixtures.packedPath.get()
        let header = try WeightsFileReader.readHeader(path: path)
        #expect(header.config == ModelConfig(layers: 6, hidden: 384, heads: 12, ffn: 1536, vocabSize: 30522, maxPositions: 512,
                                             typeVocabSize: 2, layerNormEps: 1e-12, pooling: .mean, normalize: true))
        #expect(header.tokenizer == TokenizerSettings(doLowerCase: true, stripAccents: nil, tokenizeChineseChars: true, maxLength: 256))
        #expect(header.vocabulary.count == 30522)
        #expect(header.vocabulary[101] == "[CLS]" && header.vocabulary[102] == "[SEP]" && header.vocabulary[0] == "[PAD]")
        #expect(header.tensors.allSatisfy { $0.dataOffset % 64 == 0 })
        // Dropped tensors are absent.
        #expect(!header.tensors.contains { $0.spec.name.contains("position_ids") || $0.spec.name.hasPrefix("pooler") })
        #expect(header.tensors.count == 5 + 6 * 12)

        let model = try Fixtures.model.get()
        let st = try SafetensorsFile(path: Fixtures.modelSource + "/model.safetensors")
        let h = 384
        let word = try st.floats(TensorSpec(name: "embeddings.word_embeddings.weight", dtype: .f32, shape: [30522, h]))
        #expect(Array(UnsafeBufferPointer(start: model.weights.wordEmbeddings, count: word.count)) == word)
        for (i, part) in ["query", "key", "value"].enumerated() {
            let w = try st.floats(TensorSpec(name: "encoder.layer.5.attention.self.\(part).weight", dtype: .f32, shape: [h, h]))
            let b = try st.floats(TensorSpec(name: "encoder.layer.5.attention.self.\(part).bias", dtype: .f32, shape: [h]))
            let layer = model.weights.layers[5]
            #expect(Array(UnsafeBufferPointer(start: layer.qkvWeight + i * h * h, count: h * h)) == w)
            #expect(Array(UnsafeBufferPointer(start: layer.qkvBias + i * h, count: h)) == b)
        }
        let ffn = try st.floats(TensorSpec(name: "encoder.layer.2.output.dense.weight", dtype: .f32, shape: [h, 1536]))
        #expect(Array(UnsafeBufferPointer(start: model.weights.layers[2].ffnOutWeight, count: ffn.count)) == ffn)
    }

    @Test func safetensorsShapeErrorIsNamed() throws {
        let st = try SafetensorsFile(path: Fixtures.modelSource + "/model.safetensors")
        let e = modelError { _ = try st.bytes(TensorSpec(name: "encoder.layer.3.attention.self.query.weight", dtype: .f32, shape: [384, 383])) }
        #expect(e?.message == "tensor 'encoder.layer.3.attention.self.query.weight': expected [384, 383] f32, found [384, 384] f32")
    }

    @Test func safetensorsRejectsBadOffsets() throws {
        let dir = Fixtures.tempDir()
        let path = dir + "/bad.safetensors"
        let json = #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,32]}}"#
        var bytes = withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { Array($0) }
        bytes += Array(json.utf8) + [UInt8](repeating: 0, count: 16)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let e = modelError { _ = try SafetensorsFile(path: path) }
        #expect(e?.code == .malformed)
        #expect(e?.message.contains("tensor 'a' data_offsets [0, 32]") == true, "\(e?.message ?? "")")
    }

    @Test func xxhash64KnownVectors() {
        #expect(XXHash64.hash([]) == 0xEF46_DB37_51D8_E999)
        #expect(XXHash64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
    }
}
