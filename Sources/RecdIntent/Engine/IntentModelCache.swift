import Foundation

/// Trained classifiers on disk, one file per key (`intent-<key>.model`), so a restart with the
/// same examples, options and encoder does not retrain.
public struct IntentModelCache: Sendable {
    /// Folder of the cache files (created on first store).
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// The key: a hash of the file format version, the encoder's identity, the training options
    /// and every example (text and intent, in order). Any change gives a new key.
    public static func key(examples: [IntentExample], options: IntentTrainingOptions, encoderID: String) -> UInt64 {
        var h = StableHash(seed: UInt64(IntentClassifier.fileVersion))
        h.mix(encoderID)
        options.mix(into: &h)
        h.mix(examples.count)
        for e in examples { h.mix(e.text); h.mix(e.intent) }
        return h.finalized
    }

    /// Path of the file for `key`.
    public func url(for key: UInt64) -> URL {
        let hex = String(key, radix: 16)
        return directory.appendingPathComponent("intent-" + String(repeating: "0", count: 16 - hex.count) + hex + ".model")
    }

    /// The cached classifier for `key`, or nil when there is none.
    /// - Throws: ``IntentError`` when a file exists but is damaged or of another version.
    public func load(key: UInt64) throws -> IntentClassifier? {
        let u = url(for: key)
        guard FileManager.default.fileExists(atPath: u.path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: u) } catch {
            throw IntentError.io("cannot read intent cache \(u.path): \(error.localizedDescription)")
        }
        return try IntentClassifier.deserialize(data, expectedKey: key)
    }

    /// Writes `classifier` under `key` atomically (temporary file, then rename).
    public func store(_ classifier: IntentClassifier, key: UInt64) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try classifier.serialized(key: key).write(to: url(for: key), options: .atomic)
        } catch {
            throw IntentError.io("cannot write intent cache in \(directory.path): \(error.localizedDescription)")
        }
    }
}
