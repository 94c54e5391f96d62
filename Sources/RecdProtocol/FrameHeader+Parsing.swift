extension FrameHeader {
    /// Which side is reading: a server reads requests, a client reads responses.
    public enum Direction: Sendable {
        case request
        case response
    }

    /// Parses and validates the first 16 bytes of `raw`.
    ///
    /// Checks, in this order, each with its own status: magic (BAD_REQUEST), version
    /// (UNSUPPORTED_VERSION), flag and reserved bits (BAD_REQUEST), body length against
    /// `limits` (TOO_LARGE, before anything is allocated), status of a request
    /// (BAD_REQUEST) and, for requests, the opcode (UNKNOWN_OPCODE). Only the last is
    /// not fatal: its body can be skipped and the connection kept.
    @inlinable
    public static func parse(_ raw: UnsafeRawBufferPointer, limits: FrameLimits,
                             direction: Direction) throws(FrameError) -> FrameHeader {
        precondition(raw.count >= size, "parse needs 16 bytes, got \(raw.count)")
        let version = raw[2]
        let opcode = Opcode(rawValue: raw[3])
        let flags = raw[4]
        let reserved = raw[5]
        let status = UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        let requestID = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        let length = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self))

        if raw[0] != magic0 || raw[1] != magic1 {
            throw FrameError.badMagic(raw[0], raw[1])
        }
        if !ProtocolVersion.supported.contains(version) {
            throw FrameError.unsupportedVersion(version, requestID: requestID, opcode: opcode)
        }
        if flags & ~responseFlag != 0 || reserved != 0 {
            throw FrameError.reservedBits(flags: flags, reserved: reserved, requestID: requestID, opcode: opcode)
        }
        let isResponse = flags & responseFlag != 0
        if isResponse != (direction == .response) {
            throw FrameError.wrongDirection(isResponse: isResponse, requestID: requestID, opcode: opcode)
        }
        if Int(length) > limits.maxBodyBytes {
            throw FrameError.tooLarge(length, limit: limits.maxBodyBytes, requestID: requestID, opcode: opcode)
        }
        if direction == .request {
            if status != 0 {
                throw FrameError.requestStatus(status, requestID: requestID, opcode: opcode)
            }
            if !opcode.isKnown {
                throw FrameError.unknownOpcode(opcode, requestID: requestID, bodyLength: length)
            }
        }
        return FrameHeader(version: version, opcode: opcode, isResponse: isResponse,
                           status: Status(rawValue: status), requestID: requestID, bodyLength: length)
    }

    /// Parses a header from an array of at least 16 bytes; see ``parse(_:limits:direction:)``.
    public static func parse(_ bytes: [UInt8], limits: FrameLimits = .default,
                             direction: Direction) throws(FrameError) -> FrameHeader {
        let result: Result<FrameHeader, FrameError> = bytes.withUnsafeBytes { raw in
            do throws(FrameError) {
                return .success(try parse(raw, limits: limits, direction: direction))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
