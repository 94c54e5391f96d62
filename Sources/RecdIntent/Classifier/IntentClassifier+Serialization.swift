import Foundation

/// The cache file layout, all little-endian:
///
///     "RCDINTC1"  magic (8 bytes)
///     u32         format version (``IntentClassifier/fileVersion``)
///     u64         cache key
///     u32 n, n × (u32 length, UTF-8 bytes)             labels
///     u32 denseDimension, u32 denseBlocks
///     f32 denseScale, sparseScale, temperature, threshold
///     7 × u32     n-gram options (wordChar lo/hi, cjkChar lo/hi, word lo/hi, hashBits)
///     f32 × classes·denseDimension                     dense weights, row-major
///     f32 × classes                                    bias
///     u32 rows, rows × u32 n-gram hash (row order)     sparse vocabulary
///     (rows + 1) × u32                                 pair-table row starts
///     u32 pairs, pairs × u32 class, pairs × f32 weight (n-gram, class) pairs
///     f32 × 4     out-of-scope score: logit mean, logit scale, cosine mean, cosine scale
///     u32 dimension (0: no nearest examples), then when > 0:
///       (classes + 1) × u32 class starts, f32 × rows·dimension unit vectors   nearest examples
///     u64         FNV-1a of every byte before it
extension IntentClassifier {
    /// Bumped whenever features, training or this layout change, so stale caches are ignored
    /// (5: the training's dense GEMMs and L-BFGS vector work split over threads, which adds the
    /// same floats in another order; the layout is version 4's).
    public static let fileVersion: UInt32 = 5
    static let magic = Array("RCDINTC1".utf8)

    /// Serialises the classifier with its cache key.
    func serialized(key: UInt64) -> Data {
        var w = ByteWriter()
        w.bytes(Self.magic)
        w.u32(Self.fileVersion)
        w.u64(key)
        w.u32(UInt32(model.labels.count))
        for l in model.labels { let b = Array(l.utf8); w.u32(UInt32(b.count)); w.bytes(b) }
        w.u32(UInt32(model.denseDimension))
        w.u32(UInt32(model.denseBlocks))
        for f in [model.denseScale, model.sparseScale, model.temperature, threshold] { w.f32(f) }
        let o = ngramOptions
        for v in [o.wordCharRange.lowerBound, o.wordCharRange.upperBound, o.cjkCharRange.lowerBound,
                  o.cjkCharRange.upperBound, o.wordRange.lowerBound, o.wordRange.upperBound, o.hashBits] { w.u32(UInt32(v)) }
        w.floats(model.denseWeights)
        w.floats(model.bias)
        let rows = model.sparseRows.sorted { $0.value < $1.value }
        w.u32(UInt32(rows.count))
        for (hash, _) in rows { w.u32(hash) }
        for v in model.sparseStart { w.u32(UInt32(v)) }
        w.u32(UInt32(model.sparseClasses.count))
        for v in model.sparseClasses { w.u32(UInt32(v)) }
        w.floats(model.sparseWeights)
        let o2 = outOfScopeScore
        for f in [o2.logitMean, o2.logitScale, o2.cosineMean, o2.cosineScale] { w.f32(f) }
        if let nearest {
            w.u32(UInt32(nearest.dimension))
            for v in nearest.classStart { w.u32(UInt32(v)) }
            w.floats(nearest.vectors)
        } else {
            w.u32(0)
        }
        var h = StableHash()
        for b in w.data { h.mix(b) }
        w.u64(h.value)
        return w.data
    }

