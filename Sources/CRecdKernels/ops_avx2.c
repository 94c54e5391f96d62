// AVX2 + FMA bodies of the elementwise and row kernels (ops.c), with masked loads and stores for tails.
#include "recd_ops.h"
#include "kernels_internal.h"
#include "vmath_avx2.h"
#include <math.h>

#if defined(__x86_64__)
RECD_AVX2 void recd_gelu_avx2(float *x, size_t count) {
    for (size_t i = 0; i < count; i += 8) {
        const long rem = (long)(count - i);
        recd_store8(x + i, rem, recd_gelu256(recd_load8(x + i, rem)));
    }
}

RECD_AVX2 void recd_exp_avx2(const float *x, float *y, size_t count) {
    for (size_t i = 0; i < count; i += 8) {
        const long rem = (long)(count - i);
        recd_store8(y + i, rem, recd_exp256(recd_load8(x + i, rem)));
    }
}

RECD_AVX2 void recd_one_plus_erf_avx2(const float *x, float *y, size_t count) {
    for (size_t i = 0; i < count; i += 8) {
        const long rem = (long)(count - i);
        recd_store8(y + i, rem, recd_one_plus_erf256(recd_load8(x + i, rem)));
    }
}

RECD_AVX2 void recd_layer_norm_avx2(float *x, int rows, int n, const float *gamma, const float *beta, float eps) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * n;
        __m256 s = _mm256_setzero_ps();
        for (int i = 0; i < n; i += 8) s = _mm256_add_ps(s, recd_load8(row + i, n - i));
        const __m256 mean = _mm256_set1_ps(recd_hsum256(s) / (float)n);
        __m256 q = _mm256_setzero_ps();
        for (int i = 0; i < n; i += 8) {
            __m256 d = _mm256_sub_ps(recd_load8(row + i, n - i), mean);
            // Lanes past n load 0; zero their difference too so they add nothing.
            if (n - i < 8) d = _mm256_and_ps(d, _mm256_castsi256_ps(recd_tail_mask8(n - i)));
            q = _mm256_fmadd_ps(d, d, q);
        }
        const __m256 inv = _mm256_set1_ps(1.0f / sqrtf(recd_hsum256(q) / (float)n + eps));
        for (int i = 0; i < n; i += 8) {
            const __m256 d = _mm256_mul_ps(_mm256_sub_ps(recd_load8(row + i, n - i), mean), inv);
            const __m256 y = _mm256_fmadd_ps(d, recd_load8(gamma + i, n - i), recd_load8(beta + i, n - i));
            recd_store8(row + i, n - i, y);
        }
    }
}

RECD_AVX2 void recd_softmax_avx2(float *x, int n) {
    const __m256 ninf = _mm256_set1_ps(-INFINITY);
    __m256 mx = ninf;
    for (int i = 0; i < n; i += 8) {
        const __m256i m = recd_tail_mask8(n - i);
        mx = _mm256_max_ps(mx, _mm256_blendv_ps(ninf, _mm256_maskload_ps(x + i, m), _mm256_castsi256_ps(m)));
    }
    const __m256 mv = _mm256_set1_ps(recd_hmax256(mx));
    __m256 sum = _mm256_setzero_ps();
    for (int i = 0; i < n; i += 8) {
        const __m256i m = recd_tail_mask8(n - i);
        const __m256 e = _mm256_and_ps(recd_exp256(_mm256_sub_ps(_mm256_maskload_ps(x + i, m), mv)), _mm256_castsi256_ps(m));
        _mm256_maskstore_ps(x + i, m, e);
        sum = _mm256_add_ps(sum, e);
    }
    const __m256 inv = _mm256_set1_ps(1.0f / recd_hsum256(sum));
    for (int i = 0; i < n; i += 8) {
        const __m256i m = recd_tail_mask8(n - i);
        _mm256_maskstore_ps(x + i, m, _mm256_mul_ps(_mm256_maskload_ps(x + i, m), inv));
    }
}
#endif
