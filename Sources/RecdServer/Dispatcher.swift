import Logging
import RecdProtocol

/// Runs every opcode except PING: validates the body, queues the work on the pool
/// (or answers at once), and calls `reply` exactly once, from any thread.
///
/// Reply bodies are serialised messages; non-OK replies carry an `Error` body.
public final class Dispatcher: Sendable {
    public typealias Reply = @Sendable (Status, [UInt8]) -> Void

    let engines: Engines
    let pool: WorkerPool
    /// Threads for engine work that needs no encoder (RECOMMEND without a query, SIMILAR), so it
    /// never queues behind encoder batches; nil runs it on `pool`.
    let enginePool: WorkerPool?
    let metrics: Metrics
    let configuration: ServerConfiguration
    let logger: Logger
    /// The BUSY answer for a refused model job, encoded once: under a flood it is most of the replies.
    let busyError: RequestError
    let busyBody: [UInt8]
    /// The slow-request log, for its STATS counter; nil when off.
    let slowLog: SlowLog?

    public init(engines: Engines, pool: WorkerPool, enginePool: WorkerPool? = nil, metrics: Metrics,
                configuration: ServerConfiguration, logger: Logger, slowLog: SlowLog? = nil) {
        self.slowLog = slowLog
        self.engines = engines
        self.pool = pool
        self.enginePool = enginePool
        self.metrics = metrics
        self.configuration = configuration
        self.logger = logger
        busyError = RequestError(.busy, "recd is overloaded: the model workers' queue is full (\(pool.capacity) requests) or its estimated wait exceeds the admission limit (max_queue_delay_ms); retry with backoff")
        busyBody = ErrorBody.encode(busyError.message)
    }

    /// Handles one request of a known opcode other than PING.
    public func dispatch(_ opcode: Opcode, body: [UInt8], reply: @escaping Reply) {
        dispatch(opcode, body: body, trace: nil, flow: .anonymous, reply: reply)
    }

    /// The same, stamping `trace` (the slow log's) as the request is queued and started; `flow` is the
    /// connection it came from (the pools' lanes and admission, ``CallerFlow``).
    func dispatch(_ opcode: Opcode, body: [UInt8], trace: RequestTrace?, flow: CallerFlow, reply: @escaping Reply) {
        let origin = Origin(trace: trace, flow: flow)
        do throws(RequestError) {
            switch opcode {
            case .embed: try embed(body, origin, reply)
            case .intent: try intent(body, origin, reply)
            case .recommend: try recommend(body, origin, reply)
            case .feedback: try feedback(body, origin, reply)
            case .items: try items(body, origin, reply)
            case .similar: try similar(body, origin, reply)
            case .stats: reply(.ok, encode(stats()))
            case .intentsReload: try reload(body, origin, reply)
            default: throw RequestError(.unknownOpcode, "opcode \(opcode.name) is not served by this dispatcher")
            }
        } catch {
            let isPoolBusy = error.status == .busy && error.message == busyError.message
            reply(error.status, isPoolBusy ? busyBody : ErrorBody.encode(error.message))
        }
    }

    // MARK: - Helpers

    func encode(_ message: some SwiftProtobuf.Message) -> [UInt8] {
        (try? message.serializedBytes()) ?? []
    }

    /// Runs `body` and turns its result or error into exactly one reply.
    func answer(_ opcode: Opcode, _ reply: Reply, _ body: () throws -> any SwiftProtobuf.Message) {
        do {
            let message = try body()
            reply(.ok, (try? message.serializedBytes()) ?? [])
        } catch let error as RequestError {
            reply(error.status, ErrorBody.encode(error.message))
        } catch {
            logger.error("\(opcode.name) failed: \(error)")
            reply(.internal, ErrorBody.encode("internal error while handling \(opcode.name); the daemon log has the details"))
        }
    }

    func busy() -> RequestError { busyError }

    /// Where a request came from: its slow-log trace (nil when the log is off) and its connection.
    struct Origin {
        var trace: RequestTrace?
        var flow: CallerFlow
    }

    func queueEmbed(_ texts: [String], intentFeatures: Bool = false, origin: Origin,
                    _ completion: @escaping @Sendable (Result<[[Float]], any Error>, HandlerContext) -> Void) throws(RequestError) {
        origin.trace?.queued = monotonicNanos()
        var job = WorkerPool.EmbedJob(texts: texts, intentFeatures: intentFeatures, completion: completion)
        job.trace = origin.trace
        guard pool.submitEmbed(job, flow: origin.flow) else {
            throw busy()
        }
    }

    func queueTask(origin: Origin, _ task: @escaping @Sendable (HandlerContext) -> Void) throws(RequestError) {
        guard pool.submitTask(flow: origin.flow, Self.traced(task, origin.trace)) else { throw busy() }
    }

    /// Queues work that never embeds on the engine pool (falls back to the model pool).
    func queueEngineTask(origin: Origin, _ task: @escaping @Sendable (HandlerContext) -> Void) throws(RequestError) {
        guard let enginePool else { return try queueTask(origin: origin, task) }
        guard enginePool.submitTask(flow: origin.flow, Self.traced(task, origin.trace)) else {
            throw RequestError(.busy, "recd is overloaded: \(enginePool.capacity) ranking requests are already queued; retry with backoff")
        }
    }

    /// `task`, stamping `trace` as queued now and started when a worker runs it.
    static func traced(_ task: @escaping @Sendable (HandlerContext) -> Void,
                       _ trace: RequestTrace?) -> @Sendable (HandlerContext) -> Void {
        guard let trace else { return task }
        trace.queued = monotonicNanos()
        return { context in
            trace.start()
            task(context)
        }
    }

    func need<T>(_ engine: T?, _ what: String, for opcode: Opcode, flag: String) throws(RequestError) -> T {
        guard let engine else {
            throw .unavailable("\(opcode.name) needs the \(what), which this recd was started without; start it with \(flag)")
        }
        return engine
    }
}
