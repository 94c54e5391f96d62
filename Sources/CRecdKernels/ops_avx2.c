// AVX2 + FMA bodies of the elementwise and row kernels (ops.c), with masked loads and stores for tails.
// Every sum over a row runs in the AVX-512 body's order (16 lanes, then _mm512_reduce_add_ps's tree; see
// recd_sum16), so the two bodies give bitwise the same floats and an embedding does not depend on which
// of the two the CPU has (SixteenLaneOrderTests checks both against one scalar model of that order).
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
        // Sums in the AVX-512 body's order (recd_sum16): s0 holds lanes 0–7 of its 16, s1 lanes 8–15.
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        for (int i = 0; i < n; i += 16) {
            s0 = _mm256_add_ps(s0, recd_load8(row + i, n - i));
            s1 = _mm256_add_ps(s1, recd_load8(row + i + 8, n - i - 8));
        }
        const __m256 mean = _mm256_set1_ps(recd_sum16(s0, s1) / (float)n);
        __m256 q0 = _mm256_setzero_ps(), q1 = _mm256_setzero_ps();
        for (int i = 0; i < n; i += 16) {
            __m256 d0 = _mm256_sub_ps(recd_load8(row + i, n - i), mean);
            __m256 d1 = _mm256_sub_ps(recd_load8(row + i + 8, n - i - 8), mean);
            // Lanes past n load 0; zero their difference too so they add nothing.
            if (n - i < 16) {
                d0 = _mm256_and_ps(d0, _mm256_castsi256_ps(recd_tail_mask8(n - i)));
                d1 = _mm256_and_ps(d1, _mm256_castsi256_ps(recd_tail_mask8(n - i - 8)));
            }
            q0 = _mm256_fmadd_ps(d0, d0, q0);
            q1 = _mm256_fmadd_ps(d1, d1, q1);
        }
        const __m256 inv = _mm256_set1_ps(1.0f / sqrtf(recd_sum16(q0, q1) / (float)n + eps));
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
    // The sum in the AVX-512 body's order (recd_sum16): sum0 takes lanes 0–7 of each 16, sum1 lanes 8–15.
    __m256 sum0 = _mm256_setzero_ps(), sum1 = _mm256_setzero_ps();
    for (int i = 0; i < n; i += 16) {
        const __m256i m0 = recd_tail_mask8(n - i), m1 = recd_tail_mask8(n - i - 8);
        const __m256 e0 = _mm256_and_ps(recd_exp256(_mm256_sub_ps(_mm256_maskload_ps(x + i, m0), mv)), _mm256_castsi256_ps(m0));
        const __m256 e1 = _mm256_and_ps(recd_exp256(_mm256_sub_ps(_mm256_maskload_ps(x + i + 8, m1), mv)), _mm256_castsi256_ps(m1));
        _mm256_maskstore_ps(x + i, m0, e0);
        _mm256_maskstore_ps(x + i + 8, m1, e1);
        sum0 = _mm256_add_ps(sum0, e0);
        sum1 = _mm256_add_ps(sum1, e1);
    }
    const __m256 inv = _mm256_set1_ps(1.0f / recd_sum16(sum0, sum1));
    for (int i = 0; i < n; i += 8) {
        const __m256i m = recd_tail_mask8(n - i);
        _mm256_maskstore_ps(x + i, m, _mm256_mul_ps(_mm256_maskload_ps(x + i, m), inv));
    }
}
#endif
