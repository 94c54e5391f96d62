// Elementwise and row kernels of the fp32 forward pass: GELU, exp, LayerNorm, softmax.
// Why C: Swift without target flags emits SSE code for SIMD types (4 registers per SIMD16, spills);
// these run at full AVX-512 width, with masked tails instead of scalar loops (AVX2 bodies: ops_avx2.c).
#include "recd_kernels.h"
#include "recd_ops.h"
#include "vmath_avx512.h"
#include "kernels_internal.h"
#include <math.h>

#define INV_SQRT2 0.70710678118654752440f

#if defined(__x86_64__)
static RECD_AVX512 void gelu_avx512(float *x, size_t count) {
    const __m512 half = _mm512_set1_ps(0.5f), s = _mm512_set1_ps(INV_SQRT2);
    for (size_t i = 0; i < count; i += 16) {
        __mmask16 m = recd_tail_mask16((long)(count - i));
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        __m512 y = _mm512_mul_ps(_mm512_mul_ps(half, v), recd_one_plus_erf512(_mm512_mul_ps(v, s)));
        _mm512_mask_storeu_ps(x + i, m, y);
    }
}

static RECD_AVX512 void exp_avx512(const float *x, float *y, size_t count) {
    for (size_t i = 0; i < count; i += 16) {
        __mmask16 m = recd_tail_mask16((long)(count - i));
        _mm512_mask_storeu_ps(y + i, m, recd_exp512(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

static RECD_AVX512 void one_plus_erf_avx512(const float *x, float *y, size_t count) {
    for (size_t i = 0; i < count; i += 16) {
        __mmask16 m = recd_tail_mask16((long)(count - i));
        _mm512_mask_storeu_ps(y + i, m, recd_one_plus_erf512(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

static RECD_AVX512 void layer_norm_avx512(float *x, int rows, int n, const float *gamma, const float *beta, float eps) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * n;
        __m512 s = _mm512_setzero_ps();
        for (int i = 0; i < n; i += 16) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(recd_tail_mask16(n - i), row + i));
        __m512 mean = _mm512_set1_ps(_mm512_reduce_add_ps(s) / (float)n);
        __m512 q = _mm512_setzero_ps();
        for (int i = 0; i < n; i += 16) {
            __mmask16 m = recd_tail_mask16(n - i);
            __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, row + i), mean);
            q = _mm512_fmadd_ps(d, d, q);
        }
        __m512 inv = _mm512_set1_ps(1.0f / sqrtf(_mm512_reduce_add_ps(q) / (float)n + eps));
        for (int i = 0; i < n; i += 16) {
            __mmask16 m = recd_tail_mask16(n - i);
            __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, row + i), mean), inv);
            __m512 y = _mm512_fmadd_ps(d, _mm512_maskz_loadu_ps(m, gamma + i), _mm512_maskz_loadu_ps(m, beta + i));
            _mm512_mask_storeu_ps(row + i, m, y);
        }
    }
}

static RECD_AVX512 void softmax_avx512(float *x, int n) {
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (int i = 0; i < n; i += 16) {
        __mmask16 m = recd_tail_mask16(n - i);
        mx = _mm512_max_ps(mx, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), m, x + i));
    }
    __m512 mv = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
    __m512 sum = _mm512_setzero_ps();
    for (int i = 0; i < n; i += 16) {
        __mmask16 m = recd_tail_mask16(n - i);
        __m512 e = _mm512_maskz_mov_ps(m, recd_exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), mv)));
        _mm512_mask_storeu_ps(x + i, m, e);
        sum = _mm512_add_ps(sum, e);
    }
    __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (int i = 0; i < n; i += 16) {
        __mmask16 m = recd_tail_mask16(n - i);
        _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), inv));
    }
}
#endif

// Portable bodies: libm per element, plain loops (the reference the tests compare the AVX-512 ones to).

static void gelu_portable(float *x, size_t count) {
    for (size_t i = 0; i < count; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * INV_SQRT2));
}

static void layer_norm_portable(float *x, int rows, int n, const float *gamma, const float *beta, float eps) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * n;
        float s = 0;
        for (int i = 0; i < n; i++) s += row[i];
        float mean = s / (float)n, q = 0;
        for (int i = 0; i < n; i++) q += (row[i] - mean) * (row[i] - mean);
        float inv = 1.0f / sqrtf(q / (float)n + eps);
        for (int i = 0; i < n; i++) row[i] = (row[i] - mean) * inv * gamma[i] + beta[i];
    }
}

static void softmax_portable(float *x, int n) {
    float mx = x[0], sum = 0;
    for (int i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    for (int i = 0; i < n; i++) { x[i] = expf(x[i] - mx); sum += x[i]; }
    float inv = 1.0f / sum;
    for (int i = 0; i < n; i++) x[i] *= inv;
}

void recd_gelu(float *x, size_t count) {
#if defined(__x86_64__)
    const int isa = recd_kernels_isa();
    if (isa == RECD_ISA_AVX512) { gelu_avx512(x, count); return; }
    if (isa == RECD_ISA_AVX2) { recd_gelu_avx2(x, count); return; }
#endif
    gelu_portable(x, count);
}

void recd_exp(const float *x, float *y, size_t count) {
#if defined(__x86_64__)
    const int isa = recd_kernels_isa();
    if (isa == RECD_ISA_AVX512) { exp_avx512(x, y, count); return; }
    if (isa == RECD_ISA_AVX2) { recd_exp_avx2(x, y, count); return; }
#endif
    for (size_t i = 0; i < count; i++) y[i] = expf(x[i]);
}

void recd_one_plus_erf(const float *x, float *y, size_t count) {
#if defined(__x86_64__)
    const int isa = recd_kernels_isa();
    if (isa == RECD_ISA_AVX512) { one_plus_erf_avx512(x, y, count); return; }
    if (isa == RECD_ISA_AVX2) { recd_one_plus_erf_avx2(x, y, count); return; }
#endif
    for (size_t i = 0; i < count; i++) y[i] = 1.0f + erff(x[i]);
}

void recd_layer_norm(float *x, int rows, int n, const float *gamma, const float *beta, float eps) {
#if defined(__x86_64__)
    const int isa = recd_kernels_isa();
    if (isa == RECD_ISA_AVX512) { layer_norm_avx512(x, rows, n, gamma, beta, eps); return; }
    if (isa == RECD_ISA_AVX2) { recd_layer_norm_avx2(x, rows, n, gamma, beta, eps); return; }
#endif
    layer_norm_portable(x, rows, n, gamma, beta, eps);
}

void recd_softmax(float *x, int n) {
    if (n <= 0) return;
#if defined(__x86_64__)
    const int isa = recd_kernels_isa();
    if (isa == RECD_ISA_AVX512) { softmax_avx512(x, n); return; }
    if (isa == RECD_ISA_AVX2) { recd_softmax_avx2(x, n); return; }
#endif
    softmax_portable(x, n);
}
