import Foundation
import RecdModel

extension ConfigFile {
    /// Every key a config file may hold, in the order `daemon/CONFIG.md` lists them.
    public static let knownKeys: [String] = [
        "workers", "event_loop_threads", "queue_capacity", "max_queue_delay_ms", "max_batch_texts", "max_batch_ms", "max_bulk_batch_ms", "batch_wait_us",
        "worker_nice", "worker_cpus", "light_preemption",
        "max_body_bytes", "max_texts_per_request", "max_text_bytes", "max_k", "max_items_per_request",
        "max_connections", "max_in_flight_per_connection", "busy_backoff_ms", "socket_mode", "socket_group",
        "drain_timeout_ms", "slow_request_ms", "engines",
    ]

    /// Keys in the file at `path` that recd does not know (JSON decoding alone ignores them,
    /// so a typo such as `"worker"` would silently fall back to the default). Keys starting
    /// with `//` are comments (JSON has no other kind) and are never reported.
    public static func unknownKeys(atPath path: String) throws(ConfigFile.Error) -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Error(description: "cannot read config file \(path); check --config")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Error(description: "config file \(path) must hold one JSON object {\"option\": value, ...}")
        }
        let known = Set(knownKeys)
        return object.keys.filter { !known.contains($0) && !$0.hasPrefix("//") }.sorted()
    }
}

extension ServerConfiguration {
    /// Checks the limits `validate()` leaves alone; names the option and what was found.
    public func validateLimits() throws(ConfigFile.Error) {
        func atLeast(_ min: Int, _ v: Int, _ name: String) throws(ConfigFile.Error) {
            if v < min { throw ConfigFile.Error(description: "\(name) must be at least \(min), found \(v)") }
        }
        try atLeast(0, Int(maxBatchWait.wholeMicroseconds), "batch_wait_us")
        try atLeast(0, Int(drainTimeout.wholeMilliseconds), "drain_timeout_ms")
        try atLeast(0, Int(busyBackoff.wholeMilliseconds), "busy_backoff_ms")
        if case .fixed(let d) = queueDelayLimit, d < .zero {
            throw ConfigFile.Error(description: "max_queue_delay_ms must be at least 0, found \(d.inMilliseconds)")
        }
        try atLeast(1, requestLimits.maxTextsPerRequest, "max_texts_per_request")
        try atLeast(1, requestLimits.maxTextBytes, "max_text_bytes")
        try atLeast(1, requestLimits.maxK, "max_k")
        try atLeast(1, requestLimits.maxItemsPerRequest, "max_items_per_request")
        if !workerCPUs.isEmpty { _ = try WorkerPlacement(workerCPUs: workerCPUs, allowed: ThreadAffinity.cpus()) }
        if requestLimits.maxTextBytes > frameLimits.maxBodyBytes {
            throw ConfigFile.Error(description: "max_text_bytes (\(requestLimits.maxTextBytes)) must not exceed max_body_bytes (\(frameLimits.maxBodyBytes)): no frame could carry such a text")
        }
    }

    /// The effective configuration as config-file JSON (keys sorted), plus the socket path;
    /// what `recd --check-config` prints. `engines` is the free-form engine settings map.
    public func effectiveJSON(engines: [String: String]) -> String {
        var object: [String: Any] = [
            "socket": socketPath,
            "workers": workers,
            "event_loop_threads": eventLoopThreads,
            "queue_capacity": queueCapacity,
            "max_queue_delay_ms": QueueDelaySetting(queueDelayLimit).jsonValue,
            "max_batch_texts": maxBatchTexts,
            "max_batch_ms": Double(maxBatchRun.wholeMicroseconds) / 1000,
            "max_bulk_batch_ms": Double(maxBulkBatchRun.wholeMicroseconds) / 1000,
            "batch_wait_us": Int(maxBatchWait.wholeMicroseconds),
            "worker_nice": workerNice,
            "worker_cpus": workerCPUs,
            "light_preemption": lightPreemption,
            "max_body_bytes": frameLimits.maxBodyBytes,
            "max_texts_per_request": requestLimits.maxTextsPerRequest,
            "max_text_bytes": requestLimits.maxTextBytes,
            "max_k": requestLimits.maxK,
            "max_items_per_request": requestLimits.maxItemsPerRequest,
            "max_connections": maxConnections,
            "max_in_flight_per_connection": maxInFlightPerConnection,
            "busy_backoff_ms": Int(busyBackoff.wholeMilliseconds),
            "socket_mode": "0" + String(socketMode, radix: 8),
            "drain_timeout_ms": Int(drainTimeout.wholeMilliseconds),
            "slow_request_ms": slowRequestMs ?? 0,
            "engines": engines,
        ]
        if let socketGroup { object["socket_group"] = socketGroup }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

extension Duration {
    /// Whole microseconds (truncated).
    var wholeMicroseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }
    /// Whole milliseconds (truncated).
    var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
    /// Milliseconds, with fractions.
    var inMilliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
