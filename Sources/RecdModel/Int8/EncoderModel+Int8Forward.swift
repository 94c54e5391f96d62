/// The int8 forward pass: the fp32 pass with its four GEMMs per layer replaced by `QuantizedLinear`
/// (the two feed-forward ones fused with their GELU, `Int8FeedForward`). Embeddings, LayerNorm,
/// attention (scores, softmax, context) and pooling are the fp32 code.
extension EncoderModel {
    func runChunkInt8(_ q: Int8Weights, ids: [[Int32]], first: Int, count: Int, tokens t: Int,
                      ws: EncoderWorkspace, scratch: Int8Scratch, out: UnsafeMutablePointer<Float>,
                      layerPools: LayerPoolTarget? = nil) throws {
        let c = config, w = weights
        let h = c.hidden
        let qmax = q.path.activationMax
        Int8GEMM.setThreads(scratch.ompThreads)
        embedTokens(ids: ids, first: first, count: count, ws: ws)
        VectorMath.layerNormInPlace(ws.x, rows: t, n: h, gamma: w.embedNormGamma, beta: w.embedNormBeta, eps: c.layerNormEps)
        for (index, (layer, ql)) in zip(w.layers, q.layers).enumerated() {
            var ok = ql.qkv.apply(x: ws.x, rows: t, scratch: scratch, activationMax: qmax, out: ws.qkv, accumulate: false)
            attention(count: count, ws: ws)
            // x = LayerNorm(x + ctx·Woᵀ + b): the residual is accumulated in place.
            ok = ok && ql.attnOut.apply(x: ws.ctx, rows: t, scratch: scratch, activationMax: qmax, out: ws.x, accumulate: true)
            VectorMath.layerNormInPlace(ws.x, rows: t, n: h, gamma: layer.attnNormGamma, beta: layer.attnNormBeta, eps: c.layerNormEps)
            // x = LayerNorm(x + GELU(x·W1ᵀ + b1)·W2ᵀ + b2), fused per row block.
            ok = ok && Int8FeedForward.apply(up: ql.ffnIn, down: ql.ffnOut, x: ws.x, rows: t, scratch: scratch, activationMax: qmax)
            VectorMath.layerNormInPlace(ws.x, rows: t, n: h, gamma: layer.outNormGamma, beta: layer.outNormBeta, eps: c.layerNormEps)
            guard ok else {
                throw ModelError(.int8Failed, "a oneDNN matmul primitive returned an error on \(q); run with --precision fp32")
            }
            if let layerPools { poolLayer(index + 1, target: layerPools, count: count, ws: ws) }
            if index + 1 < w.layers.count, let hook = ws.betweenBlocks {
                hook()
                Int8GEMM.setThreads(scratch.ompThreads)   // the hook may have run a pass of its own
            }
        }
        pool(count: count, ws: ws, out: out)
    }
}
