import ArgumentParser
import Logging
import RecdServer

// The hook where the lead wires the engines in: add `--catalog`, `--intents`, `--store`
// options to `Recd` and adapters from RecdModel / RecdIntent / RecdRecommend to the
// protocols in Sources/RecdServer/Engines.swift here.
extension Recd {
    func makeEngines(settings: [String: String], logger: Logger) throws -> Engines {
        var engines = Engines()
        if fakeEncoder {
            logger.warning("serving the TEST ONLY fake encoder: embeddings are hashed bags of words")
            engines.encoder = HashingEncoder(delay: .milliseconds(fakeEncoderDelayMs))
        } else if let model {
            // TODO(lead): engines.encoder = ModelEncoderAdapter(path: model) once RecdModel is merged.
            throw ValidationError("--model \(model): this build has no encoder adapter yet; use --fake-encoder for tests")
        }
        return engines
    }
}
