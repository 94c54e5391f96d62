// y += a·x over floats, for the intent trainer's sparse rows (one weight row per active feature):
// 8 or 16 lanes where Swift's SIMD types get SSE. Multiply, then add (two roundings, no FMA), the
// operations the Swift loop it replaces did, so training results are bitwise unchanged.
#include "recd_kernels.h"
#include "vmath_avx2.h"

// No contraction into FMA anywhere in this file (clang's default fuses a·x + y within an expression,
// vector operators included): the result must stay the separate multiply and add.
#pragma clang fp contract(off)

#if defined(__x86_64__)
#include <immintrin.h>

static __attribute__((target("avx512f"))) void axpy_avx512(int n, float a, const float *x, float *y) {
    const __m512 va = _mm512_set1_ps(a);
    int k = 0;
    for (; k + 16 <= n; k += 16)
        _mm512_storeu_ps(y + k, _mm512_add_ps(_mm512_loadu_ps(y + k), _mm512_mul_ps(va, _mm512_loadu_ps(x + k))));
    for (; k < n; k++) y[k] += a * x[k];
}

static RECD_AVX2 void axpy_avx2(int n, float a, const float *x, float *y) {
    const __m256 va = _mm256_set1_ps(a);
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        _mm256_storeu_ps(y + k, _mm256_add_ps(_mm256_loadu_ps(y + k), _mm256_mul_ps(va, _mm256_loadu_ps(x + k))));
        _mm256_storeu_ps(y + k + 8, _mm256_add_ps(_mm256_loadu_ps(y + k + 8), _mm256_mul_ps(va, _mm256_loadu_ps(x + k + 8))));
    }
    for (; k < n; k++) y[k] += a * x[k];
}
#endif

void recd_axpy(int n, float a, const float *x, float *y) {
#if defined(__x86_64__)
    switch (recd_kernels_isa()) {
    case RECD_ISA_AVX512: axpy_avx512(n, a, x, y); return;
    case RECD_ISA_AVX2: axpy_avx2(n, a, x, y); return;
    default: break;
    }
#endif
    for (int k = 0; k < n; k++) y[k] += a * x[k];
}
