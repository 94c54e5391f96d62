import RecdProtocol
import Testing

@Suite struct FrameDecoderTests {
    func request(_ op: Opcode = .embed, id: UInt32 = 7, body: [UInt8]) -> [UInt8] {
        Frame(header: .request(op, id: id, bodyLength: 0), body: body).bytes
    }

    @Test func headerBytesAreBigEndianAsSpecified() {
        let h = FrameHeader.response(.stats, id: 0x0102_0304, status: .busy, bodyLength: 0x0A0B_0C0D)
        #expect(h.bytes == [0x52, 0x44, 0x01, 0x08, 0x01, 0x00, 0x00, 0x04,
                            0x01, 0x02, 0x03, 0x04, 0x0A, 0x0B, 0x0C, 0x0D])
    }

    @Test func bytesFedOneAtATime() throws {
        let frames = (0..<3).map { i in request(id: UInt32(i), body: Array(repeating: UInt8(i), count: i * 5)) }
        var decoder = FrameDecoder(direction: .request)
        var got: [Frame] = []
        for byte in frames.joined() {
            decoder.feed([byte])
            while let f = try decoder.next() { got.append(f) }
        }
        #expect(got.map(\.bytes) == frames)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func manyFramesInOneRead() throws {
        let frames = (0..<100).map { i in request(.ping, id: UInt32(i), body: i % 2 == 0 ? [] : [0x0A, 0x01, UInt8(i)]) }
        var decoder = FrameDecoder(direction: .request)
        decoder.feed(Array(frames.joined()))
        var ids: [UInt32] = []
        while let f = try decoder.next() { ids.append(f.header.requestID) }
        #expect(ids == Array(0..<100))
    }

    @Test(arguments: [0, 1, 1024])
    func bodyLengthsUpToMaxAreAccepted(length: Int) throws {
        var decoder = FrameDecoder(limits: FrameLimits(maxBodyBytes: 1024), direction: .request)
        decoder.feed(request(body: Array(repeating: 0x41, count: length)))
        let f = try #require(try decoder.next())
        #expect(f.body.count == length)
    }

    @Test func maxPlusOneIsRejectedFromTheHeaderAlone() throws {
        var decoder = FrameDecoder(limits: FrameLimits(maxBodyBytes: 1024), direction: .request)
        // Only the header: the decoder must not wait for (or reserve) the 1025 body bytes.
        decoder.feed(FrameHeader.request(.embed, id: 9, bodyLength: 1025).bytes)
        let error = #expect(throws: FrameError.self) { try decoder.next() }
        #expect(error?.status == .tooLarge)
        #expect(error?.requestID == 9)
        #expect(error?.closesConnection == true)
        #expect(error?.message.contains("1025") == true)
        // The stream is no longer trusted: the decoder stays failed.
        decoder.feed(request(.ping, body: []))
        #expect(throws: FrameError.self) { try decoder.next() }
    }

    @Test func defaultMaxIsFourMiB() throws {
        var decoder = FrameDecoder(direction: .request)
        decoder.feed(FrameHeader.request(.embed, id: 1, bodyLength: 4 * 1024 * 1024).bytes)
        #expect(try decoder.next() == nil)  // accepted, waiting for the body
        var over = FrameDecoder(direction: .request)
        over.feed(FrameHeader.request(.embed, id: 1, bodyLength: 4 * 1024 * 1024 + 1).bytes)
        #expect(throws: FrameError.self) { try over.next() }
    }

    @Test func badMagicIsBadRequestAndFatal() {
        var bytes = request(body: [])
        bytes[0] = 0x47; bytes[1] = 0x45  // "GE" as in an HTTP GET
        var decoder = FrameDecoder(direction: .request)
        decoder.feed(bytes)
        let error = #expect(throws: FrameError.self) { try decoder.next() }
        #expect(error?.status == .badRequest)
        #expect(error?.closesConnection == true)
        #expect(error?.message.contains("0x47 0x45") == true)
    }

    @Test func wrongVersionIsUnsupportedVersionWithTheSupportedList() {
        var bytes = request(id: 77, body: [])
        bytes[2] = 2
        var decoder = FrameDecoder(direction: .request)
        decoder.feed(bytes)
        let error = #expect(throws: FrameError.self) { try decoder.next() }
        #expect(error?.status == .unsupportedVersion)
        #expect(error?.requestID == 77)
        let response = ErrorBody.frame(for: error!)
        #expect(response.header.status == .unsupportedVersion)
        #expect(ErrorBody.decodeMessage(response.body).supportedVersions == [1])
    }

    @Test func reservedBitsAreRejected() {
        for (index, value) in [(4, UInt8(0x02)), (5, UInt8(0x01))] {
            var bytes = request(body: [])
            bytes[index] = value
            var decoder = FrameDecoder(direction: .request)
            decoder.feed(bytes)
            let error = #expect(throws: FrameError.self) { try decoder.next() }
            #expect(error?.status == .badRequest)
        }
    }

    @Test func responseFrameSentAsRequestIsRejected() {
        var decoder = FrameDecoder(direction: .request)
        decoder.feed(Frame(header: .response(.ping, id: 1, status: .ok, bodyLength: 0), body: []).bytes)
        #expect(throws: FrameError.self) { try decoder.next() }
    }

    @Test func unknownOpcodeIsSkippedAndTheStreamContinues() throws {
        var decoder = FrameDecoder(direction: .request)
        decoder.feed(request(Opcode(rawValue: 0x42), id: 5, body: [1, 2, 3, 4]) + request(.ping, id: 6, body: []))
        let error = #expect(throws: FrameError.self) { try decoder.next() }
        #expect(error?.status == .unknownOpcode)
        #expect(error?.closesConnection == false)
        #expect(error?.opcode.rawValue == 0x42)
        let next = try #require(try decoder.next())
        #expect(next.header.opcode == .ping)
        #expect(next.header.requestID == 6)
    }

    @Test func unknownOpcodeBodyArrivingLaterIsSkipped() throws {
        var decoder = FrameDecoder(direction: .request)
        let bytes = request(Opcode(rawValue: 0xF0), id: 5, body: Array(repeating: 9, count: 10)) + request(.ping, id: 6, body: [])
        decoder.feed(bytes[0..<18])
        #expect(throws: FrameError.self) { try decoder.next() }
        #expect(try decoder.next() == nil)
        decoder.feed(bytes[18...])
        #expect(try decoder.next()?.header.requestID == 6)
    }

    @Test func clientSideReadsResponsesWithStatus() throws {
        var decoder = FrameDecoder(direction: .response)
        decoder.feed(Frame(header: .response(.embed, id: 3, status: .busy, bodyLength: 0),
                           body: ErrorBody.encode("queue full")).bytes)
        let f = try #require(try decoder.next())
        #expect(f.header.status == .busy)
        #expect(ErrorBody.decodeMessage(f.body).message == "queue full")
    }
}
