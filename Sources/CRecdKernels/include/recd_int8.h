// recd's int8 helper kernels: weight and activation quantisation and the dequantising epilogue of the
// int8 linear layers (the u8 × s8 → s32 products themselves come from oneDNN's matmul primitives).
// See Sources/RecdModel/Int8/QuantizedLinear.swift for the arithmetic.
#ifndef RECD_INT8_H
#define RECD_INT8_H

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
