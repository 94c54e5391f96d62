import Foundation
import Logging
import NIOCore
import NIOPosix
import RecdProtocol

/// The daemon: a Unix-socket listener on SwiftNIO, a model worker pool and the lifecycle.
///
/// `start()` binds and returns; `stop()` (from a signal) drains: stops accepting, lets
/// in-flight requests finish, calls the engines' `shutdown` hooks. `waitUntilStopped()`
/// returns when all of that is done.
public final class RecdDaemon: @unchecked Sendable {
    public let configuration: ServerConfiguration
    public let engines: Engines
    public let metrics = Metrics()
    let logger: Logger
    let shared: ServerShared
    let pool: WorkerPool
    /// Ranking threads (RECOMMEND without a query, SIMILAR): no encoder, so never behind a batch.
    let enginePool: WorkerPool
    let dispatcher: Dispatcher
    private let group: MultiThreadedEventLoopGroup
    /// Each event loop's reply hand-off (``LoopReplies``), by the loop's identity.
    private let loopReplies: [ObjectIdentifier: LoopReplies]

    // Protected by `lock`.
    private let lock = NSLock()
    private var lifecycle = Lifecycle()
    private var serverChannel: (any Channel)?
    /// True once this daemon bound the socket file, so only then is it removed on stop.
    private var ownsSocketFile = false
    private let stoppedSignal = DispatchSemaphore(value: 0)

    public init(configuration: ServerConfiguration, engines: Engines, logger: Logger) {
        self.configuration = configuration
        self.engines = engines
        self.logger = logger
        let slowLog = configuration.slowRequestMs.map { SlowLog(thresholdMs: $0, logger: logger) }
        self.shared = ServerShared(logger: logger, metrics: metrics, slowLog: slowLog)
        let metrics = self.metrics
        self.pool = WorkerPool(workers: configuration.workers, capacity: configuration.queueCapacity,
                               encoder: engines.encoder,
                               batching: BatchPolicy(maxTexts: configuration.maxBatchTexts,
                                                     maxWait: configuration.maxBatchWait.nanoseconds,
                                                     maxRunNanos: configuration.maxBatchRun.nanoseconds,
                                                     bulkMaxRunNanos: configuration.maxBulkBatchRun.nanoseconds),
                               queueDelay: configuration.queueDelayLimit, logger: logger,
                               stallReportMs: configuration.slowRequestMs, nice: configuration.workerNice,
                               lightPreemption: configuration.lightPreemption, cpus: configuration.workerCPUs,
                               onBatch: { metrics.recordPool($0) },
                               warmUp: Self.warmUp(engines))
        self.enginePool = WorkerPool(workers: configuration.workers, capacity: configuration.queueCapacity,
                                     encoder: nil, batching: BatchPolicy(maxTexts: 1, maxWait: 0), logger: logger,
                                     threadName: "recd-rank", stallReportMs: configuration.slowRequestMs,
                                     nice: configuration.workerNice)
        self.dispatcher = Dispatcher(engines: engines, pool: pool, enginePool: enginePool, metrics: metrics,
                                     configuration: configuration, logger: logger, slowLog: slowLog)
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
        var replies: [ObjectIdentifier: LoopReplies] = [:]
        for loop in group.makeIterator() {
            replies[ObjectIdentifier(loop)] = LoopReplies(eventLoop: loop, metrics: metrics)
        }
        self.loopReplies = replies
    }

    /// The slow-request log; nil when `slow_request_ms` is off.
    public var slowLog: SlowLog? { shared.slowLog }

    /// The lifecycle state now.
    public var state: Lifecycle.State {
        lock.lock(); defer { lock.unlock() }
        return lifecycle.state
    }

    private var stopRequestedWhileStarting: Bool {
        lock.lock(); defer { lock.unlock() }
        return lifecycle.state == .starting && lifecycle.stopRequested
    }

    private func transition(_ change: (inout Lifecycle) throws -> Lifecycle.Action) rethrows -> Lifecycle.Action {
        lock.lock()
        let before = lifecycle.state
        defer {
            let after = lifecycle.state
            lock.unlock()
            if before != after { logger.info("lifecycle \(before.rawValue) -> \(after.rawValue)") }
        }
        return try change(&lifecycle)
    }

