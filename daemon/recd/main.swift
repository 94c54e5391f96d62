import ArgumentParser
import Dispatch
import Foundation
import Logging
import RecdModel
import RecdRecommend
import RecdServer

/// recd: parse arguments, build the engines, run the daemon until SIGTERM / SIGINT.
struct Recd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recd",
        abstract: "Intent recognition and recommendations for local web apps, over a Unix socket.")

    @Option(help: "Unix socket path (default: $XDG_RUNTIME_DIR/recd.sock, else /tmp/recd.sock).")
    var socket: String?

    @Option(help: "Packed model weights file (all-MiniLM-L6-v2.recd).")
    var model: String?

    @Option(help: "Model worker threads.")
    var workers: Int?

    @Option(help: "JSON config file (see Sources/RecdServer/ConfigFile.swift); flags override it.")
    var config: String?

    @Option(help: "Socket file mode, octal (default 0600).")
    var socketMode: String?

    @Option(help: "Group to own the socket file (use with --socket-mode 0660).")
    var socketGroup: String?

    @Option(help: ArgumentHelp("Peer uid allowed to connect (repeatable); replaces the default, the daemon's own uid and root.",
                               valueName: "uid"))
    var allowUid: [UInt32] = []

    @Option(help: "Requests waiting for a worker before new ones get BUSY.")
    var queueCapacity: Int?

    @Option(help: ArgumentHelp("Estimated queue wait past which a request gets BUSY: adaptive (the default: auto, but only while the queue stands and holds other connections' work), auto (derived from the measured time of one request), N milliseconds (fractions allowed; counts the running batches' remainder too), or 0 = off (only --queue-capacity bounds the queue).",
                               valueName: "adaptive|auto|ms"))
    var maxQueueDelayMs: QueueDelaySetting?

    @Option(help: "Most texts per encoder call.")
    var maxBatch: Int?

    @Option(help: "Most microseconds a worker waits to fill a batch, and only while every other worker is busy (0 = only what is already queued).")
    var batchWaitUs: Int?

    @Option(help: "Open connections allowed.")
    var maxConnections: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @OptionGroup(title: "Engines")
    var engineOptions: EngineOptions

    @OptionGroup(title: "Operations")
    var ops: OpsOptions

    @Flag(help: "TEST ONLY: serve a hashed bag-of-words encoder instead of the model.")
    var fakeEncoder = false

    @Option(help: "TEST ONLY: milliseconds the fake encoder sleeps per call.")
    var fakeEncoderDelayMs: Int = 0

    func run() throws {
        var logger = Logger(label: "recd")
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical; found \(logLevel)")
        }
        logger.logLevel = level

        var conf = ServerConfiguration()
        var engineSettings: [String: String] = [:]
        do {
            if let config {
                let file = try ConfigFile.load(config)
                try file.apply(to: &conf)
                engineSettings = file.engines ?? [:]
            }
            try overrides().apply(to: &conf)
            try conf.validate()
            try conf.validateLimits()
        } catch {
            if ops.checkConfig { try runCheckConfig(loadError: error.description, configuration: conf, engines: engineSettings) }
            throw ValidationError(error.description)
        }
        if let socket { conf.socketPath = socket }
        if ops.checkConfig { try runCheckConfig(loadError: nil, configuration: conf, engines: engineSettings) }
        for problem in extraConfigProblems() { logger.warning("\(problem)") }
        do { _ = try ops.metricsAddress() } catch { throw ValidationError(error.description) }

        // Before the engines load (up to a minute): a second recd on a live socket or on a store in use stops at once.
        let storeLock: StoreLock?
        do {
            _ = try SocketFile.check(conf.socketPath)
            storeLock = engineOptions.catalog == nil ? nil : try StoreLock(directory: engineOptions.storeDirectory())
        } catch {
            FileHandle.standardError.write(Data("recd: \(error)\n".utf8))
            throw ExitCode(1)
        }
        // Before any thread of the daemon's starts: they inherit the CPUs the model workers leave over.
        if !conf.workerCPUs.isEmpty {
            let placement = try WorkerPlacement(workerCPUs: conf.workerCPUs, allowed: ThreadAffinity.cpus())
            if let problem = placement.restrictOtherThreads() { logger.warning("\(problem)") }
            logger.info("model workers pinned to CPUs \(placement.workerCPUs), other threads on \(placement.otherCPUs)")
        }
        let engines = try makeEngines(settings: engineSettings, maxBatchTexts: conf.maxBatchTexts, workers: conf.workers, logger: logger)
        let daemon = RecdDaemon(configuration: conf, engines: engines, logger: logger)

        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let sources = [SIGTERM, SIGINT].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                logger.info("signal \(sig): draining")
                daemon.stop()
            }
            source.resume()
            return source
        }
        do {
            try daemon.start()
        } catch {
            FileHandle.standardError.write(Data("recd: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let metricsServer: MetricsHTTPServer?
        do {
            metricsServer = try startMetrics(daemon: daemon, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("recd: cannot serve metrics on \(ops.metricsListen ?? ""): \(error)\n".utf8))
            daemon.stop()
            daemon.waitUntilStopped()
            throw ExitCode(1)
        }
        FileHandle.standardOutput.write(Data("recd listening on \(conf.socketPath)\n".utf8))
        // The signal sources must outlive the wait: an optimised build would otherwise
        // release (and so cancel) them right after setup, and SIGTERM would be ignored.
        withExtendedLifetime((sources, storeLock)) { daemon.waitUntilStopped() }
        metricsServer?.shutdown()
    }

    /// Flags as a config file, so one code path applies and checks them.
    func overrides() -> ConfigFile {
        var c = ConfigFile()
        c.workers = workers
        c.socket_mode = socketMode
        c.socket_group = socketGroup
        c.allow_uids = allowUid.isEmpty ? nil : allowUid
        c.queue_capacity = queueCapacity
        c.max_queue_delay_ms = maxQueueDelayMs
        c.max_batch_texts = maxBatch
        c.batch_wait_us = batchWaitUs
        c.max_connections = maxConnections
        return c
    }
}

extension QueueDelaySetting: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}

// OpenBLAS misdetects this Xeon and would use generic kernels; see OpenBLASCoreType.
OpenBLASCoreType.reexecIfMisdetected()
// One OpenBLAS thread: the request threads already use every core, and OpenBLAS's helper busy-waits
// after each split call, which cost the mix ~1.5 ms of CPU per request (daemon/SOAK.md, "Reading the
// figures"). OPENBLAS_NUM_THREADS still wins; the EASE fit sets its own count (recommend.fit_threads).
if getenv("OPENBLAS_NUM_THREADS") == nil { BLAS.setThreads(1) }
Recd.main()
