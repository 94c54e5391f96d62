import ArgumentParser
import Foundation
import RecdClient
import RecdProtocol

/// Options every daemon subcommand takes after its name.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "recd's Unix socket (default: $XDG_RUNTIME_DIR/recd.sock, else /tmp/recd.sock).")
    var socket: String = DaemonDefaults.socketPath

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "Reply timeout in milliseconds.")
    var timeoutMs: Int = 30_000

    /// Connects, runs `body`, and turns a ``RecdError`` into the daemon's message on stderr and exit 1.
    func with<T>(_ body: (RecdClient) async throws -> T) async throws -> T {
        do {
            let client = try await RecdClient.connect(socketPath: socket, timeout: .milliseconds(timeoutMs))
            // Closed before returning (not in a detached Task, which the process could exit before running).
            do {
                let result = try await body(client)
                await client.close()
                return result
            } catch {
                await client.close()
                throw error
            }
        } catch let error as RecdError {
            FileHandle.standardError.write(Data("recctl: \(error.code): \(error.message)\n".utf8))
            throw ExitCode(error.status == nil ? 2 : 1)
        }
    }

    /// Prints `message` as JSON with --json, else `text()`.
    func output(_ message: some SwiftProtobuf.Message, text: () -> String) throws {
        if json {
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            print(try message.jsonString(options: options))
        } else {
            print(text())
        }
    }
}

enum DaemonDefaults {
    /// The daemon's default: `$XDG_RUNTIME_DIR/recd.sock`, else `/tmp/recd.sock`.
    static var socketPath: String {
        if let dir = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !dir.isEmpty { return dir + "/recd.sock" }
        return "/tmp/recd.sock"
    }
}

func format(_ x: Float) -> String { String(format: "%.3f", Double(x)) }
