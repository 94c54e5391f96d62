/// One complete frame: a header and its body bytes.
public struct Frame: Hashable, Sendable {
    public var header: FrameHeader
    /// The body, `header.bodyLength` bytes: a serialised recd.v1 message.
    public var body: [UInt8]

    /// A frame with `header.bodyLength` set from `body`.
    public init(header: FrameHeader, body: [UInt8]) {
        var header = header
        header.bodyLength = UInt32(body.count)
        self.header = header
        self.body = body
    }

    /// Header and body as one byte array, ready to write to a socket.
    public var bytes: [UInt8] {
        var out = header.bytes
        out.reserveCapacity(FrameHeader.size + body.count)
        out.append(contentsOf: body)
        return out
    }
}
