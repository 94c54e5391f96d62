import Foundation
import Logging
import RecdProtocol
@testable import RecdServer
import Testing

/// An engine that feeds typed gauges, as the catalog engine is meant to.
struct GaugeEngine: ItemsHandler, MetricsGaugeSource {
    func items(_ request: Recd_V1_ItemsRequest, context: HandlerContext) throws -> Recd_V1_ItemsResponse { .init() }
    func metricGauges() -> [MetricGauge] {
        [MetricGauge(name: "recd_catalog_items", help: "Items in the catalog.", value: 42),
         MetricGauge(name: "bad-name", help: "dropped", value: 1)]
    }
}

/// An engine with only STATS extras.
struct ExtrasEngine: FeedbackHandler {
    func record(_ request: Recd_V1_FeedbackRequest, context: HandlerContext) throws -> Recd_V1_FeedbackResponse { .init() }
    func statsExtras() -> [String: String] { ["feedback_pending": "7", "store_path": "/var/lib/recd/x.db"] }
}

@Suite struct MetricsEndpointTests {
    func makeDaemon() -> RecdDaemon {
        var conf = ServerConfiguration()
        conf.socketPath = NSTemporaryDirectory() + "recd-metrics-\(UUID().uuidString.prefix(8)).sock"
        return RecdDaemon(configuration: conf,
                          engines: Engines(encoder: HashingEncoder(), feedback: ExtrasEngine(), items: GaugeEngine()),
                          logger: Logger(label: "test"))
    }

    @Test func exportsCountersHistogramsAndEngineGauges() throws {
        let daemon = makeDaemon()
        defer { daemon.stop(); daemon.waitUntilStopped() }
        let before = daemon.prometheusText()
        #expect(before.contains("# TYPE recd_requests_total counter\n"))
        #expect(before.contains("recd_requests_total{op=\"EMBED\"} 0\n"))
        #expect(!before.contains("recd_request_errors_total{"), "no error series before any error")

        daemon.metrics.record(.embed, status: .ok, micros: 300)
        daemon.metrics.record(.embed, status: .ok, micros: 2_000_000)
        daemon.metrics.record(.embed, status: .busy, micros: 5)
        daemon.metrics.countPing()
        daemon.metrics.recordBatch(3)
        daemon.metrics.recordBatch(40)
        let text = daemon.prometheusText()

        #expect(text.contains("recd_requests_total{op=\"EMBED\"} 3\n"))
        #expect(text.contains("recd_requests_total{op=\"PING\"} 1\n"))
        #expect(text.contains("recd_request_errors_total{op=\"EMBED\",status=\"BUSY\"} 1\n"))
        #expect(text.contains("# TYPE recd_request_duration_seconds histogram\n"))
        // 5 µs and 300 µs fall at or below 0.0005 s; 2 s only below 2.5 s.
        #expect(text.contains("recd_request_duration_seconds_bucket{op=\"EMBED\",le=\"0.0005\"} 2\n"))
        #expect(text.contains("recd_request_duration_seconds_bucket{op=\"EMBED\",le=\"1\"} 2\n"))
        #expect(text.contains("recd_request_duration_seconds_bucket{op=\"EMBED\",le=\"2.5\"} 3\n"))
        #expect(text.contains("recd_request_duration_seconds_bucket{op=\"EMBED\",le=\"+Inf\"} 3\n"))
        #expect(text.contains("recd_request_duration_seconds_sum{op=\"EMBED\"} 2.000305\n"))
        #expect(text.contains("recd_batch_size_bucket{le=\"4\"} 1\n"))
        #expect(text.contains("recd_batch_size_bucket{le=\"32\"} 1\n"))
        #expect(text.contains("recd_batch_size_bucket{le=\"64\"} 2\n"))
        #expect(text.contains("recd_batch_size_sum 43\n"))
        #expect(text.contains("recd_batch_size_count 2\n"))
        #expect(text.contains("recd_model_info{name=\"fake-hashing-encoder (test only)\",precision=\"fp32\",dimension=\"384\"} 1\n"))
        #expect(text.contains("# TYPE recd_queue_depth gauge\nrecd_queue_depth 0\n"))
        #expect(text.contains("recd_queue_capacity 256\n"))
        #expect(text.contains("recd_catalog_items 42\n"))
        #expect(text.contains("recd_metrics_dropped_gauge{name=\"bad-name\"} 1\n"))
        #expect(text.contains("recd_engine_extra{key=\"feedback_pending\"} 7\n"))
        #expect(!text.contains("store_path"), "non-numeric extras are not exported")
        #expect(try #require(sampleValue(text, "recd_process_resident_memory_bytes")) > 1_000_000)
        try checkWellFormed(text)
    }

