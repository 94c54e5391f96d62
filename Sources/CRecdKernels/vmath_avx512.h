// Vectorised exp and erf for the AVX-512 kernels (internal header; not part of the module's API).
//
// Both are lane-parallel and branch-free. Coefficients were fitted for recd (least squares on
// Chebyshev nodes in float64, then checked in float32 with FMA); the unit tests bound the error
// against libm's double erf/exp on dense grids.
#ifndef RECD_VMATH_AVX512_H
#define RECD_VMATH_AVX512_H

#if defined(__x86_64__)
#include <immintrin.h>

#define RECD_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma")))

/// The mask of the first `remaining` of 16 lanes: all 16 when `remaining` ≥ 16, none when ≤ 0
/// (the tail of a row processed 16 floats at a time).
static inline __attribute__((always_inline)) __mmask16 recd_tail_mask16(long remaining) {
    return remaining >= 16 ? (__mmask16)0xFFFF : remaining <= 0 ? (__mmask16)0 : (__mmask16)((1u << remaining) - 1);
}

/// e^x per lane, relative error ≤ 2 ulp on [-87, 88]; inputs outside are clamped (so -inf gives ~0).
/// Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, e^r by its Taylor series to degree 7
/// (truncation < 6e-9 relative), then vscalefps multiplies by 2^n without building exponent bits.
static inline __attribute__((always_inline)) RECD_AVX512 __m512 recd_exp512(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.3f));
    x = _mm512_min_ps(x, _mm512_set1_ps(88.7f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187045e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

/// 1 + erf(z) per lane (absolute error ≲ 1e-7), the form GELU needs: for z < -0.75 it is erfc(|z|)
/// computed directly, so GELU keeps its relative accuracy for negative inputs.
/// |z| < 0.75: erf(z) = z·P(z²), P of degree 6. |z| ≥ 0.75: erfc(|z|) = exp(h(|z|) − z²), h a degree-9
/// polynomial in |z| − 2.375, fitted on [0.75, 4]; |z| is clamped to 4 (erfc(4) = 1.5e-8).
static inline __attribute__((always_inline)) RECD_AVX512 __m512 recd_one_plus_erf512(__m512 z) {
    __m512 az = _mm512_abs_ps(z);
    __mmask16 neg = _mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_LT_OQ);
    __mmask16 small = _mm512_cmp_ps_mask(az, _mm512_set1_ps(0.75f), _CMP_LT_OQ);
    // Small branch: erf(z) = z·(c0 + z²·(c1 + …)).
    __m512 z2 = _mm512_mul_ps(z, z);
    __m512 p = _mm512_set1_ps(9.492988194e-05f);
    p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(-8.361022116e-04f));
    p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(5.217074149e-03f));
    p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(-2.686486585e-02f));
    p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(1.128378012e-01f));
    p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(-3.761263854e-01f));
    p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(1.128379167e+00f));
    __m512 smallResult = _mm512_fmadd_ps(z, p, _mm512_set1_ps(1.0f));
    // Large branch: e = erfc(|z|); 1 + erf(z) = 2 − e for z > 0, e for z < 0.
    __m512 zc = _mm512_min_ps(az, _mm512_set1_ps(4.0f));
    __m512 u = _mm512_sub_ps(zc, _mm512_set1_ps(2.375f));
    __m512 h = _mm512_set1_ps(3.894644741e-08f);
    h = _mm512_fmadd_ps(h, u, _mm512_set1_ps(1.553091768e-06f));
    h = _mm512_fmadd_ps(h, u, _mm512_set1_ps(-1.509042629e-05f));
    h = _mm512_fmadd_ps(h, u, _mm512_set1_ps(9.000329951e-05f));
    h = _mm512_fmadd_ps(h, u, _mm512_set1_ps(-4.825105747e-04f));
    h = _mm512_fmadd_ps(h, u, _mm512_set1_ps(2.446494641e-03f));
    h = _mm512_fmadd_ps(h, u, _mm512_set1_ps(-1.200998220e-02f));
    h = _mm512_fmadd_ps(h, u, _mm512_set1_ps(6.038991995e-02f));
    h = _mm512_fmadd_ps(h, u, _mm512_set1_ps(-3.672336984e-01f));
    h = _mm512_fmadd_ps(h, u, _mm512_set1_ps(-1.511831788e+00f));
    __m512 e = recd_exp512(_mm512_fnmadd_ps(zc, zc, h));
    __m512 large = _mm512_mask_blend_ps(neg, _mm512_sub_ps(_mm512_set1_ps(2.0f), e), e);
    return _mm512_mask_blend_ps(small, large, smallResult);
}
#endif

#endif
