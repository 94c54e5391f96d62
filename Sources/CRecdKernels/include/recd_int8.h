// recd's int8 helper kernels: weight and activation quantisation and the dequantising epilogue of the
// int8 linear layers, and recd's own u8 × s8 → s32 GEMM for CPUs where oneDNN has no brgemm (elsewhere
// the products come from oneDNN's matmul primitives).
// See Sources/RecdModel/Int8/QuantizedLinear.swift for the arithmetic.
#ifndef RECD_INT8_H
#define RECD_INT8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Per-output-row symmetric quantisation of w[n, k] (row-major fp32): scale[j] = max|w[j, ·]| / qmax
/// (1 for an all-zero row), q[j, c] = clamp(round_half_even(w[j, c] / scale[j]), -qmax, qmax),
/// sum[j] = Σc q[j, c].
void recd_i8_quantize_weights(const float *w, int n, int k, int qmax, int8_t *q, float *scale, int32_t *sum);

/// Per-row asymmetric quantisation of x[rows, k] (row stride k) to u8 in 0...qmax. With
/// lo = min(0, min x[i, ·]) and hi = max(0, max x[i, ·]): scale[i] = (hi − lo) / qmax,
/// zero[i] = clamp(round(−lo / scale), 0, qmax), q[i, c] = clamp(round(x[i, c] / scale) + zero, 0, qmax)
/// (round half to even); an all-zero row gets scale 1 and zero point 0.
void recd_i8_quantize_rows(const float *x, int rows, int k, int qmax, uint8_t *q, float *scale, int32_t *zero);

/// out[i, j] (+)= a_scale[i] · w_scale[j] · (p[i, j] − a_zero[i] · w_sum[j]) + bias[j] for i < rows,
/// j < n (p and out with row stride n); adds to out when `accumulate` is non-zero.
void recd_i8_dequantize_rows(const int32_t *p, int rows, int n, const float *a_scale, const int32_t *a_zero,
                             const float *w_scale, const int32_t *w_sum, const float *bias, float *out, int accumulate);

/// The middle of the feed-forward block, fused: for each row i < rows, h = GELU(dequantised p[i, ·] + bias)
/// (as recd_i8_dequantize_rows, GELU in its erf form), then h is quantised as recd_i8_quantize_rows
/// into q[i, ·], scale[i], zero[i]. `tmp` holds n floats (one row). The AVX-512 erf is Abramowitz &
/// Stegun 7.1.26 (absolute error ≤ 1.5e-7, far below a u8 code step); the scalar version uses erff.
void recd_i8_dequantize_gelu_quantize_rows(const int32_t *p, int rows, int n, const float *a_scale,
        const int32_t *a_zero, const float *w_scale, const int32_t *w_sum, const float *bias, float *tmp,
        int qmax, uint8_t *q, float *scale, int32_t *zero);

/// 1 when the AVX-512 versions are in use on this CPU, else 0.
int recd_i8_have_avx512(void);

// ---- recd's own u8 × s8 → s32 GEMM (int8_gemm.c) ----

/// Columns per packed weight panel.
#define RECD_I8_PANEL 16

/// 1 when recd_i8_pack_weights can pack a [n, k] matrix: n a multiple of RECD_I8_PANEL, k of 4.
int recd_i8_packable(int n, int k);

/// Bytes of the packed form of a [n, k] matrix (n · k: the layout adds no padding).
size_t recd_i8_packed_bytes(int n, int k);

/// Packs q[n, k] (row-major s8, output feature j's weights in row j) into panels of RECD_I8_PANEL
/// output columns; within a panel, for each group of 4 consecutive k, the 4 bytes of column 0, then
/// column 1, … column 15 (64 bytes per group). `packed` must be 32-byte aligned for the AVX2 body.
void recd_i8_pack_weights(const int8_t *q, int n, int k, int8_t *packed);

/// c[i, j] = Σ_t a[i, t] · q[j, t] for i < rows, j < n (a with row stride lda, c with ldc), from the
/// packed weights. The AVX2 body is exact only for weights within ±63 (vpmaddubsw's 16-bit pair sums
/// saturate past 2·255·63 < 32767): recd uses it on the 7-bit path (CPUs without VNNI) alone.
void recd_i8_gemm(const uint8_t *a, int rows, int k, int lda, const int8_t *packed, int n, int32_t *c, int ldc);

/// The scalar body of recd_i8_gemm (exact for any s8 weights); exported so tests can compare.
void recd_i8_gemm_portable(const uint8_t *a, int rows, int k, int lda, const int8_t *packed, int n,
                           int32_t *c, int ldc);

/// 1 when recd_i8_gemm runs its AVX2 body on this CPU (within the recd_kernels_limit_isa cap), else 0.
int recd_i8_gemm_has_simd(void);

/// The scalar versions, whatever the CPU (used on CPUs without AVX-512; exported so tests can compare).
void recd_i8_quantize_weights_portable(const float *w, int n, int k, int qmax, int8_t *q, float *scale, int32_t *sum);
void recd_i8_quantize_rows_portable(const float *x, int rows, int k, int qmax, uint8_t *q, float *scale, int32_t *zero);
void recd_i8_dequantize_rows_portable(const int32_t *p, int rows, int n, const float *a_scale, const int32_t *a_zero,
                                      const float *w_scale, const int32_t *w_sum, const float *bias, float *out, int accumulate);
void recd_i8_dequantize_gelu_quantize_rows_portable(const int32_t *p, int rows, int n, const float *a_scale,
        const int32_t *a_zero, const float *w_scale, const int32_t *w_sum, const float *bias, float *tmp,
        int qmax, uint8_t *q, float *scale, int32_t *zero);

#ifdef __cplusplus
}
#endif

#endif
