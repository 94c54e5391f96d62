import ArgumentParser
import Foundation
import RecdModel

/// `recctl model …`: work with recd weights files.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Pack and inspect recd weights files.",
        subcommands: [PackCommand.self, InfoCommand.self])
}

/// `recctl model pack --from DIR --out FILE`.
struct PackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Pack a Hugging Face model folder (model.safetensors, vocab.txt, config.json, tokenizer_config.json) into a .recd file.")

    @Option(name: .long, help: "Model folder.")
    var from: String

    @Option(name: .long, help: "Output weights file.")
    var out: String

    @Option(name: .long, help: "LZ4HC compression level (1...12).")
    var level: Int32 = WeightsFileWriter.defaultLevel

    func run() async throws {
        let start = Date()
        let bar = ProgressBar()
        do {
            try ModelPacker.pack(folder: from, out: out, level: level) { done, total, name in
                bar.update(done: done, total: total, label: name)
            }
        } catch let e as ModelError {
            bar.finish()
            throw ValidationError(e.message)
        }
        bar.finish()
        let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        let seconds = Date().timeIntervalSince(start)
        print("packed \(out): \(size) bytes in \(String(format: "%.1f", seconds)) s")
    }
}

/// `recctl model info FILE`: print the header of a weights file.
struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Print a weights file's header and tensor table.")

    @Argument(help: "Weights file.")
    var file: String

    func run() async throws {
        let h: WeightsFileHeader
        do { h = try WeightsFileReader.readHeader(path: file) } catch let e as ModelError { throw ValidationError(e.message) }
        let c = h.config
        print("config: layers=\(c.layers) hidden=\(c.hidden) heads=\(c.heads) ffn=\(c.ffn) vocab=\(c.vocabSize) positions=\(c.maxPositions) eps=\(c.layerNormEps) pooling=\(c.pooling) normalize=\(c.normalize)")
        print("tokenizer: lower=\(h.tokenizer.doLowerCase) strip_accents=\(h.tokenizer.stripAccents.map(String.init) ?? "unset") chinese=\(h.tokenizer.tokenizeChineseChars) max_length=\(h.tokenizer.maxLength)")
        var raw = 0, stored = 0
        for t in h.tensors {
            raw += t.rawSize
            stored += t.compressedSize
            print("\(t.spec.name) \(t.spec.shape) \(t.spec.dtype) raw=\(t.rawSize) stored=\(t.compressedSize) offset=\(t.dataOffset) xxh64=\(String(t.checksum, radix: 16))")
        }
        print("tensors: \(h.tensors.count), raw \(raw) bytes, stored \(stored) bytes (\(String(format: "%.1f", 100 * Double(stored) / Double(max(raw, 1))))%)")
    }
}

/// A one-line progress bar on stderr.
final class ProgressBar {
    private var lastWidth = 0

    func update(done: Int, total: Int, label: String) {
        let width = 30
        let filled = total > 0 ? done * width / total : width
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] \(done)/\(total) \(label)"
        let padded = line + String(repeating: " ", count: max(0, lastWidth - line.count))
        lastWidth = line.count
        FileHandle.standardError.write(Data(padded.utf8))
    }

    func finish() {
        if lastWidth > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
        lastWidth = 0
    }
}
