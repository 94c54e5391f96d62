import ArgumentParser
import Foundation
import RecdModel

/// `recctl embed --local TEXT`: tokenize and embed one text in process, printing ids and the vector.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed a text with the local model (no daemon) and print its input_ids and embedding.")

    @Flag(name: .long, help: "Run the model in this process (the only mode this command has so far).")
    var local = false

    @Argument(help: "The text to embed.")
    var text: String

    @Flag(name: .long, help: "Print one JSON object with input_ids and embedding.")
    var json = false

    @Option(name: .long, help: "fp32 or int8.")
    var precision: String = "fp32"

    @Option(name: .long, help: "Weights file (default: $RECD_WEIGHTS or ~/.cache/recd/all-MiniLM-L6-v2.recd).")
    var model: String?

    func validate() throws {
        guard local else { throw ValidationError("only --local is supported: pass --local to embed in process") }
        do { _ = try EncoderPrecision(parsing: precision) } catch let e as ModelError { throw ValidationError(e.message) }
    }

    func run() async throws {
        let path = model ?? DefaultWeightsPath.path
        let encoder: Encoder
        let ids: [Int32]
        let vector: [Float]
        do {
            encoder = try Encoder(path: path, precision: EncoderPrecision(parsing: precision))
            ids = encoder.tokenize(text)
            let ws = EncoderWorkspace(model: encoder.model, maxBatch: 1, maxTokens: ids.count)
            vector = try encoder.model.embed(ids: [ids], workspace: ws)[0]
        } catch let e as ModelError {
            throw ValidationError(e.message)
        }
        let floats = vector.map { "\($0)" }.joined(separator: ", ")
        let idList = ids.map(String.init).joined(separator: ", ")
        if json {
            let escaped = text.unicodeScalars.map { s -> String in
                switch s {
                case "\"": return "\\\""
                case "\\": return "\\\\"
                case _ where s.value < 0x20: return String(format: "\\u%04x", s.value)
                default: return String(s)
                }
            }.joined()
            print("{\"text\": \"\(escaped)\", \"precision\": \"\(precision)\", \"input_ids\": [\(idList)], \"embedding\": [\(floats)]}")
        } else {
            print("compute: \(encoder.model.pathDescription)")
            print("input_ids: \(idList)")
            print("embedding (\(vector.count)): \(floats)")
        }
    }
}
