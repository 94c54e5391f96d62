import Logging
import NIOCore
import RecdProtocol

/// One connection: splits bytes into frames, answers PING on the event loop, hands
/// everything else to the ``Dispatcher`` and writes replies back, coalescing flushes.
///
/// After answering BUSY it stops reading the connection for a pause (``BusyBackoff``): the frames
/// already read are still answered (those of the refused operation BUSY at once), the rest wait in the
/// socket, and the `read` NIO asks for is held until the pause ends (the reason it is a duplex
/// handler). Other connections are not affected. Until session 15 the frames already read waited too,
/// one handled per pause, so an open-loop caller faster than 20 requests a second built a backlog
/// without bound (daemon/DAEMON.md, "Overload from callers that do not wait").
///
/// All state is touched only on the channel's event loop.
final class FrameHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let dispatcher: Dispatcher
    private let shared: ServerShared
    private let limits: FrameLimits
    private let maxInFlight: Int
    /// This connection's event loop's reply hand-off (workers post here).
    private let replies: LoopReplies

    private var context: ChannelHandlerContext?
    /// Bytes received and not yet consumed.
    private var cumulation: ByteBuffer?
    /// Responses waiting for the next flush.
    private var out: ByteBuffer
    /// Body bytes of an unknown-opcode frame still to skip.
    private var skipRemaining = 0
    private var inFlight = 0
    /// A flush that will write `out` is already arranged (the read's `channelReadComplete`, a reply
    /// drain's pass over its connections, or a scheduled task).
    private var flushPending = false
    /// Inside `channelRead` (its `channelReadComplete` flushes what the read answered).
    private var reading = false
    private var closing = false
    /// Replies in `out` that count as in flight (for the drain) until their write completes.
    private var repliesAwaitingWrite = 0
    /// Slow-log traces of the replies in `out` (only when the slow log is on).
    private var tracesAwaitingWrite: [RequestTrace] = []
    /// How hard this connection sends (the worker pools' lanes and admission: ``PipelineDepth``).
    private var pipeline = PipelineDepth()
    /// Complete frames in `cumulation` behind the one being handled (at most
    /// ``PipelineDepth/waitingCounted``): counted by the first request of a `process` pass that needs its
    /// flow, then one less per frame; nil until then (a pass of PINGs never counts).
    private var framesBehind: Int?
    /// How long to stop reading after a BUSY (``BusyBackoff``).
    private var backoff: BusyBackoff
    /// Reads are held until `resumeTask` runs.
    private var paused = false
    /// NIO asked for a read while paused; issued when the pause ends.
    private var readHeld = false
    /// Operations answered BUSY by the pool since the current pause began: the burst's later frames of
    /// these are answered BUSY at once (``handle``).
    private var refusedInPause: Set<Opcode> = []
    private var resumeTask: Scheduled<Void>?
    /// Set when the request being handled was answered BUSY synchronously (the pool refused it).
    private var answeredBusy = false

    init(dispatcher: Dispatcher, shared: ServerShared, limits: FrameLimits, maxInFlight: Int, replies: LoopReplies,
         backoff: BusyBackoff = BusyBackoff(capMicros: 0)) {
        self.dispatcher = dispatcher
        self.shared = shared
        self.limits = limits
        self.maxInFlight = maxInFlight
        self.replies = replies
        self.backoff = backoff
        self.out = ByteBuffer()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        out = context.channel.allocator.buffer(capacity: 1024)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        resumeTask?.cancel()
        resumeTask = nil
        if paused {
            paused = false
            shared.requestsFinished(1)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        reading = true
        var incoming = unwrapInboundIn(data)
        if cumulation == nil {
            cumulation = incoming
        } else {
            cumulation!.writeBuffer(&incoming)
        }
        process()
        compactCumulation()
    }

    private func compactCumulation() {
        if let c = cumulation {
            if c.readableBytes == 0 {
                cumulation = nil
            } else if c.readerIndex > 64 * 1024 {
                cumulation!.discardReadBytes()
            }
        }
    }

    /// NIO asks for the next read (after each read burst, autoRead): held while the connection is paused.
    func read(context: ChannelHandlerContext) {
        if paused {
            readHeld = true
        } else {
            context.read()
        }
    }

    // MARK: - Back-off after BUSY

    /// The request just handled was answered BUSY: stop reading for the back-off's pause (none when off).
    private func refusedBusy() {
        // Only a connection with more frames already waiting is paused, or held deep: a caller sending one
        // request at a time (the probe, a web request) gets its BUSY and nothing else; one held deep would be
        // put in the bulk lane and refused again (``PipelineDepth``). A paused open-loop caller is read once
        // per pause, and everything read is answered, so its wait is bounded by the pause (session 15).
        let framesWaiting = (cumulation?.readableBytes ?? 0) >= FrameHeader.size
        pipeline.refused(nowMicros: monotonicMicros(), framesWaiting: framesWaiting)
        // One pause per read burst: the frames of this burst behind the BUSY are still answered (`process`
        // goes on; those of a refused operation get BUSY at once, ``refusedInPause``), and only reading
        // more waits for the pause.
        guard framesWaiting, !paused else { return }
        let pause = backoff.refused()
        guard pause > 0, let context else { return }
        paused = true
        // A paused connection's unread frames count as one request in flight, so a drain (SIGTERM) waits
        // for the pause to end and answers them (UNAVAILABLE) instead of closing the connection on them.
        shared.requestStarted()
        shared.metrics.countBusyPause()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        resumeTask = context.eventLoop.scheduleTask(in: .microseconds(Int64(pause))) { bound.value.resume() }
    }

    /// The pause is over: handle the frames already read (which may pause again), write their
    /// replies, then let NIO read again if it asked to meanwhile.
    private func resume() {
        resumeTask = nil
        guard paused else { return }
        paused = false
        refusedInPause.removeAll()
        defer { shared.requestsFinished(1) }
        guard let context, !closing else { return }
        reading = true
        process()
        compactCumulation()
        reading = false
        flushNow()
        if !paused && readHeld {
            readHeld = false
            context.read()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        flushNow()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shared.logger.debug("connection error, closing: \(error)")
        context.close(promise: nil)
    }

    // MARK: - Frames

    private func process() {
        framesBehind = nil
        while !closing, var buffer = cumulation {
            if skipRemaining > 0 {
                let n = min(skipRemaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: n)
                skipRemaining -= n
                cumulation = buffer
                if skipRemaining > 0 { return }
                continue
            }
            guard buffer.readableBytes >= FrameHeader.size else { return }
            let parsed: Result<FrameHeader, FrameError> = buffer.withUnsafeReadableBytes { raw in
                do throws(FrameError) {
                    return .success(try FrameHeader.parse(UnsafeRawBufferPointer(rebasing: raw[0..<FrameHeader.size]),
                                                          limits: limits, direction: .request))
                } catch {
                    return .failure(error)
                }
            }
            let header: FrameHeader
            switch parsed {
            case .success(let h):
                header = h
            case .failure(let error):
                buffer.moveReaderIndex(forwardBy: FrameHeader.size)
                cumulation = buffer
                frameError(error)
                continue
            }
            let length = Int(header.bodyLength)
            guard buffer.readableBytes >= FrameHeader.size + length else { return }
            buffer.moveReaderIndex(forwardBy: FrameHeader.size)
            let body = buffer.readSlice(length: length)!
            cumulation = buffer
            handle(header, body: body)
            framesBehind = framesBehind.map { max(0, $0 - 1) }
        }
    }

    /// The complete frames behind the one being handled (``framesBehind``, counted once per pass).
    private func waitingFrames() -> Int {
        if let n = framesBehind { return n }
        let n = completeFrames()
        framesBehind = n
        return n
    }

    /// Complete frames in `cumulation` (already past the frame being handled), up to
    /// ``PipelineDepth/waitingCounted`` (their headers' lengths only; a header that does not parse ends
    /// the count, and `process` answers it).
    private func completeFrames() -> Int {
        guard skipRemaining == 0, let buffer = cumulation else { return 0 }
        return buffer.withUnsafeReadableBytes { raw in
            var offset = 0, count = 0
            while count < PipelineDepth.waitingCounted, raw.count - offset >= FrameHeader.size {
                let header = UnsafeRawBufferPointer(rebasing: raw[offset..<offset + FrameHeader.size])
                guard let h = try? FrameHeader.parse(header, limits: limits, direction: .request) else { break }
                let end = offset + FrameHeader.size + Int(h.bodyLength)
                guard end <= raw.count else { break }
                offset = end
                count += 1
            }
            return count
        }
    }

    private func frameError(_ error: FrameError) {
        shared.metrics.record(error.opcode, status: error.status, micros: 0)
        let frame = ErrorBody.frame(for: error)
        appendResponse(frame.header.opcode, id: frame.header.requestID, status: frame.header.status, body: frame.body)
        if error.closesConnection {
            shared.logger.info("closing a connection after a bad frame: \(error)")
            closing = true
            cumulation = nil
            guard let context else { return }
            let channel = context.channel, shared = self.shared
            let data = out, replies = repliesAwaitingWrite
            out = context.channel.allocator.buffer(capacity: 0)
            repliesAwaitingWrite = 0
            channel.writeAndFlush(data).whenComplete { _ in
                shared.requestsFinished(replies)
                channel.close(promise: nil)
            }
        } else {
            skipRemaining = Int(error.bodyBytesToSkip)
        }
    }

    private func handle(_ header: FrameHeader, body: ByteBuffer) {
        if header.opcode == .ping {
            ping(header, body: body)
            return
        }
        if paused, refusedInPause.contains(header.opcode) {
            // Behind a BUSY of the same operation in this read burst: the pool refused this connection a
            // moment ago, so the frame is answered BUSY from its header, without decoding or queueing it.
            shared.metrics.record(header.opcode, status: .busy, micros: 0)
            appendResponse(header.opcode, id: header.requestID, status: .busy, body: dispatcher.busyBody)
            return
        }
        let start = monotonicMicros()
        guard shared.startRequest() else {
            reject(header, .unavailable, "recd is shutting down and takes no new requests; retry against the next instance")
            return
        }
        guard inFlight < maxInFlight else {
            shared.requestsFinished(1)
            reject(header, .busy, "this connection already has \(maxInFlight) requests in flight; wait for replies or open another connection")
            refusedBusy()
            return
        }
        inFlight += 1
        let loop = context!.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let opcode = header.opcode, id = header.requestID
        let metrics = shared.metrics, replies = self.replies
        let trace = shared.slowLog == nil ? nil : RequestTrace(opcode: opcode)
        // This handler's address names the connection for the pools' lanes and admission (``CallerFlow``):
        // unique among live connections, and a handler outlives its requests (their replies hold it).
        let flow = pipeline.flow(id: UInt64(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque())), nowMicros: start,
                                 waiting: waitingFrames())
        answeredBusy = false
        defer {
            if answeredBusy {
                refusedBusy()
                if paused { refusedInPause.insert(opcode) }
            } else {
                backoff.admitted()
            }
        }
        dispatcher.dispatch(opcode, body: Array(body.readableBytesView), trace: trace, flow: flow) { status, bytes in
            trace?.answer()
            let micros = monotonicMicros() &- start
            // Answered while still on the event loop (BUSY, BAD_REQUEST, STATS): no hand-off, which
            // under a flood of refused requests was a queued closure per reply.
            if loop.inEventLoop {
                metrics.record(opcode, status: status, micros: micros)
                bound.value.completedOnLoop(PendingReply(handler: bound, opcode: opcode, id: id, status: status,
                                                         body: bytes, micros: micros, trace: trace))
            } else {
                // Counted by the event loop when it takes the reply: the worker takes no lock here.
                replies.post(PendingReply(handler: bound, opcode: opcode, id: id, status: status,
                                          body: bytes, micros: micros, trace: trace))
            }
        }
    }

    /// PING is counted but not timed: it is answered inline, so its server-side latency is ~0
    /// and two clock reads plus a lock would be a measurable share of its cost.
    private func ping(_ header: FrameHeader, body: ByteBuffer) {
        if body.readableBytes > 0 {
            // PingResponse has the same field as PingRequest, so a valid request body is the reply body.
            guard (try? Recd_V1_PingRequest(serializedBytes: Array(body.readableBytesView))) != nil else {
                reject(header, .badRequest, "PING body is not a valid recd.v1.PingRequest (\(body.readableBytes) bytes)")
                return
            }
        }
        writeHeader(.ping, id: header.requestID, status: .ok, length: body.readableBytes)
        var body = body
        out.writeBuffer(&body)
        shared.metrics.countPing()
    }

    private func reject(_ header: FrameHeader, _ status: Status, _ message: String) {
        shared.metrics.record(header.opcode, status: status, micros: 0)
        appendResponse(header.opcode, id: header.requestID, status: status, body: ErrorBody.encode(message))
    }

    /// A reply produced on this event loop: delivered at once; flushed by the read that asked for it,
    /// or by a task when it came from elsewhere on the loop.
    private func completedOnLoop(_ reply: PendingReply) {
        if reply.status == .busy { answeredBusy = true }
        guard deliver(reply), !reading else { return }
        context!.eventLoop.execute { [bound = NIOLoopBound(self, eventLoop: context!.eventLoop)] in
            bound.value.flushNow()
        }
    }

    /// Appends `reply` to the connection's output (``LoopReplies`` drains call this, then
    /// `flushDelivered`). True when no flush was arranged yet: the caller must arrange one.
    func deliver(_ reply: PendingReply) -> Bool {
        inFlight -= 1
        guard context != nil, !closing else {
            shared.requestsFinished(1)
            return false
        }
        appendResponse(reply.opcode, id: reply.id, status: reply.status, body: reply.body)
        repliesAwaitingWrite += 1
        if let trace = reply.trace {
            trace.onLoop = monotonicNanos()
            tracesAwaitingWrite.append(trace)
        }
        if flushPending { return false }
        flushPending = true
        return true
    }

    /// Writes what ``deliver(_:)`` appended (one write for all the replies a drain delivered here).
    func flushDelivered() {
        flushNow()
    }

    private func appendResponse(_ opcode: Opcode, id: UInt32, status: Status, body: [UInt8]) {
        writeHeader(opcode, id: id, status: status, length: body.count)
        out.writeBytes(body)
    }

    @inline(__always)
    private func writeHeader(_ opcode: Opcode, id: UInt32, status: Status, length: Int) {
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: FrameHeader.size) { raw in
            FrameHeader.response(opcode, id: id, status: status, bodyLength: length).write(to: raw)
            return FrameHeader.size
        }
    }

    private func flushNow() {
        flushPending = false
        let replies = repliesAwaitingWrite
        repliesAwaitingWrite = 0
        let traces = tracesAwaitingWrite
        if !traces.isEmpty { tracesAwaitingWrite = [] }
        guard let context, out.readableBytes > 0, !closing else {
            shared.requestsFinished(replies)
            return
        }
        if replies == 0 {
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        } else {
            // A drain (SIGTERM) waits for these replies to reach the socket, not just this buffer.
            let shared = self.shared
            context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in
                if let slowLog = shared.slowLog, !traces.isEmpty {
                    let now = monotonicNanos()
                    for t in traces { t.written = now }
                    slowLog.finish(traces)
                }
                shared.requestsFinished(replies)
            }
        }
        // Usually the write completed synchronously and `out` is uniquely ours again, so
        // clear() reuses its memory; if the socket was full NIO still holds the bytes and
        // clear() gets fresh storage (copy-on-write) without touching them.
        out.clear()
    }
}
