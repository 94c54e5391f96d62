// recd's non-GEMM kernels of the fp32 forward pass (GELU, LayerNorm, softmax, attention, pooling).
// Each has an AVX-512 body chosen at run time (the same switch as the GEMM: recd_kernels_have_avx512,
// so recd_kernels_force_portable covers these too) and a plain C fallback.
#ifndef RECD_OPS_H
#define RECD_OPS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// x = GELU(x) = 0.5·x·(1 + erf(x/√2)) for `count` floats (any count), erf form.
void recd_gelu(float *x, size_t count);

/// e^x for `count` floats (any count) from `x` into `y` (may alias). Exposed for tests.
void recd_exp(const float *x, float *y, size_t count);

/// 1 + erf(x) for `count` floats (any count) from `x` into `y` (may alias). Exposed for tests.
void recd_one_plus_erf(const float *x, float *y, size_t count);

/// LayerNorm of `rows` rows of width `n` in place: (x − mean)/sqrt(var + eps)·gamma + beta,
/// biased variance (as PyTorch). Any n ≥ 1.
void recd_layer_norm(float *x, int rows, int n, const float *gamma, const float *beta, float eps);

/// Softmax in place over `n` floats (n ≥ 1).
void recd_softmax(float *x, int n);

/// Multi-head scaled dot-product attention over one sequence of `len` tokens, no mask:
/// for each head h, ctx[:, h·d ..< h·d+d] = softmax(scale · Q_h·K_hᵀ) · V_h, where row t of Q, K and V
/// starts at q + t·ldqkv, k + t·ldqkv, v + t·ldqkv, head h at offset h·d.
/// `scratch` must hold recd_attention_scratch_floats(len, d) floats.
void recd_attention(int len, int heads, int d, float scale, const float *q, const float *k, const float *v,
                    int ldqkv, float *ctx, int ldctx, float *scratch);

/// Floats of scratch recd_attention needs for a sequence of `len` tokens and head size `d`.
size_t recd_attention_scratch_floats(int len, int d);

#ifdef __cplusplus
}
#endif

#endif
