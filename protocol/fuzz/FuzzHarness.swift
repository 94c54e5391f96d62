import RecdProtocol
import SwiftProtobuf

/// One fuzz input, run through everything the daemon does with untrusted bytes before
/// any engine sees them: the frame decoder (whole, and split at a chosen point to
/// exercise partial reads), then each frame's body decoded as the request and the
/// response message its opcode names, the server's request validation, and the
/// `Error` body of a non-OK status.
///
/// Input layout: byte 0 picks the split point (as a fraction of the rest, so it is
/// stable when the fuzzer grows or shrinks the input) and, modulo 9, the opcode whose
/// messages also decode the raw stream; bytes 1... are the stream.
/// The corpus seeds (`protocol/vectors/*.bin`) are plain frames; with their first byte
/// taken as the split selector the fuzzer quickly finds the aligned form too.
enum FuzzHarness {
    /// Small enough that the fuzzer reaches the TOO_LARGE paths with short inputs.
    static let frameLimits = FrameLimits(maxBodyBytes: 64 * 1024)
    /// Every count and length limit scaled down (as the frame limit is) so that inputs under
    /// `-max_len=1024` cross each one: validation's code is the same whatever the numbers, and short
    /// inputs keep exec/s high (protobuf decoding and the round trips cost time in proportion to size).
    static let requestLimits: RequestLimits = {
        var l = RequestLimits()
        l.maxTextsPerRequest = 4
        l.maxTextBytes = 64
        l.maxK = 100
        l.maxItemsPerRequest = 4
        l.maxIDBytes = 16
        return l
    }()

    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        guard let selector = input.first else { return }
        let stream = UnsafeBufferPointer(rebasing: input[1...])
        let split = stream.count * Int(selector) / 255
        for direction in [FrameHeader.Direction.request, .response] {
            // Whole stream in one read, then the same stream in two reads.
            let whole = frames(stream, split: nil, direction: direction)
            let parts = frames(stream, split: split, direction: direction)
            // A decoder must not depend on how reads are chunked.
            precondition(whole == parts, "FrameDecoder result depends on the read split at \(split)")
            for case .frame(let frame) in whole {
                check(frame)
            }
        }
        // Also the raw stream as a body of the opcode the selector names, so message
        // decoders see inputs without a header (one opcode per input keeps exec/s high).
        checkBody(Array(stream), opcode: Opcode.all[Int(selector) % Opcode.all.count])
    }

    enum Event: Equatable {
        case frame(Frame)
        case error(Status, closes: Bool)
    }

    /// Every frame or frame error the decoder produces for `stream`, fed in one or two reads.
    static func frames(_ stream: UnsafeBufferPointer<UInt8>, split: Int?, direction: FrameHeader.Direction) -> [Event] {
        var decoder = FrameDecoder(limits: frameLimits, direction: direction)
        var events: [Event] = []
        let chunks = split.map { [stream[..<$0], stream[$0...]] } ?? [stream[...]]
        for chunk in chunks {
            decoder.feed(chunk)
            while true {
                do {
                    guard let frame = try decoder.next() else { break }
                    precondition(frame.body.count == Int(frame.header.bodyLength))
                    precondition(frame.body.count <= frameLimits.maxBodyBytes)
                    events.append(.frame(frame))
                } catch {
                    events.append(.error(error.status, closes: error.closesConnection))
                    // An error frame the server would send back must itself be well formed.
                    let reply = ErrorBody.frame(for: error)
                    precondition(reply.header.isResponse)
                    if error.closesConnection { return events }
                }
            }
        }
        return events
    }

    static func check(_ frame: Frame) {
        if frame.header.isResponse && frame.header.status != .ok {
            _ = ErrorBody.decodeMessage(frame.body)
        }
        checkBody(frame.body, opcode: frame.header.opcode)
    }

    /// Decodes `body` as both message types of `opcode` and validates the request as the
    /// server does; decoded messages are re-encoded and decoded again (a round trip that
    /// must succeed and agree).
    static func checkBody(_ body: [UInt8], opcode: Opcode) {
        switch opcode {
        case .ping:
            roundTrip(Recd_V1_PingRequest.self, body, opcode)
            roundTrip(Recd_V1_PingResponse.self, body, opcode)
        case .embed:
            if let r = roundTrip(Recd_V1_EmbedRequest.self, body, opcode) { validate { () throws(RequestError) in try Validation.validate(r, limits: requestLimits) } }
            roundTrip(Recd_V1_EmbedResponse.self, body, opcode)
        case .intent:
            if let r = roundTrip(Recd_V1_IntentRequest.self, body, opcode) { validate { () throws(RequestError) in try Validation.validate(r, limits: requestLimits) } }
            roundTrip(Recd_V1_IntentResponse.self, body, opcode)
        case .recommend:
            if let r = roundTrip(Recd_V1_RecommendRequest.self, body, opcode) { validate { () throws(RequestError) in try Validation.validate(r, limits: requestLimits) } }
            roundTrip(Recd_V1_RecommendResponse.self, body, opcode)
        case .feedback:
            if let r = roundTrip(Recd_V1_FeedbackRequest.self, body, opcode) { validate { () throws(RequestError) in try Validation.validate(r, limits: requestLimits) } }
            roundTrip(Recd_V1_FeedbackResponse.self, body, opcode)
        case .items:
            if let r = roundTrip(Recd_V1_ItemsRequest.self, body, opcode) { validate { () throws(RequestError) in try Validation.validate(r, limits: requestLimits) } }
            roundTrip(Recd_V1_ItemsResponse.self, body, opcode)
        case .similar:
            if let r = roundTrip(Recd_V1_SimilarRequest.self, body, opcode) { validate { () throws(RequestError) in try Validation.validate(r, limits: requestLimits) } }
            roundTrip(Recd_V1_SimilarResponse.self, body, opcode)
        case .stats:
            roundTrip(Recd_V1_StatsRequest.self, body, opcode)
            roundTrip(Recd_V1_StatsResponse.self, body, opcode)
        case .intentsReload:
            roundTrip(Recd_V1_IntentsReloadRequest.self, body, opcode)
            roundTrip(Recd_V1_IntentsReloadResponse.self, body, opcode)
        default:
            _ = ErrorBody.decodeMessage(body)
        }
    }

    /// Decodes through the server's own `Validation.decode`; a message that decodes must
    /// serialise, and its serialisation must decode and serialise to the same bytes.
    /// (Bytes, not `==`: a NaN float is a valid field value and never equal to itself.
    /// Deterministic ordering, because map fields otherwise serialise in hash order.)
    @discardableResult
    static func roundTrip<M: SwiftProtobuf.Message>(_ type: M.Type, _ body: [UInt8], _ opcode: Opcode) -> M? {
        guard let message = try? Validation.decode(M.self, from: body, opcode: opcode) else { return nil }
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        guard let again: [UInt8] = try? message.serializedBytes(options: options) else {
            preconditionFailure("\(M.protoMessageName) decoded but does not serialise")
        }
        guard let back = try? M(serializedBytes: again) else {
            preconditionFailure("\(M.protoMessageName) re-encoded does not decode")
        }
        let twice: [UInt8]? = try? back.serializedBytes(options: options)
        precondition(twice == again, "\(M.protoMessageName) does not survive a re-encode round trip")
        return message
    }

    /// Validation may reject (that is its job) but must only ever throw a RequestError
    /// with a non-empty message.
    static func validate(_ body: () throws(RequestError) -> Void) {
        do { try body() } catch {
            precondition(!error.message.isEmpty, "validation error without a message")
        }
    }
}
