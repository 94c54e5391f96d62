// The AVX2 + FMA bodies of the fp32 kernels (internal header; not part of the module's API). The public
// entry points (gemm.c, ops.c, attention.c) choose them when recd_kernels_isa() is RECD_ISA_AVX2.
#ifndef RECD_KERNELS_AVX2_H
#define RECD_KERNELS_AVX2_H

#include <stddef.h>

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
