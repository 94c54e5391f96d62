import CRecdKernels

/// The fp32 forward pass.
///
/// Batching packs sequences back to back ("variable-length" batching): the linear layers run once over
/// all tokens of the chunk as one [T, ·] matrix, and attention runs per sequence over its own tokens,
/// which is exactly what a padded batch with an attention mask computes, minus the padding work.
/// So there is no padding to bucket away, and a batch gives the same vectors as one-at-a-time runs.
extension EncoderModel {
    /// Embeds each token-id sequence (with [CLS]/[SEP] already added) into `out`, `ids.count × dimension`
    /// floats, row i for sequence i: mean-pooled and L2-normalised as the config says.
    ///
    /// Throws `.invalidInput` for an empty sequence, one longer than `maxSequenceLength`, or an id outside
    /// the vocabulary. Allocates nothing per token: all scratch is in `workspace`.
    public func embed(ids: [[Int32]], workspace ws: EncoderWorkspace, into out: UnsafeMutablePointer<Float>) throws {
        try embed(ids: ids, workspace: ws, into: out, layerPools: nil)
    }

    /// The forward pass; with `layerPools`, also the pools of intermediate blocks (EncoderModel+LayerPools.swift).
    func embed(ids: [[Int32]], workspace ws: EncoderWorkspace, into out: UnsafeMutablePointer<Float>,
               layerPools: LayerPoolTarget?) throws {
        let vocab = config.vocabSize
        let limit = min(maxSequenceLength, ws.maxSeq)
        for (i, seq) in ids.enumerated() {
            guard !seq.isEmpty, seq.count <= limit else {
                throw ModelError(.invalidInput, "sequence \(i): expected 1...\(limit) token ids, found \(seq.count)")
            }
            for id in seq where id < 0 || Int(id) >= vocab {
                throw ModelError(.invalidInput, "sequence \(i): token id \(id) is outside the vocabulary 0..<\(vocab)")
            }
        }
        // Counted so the intra-op GEMM helper is used only while this is the only pass in the process.
        recd_pass_begin()
        defer { recd_pass_end() }
        var first = 0
        while first < ids.count {
            var count = 0
            var tokens = 0
            while first + count < ids.count, count < ws.maxBatch, tokens + ids[first + count].count <= ws.maxTokens {
                ws.starts[count] = tokens
                ws.lengths[count] = ids[first + count].count
                tokens += ids[first + count].count
                count += 1
            }
            if let q = int8Weights {
                guard let scratch = ws.int8 else {
                    throw ModelError(.invalidInput, "workspace: expected one made for this int8 model (with int8 scratch), found an fp32 workspace")
                }
                try runChunkInt8(q, ids: ids, first: first, count: count, tokens: tokens, ws: ws, scratch: scratch, out: out + first * config.hidden,
                                 layerPools: layerPools?.advanced(by: first, hidden: config.hidden))
            } else {
                runChunk(ids: ids, first: first, count: count, tokens: tokens, ws: ws, out: out + first * config.hidden,
                         layerPools: layerPools?.advanced(by: first, hidden: config.hidden))
            }
            first += count
        }
    }

    /// Convenience: embeds and returns one array per sequence.
    public func embed(ids: [[Int32]], workspace: EncoderWorkspace) throws -> [[Float]] {
        let h = config.hidden
        var flat = [Float](repeating: 0, count: ids.count * h)
        try flat.withUnsafeMutableBufferPointer { try embed(ids: ids, workspace: workspace, into: $0.baseAddress!) }
        return (0..<ids.count).map { Array(flat[$0 * h..<($0 + 1) * h]) }
    }

    private func runChunk(ids: [[Int32]], first: Int, count: Int, tokens t: Int, ws: EncoderWorkspace,
                          out: UnsafeMutablePointer<Float>, layerPools: LayerPoolTarget?) {
        let c = config, w = weights
        let h = c.hidden, f = c.ffn
        var clock = StepClock(on: ws.profiling)
        let tf = Double(t)
        embedTokens(ids: ids, first: first, count: count, ws: ws)
        clock.mark(.embeddings, into: ws)
        VectorMath.layerNormInPlace(ws.x, rows: t, n: h, gamma: w.embedNormGamma, beta: w.embedNormBeta, eps: c.layerNormEps)
        clock.mark(.embedNorm, into: ws)
        for (index, layer) in w.layers.enumerated() {
            let packed = packedLayers.isEmpty ? nil : packedLayers[index]
            // Q|K|V = x·Wqkvᵀ + b (the bias is the GEMM's epilogue).
            linear(packed?.qkv, m: t, n: 3 * h, k: h, a: ws.x, lda: h, w: layer.qkvWeight, bias: layer.qkvBias, gelu: false,
                   c: ws.qkv, ldc: 3 * h)
            clock.mark(.qkv, flops: 2 * tf * Double(3 * h * h), into: ws)
            attention(count: count, ws: ws)
            clock.mark(.attention, into: ws)
            // x = LayerNorm(x + ctx·Woᵀ + b): residual and bias are accumulated in place.
            addRows(ws.x, rows: t, width: h, bias: layer.attnOutBias)
            linear(packed?.attnOut, m: t, n: h, k: h, a: ws.ctx, lda: h, w: layer.attnOutWeight, c: ws.x, ldc: h)
            clock.mark(.attnOut, flops: 2 * tf * Double(h * h), into: ws)
            VectorMath.layerNormInPlace(ws.x, rows: t, n: h, gamma: layer.attnNormGamma, beta: layer.attnNormBeta, eps: c.layerNormEps)
            clock.mark(.attnNorm, into: ws)
            // FFN: GELU(x·W1ᵀ + b1)·W2ᵀ + b2, residual, LayerNorm (bias and GELU are the first GEMM's epilogue).
            linear(packed?.ffnIn, m: t, n: f, k: h, a: ws.x, lda: h, w: layer.ffnInWeight, bias: layer.ffnInBias, gelu: true,
                   c: ws.ffn, ldc: f)
            clock.mark(.ffnIn, flops: 2 * tf * Double(f * h), into: ws)
            addRows(ws.x, rows: t, width: h, bias: layer.ffnOutBias)
            linear(packed?.ffnOut, m: t, n: h, k: f, a: ws.ffn, lda: f, w: layer.ffnOutWeight, c: ws.x, ldc: h)
            clock.mark(.ffnOut, flops: 2 * tf * Double(f * h), into: ws)
            VectorMath.layerNormInPlace(ws.x, rows: t, n: h, gamma: layer.outNormGamma, beta: layer.outNormBeta, eps: c.layerNormEps)
            if let layerPools { poolLayer(index + 1, target: layerPools, count: count, ws: ws) }
            clock.mark(.ffnNorm, into: ws)
            if index + 1 < w.layers.count, let hook = ws.betweenBlocks { hook() }
        }
        pool(count: count, ws: ws, out: out)
        clock.mark(.pool, into: ws)
        if clock.on {
            ws.profileData.chunks += 1
            ws.profileData.tokens += t
        }
    }

