import Foundation
import Testing

/// `--metrics-listen` against a running daemon, and `--check-config`.
@Suite(.serialized) struct OperationsTests {
    @Test func scrapeShowsCountersMovingAfterRequests() async throws {
        let port = try freeTCPPort()
        let d = try DaemonProcess(["--metrics-listen", "127.0.0.1:\(port)"])
        let first = try await scrape(port)
        #expect(first.contains("# TYPE recd_requests_total counter\n"))
        #expect(first.contains("# TYPE recd_request_duration_seconds histogram\n"))
        #expect(first.contains("# TYPE recd_batch_size histogram\n"))
        #expect(first.contains("# TYPE recd_queue_depth gauge\n"))
        #expect(first.contains("# TYPE recd_connections gauge\n"))
        #expect(first.contains("# TYPE recd_uptime_seconds gauge\n"))
        #expect(first.contains("recd_model_info{name=\"fake-hashing-encoder (test only)\",precision=\"fp32\",dimension=\"384\"} 1\n"))
        #expect(first.contains("recd_requests_total{op=\"EMBED\"} 0\n"))

        #expect(try await run("recctl", ["ping", "--socket", d.socketPath]).status == 0)
        #expect(try await run("recctl", ["embed-remote", "--socket", d.socketPath, "--json", "red shoes"]).status == 0)
        #expect(try await run("recctl", ["intent", "--socket", d.socketPath, "where is my order"]).status == 1)

        let after = try await scrape(port)
        #expect(after.contains("recd_requests_total{op=\"PING\"} 1\n"), "\(after)")
        #expect(after.contains("recd_requests_total{op=\"EMBED\"} 1\n"))
        #expect(after.contains("recd_request_errors_total{op=\"INTENT\",status=\"UNAVAILABLE\"} 1\n"))
        #expect(after.contains("recd_request_duration_seconds_count{op=\"EMBED\"} 1\n"))
        #expect(after.contains("recd_batch_size_count 1\n"))

        d.process.terminate()
        #expect(await d.waitForExit() == 0, "daemon stderr: \(d.stderrText())")
    }

    @Test func nonLoopbackMetricsAddressIsRefused() async throws {
        let r = try await run("recd", ["--fake-encoder", "--metrics-listen", "0.0.0.0:9464", "--socket", "/tmp/recd-never.sock"])
        #expect(r.status != 0)
        #expect(r.err.contains("--metrics-allow-remote"), "\(r.err)")
    }

    @Test func checkConfigPrintsTheEffectiveConfiguration() async throws {
        let file = try writeConfig(#"{"workers": 3, "queue_capacity": 64, "socket_mode": "0660", "engines": {"catalog": "c.jsonl"}}"#)
        let r = try await run("recd", ["--check-config", "--config", file, "--max-batch", "8", "--socket", "/run/recd/recd.sock"])
        #expect(r.status == 0, "\(r.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(json["workers"] as? Int == 3)
        #expect(json["queue_capacity"] as? Int == 64)
        #expect(json["max_batch_texts"] as? Int == 8, "flags override the file")
        #expect(json["socket_mode"] as? String == "0660")
        #expect(json["socket"] as? String == "/run/recd/recd.sock")
        #expect(json["max_connections"] as? Int == 1024, "defaults are filled in")
        #expect((json["engines"] as? [String: String])?["catalog"] == "c.jsonl")
    }

    @Test func theCommentedExampleConfigIsValid() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = root.appendingPathComponent("daemon/recd.example.json").path
        let r = try await run("recd", ["--check-config", "--config", example])
        #expect(r.status == 0, "\(r.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(json["socket_group"] as? String == "www-data")
        #expect(json.keys.allSatisfy { !$0.hasPrefix("//") }, "comments are not options")
    }

    @Test func checkConfigNamesEveryBadOptionAndExits2() async throws {
        for (config, says) in [
            (#"{"workers": 0}"#, "workers must be at least 1, found 0"),
            (#"{"worker": 2}"#, "unknown option(s) worker"),
            (#"{"socket_mode": "rw"}"#, "socket_mode must be octal"),
            (#"{"batch_wait_us": -1}"#, "batch_wait_us must be at least 0"),
            (#"{"worker_cpus": [100000]}"#, "worker_cpus: CPU 100000 is not one recd may run on"),
            (#"{"workers": "two"}"#, "workers"),
        ] {
            let r = try await run("recd", ["--check-config", "--config", try writeConfig(config)])
            #expect(r.status == 2, "\(config): \(r.err)")
            #expect(r.err.contains(says), "\(config): \(r.err)")
        }
        let missing = try await run("recd", ["--check-config", "--config", "/nonexistent/recd.json"])
        #expect(missing.status == 2)
        #expect(missing.err.contains("/nonexistent/recd.json"))
        let remote = try await run("recd", ["--check-config", "--metrics-listen", "10.0.0.1:9464"])
        #expect(remote.status == 2)
        #expect(remote.err.contains("not a loopback address"))
    }

    @Test func commandReferenceIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [root.appendingPathComponent("client/gen-reference.sh").path, "--check"]
        var env = ProcessInfo.processInfo.environment
        env["RECD_BIN_DIR"] = Executables.binDir.path
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "client/REFERENCE.md is stale; run client/gen-reference.sh:\n\(text)")
    }

    func writeConfig(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "recd-config-\(UUID().uuidString.prefix(8)).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// GET /metrics, retried while the listener comes up (it binds just after the socket).
    func scrape(_ port: Int) async throws -> String {
        let deadline = Date().addingTimeInterval(10)
        while true {
            if let text = try? httpGet(port: port, path: "/metrics"), text.hasPrefix("HTTP/1.1 200") { return text }
            guard Date() < deadline else { throw E2EError("no metrics on 127.0.0.1:\(port)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A TCP port nothing listens on now: bind port 0, read the port, close.
func freeTCPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw E2EError("cannot find a free TCP port: errno \(errno)") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// One HTTP request over a plain TCP socket; returns the whole response.
func httpGet(port: Int, path: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { throw E2EError("connect 127.0.0.1:\(port): errno \(errno)") }
    var tv = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}
