import Foundation

/// Turns a Hugging Face model folder (model.safetensors, vocab.txt, config.json, tokenizer_config.json)
/// into a recd weights file.
///
/// Drops tensors recd does not use (`embeddings.position_ids`, `pooler.*`) and fuses each layer's
/// query/key/value weights into one [3H, H] matrix (and biases into [3H]) so attention needs one GEMM.
public enum ModelPacker {
    /// Sequence length recd serves (sentence-transformers' max_seq_length for all-MiniLM-L6-v2).
    public static let defaultMaxLength = 256

    /// Reads `folder` and returns the config, tokenizer settings, vocabulary and the tensors to store.
    public static func read(folder: String, maxLength: Int = defaultMaxLength) throws
        -> (config: ModelConfig, tokenizer: TokenizerSettings, vocabulary: [String], tensors: [PackedTensor]) {
        let config = try readConfig(folder + "/config.json")
        let tokenizer = try readTokenizerConfig(folder + "/tokenizer_config.json", maxLength: min(maxLength, config.maxPositions))
        let vocabulary = try readVocabulary(folder + "/vocab.txt")
        guard vocabulary.count == config.vocabSize else {
            throw ModelError(.malformed, "'\(folder)/vocab.txt' has \(vocabulary.count) tokens but config.json says vocab_size \(config.vocabSize)")
        }
        let st = try SafetensorsFile(path: folder + "/model.safetensors")
        let h = config.hidden
        func f32(_ name: String, _ shape: [Int]) -> TensorSpec { TensorSpec(name: name, dtype: .f32, shape: shape) }
        var tensors: [PackedTensor] = []
        for spec in WeightsLayout.expectedTensors(config) {
            if spec.name.hasSuffix("attention.self.qkv.weight") || spec.name.hasSuffix("attention.self.qkv.bias") {
                let prefix = spec.name.replacingOccurrences(of: "qkv.", with: "")  // "...attention.self.weight"
                let isWeight = spec.name.hasSuffix("weight")
                let parts = try ["query", "key", "value"].map { part -> [Float] in
                    let name = prefix.replacingOccurrences(of: "self.", with: "self.\(part).")
                    return try st.floats(f32(name, isWeight ? [h, h] : [h]))
                }
                tensors.append(PackedTensor(spec: spec, floats: parts[0] + parts[1] + parts[2]))
            } else {
                tensors.append(PackedTensor(spec: spec, bytes: Array(try st.bytes(spec))))
            }
        }
        return (config, tokenizer, vocabulary, tensors)
    }

    /// Reads `folder` and writes the packed file to `out`; `progress(done, total, tensorName)` after each tensor.
    public static func pack(folder: String, out: String, level: Int32 = WeightsFileWriter.defaultLevel,
                            progress: (Int, Int, String) -> Void = { _, _, _ in }) throws {
        let model = try read(folder: folder)
        try WeightsFileWriter.write(config: model.config, tokenizer: model.tokenizer, vocabulary: model.vocabulary,
                                    tensors: model.tensors, to: out, level: level, progress: progress)
    }

    static func readJSON(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(.io, "cannot read '\(path)'")
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError(.malformed, "'\(path)' is not a JSON object")
        }
        return obj
    }

    static func readConfig(_ path: String) throws -> ModelConfig {
        let json = try readJSON(path)
        func int(_ key: String) throws -> Int {
            guard let v = json[key] as? Int else { throw ModelError(.malformed, "'\(path)': integer field '\(key)' is missing") }
            return v
        }
        if let act = json["hidden_act"] as? String, act != "gelu" {
            throw ModelError(.malformed, "'\(path)': hidden_act is '\(act)'; recd implements only 'gelu' (erf form)")
        }
        if let kind = json["position_embedding_type"] as? String, kind != "absolute" {
            throw ModelError(.malformed, "'\(path)': position_embedding_type is '\(kind)'; recd implements only 'absolute'")
        }
        let eps = (json["layer_norm_eps"] as? Double) ?? 1e-12
        let config = ModelConfig(layers: try int("num_hidden_layers"), hidden: try int("hidden_size"),
                                 heads: try int("num_attention_heads"), ffn: try int("intermediate_size"),
                                 vocabSize: try int("vocab_size"), maxPositions: try int("max_position_embeddings"),
                                 typeVocabSize: (json["type_vocab_size"] as? Int) ?? 2, layerNormEps: Float(eps),
                                 pooling: .mean, normalize: true)
        try config.validate()
        return config
    }

    static func readTokenizerConfig(_ path: String, maxLength: Int) throws -> TokenizerSettings {
        let json = try readJSON(path)
        let lower = (json["do_lower_case"] as? Bool) ?? true
        let strip = json["strip_accents"] as? Bool  // null or absent: follow do_lower_case
        let chinese = (json["tokenize_chinese_chars"] as? Bool) ?? true
        return TokenizerSettings(doLowerCase: lower, stripAccents: strip, tokenizeChineseChars: chinese, maxLength: maxLength)
    }

    static func readVocabulary(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ModelError(.io, "cannot read '\(path)' as UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
