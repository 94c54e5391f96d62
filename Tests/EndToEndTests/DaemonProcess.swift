import Foundation

/// The built executables (`.build/debug/recd`, `recctl`) run as child processes.
enum Executables {
    /// RECD_BIN_DIR, else the build folder this test bundle was built into.
    static var binDir: URL {
        if let dir = ProcessInfo.processInfo.environment["RECD_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        let bundle = Bundle.main.bundleURL  // .build/<triple>/debug/recdPackageTests.xctest or the runner's folder
        for candidate in [bundle.deletingLastPathComponent(), bundle] {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("recd").path) { return candidate }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug")
    }

    static func url(_ name: String) -> URL { binDir.appendingPathComponent(name) }
}

/// A `recd` child process on a temporary socket.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    let socketPath: String
    let stderrPipe = Pipe()
    /// Everything the daemon wrote to stderr so far, drained as it arrives: a daemon that writes more
    /// than a pipe holds (64 KiB; e.g. a sanitizer report) would otherwise block and never exit.
    private let stderrBuffer = LockedData()

    init(_ extra: [String] = []) throws {
        socketPath = NSTemporaryDirectory() + "recd-e2e-\(UUID().uuidString.prefix(8)).sock"
        process.executableURL = Executables.url("recd")
        process.arguments = ["--socket", socketPath, "--fake-encoder", "--log-level", "info"] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderrPipe
        try process.run()
        let (buffer, reader) = (stderrBuffer, stderrPipe.fileHandleForReading)
        Thread.detachNewThread {
            while case let chunk = reader.availableData, !chunk.isEmpty { buffer.append(chunk) }
            buffer.finish()
        }
        let deadline = Date().addingTimeInterval(20)
        while !RawSocket.canConnect(socketPath) {
            guard process.isRunning, Date() < deadline else {
                throw E2EError("recd did not start listening on \(socketPath): \(stderrText())")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// The daemon's stderr, once it has exited and the pipe is drained.
    func stderrText() -> String {
        if process.isRunning { return "(still running)" }
        return String(decoding: stderrBuffer.waitForEnd(), as: UTF8.self)
    }

    func terminate() { if process.isRunning { process.terminate() } }

    /// Waits for exit off the cooperative pool; returns the exit status.
    func waitForExit(timeout: TimeInterval = 20) async -> Int32? {
        await withCheckedContinuation { done in
            Thread.detachNewThread {
                let deadline = Date().addingTimeInterval(timeout)
                while self.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
                done.resume(returning: self.process.isRunning ? nil : self.process.terminationStatus)
            }
        }
    }

    deinit { terminate() }
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs an executable to completion; returns exit status, stdout and stderr.
func run(_ name: String, _ args: [String]) async throws -> (status: Int32, out: String, err: String) {
    try await withCheckedThrowingContinuation { done in
        Thread.detachNewThread {
            do {
                let p = Process()
                p.executableURL = Executables.url(name)
                p.arguments = args
                let out = Pipe(), err = Pipe()
                p.standardOutput = out
                p.standardError = err
                try p.run()
                let o = out.fileHandleForReading.readDataToEndOfFile()
                let e = err.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                done.resume(returning: (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self)))
            } catch {
                done.resume(throwing: error)
            }
        }
    }
}

/// Bytes appended by a reader thread until end of file, read by the test once that end is reached.
final class LockedData: @unchecked Sendable {
    private let condition = NSCondition()
    private var bytes = Data()
    private var ended = false
    func append(_ chunk: Data) { condition.lock(); bytes.append(chunk); condition.unlock() }
    func finish() { condition.lock(); ended = true; condition.broadcast(); condition.unlock() }
    /// Everything written, once the writer closed its end (a daemon's children could keep it open:
    /// gives up after 10 s and returns what arrived).
    func waitForEnd() -> Data {
        condition.lock(); defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(10)
        while !ended && condition.wait(until: deadline) {}
        return bytes
    }
}
