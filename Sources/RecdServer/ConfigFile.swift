import Foundation
import RecdProtocol

/// The `--config FILE` JSON: every field optional; command-line flags override it.
///
/// ```json
/// {"workers": 2, "queue_capacity": 256, "max_batch_texts": 32, "batch_wait_us": 0,
///  "max_body_bytes": 4194304, "max_texts_per_request": 64, "max_text_bytes": 4096, "max_k": 100,
///  "max_connections": 1024, "max_in_flight_per_connection": 128, "socket_mode": "0600",
///  "socket_group": "www-data", "engines": {"any": "string, for the engines' own settings"}}
/// ```
public struct ConfigFile: Decodable, Sendable {
    public var workers: Int?
    public var event_loop_threads: Int?
    public var queue_capacity: Int?
    /// Milliseconds of estimated queue wait past which a request gets BUSY; 0 = off; "auto"; "adaptive" (the default).
    public var max_queue_delay_ms: QueueDelaySetting?
    public var max_batch_texts: Int?
    /// Longest a micro-batch should run (ms, may be fractional); 0 = no budget.
    public var max_batch_ms: Double?
    /// Longest a bulk-lane micro-batch should run (ms, may be fractional); 0 = no budget of its own.
    public var max_bulk_batch_ms: Double?
    public var batch_wait_us: Int?
    /// Nice value of the worker threads, 0...19 (0 = unchanged).
    public var worker_nice: Int?
    /// Light embed requests run between a bulk batch's blocks (true / false).
    public var light_preemption: Bool?
    /// CPUs the model workers are pinned to, one each (``WorkerPlacement``); absent or empty = not pinned.
    public var worker_cpus: [Int]?
    public var max_body_bytes: Int?
    public var max_texts_per_request: Int?
    public var max_text_bytes: Int?
    public var max_k: Int?
    public var max_items_per_request: Int?
    public var max_connections: Int?
    public var max_in_flight_per_connection: Int?
    /// Longest pause (ms) in reading a connection after it was answered BUSY; 0 = never pause.
    public var busy_backoff_ms: Int?
    public var socket_mode: String?
    public var socket_group: String?
    /// Peer uids allowed to connect; replaces the default (own uid and root).
    public var allow_uids: [UInt32]?
    public var drain_timeout_ms: Int?
    /// Log requests slower than this many milliseconds with their time split (``SlowLog``); 0 = off (the default).
    public var slow_request_ms: Double?
    /// Free-form engine settings the engines' adapters read.
    public var engines: [String: String]?

    public init() {}

    /// A config file that cannot be used.
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func load(_ path: String) throws(ConfigFile.Error) -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Error(description: "cannot read config file \(path); check --config")
        }
        do {
            return try JSONDecoder().decode(ConfigFile.self, from: data)
        } catch {
            throw Error(description: "config file \(path) is not valid: \(error)")
        }
    }

    /// A batch run budget given in (possibly fractional) milliseconds, 0 … 60000.
    private static func batchRun(_ ms: Double, key: String) throws(ConfigFile.Error) -> Duration {
        guard ms.isFinite, ms >= 0, ms <= 60_000 else {
            throw Error(description: "\(key) must be a number of milliseconds from 0 to 60000, found \(ms)")
        }
        return .microseconds(Int64((ms * 1000).rounded()))
    }

    /// Applies the fields that are present.
    public func apply(to c: inout ServerConfiguration) throws(ConfigFile.Error) {
        if let v = workers { c.workers = v }
        if let v = event_loop_threads { c.eventLoopThreads = v }
        if let v = queue_capacity { c.queueCapacity = v }
        if let v = max_queue_delay_ms { c.queueDelayLimit = v.limit }
        if let v = max_batch_texts { c.maxBatchTexts = v }
        if let v = max_batch_ms { c.maxBatchRun = try Self.batchRun(v, key: "max_batch_ms") }
        if let v = max_bulk_batch_ms { c.maxBulkBatchRun = try Self.batchRun(v, key: "max_bulk_batch_ms") }
        if let v = batch_wait_us { c.maxBatchWait = .microseconds(v) }
        if let v = worker_nice {
            guard (0...19).contains(v) else {
                throw Error(description: "worker_nice must be from 0 (unchanged) to 19 (lowest priority), found \(v); raising a thread's priority needs privilege, so recd only lowers it")
            }
            c.workerNice = v
        }
        if let v = light_preemption { c.lightPreemption = v }
        if let v = worker_cpus { c.workerCPUs = v }
        if let v = max_body_bytes { c.frameLimits.maxBodyBytes = v }
        if let v = max_texts_per_request { c.requestLimits.maxTextsPerRequest = v }
        if let v = max_text_bytes { c.requestLimits.maxTextBytes = v }
        if let v = max_k { c.requestLimits.maxK = v }
        if let v = max_items_per_request { c.requestLimits.maxItemsPerRequest = v }
        if let v = max_connections { c.maxConnections = v }
        if let v = max_in_flight_per_connection { c.maxInFlightPerConnection = v }
        if let v = busy_backoff_ms { c.busyBackoff = .milliseconds(v) }
        if let v = drain_timeout_ms { c.drainTimeout = .milliseconds(v) }
        if let v = slow_request_ms {
            guard v >= 0, v.isFinite else {
                throw Error(description: "slow_request_ms must be 0 (off) or a positive number of milliseconds, found \(v)")
            }
            c.slowRequestMs = v > 0 ? v : nil
        }
        if let v = socket_group { c.socketGroup = v }
        if let v = allow_uids { c.peerAccess = PeerAccess(allowedUIDs: Set(v)) }
        if let v = socket_mode {
            guard let mode = UInt16(v, radix: 8), mode <= 0o777 else {
                throw Error(description: "socket_mode must be octal like \"0600\", found \"\(v)\"")
            }
            c.socketMode = mode
        }
    }
}

extension ServerConfiguration {
    /// Checks the numbers make sense; names the first that does not.
    public func validate() throws(ConfigFile.Error) {
        func positive(_ v: Int, _ name: String) throws(ConfigFile.Error) {
            if v < 1 { throw ConfigFile.Error(description: "\(name) must be at least 1, found \(v)") }
        }
        try positive(workers, "workers")
        try positive(eventLoopThreads, "event_loop_threads")
        try positive(queueCapacity, "queue_capacity")
        try positive(maxBatchTexts, "max_batch_texts")
        try positive(frameLimits.maxBodyBytes, "max_body_bytes")
        try positive(maxConnections, "max_connections")
        try positive(maxInFlightPerConnection, "max_in_flight_per_connection")
        if frameLimits.maxBodyBytes > Int(UInt32.max) {
            throw ConfigFile.Error(description: "max_body_bytes must fit in 32 bits, found \(frameLimits.maxBodyBytes)")
        }
    }
}
