import CLZ4
import Dispatch
import Foundation

/// Loads recd weights files: mmap read-only, check header, verify every tensor's checksum,
/// decompress once into one 64-byte-aligned buffer.
public enum WeightsFileReader {
    /// What a load produced.
    public struct Loaded: Sendable {
        /// The parsed header (config, tokenizer settings, vocabulary, tensor table).
        public let header: WeightsFileHeader
        /// The shared, read-only parameters.
        public let weights: Weights
        /// Time of the map, header and verify/decode stages.
        public let profile: LoadProfile
    }

    /// Reads only the header (no checksums of tensor data, no decompression).
    public static func readHeader(path: String) throws -> WeightsFileHeader {
        let file = try MappedFile(path: path)
        return try decodeHeader(file)
    }

    private static func decodeHeader(_ file: MappedFile) throws -> WeightsFileHeader {
        guard let base = file.base, file.count >= 16 else {
            throw ModelError(.truncated, "truncated file: '\(file.path)' has \(file.count) bytes, fewer than the 16-byte preamble (magic, version, header size)")
        }
        return try WeightsFileHeader.decode(base, count: file.count)
    }

    /// Loads and verifies the file at `path`.
    public static func load(path: String) throws -> Loaded {
        var profile = LoadProfile()
        var clock = LoadClock()
        let file = try MappedFile(path: path)
        clock.mark(.map, into: &profile)
        let header = try decodeHeader(file)
        guard header.qkvFused else {
            throw ModelError(.malformed, "header: qkv_fused is 0, but version 1 requires fused Q/K/V tensors")
        }
        let byName = Dictionary(header.tensors.map { ($0.spec.name, $0) }, uniquingKeysWith: { a, _ in a })
        var jobs: [(entry: TensorEntry, dest: Int)] = []
        var total = 0
        for spec in WeightsLayout.expectedTensors(header.config) {
            guard let entry = byName[spec.name] else {
                throw ModelError(.missingTensor, "tensor '\(spec.name)' is missing from '\(path)' (expected \(spec.shape) \(spec.dtype))")
            }
            try spec.check(entry.spec)
            guard entry.rawSize == spec.byteCount else {
                throw ModelError(.malformed, "tensor '\(spec.name)': raw size \(entry.rawSize) bytes, expected \(spec.byteCount) for \(spec.shape) \(spec.dtype)")
            }
            guard entry.compression <= 1 else {
                throw ModelError(.malformed, "tensor '\(spec.name)': compression code \(entry.compression) is unknown; expected 0 (none) or 1 (LZ4 block)")
            }
            guard entry.compression == 1 || entry.compressedSize == entry.rawSize else {
                throw ModelError(.malformed, "tensor '\(spec.name)': stored uncompressed but compressed size \(entry.compressedSize) != raw size \(entry.rawSize)")
            }
            guard entry.dataOffset % WeightsFileHeader.alignment == 0 else {
                throw ModelError(.malformed, "tensor '\(spec.name)': data offset \(entry.dataOffset) is not a multiple of \(WeightsFileHeader.alignment)")
            }
            guard entry.dataOffset + entry.compressedSize <= file.count else {
                throw ModelError(.truncated, "truncated file: tensor '\(spec.name)' needs bytes \(entry.dataOffset)..<\(entry.dataOffset + entry.compressedSize), but '\(path)' has \(file.count) bytes")
            }
            jobs.append((entry, total))
            total = roundUp(total + entry.rawSize, WeightsFileHeader.alignment)
        }

        clock.mark(.header, into: &profile)

        // Untouched huge-page memory: each page is faulted in by the decode that fills it, on whichever of
        // the two threads gets there: ~45 faults of 2 MiB where 4 KiB pages took ~22,000 (FORMAT.md, "Load time").
        let storage = HugeBuffer(byteCount: max(total, 64), touched: false)
        // Addresses cross into the worker closure as integers: each job reads its own slice of the
        // read-only mapping and writes its own disjoint slice of `storage`, so there is no data race.
        let baseAddress = Int(bitPattern: file.base!)
        let storageAddress = Int(bitPattern: storage.base)
        let jobList = jobs
        // Biggest tensors first so the two cores finish together.
        let order = jobs.indices.sorted { jobs[$0].entry.compressedSize > jobs[$1].entry.compressedSize }
        let failures = FailureList()
        // Per job: thread-CPU seconds of its checksum and of its decode (disjoint slots, summed after).
        let cpuTimes = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2 * jobs.count)
        defer { cpuTimes.deallocate() }
        cpuTimes.initialize(repeating: 0)
        let cpuAddress = Int(bitPattern: cpuTimes.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: order.count) { k in
            let job = jobList[order[k]]
            let base = UnsafeRawPointer(bitPattern: baseAddress)!
            let dest = UnsafeMutableRawPointer(bitPattern: storageAddress + job.dest)!
            let times = UnsafeMutablePointer<Double>(bitPattern: cpuAddress)! + 2 * order[k]
            if let error = unpack(job.entry, from: base, into: dest, cpuTimes: times) {
                failures.append(order[k], error)
            }
        }
        if let first = failures.first() { throw first }
        profile.hashCpuMs = stride(from: 0, to: cpuTimes.count, by: 2).reduce(0) { $0 + cpuTimes[$1] } * 1000
        profile.decodeCpuMs = stride(from: 1, to: cpuTimes.count, by: 2).reduce(0) { $0 + cpuTimes[$1] } * 1000
        let offsets = Dictionary(uniqueKeysWithValues: jobs.map { ($0.entry.spec.name, $0.dest) })
        let weights = Weights(storage: storage, byteCount: total, config: header.config, offsets: offsets)
        clock.mark(.verifyDecode, into: &profile)
        return Loaded(header: header, weights: weights, profile: profile)
    }

    /// Verifies one tensor's checksum and decodes it into `dest`; `cpuTimes[0]` and `[1]` receive the
    /// thread-CPU seconds of the checksum and of the decode.
    private static func unpack(_ entry: TensorEntry, from base: UnsafeRawPointer, into dest: UnsafeMutableRawPointer,
                               cpuTimes: UnsafeMutablePointer<Double>) -> ModelError? {
        let src = base + entry.dataOffset
        let t0 = LoadClock.threadCPUNow()
        let actual = XXHash64.hash(src, count: entry.compressedSize)
        let t1 = LoadClock.threadCPUNow()
        cpuTimes[0] = t1 - t0
        defer { cpuTimes[1] = LoadClock.threadCPUNow() - t1 }
        guard actual == entry.checksum else {
            return ModelError(.checksumMismatch, "checksum mismatch in tensor '\(entry.spec.name)': stored \(hex(entry.checksum)), computed \(hex(actual)); the file is corrupt, repack it")
        }
        if entry.compression == 0 {
            dest.copyMemory(from: src, byteCount: entry.rawSize)
            return nil
        }
        let n = LZ4_decompress_safe(src.assumingMemoryBound(to: CChar.self), dest.assumingMemoryBound(to: CChar.self),
                                    Int32(entry.compressedSize), Int32(entry.rawSize))
        guard n == Int32(entry.rawSize) else {
            return ModelError(.malformed, "tensor '\(entry.spec.name)': LZ4 block decoded to \(n) bytes, expected \(entry.rawSize)")
        }
        return nil
    }
}

/// Errors from parallel tensor jobs, keyed by file order so the reported one is deterministic.
private final class FailureList: @unchecked Sendable {
    // @unchecked Sendable: `items` is only touched under `lock`.
    private let lock = NSLock()
    private var items: [(Int, ModelError)] = []

    func append(_ index: Int, _ error: ModelError) {
        lock.lock()
        items.append((index, error))
        lock.unlock()
    }

    func first() -> ModelError? {
        lock.lock()
        defer { lock.unlock() }
        return items.min { $0.0 < $1.0 }?.1
    }
}
