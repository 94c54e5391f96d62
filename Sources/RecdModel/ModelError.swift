/// An error from reading, packing, loading or running the encoder model.
///
/// A struct wrapping a code (not a public enum) so new kinds can be added without breaking callers.
/// `message` names what was wrong, with what was expected and what was found where that applies.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is; compare against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }
        public var description: String { raw }

        /// The file does not start with the expected magic bytes.
        public static let badMagic = Code("badMagic")
        /// The file's format version is not one this build reads.
        public static let unsupportedVersion = Code("unsupportedVersion")
        /// The file ends before a structure or tensor it declares.
        public static let truncated = Code("truncated")
        /// A tensor's (or the header's) stored checksum does not match its bytes.
        public static let checksumMismatch = Code("checksumMismatch")
        /// A tensor the model needs is not in the file.
        public static let missingTensor = Code("missingTensor")
        /// A tensor has the wrong shape or dtype.
        public static let shapeMismatch = Code("shapeMismatch")
        /// A structure is internally inconsistent (bad offsets, bad JSON, bad sizes).
        public static let malformed = Code("malformed")
        /// A file could not be opened, read or written.
        public static let io = Code("io")
        /// The caller passed input the model cannot run (too many tokens, bad ids).
        public static let invalidInput = Code("invalidInput")
        /// The int8 path failed at run time (oneDNN reported an error).
        public static let int8Failed = Code("int8Failed")
    }

    /// The kind of failure.
    public let code: Code
    /// A message a person can act on.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
