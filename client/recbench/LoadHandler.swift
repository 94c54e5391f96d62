import Atomics
import Foundation
import Histogram
import NIOCore
import RecdClient
import RecdProtocol

/// Drives one connection from its event loop, with no async hop per request:
/// closed loop (send the next request as soon as a reply arrives) or open loop
/// (send on a fixed schedule, `OpenLoopSchedule`; latency counted from the scheduled time, so a
/// slow server cannot hide queueing delay — no coordinated omission). In the open loop the
/// handler also records how late each send left the generator (`sendLag`): the part of the
/// latency that is the generator's, not the server's.
final class LoadHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Result: Sendable {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var requests: UInt64 = 0
        var errors: UInt64 = 0
        var busy: UInt64 = 0
        var firstError: String?
        /// Replies by status (OK included), and latency of BUSY and of OK replies apart (Load+Mix.swift).
        var byStatus = StatusCounts()
        /// Open loop: microseconds from each request's scheduled time to its write (generator lateness).
        var sendLag = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    }

    private let requests: [(Opcode, [UInt8])]
    private let schedule: OpenLoopSchedule?   // open loop; nil = closed loop
    private let pipeline: Int
    private let completed: ManagedAtomic<Int>
    private var next = 0
    private var nextID: UInt32 = 1
    private var sendTimes: [UInt32: UInt64] = [:]
    private var cumulation: ByteBuffer?
    private var stopped = false
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var openStart: UInt64 = 0
    private var openSent = 0
    private(set) var result = Result()
    /// Closed loop with one request in flight: frames are encoded once and reused (ids
    /// need not be unique when only one request is outstanding), and one send time suffices.
    private let singleOutstanding: Bool
    private var prebuilt: [ByteBuffer] = []
    private var lastSend: UInt64 = 0
    private var waiting = false

    init(requests: [(Opcode, [UInt8])], schedule: OpenLoopSchedule?, pipeline: Int, completed: ManagedAtomic<Int>) {
        self.requests = requests
        self.schedule = schedule
        self.pipeline = pipeline
        self.completed = completed
        self.singleOutstanding = schedule == nil && pipeline == 1
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        if singleOutstanding {
            prebuilt = requests.enumerated().map { i, r in
                var b = context.channel.allocator.buffer(capacity: FrameHeader.size + r.1.count)
                b.writeBytes(FrameHeader.request(r.0, id: UInt32(i + 1), bodyLength: r.1.count).bytes)
                b.writeBytes(r.1)
                return b
            }
        }
        if schedule == nil {
            for _ in 0..<pipeline { send(at: nanos()) }
            context.flush()
        }
        context.fireChannelActive()
    }

    /// Open loop: starts sending, request k at `origin + schedule.time(of: k)`. Every connection gets
    /// the same origin (after all are connected), so their phases interleave as the schedule says.
    func startOpenLoop(at origin: UInt64) {
        guard schedule != nil, context != nil else { return }
        openStart = origin
        armOpenTimer()
    }

    /// Arms a one-shot timer for the next scheduled send. (A fixed 1 ms tick, the earlier design,
    /// sent up to 1 ms late and sent every connection's due requests in the same tick.)
    private func armOpenTimer() {
        guard let schedule, !stopped, let context else { return }
        let due = openStart + schedule.time(of: openSent)
        let now = nanos()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .nanoseconds(due > now ? Int64(due - now) : 0)) { bound.value.openTick() }
    }

    /// Sends every request whose scheduled time has come, then arms the timer for the next one.
    private func openTick() {
        guard let schedule, !stopped, let context else { return }
        let now = nanos()
        let due = schedule.dueCount(at: now &- openStart)
        while !stopped && openSent < due {
            let scheduled = openStart + schedule.time(of: openSent)
            openSent += 1
            if sendTimes.count >= 100_000 { result.errors += 1; continue }  // server fell far behind
            _ = result.sendLag.record(max(1, (now &- scheduled) / 1000))
            send(at: scheduled)
        }
        context.flush()
        armOpenTimer()
    }

    private func send(at scheduled: UInt64) {
        guard let context else { return }
        if singleOutstanding {
            lastSend = scheduled
            waiting = true
            context.write(wrapOutboundOut(prebuilt[next]), promise: nil)
            next = (next + 1) % prebuilt.count
            return
        }
        let (opcode, body) = requests[next]
        next = (next + 1) % requests.count
        let id = nextID
        nextID = nextID == UInt32.max ? 1 : nextID + 1
        var buffer = context.channel.allocator.buffer(capacity: FrameHeader.size + body.count)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: FrameHeader.size) { raw in
            FrameHeader.request(opcode, id: id, bodyLength: body.count).write(to: raw)
            return FrameHeader.size
        }
        buffer.writeBytes(body)
        sendTimes[id] = scheduled
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if cumulation == nil { cumulation = incoming } else { cumulation!.writeBuffer(&incoming) }
        let now = nanos()
        var replies = 0
        while var buffer = cumulation, buffer.readableBytes >= FrameHeader.size {
            let header: FrameHeader? = buffer.withUnsafeReadableBytes { raw in
                try? FrameHeader.parse(UnsafeRawBufferPointer(rebasing: raw[0..<FrameHeader.size]),
                                       limits: FrameLimits(maxBodyBytes: 64 << 20), direction: .response)
            }
            guard let header else {
                result.firstError = result.firstError ?? "unreadable reply header"
                stopped = true
                context.close(promise: nil)
                return
            }
            guard buffer.readableBytes >= FrameHeader.size + Int(header.bodyLength) else { break }
            buffer.moveReaderIndex(forwardBy: FrameHeader.size)
            let body = buffer.readSlice(length: Int(header.bodyLength))!
            cumulation = buffer.readableBytes > 0 ? buffer : nil
            var micros: UInt64?
            if singleOutstanding {
                if waiting { micros = max(1, (now &- lastSend) / 1000) }
                waiting = false
            } else if let sent = sendTimes.removeValue(forKey: header.requestID) {
                micros = max(1, (now &- sent) / 1000)
            }
            if let micros { _ = result.histogram.record(micros) }
            result.byStatus.record(header.status, micros: micros)
            result.requests += 1
            if header.status == .busy {
                result.busy += 1
            } else if header.status != .ok {
                result.errors += 1
                if result.firstError == nil {
                    result.firstError = "\(header.status.name): " + ErrorBody.decodeMessage(Array(body.readableBytesView)).message
                }
            }
            replies += 1
        }
        if replies > 0 {
            completed.wrappingIncrement(by: replies, ordering: .relaxed)
            if schedule == nil && !stopped {
                for _ in 0..<replies { send(at: now) }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func stop() {
        stopped = true
        timer?.cancel()
    }

    var outstanding: Int { singleOutstanding ? (waiting ? 1 : 0) : sendTimes.count }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        result.firstError = result.firstError ?? "\(error)"
        stopped = true
        context.close(promise: nil)
    }
}

@inline(__always)
func nanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
