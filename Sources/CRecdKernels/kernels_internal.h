// What the fp32 kernel files share (internal header; not part of the module's API): the GEMM's blocking,
// the attention's Kᵀ copy, and the AVX2 + FMA bodies, which the public entry points (gemm.c, ops.c,
// attention.c) choose when recd_kernels_isa() is RECD_ISA_AVX2.
#ifndef RECD_KERNELS_INTERNAL_H
#define RECD_KERNELS_INTERNAL_H

#include <stddef.h>

#ifndef RECD_KC
/// k block of the GEMM's many-rows order, used by both bodies' loop orders (A's row-block slice of
/// RECD_KC floats stays in L1). Each k block's sum is added into C, so a row's result depends on RECD_KC
/// but not on the loop order or the number of rows.
#define RECD_KC 384
#endif
#ifndef RECD_SMALL_M
/// Largest m that runs the GEMM's panels-outer (few rows) order.
#define RECD_SMALL_M 24
#endif

/// Copies head `off`'s keys (rows of `k`, stride `ld`) into `kt` as [d, lp], Kᵀ with columns len ..< lp
/// zeroed, for the attention bodies' broadcast-FMA score rows.
static inline void recd_attention_copy_kt(const float *k, int ld, int off, int len, int lp, int d, float *kt) {
    for (int dd = 0; dd < d; dd++) {
        float *dst = kt + (size_t)dd * lp;
        for (int j = 0; j < len; j++) dst[j] = k[(size_t)j * ld + off + dd];
        for (int j = len; j < lp; j++) dst[j] = 0;
    }
}

#if defined(__x86_64__)
void recd_gemm_avx2(int m, int k, const float *a, int lda, const float *packed,
                    float *c, int ldc, int n, int n0, int n1, const float *bias, int gelu);
void recd_attention_avx2(int len, int heads, int d, float scale, const float *q, const float *k,
                         const float *v, int ld, float *ctx, int ldctx, float *scratch);
void recd_gelu_avx2(float *x, size_t count);
void recd_exp_avx2(const float *x, float *y, size_t count);
void recd_one_plus_erf_avx2(const float *x, float *y, size_t count);
void recd_layer_norm_avx2(float *x, int rows, int n, const float *gamma, const float *beta, float eps);
void recd_softmax_avx2(float *x, int n);
#endif

#endif
