// AVX2 + FMA counterparts of vmath_avx512.h, for x86 CPUs without AVX-512 (e.g. AMD Zen 2/3): the same
// polynomials and reductions on 8 lanes (internal header; not part of the module's API).
//
// exp: the same Cody–Waite reduction and degree-7 series as recd_exp512; 2^n is applied as two exact
// power-of-two multiplies (2^⌊n/2⌋ · 2^(n−⌊n/2⌋)), so n up to 128 needs no special case and the result
// is the one vscalefps gives. 1 + erf: the same two branches and coefficients as recd_one_plus_erf512.
#ifndef RECD_VMATH_AVX2_H
#define RECD_VMATH_AVX2_H

#if defined(__x86_64__)
#include <immintrin.h>

#define RECD_AVX2 __attribute__((target("avx2,fma")))

/// All-ones in the first `remaining` of 8 lanes (all 8 when ≥ 8, none when ≤ 0), for maskload/maskstore.
static inline __attribute__((always_inline)) RECD_AVX2 __m256i recd_tail_mask8(long remaining) {
    const int r = remaining >= 8 ? 8 : remaining <= 0 ? 0 : (int)remaining;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// The first `remaining` floats at `p` (all 8 when ≥ 8) with 0 in the other lanes: a plain load for a
/// full vector, vmaskmovps only for a tail (AMD Zen 2/3 run masked moves as many µops).
static inline __attribute__((always_inline)) RECD_AVX2 __m256 recd_load8(const float *p, long remaining) {
    return remaining >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, recd_tail_mask8(remaining));
}

/// Stores the first `remaining` lanes of `v` at `p` (all 8 when ≥ 8), as recd_load8.
static inline __attribute__((always_inline)) RECD_AVX2 void recd_store8(float *p, long remaining, __m256 v) {
    if (remaining >= 8) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, recd_tail_mask8(remaining), v);
}

/// Sum of the 8 lanes.
static inline __attribute__((always_inline)) RECD_AVX2 float recd_hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Sum of 16 lanes held as lanes 0–7 (`lo`) and 8–15 (`hi`), in the order `_mm512_reduce_add_ps`
/// compiles to (clang: the upper 256 bits added to the lower, then 128, 64 and 32 likewise): lane j + lane
/// j + 8, then recd_hsum256's tree. With 16-lane accumulators split the same way, an AVX2 kernel's sums are
/// bitwise the AVX-512 kernel's.
static inline __attribute__((always_inline)) RECD_AVX2 float recd_sum16(__m256 lo, __m256 hi) {
    return recd_hsum256(_mm256_add_ps(lo, hi));
}

/// Largest of the 8 lanes.
static inline __attribute__((always_inline)) RECD_AVX2 float recd_hmax256(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// e^x per lane, as recd_exp512 (≤ 2 ulp on [-87, 88]; inputs clamped to [-87.3, 88.7]).
static inline __attribute__((always_inline)) RECD_AVX2 __m256 recd_exp256(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
    x = _mm256_min_ps(x, _mm256_set1_ps(88.7f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187045e-06f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    // n ∈ [-126, 128]: split so both halves are normal powers of two.
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

/// 1 + erf(z) per lane, as recd_one_plus_erf512 (absolute error ≲ 1e-7; erfc form for z < −0.75).
static inline __attribute__((always_inline)) RECD_AVX2 __m256 recd_one_plus_erf256(__m256 z) {
    const __m256 az = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), z);
    const __m256 neg = _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ);
    const __m256 small = _mm256_cmp_ps(az, _mm256_set1_ps(0.75f), _CMP_LT_OQ);
    __m256 z2 = _mm256_mul_ps(z, z);
    __m256 p = _mm256_set1_ps(9.492988194e-05f);
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-8.361022116e-04f));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(5.217074149e-03f));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-2.686486585e-02f));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(1.128378012e-01f));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(-3.761263854e-01f));
    p = _mm256_fmadd_ps(p, z2, _mm256_set1_ps(1.128379167e+00f));
    const __m256 smallResult = _mm256_fmadd_ps(z, p, _mm256_set1_ps(1.0f));
    const __m256 zc = _mm256_min_ps(az, _mm256_set1_ps(4.0f));
    const __m256 u = _mm256_sub_ps(zc, _mm256_set1_ps(2.375f));
    __m256 h = _mm256_set1_ps(3.894644741e-08f);
    h = _mm256_fmadd_ps(h, u, _mm256_set1_ps(1.553091768e-06f));
    h = _mm256_fmadd_ps(h, u, _mm256_set1_ps(-1.509042629e-05f));
    h = _mm256_fmadd_ps(h, u, _mm256_set1_ps(9.000329951e-05f));
    h = _mm256_fmadd_ps(h, u, _mm256_set1_ps(-4.825105747e-04f));
    h = _mm256_fmadd_ps(h, u, _mm256_set1_ps(2.446494641e-03f));
    h = _mm256_fmadd_ps(h, u, _mm256_set1_ps(-1.200998220e-02f));
    h = _mm256_fmadd_ps(h, u, _mm256_set1_ps(6.038991995e-02f));
    h = _mm256_fmadd_ps(h, u, _mm256_set1_ps(-3.672336984e-01f));
    h = _mm256_fmadd_ps(h, u, _mm256_set1_ps(-1.511831788e+00f));
    const __m256 e = recd_exp256(_mm256_fnmadd_ps(zc, zc, h));
    const __m256 large = _mm256_blendv_ps(_mm256_sub_ps(_mm256_set1_ps(2.0f), e), e, neg);
    return _mm256_blendv_ps(large, smallResult, small);
}

/// GELU (erf form) per lane: 0.5·v·(1 + erf(v/√2)), the operations recd_gelu's AVX-512 body does.
static inline __attribute__((always_inline)) RECD_AVX2 __m256 recd_gelu256(__m256 v) {
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v),
                         recd_one_plus_erf256(_mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752440f))));
}
#endif

#endif