    /// Warms the workers, binds the socket and starts serving: when the socket exists, recd is warm.
    public func start() throws {
        guard try transition({ try $0.start() }) == .bind else { return }  // stopped before it started
        for replies in loopReplies.values { try replies.openWakeUp() }
        let warmStart = ContinuousClock.now
        pool.waitUntilWarm()
        let costs = pool.serviceCosts
        logger.info("workers warm", metadata: [
            "warm_up_ms": "\((ContinuousClock.now - warmStart).seconds * 1000)",
            "single_request_ms": "\(Double(costs.single) / 1e6)",
            "admission_limit_ms": "\(pool.admissionLimitNanos.map { "\(Double($0) / 1e6)" } ?? "off")"])
        if stopRequestedWhileStarting {  // a signal came while the workers warmed up: nothing bound yet
            if (try? transition({ try $0.startFailed() })) == .flushAndRelease { release() }
            return
        }
        let path = configuration.socketPath
        // Before bind: a client may connect (and send) the moment the socket exists.
        shared.setAccepting(true)
        do {
            if try SocketFile.prepare(path) { logger.notice("removed stale socket \(path)") }
            // The socket file is created by bind(2) with the process umask; narrow it so the file never
            // exists, even for an instant, with more access than `socketMode` (chmod below adds the group).
            let previousMask = umask(mode_t(~configuration.socketMode & 0o777))
            let bound = Result { try makeBootstrap().bind(unixDomainSocketPath: path).wait() }
            umask(previousMask)
            let channel = try bound.get()
            try SocketFile.setPermissions(path, mode: configuration.socketMode, group: configuration.socketGroup)
            lock.lock(); serverChannel = channel; ownsSocketFile = true; lock.unlock()
        } catch {
            shared.setAccepting(false)
            if (try? transition({ try $0.startFailed() })) == .flushAndRelease { release() }
            throw error
        }
        logger.info("listening on \(path) with \(configuration.workers) model workers")
        if try transition({ try $0.bound() }) == .stopAccepting {
            logger.info("a stop request arrived while starting: draining")
            Thread.detachNewThread { self.drain() }
        }
    }

    private func makeBootstrap() -> ServerBootstrap {
        let dispatcher = self.dispatcher, shared = self.shared, configuration = self.configuration
        let loopReplies = self.loopReplies
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                // A refused peer fails the initializer, which closes the channel unread.
                configuration.peerAccess.admit(channel, logger: shared.logger).flatMapThrowing {
                    let count = shared.metrics.connectionDelta(1)
                    channel.closeFuture.whenComplete { _ in _ = shared.metrics.connectionDelta(-1) }
                    if count > configuration.maxConnections {
                        try channel.pipeline.syncOperations.addHandler(RefuseHandler(
                            message: "recd already has \(configuration.maxConnections) open connections; close idle ones or retry later"))
                        return
                    }
                    // Every loop of the group has one; a loop from elsewhere would get its own per connection.
                    let replies = loopReplies[ObjectIdentifier(channel.eventLoop)]
                        ?? LoopReplies(eventLoop: channel.eventLoop, metrics: shared.metrics)
                    try channel.pipeline.syncOperations.addHandler(FrameHandler(
                        dispatcher: dispatcher, shared: shared, limits: configuration.frameLimits,
                        maxInFlight: configuration.maxInFlightPerConnection, replies: replies,
                        backoff: BusyBackoff(capMicros: UInt64(max(0, configuration.busyBackoff.wholeMicroseconds)))))
                }
            }
    }

    /// Begins draining (idempotent; safe from any thread, e.g. a signal handler's queue).
    public func stop() {
        let action = transition { $0.stop() }
        switch action {
        case .stopAccepting:
            Thread.detachNewThread { self.drain() }
        case .flushAndRelease:
            release()
        case .bind, .none:
            break
        }
    }

    private func drain() {
        shared.setAccepting(false)
        lock.lock(); let channel = serverChannel; lock.unlock()
        try? channel?.close().wait()
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while shared.requestsInFlight > 0 && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.005)
        }
        if shared.requestsInFlight > 0 {
            logger.warning("drain timed out with \(shared.requestsInFlight) requests still in flight")
        }
        if (try? transition({ try $0.drained() })) == .flushAndRelease { release() }
    }

    private func release() {
        pool.shutdown()
        enginePool.shutdown()
        for engine in engines.lifecycles {
            do { try engine.shutdown() } catch { logger.error("engine shutdown failed: \(error)") }
        }
        try? group.syncShutdownGracefully()
        lock.lock(); let owned = ownsSocketFile; lock.unlock()
        if owned { unlink(configuration.socketPath) }
        logger.info("stopped")
        stoppedSignal.signal()
    }

    /// Stops (draining) and waits without blocking a Swift-concurrency thread.
    public func stopAndWait() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                self.stop()
                self.waitUntilStopped()
                done.resume()
            }
        }
    }

    /// Blocks until the daemon has stopped.
    public func waitUntilStopped() {
        stoppedSignal.wait()
        stoppedSignal.signal()
    }
}

/// Answers a connection over the limit with one BUSY frame, then closes it.
final class RefuseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let message: String
    init(message: String) { self.message = message }

    func channelActive(context: ChannelHandlerContext) {
        let frame = Frame(header: .response(Opcode(rawValue: 0), id: 0, status: .busy, bodyLength: 0),
                          body: ErrorBody.encode(message))
        let channel = context.channel
        channel.writeAndFlush(ByteBuffer(bytes: frame.bytes)).whenComplete { _ in channel.close(promise: nil) }
    }
}
