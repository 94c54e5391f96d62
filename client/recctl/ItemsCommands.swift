import ArgumentParser
import Foundation
import RecdClient
import RecdProtocol

struct ItemsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "items", abstract: "Upsert, delete or get catalog items.",
                                                    subcommands: [ItemsUpsert.self, ItemsDelete.self, ItemsGet.self])
}

struct ItemsUpsert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upsert",
        abstract: "Insert or replace items from a JSON-lines file (one recd.v1.Item in proto JSON a line).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "JSON-lines file, or - for standard input.") var file: String

    func run() async throws {
        let text: String
        if file == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            text = String(decoding: data, as: UTF8.self)
        }
        var items: [Recd_V1_Item] = []
        for (n, line) in text.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            do { items.append(try Recd_V1_Item(jsonString: String(line))) } catch {
                throw ValidationError("\(file) line \(n + 1) is not a recd.v1.Item in JSON: \(error)")
            }
        }
        let batch = items
        let reply = try await connection.with { try await $0.upsertItems(batch) }
        try connection.output(reply) { "upserted \(reply.affected) items" }
    }
}

struct ItemsDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete items by id.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Item ids.") var ids: [String]

    func run() async throws {
        let reply = try await connection.with { try await $0.deleteItems(ids) }
        try connection.output(reply) {
            "deleted \(reply.affected) items" + (reply.missing.isEmpty ? "" : "; not found: " + reply.missing.joined(separator: ", "))
        }
    }
}

struct ItemsGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show items by id.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Item ids.") var ids: [String]

    func run() async throws {
        let reply = try await connection.with { try await $0.getItems(ids) }
        try connection.output(reply) {
            var lines = reply.items.map { i in
                "\(i.id)  \(i.title)  [\(i.category)\(i.brand.isEmpty ? "" : ", " + i.brand)]  \(i.price) \(i.currency)\(i.inStock ? "" : "  (out of stock)")"
            }
            if !reply.missing.isEmpty { lines.append("not found: " + reply.missing.joined(separator: ", ")) }
            return lines.joined(separator: "\n")
        }
    }
}
