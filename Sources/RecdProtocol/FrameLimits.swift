/// Limits the frame codec enforces before it allocates anything.
public struct FrameLimits: Sendable, Hashable {
    /// Largest body accepted, in bytes. A header announcing more is rejected with TOO_LARGE.
    public var maxBodyBytes: Int

    /// The default limit: 4 MiB.
    public static let defaultMaxBodyBytes = 4 * 1024 * 1024

    public init(maxBodyBytes: Int = FrameLimits.defaultMaxBodyBytes) {
        self.maxBodyBytes = maxBodyBytes
    }

    public static let `default` = FrameLimits()
}

/// The protocol versions this build speaks.
public enum ProtocolVersion {
    /// The version this build sends.
    public static let current: UInt8 = 1
    /// Every version this build accepts; sent in UNSUPPORTED_VERSION responses.
    public static let supported: [UInt8] = [1]
}