    /// x[row] = word[id] + position[p] + tokenType[0] for every token of the chunk.
    func embedTokens(ids: [[Int32]], first: Int, count: Int, ws: EncoderWorkspace) {
        let h = config.hidden, w = weights
        for s in 0..<count {
            let seq = ids[first + s]
            let start = ws.starts[s]
            seq.withUnsafeBufferPointer { seqIds in
                for p in 0..<seqIds.count {
                    let dst = UnsafeMutableRawPointer(ws.x + (start + p) * h)
                    let word = UnsafeRawPointer(w.wordEmbeddings + Int(seqIds[p]) * h)
                    let pos = UnsafeRawPointer(w.positionEmbeddings + p * h)
                    let type0 = UnsafeRawPointer(w.tokenTypeEmbeddings)
                    var i = 0
                    while i < h * 4 {
                        let v = word.loadUnaligned(fromByteOffset: i, as: SIMD16<Float>.self)
                            + pos.loadUnaligned(fromByteOffset: i, as: SIMD16<Float>.self)
                            + type0.loadUnaligned(fromByteOffset: i, as: SIMD16<Float>.self)
                        dst.storeBytes(of: v, toByteOffset: i, as: SIMD16<Float>.self)
                        i += 64
                    }
                }
            }
        }
    }

    /// Scaled dot-product attention, per sequence (all heads fused in one C call), from `ws.qkv` into `ws.ctx`.
    func attention(count: Int, ws: EncoderWorkspace) {
        let h = config.hidden, d = config.headDim, ld = 3 * h
        let scale = 1 / Float(d).squareRoot()
        for s in 0..<count {
            let start = ws.starts[s], len = ws.lengths[s]
            let q = UnsafePointer(ws.qkv + start * ld)
            recd_attention(Int32(len), Int32(config.heads), Int32(d), scale, q, q + h, q + 2 * h, Int32(ld),
                           ws.ctx + start * h, Int32(h), ws.scores)
        }
    }

    /// Mean (or CLS) pooling of each sequence's final states, then optional L2 normalisation.
    func pool(count: Int, ws: EncoderWorkspace, out: UnsafeMutablePointer<Float>) {
        let h = config.hidden
        for s in 0..<count {
            let start = ws.starts[s], len = ws.lengths[s]
            let dst = UnsafeMutableRawPointer(out + s * h)
            let rows = config.pooling == .cls ? 1 : len
            let inv = SIMD16<Float>(repeating: 1 / Float(rows))
            var i = 0
            var norm = SIMD16<Float>()
            while i < h * 4 {
                var acc = SIMD16<Float>()
                for r in 0..<rows {
                    acc += UnsafeRawPointer(ws.x + (start + r) * h).loadUnaligned(fromByteOffset: i, as: SIMD16<Float>.self)
                }
                acc *= inv
                norm += acc * acc
                dst.storeBytes(of: acc, toByteOffset: i, as: SIMD16<Float>.self)
                i += 64
            }
            if config.normalize {
                let scale = 1 / max(norm.sum().squareRoot(), 1e-12)
                for j in 0..<h { out[s * h + j] *= scale }
            }
        }
    }

    private func addRows(_ dst: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
        let b = UnsafeRawPointer(bias)
        for r in 0..<rows {
            let row = UnsafeMutableRawPointer(dst + r * width)
            var i = 0
            while i < width * 4 {
                let v = row.loadUnaligned(fromByteOffset: i, as: SIMD16<Float>.self) + b.loadUnaligned(fromByteOffset: i, as: SIMD16<Float>.self)
                row.storeBytes(of: v, toByteOffset: i, as: SIMD16<Float>.self)
                i += 64
            }
        }
    }
}
