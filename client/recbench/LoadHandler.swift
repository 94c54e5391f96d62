import Atomics
import Foundation
import Histogram
import NIOCore
import RecdProtocol

/// Drives one connection from its event loop, with no async hop per request:
/// closed loop (send the next request as soon as a reply arrives) or open loop
/// (send on a fixed schedule; latency counted from the scheduled time, so a slow
/// server cannot hide queueing delay — no coordinated omission).
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
    }

    private let requests: [(Opcode, [UInt8])]
    private let interval: Int64?          // open loop: ns between sends; nil = closed loop
    private let pipeline: Int
    private let completed: ManagedAtomic<Int>
    private var next = 0
    private var nextID: UInt32 = 1
    private var sendTimes: [UInt32: UInt64] = [:]
    private var cumulation: ByteBuffer?
    private var stopped = false
    private var context: ChannelHandlerContext?
    private var timer: RepeatedTask?
    private var openStart: UInt64 = 0
    private var openSent: Int64 = 0
    private(set) var result = Result()
    /// Closed loop with one request in flight: frames are encoded once and reused (ids
    /// need not be unique when only one request is outstanding), and one send time suffices.
    private let singleOutstanding: Bool
    private var prebuilt: [ByteBuffer] = []
    private var lastSend: UInt64 = 0
    private var waiting = false

    init(requests: [(Opcode, [UInt8])], interval: Int64?, pipeline: Int, completed: ManagedAtomic<Int>) {
        self.requests = requests
        self.interval = interval
        self.pipeline = pipeline
        self.completed = completed
        self.singleOutstanding = interval == nil && pipeline == 1
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
        if let interval {
            openStart = nanos()
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { _ in
                bound.value.openTick(interval: interval)
            }
        } else {
            for _ in 0..<pipeline { send(at: nanos()) }
            context.flush()
        }
        context.fireChannelActive()
    }

    /// Sends every request whose scheduled time has come (1 ms timer granularity).
    private func openTick(interval: Int64) {
        guard !stopped, let context else { return }
        let now = nanos()
        while !stopped && openStart + UInt64(openSent * interval) <= now {
            if sendTimes.count >= 100_000 { result.errors += 1; openSent += 1; continue }  // server fell far behind
            send(at: openStart + UInt64(openSent * interval))
            openSent += 1
        }
        context.flush()
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
            if interval == nil && !stopped {
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
