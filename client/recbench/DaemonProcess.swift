import Foundation
import RecdClient

/// A recd started by recbench for an evaluation: the same build's `recd` binary, a temporary
/// socket, store and cache, so an evaluation never touches a real store. Its log goes to
/// `<dir>/recd.log`.
final class DaemonProcess: @unchecked Sendable {
    let directory: URL
    let socket: String
    let process = Process()

    /// The `recd` next to this recbench executable.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("recd")
    }

    /// Starts recd with `arguments` (plus --socket/--store/--cache-dir in `directory`).
    init(directory: URL, arguments: [String]) throws {
        self.directory = directory
        socket = directory.appendingPathComponent("recd.sock").path
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process.executableURL = Self.binary
        process.arguments = ["--socket", socket, "--store", directory.appendingPathComponent("store").path,
                             "--cache-dir", directory.appendingPathComponent("cache").path] + arguments
        let log = directory.appendingPathComponent("recd.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)  // FileHandle below throws if it failed
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Waits until the daemon answers STATS (it only listens once its engines are ready).
    func waitReady(timeout: Double) async throws -> RecdClient {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else {
                let log = (try? String(contentsOf: directory.appendingPathComponent("recd.log"), encoding: .utf8)) ?? ""
                throw DaemonFailed(message: "recd exited with status \(process.terminationStatus) while starting:\n\(log.suffix(2000))")
            }
            if let client = try? await RecdClient.connect(socketPath: socket, poolSize: 8, timeout: .seconds(600)),
               (try? await client.stats()) != nil {
                return client
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DaemonFailed(message: "recd did not answer within \(Int(timeout)) s; see \(directory.path)/recd.log")
    }

    /// User + system CPU seconds the daemon has used so far (Linux: `/proc/PID/stat`), or nil
    /// where that file cannot be read.
    func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// SIGTERM and wait for exit (the daemon drains and flushes).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

struct DaemonFailed: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs `body` over `items` with at most `width` in flight.
func forEachConcurrently<T: Sendable>(_ items: [T], width: Int, _ body: @escaping @Sendable (T) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        for _ in 0..<min(width, items.count) {
            let item = items[next]; next += 1
            group.addTask { try await body(item) }
        }
        while try await group.next() != nil {
            if next < items.count {
                let item = items[next]; next += 1
                group.addTask { try await body(item) }
            }
        }
    }
}

/// Prints one JSON object with sorted keys.
func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
