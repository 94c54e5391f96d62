// AVX2 + FMA bodies of the int8 row kernels (int8_quant.c has the design, the AVX-512 and the scalar
// bodies). Rounding as theirs: vcvtps2dq under the default MXCSR rounds half to even, as nearbyintf does,
// so quantisation agrees with the scalar body bit for bit. GELU is vmath_avx2.h's erf form (the one the
// fp32 path uses), within 1.5e-7 of libm's, so the fused FFN middle's codes agree within one step.
#include "recd_int8.h"
#include "recd_kernels.h"
#include "int8_rows.h"
#include "vmath_avx2.h"

#if defined(__x86_64__)
#include <immintrin.h>

/// Smallest of the 8 lanes.
static inline __attribute__((always_inline)) RECD_AVX2 float hmin256(__m256 v) {
    __m128 s = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_min_ps(s, _mm_movehl_ps(s, s));
    s = _mm_min_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Codes of `count` floats of `x`: clamp(round(x·inv) + z, 0, qmax), stored as bytes.
static RECD_AVX2 void codes_avx2(const float *x, int count, float inv, int32_t z, int qmax, uint8_t *q) {
    const __m256 invv = _mm256_set1_ps(inv);
    const __m256i zv = _mm256_set1_epi32(z), top = _mm256_set1_epi32(qmax), bottom = _mm256_setzero_si256();
    int c = 0;
    for (; c + 8 <= count; c += 8) {
        __m256i v = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + c), invv)), zv);
        v = _mm256_min_epi32(_mm256_max_epi32(v, bottom), top);
        const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        _mm_storel_epi64((__m128i *)(q + c), _mm_packus_epi16(w, w));
    }
    for (; c < count; c++) q[c] = (uint8_t)clampf(nearbyintf(x[c] * inv) + (float)z, 0, (float)qmax);
}

RECD_AVX2 void recd_i8_quantize_rows_avx2(const float *x, int rows, int k, int qmax, uint8_t *q, float *scale, int32_t *zero) {
    for (int i = 0; i < rows; i++) {
        const float *row = x + (long)i * k;
        __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
        for (int c = 0; c < k; c += 8) {
            const __m256 v = recd_load8(row + c, k - c);   // lanes past k are 0: inside [lo, hi] already
            lo = _mm256_min_ps(lo, v);
            hi = _mm256_max_ps(hi, v);
        }
        float inv; int32_t z;
        row_params(hmin256(lo), recd_hmax256(hi), qmax, &scale[i], &inv, &z);
        zero[i] = z;
        codes_avx2(row, k, inv, z, qmax, q + (long)i * k);
    }
}

/// Dequantised row i, columns [j, j + 8) (`rem` of them valid): (p − a_zero·w_sum)·(a_scale·w_scale) + bias.
static inline __attribute__((always_inline)) RECD_AVX2
__m256 dequant8(const int32_t *pr, int j, long rem, __m256 as, __m256i az, const float *w_scale, const int32_t *w_sum,
                const float *bias) {
    __m256i pv, sv;
    if (rem >= 8) {
        pv = _mm256_loadu_si256((const __m256i *)(pr + j));
        sv = _mm256_loadu_si256((const __m256i *)(w_sum + j));
    } else {
        const __m256i m = recd_tail_mask8(rem);
        pv = _mm256_maskload_epi32(pr + j, m);
        sv = _mm256_maskload_epi32(w_sum + j, m);
    }
    const __m256i centred = _mm256_sub_epi32(pv, _mm256_mullo_epi32(az, sv));
    const __m256 s = _mm256_mul_ps(as, recd_load8(w_scale + j, rem));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(centred), s, recd_load8(bias + j, rem));
}

RECD_AVX2 void recd_i8_dequantize_rows_avx2(const int32_t *p, int rows, int n, const float *a_scale, const int32_t *a_zero,
                                            const float *w_scale, const int32_t *w_sum, const float *bias, float *out, int accumulate) {
    for (int i = 0; i < rows; i++) {
        const int32_t *pr = p + (long)i * n;
        float *o = out + (long)i * n;
        const __m256 as = _mm256_set1_ps(a_scale[i]);
        const __m256i az = _mm256_set1_epi32(a_zero[i]);
        for (int j = 0; j < n; j += 8) {
            __m256 v = dequant8(pr, j, n - j, as, az, w_scale, w_sum, bias);
            if (accumulate) v = _mm256_add_ps(v, recd_load8(o + j, n - j));
            recd_store8(o + j, n - j, v);
        }
    }
}

RECD_AVX2 void recd_i8_dequantize_gelu_quantize_rows_avx2(const int32_t *p, int rows, int n, const float *a_scale,
        const int32_t *a_zero, const float *w_scale, const int32_t *w_sum, const float *bias, float *tmp,
        int qmax, uint8_t *q, float *scale, int32_t *zero) {
    for (int i = 0; i < rows; i++) {
        const int32_t *pr = p + (long)i * n;
        const __m256 as = _mm256_set1_ps(a_scale[i]);
        const __m256i az = _mm256_set1_epi32(a_zero[i]);
        __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
        for (int j = 0; j < n; j += 8) {
            __m256 v = recd_gelu256(dequant8(pr, j, n - j, as, az, w_scale, w_sum, bias));
            if (n - j < 8) v = _mm256_and_ps(v, _mm256_castsi256_ps(recd_tail_mask8(n - j)));
            lo = _mm256_min_ps(lo, v);
            hi = _mm256_max_ps(hi, v);
            recd_store8(tmp + j, n - j, v);
        }
        float inv; int32_t z;
        row_params(hmin256(lo), recd_hmax256(hi), qmax, &scale[i], &inv, &z);
        zero[i] = z;
        codes_avx2(tmp, n, inv, z, qmax, q + (long)i * n);
    }
}
#endif