    /// Reads a classifier written by ``serialized(key:)``; `expectedKey` guards against a file
    /// renamed or copied from another configuration.
    static func deserialize(_ data: Data, expectedKey: UInt64) throws -> IntentClassifier {
        var r = ByteReader(data: data)
        guard try r.bytes(8) == magic else { throw IntentError.cacheCorrupt("intent cache: expected magic RCDINTC1, found other bytes") }
        let version = try r.u32()
        guard version == fileVersion else { throw IntentError.cacheCorrupt("intent cache: expected version \(fileVersion), found \(version)") }
        let key = try r.u64()
        guard key == expectedKey else { throw IntentError.cacheCorrupt("intent cache: expected key \(String(expectedKey, radix: 16)), found \(String(key, radix: 16))") }
        var h = StableHash()
        for b in data.prefix(data.count - 8) { h.mix(b) }
        var tail = ByteReader(data: data.suffix(8))
        guard try tail.u64() == h.value else { throw IntentError.cacheCorrupt("intent cache: checksum mismatch (file truncated or damaged)") }
        let labelCount = Int(try r.u32())
        var labels: [String] = []
        for _ in 0..<labelCount {
            let n = Int(try r.u32())
            labels.append(String(decoding: try r.bytes(n), as: UTF8.self))
        }
        let d = Int(try r.u32())
        let blocks = Int(try r.u32())
        guard blocks >= 1, d % blocks == 0 else {
            throw IntentError.cacheCorrupt("intent cache: expected denseBlocks dividing \(d), found \(blocks)")
        }
        let denseScale = try r.f32(), sparseScale = try r.f32(), temperature = try r.f32(), threshold = try r.f32()
        var o: [Int] = []
        for _ in 0..<7 { o.append(Int(try r.u32())) }
        guard o[0] <= o[1], o[2] <= o[3], o[4] <= o[5], (8...30).contains(o[6]) else {
            throw IntentError.cacheCorrupt("intent cache: n-gram options out of range: \(o)")
        }
        let options = NGramOptions(wordCharRange: o[0]...o[1], cjkCharRange: o[2]...o[3], wordRange: o[4]...o[5], hashBits: o[6])
        let dense = try r.floats(labelCount * d)
        let bias = try r.floats(labelCount)
        let rowCount = Int(try r.u32())
        var rows: [UInt32: Int32] = [:]
        rows.reserveCapacity(rowCount)
        for i in 0..<rowCount { rows[try r.u32()] = Int32(i) }
        var starts: [Int32] = []
        for _ in 0...rowCount { starts.append(Int32(bitPattern: try r.u32())) }
        let pairCount = Int(try r.u32())
        var classes: [Int32] = []
        for _ in 0..<pairCount { classes.append(Int32(bitPattern: try r.u32())) }
        guard starts.first == 0, starts.last == Int32(pairCount), zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }),
              classes.allSatisfy({ (0..<Int32(labelCount)).contains($0) }) else {
            throw IntentError.cacheCorrupt("intent cache: pair table out of range (\(pairCount) pairs, \(labelCount) classes)")
        }
        let sparse = try r.floats(pairCount)
        let score = OutOfScopeScore(logitMean: try r.f32(), logitScale: try r.f32(), cosineMean: try r.f32(), cosineScale: try r.f32())
        let nearestDimension = Int(try r.u32())
        var nearest: NearestExamples? = nil
        if nearestDimension > 0 {
            var classStart: [Int32] = []
            for _ in 0...labelCount { classStart.append(Int32(bitPattern: try r.u32())) }
            guard classStart.first == 0, zip(classStart, classStart.dropFirst()).allSatisfy({ $0 <= $1 }), nearestDimension <= d else {
                throw IntentError.cacheCorrupt("intent cache: expected ascending nearest-example class starts from 0 and dimension ≤ \(d), found dimension \(nearestDimension)")
            }
            let vectors = try r.floats(Int(classStart.last!) * nearestDimension)
            nearest = NearestExamples(dimension: nearestDimension, classStart: classStart, vectors: vectors)
        }
        guard score.logitScale > 0, nearest == nil || score.usesCosine else {
            throw IntentError.cacheCorrupt("intent cache: expected a positive logit scale and a cosine term with nearest examples, found \(score)")
        }
        let model = SoftmaxModel(labels: labels, denseDimension: d, denseBlocks: blocks, denseWeights: dense, bias: bias,
                                 sparseRows: rows, sparseStart: starts, sparseClasses: classes, sparseWeights: sparse,
                                 denseScale: denseScale, sparseScale: sparseScale, temperature: temperature)
        return IntentClassifier(model: model, ngramOptions: options, threshold: threshold, outOfScopeScore: score, nearest: nearest)
    }
}

struct ByteWriter {
    var data = Data()
    mutating func bytes(_ b: [UInt8]) { data.append(contentsOf: b) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func floats(_ v: [Float]) {
        data.reserveCapacity(data.count + v.count * 4)
        for f in v { f32(f) }
    }
}

struct ByteReader {
    let data: Data
    var offset: Int
    init(data: Data) { self.data = data; offset = data.startIndex }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, offset + n <= data.endIndex else {
            throw IntentError.cacheCorrupt("intent cache: expected \(n) more bytes at offset \(offset - data.startIndex), found \(data.endIndex - offset)")
        }
        defer { offset += n }
        return Array(data[offset ..< offset + n])
    }
    mutating func u32() throws -> UInt32 {
        let b = try bytes(4)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }
    mutating func u64() throws -> UInt64 { UInt64(try u32()) | UInt64(try u32()) << 32 }
    mutating func f32() throws -> Float { Float(bitPattern: try u32()) }
    mutating func floats(_ n: Int) throws -> [Float] {
        guard n >= 0, offset + n * 4 <= data.endIndex else {
            throw IntentError.cacheCorrupt("intent cache: expected \(n) floats at offset \(offset - data.startIndex), file too short")
        }
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBytes { dst in
            data[offset ..< offset + n * 4].withUnsafeBytes { src in dst.copyMemory(from: src) }
        }
        offset += n * 4
        #if _endian(big)
        for i in out.indices { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
        #endif
        return out
    }
}
