import ArgumentParser
import Foundation
import RecdClient
import RecdProtocol

// Note for the lead: fold this into EmbedCommand (`recctl embed` asks the daemon unless --local).
struct EmbedRemote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "embed-remote", abstract: "Embed texts with the daemon's encoder.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Texts to embed.") var texts: [String]

    func run() async throws {
        let vectors = try await connection.with { try await $0.embed(texts) }
        if connection.json {
            let rows = vectors.map { "[" + $0.map { String($0) }.joined(separator: ",") + "]" }
            print("{\"dimension\":\(vectors.first?.count ?? 0),\"vectors\":[" + rows.joined(separator: ",") + "]}")
        } else {
            for (t, v) in zip(texts, vectors) {
                print("\(t): [\(v.prefix(4).map { format($0) }.joined(separator: ", ")), ...] (\(v.count) dims)")
            }
        }
    }
}
