// Per-row activation quantisation parameters and the AVX2 bodies of the int8 row kernels (internal
// header; not part of the module's API). int8_quant.c has the AVX-512 and scalar bodies.
#ifndef RECD_INT8_ROWS_H
#define RECD_INT8_ROWS_H

#include <math.h>
#include <stdint.h>

static inline float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

/// Scale, its inverse and the zero point that map [low, high] (low ≤ 0 ≤ high) onto 0...qmax.
static inline void row_params(float low, float high, int qmax, float *scale, float *inv, int32_t *zero) {
    const float qm = (float)qmax, range = high - low;
    float s = range > 0 ? range / qm : 1.0f, i = 1.0f / s;
    *scale = s;
    *inv = i;
    *zero = range > 0 ? (int32_t)clampf(nearbyintf(-low * i), 0, qm) : 0;
}

#if defined(__x86_64__)
void recd_i8_quantize_rows_avx2(const float *x, int rows, int k, int qmax, uint8_t *q, float *scale, int32_t *zero);
void recd_i8_dequantize_rows_avx2(const int32_t *p, int rows, int n, const float *a_scale, const int32_t *a_zero,
                                  const float *w_scale, const int32_t *w_sum, const float *bias, float *out, int accumulate);
void recd_i8_dequantize_gelu_quantize_rows_avx2(const int32_t *p, int rows, int n, const float *a_scale,
        const int32_t *a_zero, const float *w_scale, const int32_t *w_sum, const float *bias, float *tmp,
        int qmax, uint8_t *q, float *scale, int32_t *zero);
#endif

#endif
