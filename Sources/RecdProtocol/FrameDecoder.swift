/// Splits a byte stream into frames; the pure (socket-free) reference decoder.
///
/// Two states: waiting for a 16-byte header, then waiting for that header's body.
/// A header is validated as soon as its 16 bytes are in, so an oversized length is
/// rejected before any body memory is reserved. After an unknown opcode the decoder
/// skips that frame's body and keeps going; after any other error it stays failed,
/// because the stream position can no longer be trusted.
///
/// Usage: `feed(_:)` whatever arrived, then call `next()` until it returns nil.
public struct FrameDecoder: Sendable {
    private enum State: Sendable {
        case header
        case body(FrameHeader)
        case skipping(remaining: Int)
        case failed(FrameError)
    }

    public let limits: FrameLimits
    public let direction: FrameHeader.Direction
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var state: State = .header

    public init(limits: FrameLimits = .default, direction: FrameHeader.Direction) {
        self.limits = limits
        self.direction = direction
    }

    /// Bytes received but not yet returned as part of a frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Appends received bytes.
    public mutating func feed<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        if readIndex > 0 && readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, nil when more bytes are needed.
    /// Throws a ``FrameError`` for a frame that must be answered with an error.
    public mutating func next() throws(FrameError) -> Frame? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .skipping(let remaining):
                let n = min(remaining, bufferedByteCount)
                readIndex += n
                if n < remaining {
                    state = .skipping(remaining: remaining - n)
                    return nil
                }
                state = .header
            case .header:
                guard bufferedByteCount >= FrameHeader.size else { compact(); return nil }
                let parsed: Result<FrameHeader, FrameError> = buffer.withUnsafeBytes { raw in
                    let slice = UnsafeRawBufferPointer(rebasing: raw[readIndex..<(readIndex + FrameHeader.size)])
                    do throws(FrameError) {
                        return .success(try FrameHeader.parse(slice, limits: limits, direction: direction))
                    } catch {
                        return .failure(error)
                    }
                }
                readIndex += FrameHeader.size
                switch parsed {
                case .success(let header):
                    state = .body(header)
                case .failure(let error):
                    state = error.closesConnection ? .failed(error) : .skipping(remaining: Int(error.bodyBytesToSkip))
                    throw error
                }
            case .body(let header):
                let length = Int(header.bodyLength)
                guard bufferedByteCount >= length else { compact(); return nil }
                let body = Array(buffer[readIndex..<(readIndex + length)])
                readIndex += length
                state = .header
                return Frame(header: header, body: body)
            }
        }
    }

    /// Drops consumed bytes once they dominate the buffer, so a long-lived stream does not grow.
    private mutating func compact() {
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
