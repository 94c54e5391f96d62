import NIOCore
import RecdProtocol

/// What ``RecdConnection`` writes into the pipeline: one encoded request and the promise for its reply.
struct PendingRequest: Sendable {
    let id: UInt32
    let bytes: ByteBuffer
    let promise: EventLoopPromise<Frame>
    let timeout: TimeAmount?
}

/// Matches replies to requests by id; many requests may be in flight, replies in any order.
final class ClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = PendingRequest
    typealias OutboundOut = ByteBuffer

    private var pending: [UInt32: (EventLoopPromise<Frame>, Scheduled<Void>?)] = [:]
    private var cumulation: ByteBuffer?
    private let limits: FrameLimits

    init(limits: FrameLimits) { self.limits = limits }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        var timer: Scheduled<Void>?
        if let timeout = request.timeout {
            let id = request.id
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: timeout) {
                bound.value.fail(id, RecdError(code: .timeout, message: "no reply to request \(id) within \(timeout.nanoseconds / 1_000_000) ms"))
            }
        }
        pending[request.id] = (request.promise, timer)
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    private func fail(_ id: UInt32, _ error: RecdError) {
        guard let (promise, timer) = pending.removeValue(forKey: id) else { return }
        timer?.cancel()
        promise.fail(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if cumulation == nil { cumulation = incoming } else { cumulation!.writeBuffer(&incoming) }
        while var buffer = cumulation, buffer.readableBytes >= FrameHeader.size {
            let parsed: Result<FrameHeader, FrameError> = buffer.withUnsafeReadableBytes { raw in
                do throws(FrameError) {
                    return .success(try FrameHeader.parse(UnsafeRawBufferPointer(rebasing: raw[0..<FrameHeader.size]),
                                                          limits: limits, direction: .response))
                } catch {
                    return .failure(error)
                }
            }
            guard case .success(let header) = parsed else {
                if case .failure(let error) = parsed { failAll(RecdError(code: .protocolError, message: "bad reply from recd: \(error.message)")) }
                context.close(promise: nil)
                return
            }
            guard buffer.readableBytes >= FrameHeader.size + Int(header.bodyLength) else { break }
            buffer.moveReaderIndex(forwardBy: FrameHeader.size)
            let body = buffer.readBytes(length: Int(header.bodyLength))!
            cumulation = buffer.readableBytes > 0 ? buffer : nil
            let frame = Frame(header: header, body: body)
            if let (promise, timer) = pending.removeValue(forKey: header.requestID) {
                timer?.cancel()
                promise.succeed(frame)
            } else if header.requestID == 0 && header.status != .ok {
                // A connection-level error (e.g. too many connections): fail everything.
                failAll(RecdError(code: .server(header.status), message: ErrorBody.decodeMessage(body).message))
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RecdError(code: .connectionClosed, message: "recd closed the connection before replying"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(RecdError(code: .connectionClosed, message: "connection to recd failed: \(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: RecdError) {
        let all = pending
        pending.removeAll()
        for (_, (promise, timer)) in all {
            timer?.cancel()
            promise.fail(error)
        }
    }
}
