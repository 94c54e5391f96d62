/// Encoding of the `Error` body every non-OK response carries.
public enum ErrorBody {
    /// The serialised `recd.v1.Error` for `message`; `supportedVersions` only for UNSUPPORTED_VERSION.
    public static func encode(_ message: String, supportedVersions: [UInt8] = []) -> [UInt8] {
        var e = Recd_V1_Error()
        e.message = message
        e.supportedVersions = supportedVersions.map(UInt32.init)
        return (try? e.serializedBytes()) ?? []
    }

    /// A complete error response frame for `error`.
    public static func frame(for error: FrameError) -> Frame {
        let versions = error.status == .unsupportedVersion ? ProtocolVersion.supported : []
        return Frame(header: .response(error.opcode, id: error.requestID, status: error.status, bodyLength: 0),
                     body: encode(error.message, supportedVersions: versions))
    }

    /// The message of an `Error` body, or a description of why it could not be read.
    public static func decodeMessage(_ body: [UInt8]) -> Recd_V1_Error {
        if let e = try? Recd_V1_Error(serializedBytes: body) { return e }
        var e = Recd_V1_Error()
        e.message = "(error body of \(body.count) bytes could not be decoded)"
        return e
    }
}
