import Atomics
import NIOCore
import NIOPosix
import RecdProtocol

/// One connection to recd; pipelines any number of requests (replies matched by request id).
public final class RecdConnection: Sendable {
    let channel: any Channel
    private let nextID = ManagedAtomic<UInt32>(1)
    /// Reply timeout for requests that do not give their own; nil = wait forever.
    public let timeout: Duration?

    init(channel: any Channel, timeout: Duration?) {
        self.channel = channel
        self.timeout = timeout
    }

    /// Connects to the daemon's socket.
    public static func connect(socketPath: String, timeout: Duration? = .seconds(30),
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> RecdConnection {
        let limits = FrameLimits(maxBodyBytes: 64 * 1024 * 1024)
        do {
            let channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ClientHandler(limits: limits))
                    }
                }
                .connect(unixDomainSocketPath: socketPath).get()
            return RecdConnection(channel: channel, timeout: timeout)
        } catch {
            throw RecdError(code: .connectFailed, message: "cannot connect to recd at \(socketPath): \(error); is the daemon running (recd --socket \(socketPath))?")
        }
    }

    /// True while the connection is open.
    public var isActive: Bool { channel.isActive }

    /// Sends one request and waits for its reply frame (any status).
    public func roundTrip(_ opcode: Opcode, body: [UInt8], timeout: Duration? = nil) async throws -> Frame {
        var id = nextID.loadThenWrappingIncrement(ordering: .relaxed)
        if id == 0 { id = nextID.loadThenWrappingIncrement(ordering: .relaxed) }  // 0 is for connection-level errors
        var buffer = channel.allocator.buffer(capacity: FrameHeader.size + body.count)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: FrameHeader.size) { raw in
            FrameHeader.request(opcode, id: id, bodyLength: body.count).write(to: raw)
            return FrameHeader.size
        }
        buffer.writeBytes(body)
        let promise = channel.eventLoop.makePromise(of: Frame.self)
        let limit = (timeout ?? self.timeout).map { d -> TimeAmount in
            let (s, atto) = d.components
            return .nanoseconds(s * 1_000_000_000 + atto / 1_000_000_000)
        }
        channel.writeAndFlush(PendingRequest(id: id, bytes: buffer, promise: promise, timeout: limit)).whenFailure { error in
            promise.fail(RecdError(code: .connectionClosed, message: "could not send to recd: \(error)"))
        }
        return try await promise.futureResult.get()
    }

    /// Sends `request` and decodes an OK reply as `Response`; a non-OK reply throws ``RecdError``.
    public func call<Response: SwiftProtobuf.Message>(_ opcode: Opcode, _ request: some SwiftProtobuf.Message,
                                                      as: Response.Type = Response.self, timeout: Duration? = nil) async throws -> Response {
        let frame = try await roundTrip(opcode, body: try request.serializedBytes(), timeout: timeout)
        guard frame.header.status == .ok else {
            throw RecdError(code: .server(frame.header.status), message: ErrorBody.decodeMessage(frame.body).message)
        }
        do {
            return try Response(serializedBytes: frame.body)
        } catch {
            throw RecdError(code: .protocolError, message: "\(opcode.name) reply is not a valid \(Response.protoMessageName): \(error)")
        }
    }

    /// Closes the connection; requests still in flight fail with CONNECTION_CLOSED.
    public func close() async {
        try? await channel.close()
    }
}
