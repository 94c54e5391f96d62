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
    /// Start row and length of each sequence in the current chunk.
    var starts: [Int]
    var lengths: [Int]
    /// int8 scratch, allocated only for a model loaded at `.int8` precision.
    let int8: Int8Scratch?
    /// Whether fp32 forward passes on this workspace record a `ForwardProfile` (default: `RECD_PROFILE=1`).
    public var profiling: Bool
    var profileData = ForwardProfile()

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
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(n, 16) * 4, alignment: 64).bindMemory(to: Float.self, capacity: n)
            p.initialize(repeating: 0, count: max(n, 16))
            return p
        }
        x = alloc(self.maxTokens * c.hidden)
        qkv = alloc(self.maxTokens * 3 * c.hidden)
        ctx = alloc(self.maxTokens * c.hidden)
        ffn = alloc(self.maxTokens * c.ffn)
        scores = alloc(max(maxSeq * maxSeq, recd_attention_scratch_floats(Int32(maxSeq), Int32(c.headDim))))
        starts = [Int](repeating: 0, count: self.maxBatch)
        lengths = [Int](repeating: 0, count: self.maxBatch)
        int8 = model.precision == .int8 ? Int8Scratch(maxRows: self.maxTokens, maxWidth: max(3 * c.hidden, c.ffn)) : nil
        profiling = ForwardProfile.requestedByEnvironment
    }

    deinit {
        for p in [x, qkv, ctx, ffn, scores] { p.deallocate() }
    }
}