    @Test func servesMetricsOverHTTP() throws {
        let daemon = makeDaemon()
        defer { daemon.stop(); daemon.waitUntilStopped() }
        let server = try MetricsHTTPServer(address: .init(uncheckedHost: "127.0.0.1", port: 0),
                                           logger: Logger(label: "test")) { daemon.prometheusText() }
        defer { server.shutdown() }
        daemon.metrics.record(.intent, status: .notFound, micros: 10)

        let ok = try httpGet(port: server.boundPort, path: "/metrics")
        #expect(ok.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(ok.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
        #expect(ok.contains("recd_request_errors_total{op=\"INTENT\",status=\"NOT_FOUND\"} 1\n"))
        let missing = try httpGet(port: server.boundPort, path: "/")
        #expect(missing.hasPrefix("HTTP/1.1 404"))
        let post = try httpGet(port: server.boundPort, path: "/metrics", method: "POST")
        #expect(post.hasPrefix("HTTP/1.1 405"))
    }
}

/// The value of the first sample line starting with `name ` (no labels).
func sampleValue(_ text: String, _ name: String) -> Double? {
    text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
}

/// Every sample belongs to the family declared last by `# TYPE`, every family is declared once,
/// and every value parses as a number.
func checkWellFormed(_ text: String) throws {
    var declared = Set<String>()
    var current = ""
    for line in text.split(separator: "\n") {
        if line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            #expect(parts.count == 4 && ["counter", "gauge", "histogram"].contains(parts[3]), "\(line)")
            current = String(parts[2])
            #expect(declared.insert(current).inserted, "family \(current) declared twice")
        } else if line.hasPrefix("# HELP ") {
            continue
        } else {
            let name = line.prefix { $0 != "{" && $0 != " " }
            #expect(name == current || name.hasPrefix(current + "_"), "sample \(line) outside its family \(current)")
            let value = line.split(separator: " ").last.map(String.init) ?? ""
            #expect(Double(value) != nil || ["+Inf", "-Inf", "NaN"].contains(value), "\(line)")
        }
    }
}

/// One HTTP/1.0-style request over a plain TCP socket; returns the whole response.
func httpGet(port: Int, path: String, method: String = "GET") throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { throw HTTPTestError(description: "connect 127.0.0.1:\(port): errno \(errno)") }
    var tv = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    let request = Array("\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
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

struct HTTPTestError: Error, CustomStringConvertible { let description: String }

@Suite struct LatencyCumulativeTests {
    @Test func cumulativeCountsMatchABruteForceCount() {
        var h = LatencyHistogram()
        var values: [UInt64] = [0, 1, 15, 16, 99, 100, 101, 495, 496, 505, 511, 512, 1_000_000, 9_999_999, 50_000_000]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 { values.append(UInt64.random(in: 0...20_000_000, using: &rng) >> UInt64.random(in: 0...14, using: &rng)) }
        for v in values { h.record(micros: v) }
        let bounds: [UInt64] = [0, 100, 250, 500, 1000, 2500, 1_000_000, 10_000_000]
        let got = h.cumulativeCounts(atOrBelowMicros: bounds)
        let want = bounds.map { b in
            UInt64(values.filter { LatencyHistogram.upperBound(LatencyHistogram.index($0)) <= b }.count)
        }
        #expect(got == want)
        #expect(got.last! <= h.total)
        #expect(h.sumMicros == values.reduce(0, +))
    }
}
