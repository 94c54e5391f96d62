/// The int8 forward pass: the fp32 pass with its four GEMMs per layer replaced by `QuantizedLinear`.
/// Embeddings, LayerNorm, attention (scores, softmax, context), GELU and pooling are the fp32 code.
extension EncoderModel {
    func runChunkInt8(_ q: Int8Weights, ids: [[Int32]], first: Int, count: Int, tokens t: Int,
                      ws: EncoderWorkspace, scratch: Int8Scratch, out: UnsafeMutablePointer<Float>,
                      layerPools: LayerPoolTarget? = nil) throws {
        let c = config, w = weights
        let h = c.hidden, f = c.ffn
        let qmax = q.path.activationMax
        embedTokens(ids: ids, first: first, count: count, ws: ws)
        VectorMath.layerNormInPlace(ws.x, rows: t, n: h, gamma: w.embedNormGamma, beta: w.embedNormBeta, eps: c.layerNormEps)
        for (index, (layer, ql)) in zip(w.layers, q.layers).enumerated() {
            var ok = ql.qkv.apply(x: ws.x, rows: t, scratch: scratch, activationMax: qmax, out: ws.qkv, accumulate: false)
            attention(count: count, ws: ws)
            // x = LayerNorm(x + ctx·Woᵀ + b): the residual is accumulated in place.
            ok = ok && ql.attnOut.apply(x: ws.ctx, rows: t, scratch: scratch, activationMax: qmax, out: ws.x, accumulate: true)
            VectorMath.layerNormInPlace(ws.x, rows: t, n: h, gamma: layer.attnNormGamma, beta: layer.attnNormBeta, eps: c.layerNormEps)
            ok = ok && ql.ffnIn.apply(x: ws.x, rows: t, scratch: scratch, activationMax: qmax, out: ws.ffn, accumulate: false)
            VectorMath.geluInPlace(ws.ffn, count: t * f)
            ok = ok && ql.ffnOut.apply(x: ws.ffn, rows: t, scratch: scratch, activationMax: qmax, out: ws.x, accumulate: true)
            VectorMath.layerNormInPlace(ws.x, rows: t, n: h, gamma: layer.outNormGamma, beta: layer.outNormBeta, eps: c.layerNormEps)
            guard ok else {
                throw ModelError(.int8Failed, "oneDNN's dnnl_gemm_u8s8s32 returned an error on \(q.path); run with --precision fp32")
            }
            if let layerPools { poolLayer(index + 1, target: layerPools, count: count, ws: ws) }
        }
        pool(count: count, ws: ws, out: out)
    }
}
