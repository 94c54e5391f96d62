import Foundation
@testable import RecdModel

/// Shared, once-per-process fixtures: the real model packed into a temp dir (or `RECD_WEIGHTS` if it exists),
/// and the sentence-transformers reference embeddings.
enum Fixtures {
    static let modelSource: String = {
        if let s = ProcessInfo.processInfo.environment["RECD_MODEL_SRC"], !s.isEmpty { return s }
        return NSHomeDirectory() + "/.cache/recd/model-src"
    }()

    /// Path of a packed real model, packed at most once per test process.
    static let packedPath: Result<String, ModelError> = {
        if let p = ProcessInfo.processInfo.environment["RECD_WEIGHTS"], FileManager.default.fileExists(atPath: p) {
            return .success(p)
        }
        let dir = NSTemporaryDirectory() + "recd-model-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let out = dir + "/all-MiniLM-L6-v2.recd"
        do {
            try ModelPacker.pack(folder: modelSource, out: out)
            return .success(out)
        } catch let error as ModelError {
            return .failure(error)
        } catch {
            return .failure(ModelError(.io, "\(error)"))
        }
    }()

    static let model: Result<EncoderModel, ModelError> = packedPath.flatMap { path in
        Result { try EncoderModel.load(path: path) }.mapError { $0 as? ModelError ?? ModelError(.io, "\($0)") }
    }

    struct Case: Decodable {
        let text: String
        let input_ids: [Int32]
        let embedding: [Float]
    }

    struct Reference: Decodable {
        let cases: [Case]
    }

    static let reference: Reference = {
        let url = Bundle.module.url(forResource: "minilm_reference", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    /// A fresh temp directory for one test.
    static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "recd-model-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// A tiny random BERT (1 layer, hidden 16) for fast format tests.
enum TinyModel {
    static let config = ModelConfig(layers: 1, hidden: 16, heads: 2, ffn: 32, vocabSize: 6, maxPositions: 8,
                                    typeVocabSize: 2, layerNormEps: 1e-12, pooling: .mean, normalize: true)
    static let tokenizer = TokenizerSettings(doLowerCase: true, stripAccents: nil, tokenizeChineseChars: true, maxLength: 8)
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world"]

    static func tensors() -> [PackedTensor] {
        var seed: UInt64 = 42
        return WeightsLayout.expectedTensors(config).map { spec in
            let floats = (0..<spec.elementCount).map { _ -> Float in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(seed >> 40) - (1 << 23)) / Float(1 << 25)
            }
            return PackedTensor(spec: spec, floats: floats)
        }
    }

    /// Writes a tiny model (optionally with modified tensors) and returns its path.
    static func write(in dir: String, name: String = "tiny.recd", modify: (inout [PackedTensor]) -> Void = { _ in }) throws -> String {
        var t = tensors()
        modify(&t)
        let path = dir + "/" + name
        try WeightsFileWriter.write(config: config, tokenizer: tokenizer, vocabulary: vocabulary, tensors: t, to: path)
        return path
    }
}

/// Reads, edits and rewrites a file's bytes.
func patchFile(_ path: String, _ edit: (inout [UInt8]) -> Void) {
    var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
    edit(&bytes)
    precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "could not write \(path)")
}

/// The error thrown by `body`, or nil.
func modelError(_ body: () throws -> Void) -> ModelError? {
    do {
        try body()
        return nil
    } catch let e as ModelError {
        return e
    } catch {
        return ModelError(.io, "unexpected error type: \(error)")
    }
}
