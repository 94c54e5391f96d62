import CRecdKernels

/// Scratch memory for one worker's forward passes, allocated once for at most `maxBatch` sequences
/// and `maxTokens` tokens in total; the forward pass itself allocates nothing.
///
/// Not Sendable: one per worker thread. Batches larger than the workspace are run in several chunks.
public final class EncoderWorkspace {
    /// Most sequences in one chunk.
    public let maxBatch: Int
    /// Most tokens (summed over the sequences) in one chunk; at least the model's max sequence length.
    public let maxTokens: Int
    let hidden: Int
    /// Hidden states, [maxTokens, H].
    let x: UnsafeMutablePointer<Float>
    /// Fused Q|K|V projections, [maxTokens, 3H].
    let qkv: UnsafeMutablePointer<Float>
    /// Attention context (heads concatenated), [maxTokens, H].
    let ctx: UnsafeMutablePointer<Float>
    /// Feed-forward inner activations, [maxTokens, F].
    let ffn: UnsafeMutablePointer<Float>
    /// Attention scratch of one sequence (`recd_attention`: Kᵀ of one head and one score row), and room for
    /// a full [maxSeq, maxSeq] score matrix of one head.
    let scores: UnsafeMutablePointer<Float>
    let maxSeq: Int
    /// The memory of `x`, `qkv`, `ctx`, `ffn` and `scores`.
    private let storage: HugeBuffer
    /// Start row and length of each sequence in the current chunk.
    var starts: [Int]
    var lengths: [Int]
    /// int8 scratch, allocated only for a model loaded at `.int8` precision.
    public let int8: Int8Scratch?
    /// Whether fp32 forward passes on this workspace record a `ForwardProfile` (default: `RECD_PROFILE=1`).
    public var profiling: Bool
    var profileData = ForwardProfile()
    /// Called on the pass's own thread after every transformer block but the last (nil: nothing), where
    /// the pass holds no lock and no GEMM is in progress. recd's workers use it to run a waiting
    /// interactive request on a second workspace in the middle of a long batch (daemon/DAEMON.md,
    /// "Light requests between the blocks of a bulk batch"). The hook must not use this workspace.
    public var betweenBlocks: (() -> Void)?

    /// Time per forward-pass step since the workspace was made or `resetProfile()` was called; all zero
    /// unless `profiling` is on. Not thread-safe: read it on the workspace's own thread.
    public var profile: ForwardProfile { profileData }

    /// Clears `profile`.
    public func resetProfile() { profileData = ForwardProfile() }

    /// Allocates scratch for `model`. `maxTokens` is raised to the model's max sequence length if smaller.
    public init(model: EncoderModel, maxBatch: Int, maxTokens: Int) {
        let c = model.config
        self.maxBatch = max(1, maxBatch)
        self.maxSeq = model.maxSequenceLength
        self.maxTokens = max(maxTokens, maxSeq)
        hidden = c.hidden
        // One block for all activations (HugeBuffer: 2 MiB aligned, huge pages advised, zeroed and touched),
        // each region on its own 4 KiB boundary.
        let scoreFloats = max(maxSeq * maxSeq, recd_attention_scratch_floats(Int32(maxSeq), Int32(c.headDim)))
        let counts = [self.maxTokens * c.hidden, self.maxTokens * 3 * c.hidden, self.maxTokens * c.hidden,
                      self.maxTokens * c.ffn, scoreFloats]
        var carver = HugeBuffer.Carver(alignment: 4096)
        let offsets = counts.map { carver.take(floats: $0) }
        let block = HugeBuffer(byteCount: carver.offset)
        storage = block
        x = block.floats(at: offsets[0], count: counts[0])
        qkv = block.floats(at: offsets[1], count: counts[1])
        ctx = block.floats(at: offsets[2], count: counts[2])
        ffn = block.floats(at: offsets[3], count: counts[3])
        scores = block.floats(at: offsets[4], count: counts[4])
        starts = [Int](repeating: 0, count: self.maxBatch)
        lengths = [Int](repeating: 0, count: self.maxBatch)
        int8 = model.precision == .int8 ? Int8Scratch(maxRows: self.maxTokens, maxWidth: max(3 * c.hidden, c.ffn)) : nil
        profiling = ForwardProfile.requestedByEnvironment
    }
}
