import Foundation
import RecdServer

/// `json` loaded as a config file (written to a temporary file, read by ``ConfigFile/load(_:)``, removed).
func configFile(_ json: String) throws -> ConfigFile {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("recd-config-\(UUID().uuidString).json")
    try json.write(to: url, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: url) }
    return try ConfigFile.load(url.path)
}
