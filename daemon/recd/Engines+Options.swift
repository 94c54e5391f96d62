import ArgumentParser
import Logging
import RecdModel
import RecdServer

// The hook where the lead wires the engines in: add `--catalog`, `--intents`, `--store`
// options to `Recd` and adapters from RecdModel / RecdIntent / RecdRecommend to the
// protocols in Sources/RecdServer/Engines.swift here.
extension Recd {
    func makeEngines(settings: [String: String], maxBatchTexts: Int, logger: Logger) throws -> Engines {
        var engines = Engines()
        if fakeEncoder {
            logger.warning("serving the TEST ONLY fake encoder: embeddings are hashed bags of words")
            engines.encoder = HashingEncoder(delay: .milliseconds(fakeEncoderDelayMs))
        } else if let model {
            let encoder: Encoder
            do {
                encoder = try Encoder(path: model)
            } catch let e as ModelError {
                throw ValidationError("--model \(model): \(e.message)")
            }
            logger.info("model loaded", metadata: [
                "path": "\(model)", "load_ms": "\(Int(encoder.model.loadMilliseconds))",
                "blas": "\(OpenBLASCoreType.current)"])
            engines.encoder = ModelTextEncoder(encoder: encoder, maxBatch: maxBatchTexts)
        }
        return engines
    }
}
