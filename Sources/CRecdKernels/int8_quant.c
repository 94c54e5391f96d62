// int8 quantisation and dequantisation kernels (see include/recd_int8.h).
//
// Why C: the Swift SIMD16 versions compile to SSE at the default x86-64 target and were 20% of the int8
// encoder's time once the GEMMs moved to AMX (and weight quantisation was most of its load time). Here
// each function has an AVX-512 version (chosen at run time) and a scalar one with the same rounding:
// both round half to even (the AVX-512 conversion under the default MXCSR, nearbyintf in the default
// rounding mode), so the two agree bit for bit except where an FMA's single rounding differs from a
// multiply-add's two (within one code step).
#include "recd_int8.h"
#include "recd_kernels.h"
#include "int8_rows.h"
#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>
#include "vmath_avx512.h"
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#endif

static int i8_cpu_avx512(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
              && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") ? 1 : 0;
    }
    return cached;
#else
    return 0;
#endif
}

int recd_i8_have_avx512(void) { return i8_cpu_avx512(); }


// ---- weights ----

void recd_i8_quantize_weights_portable(const float *w, int n, int k, int qmax, int8_t *q, float *scale, int32_t *sum) {
    const float qm = (float)qmax;
    for (int j = 0; j < n; j++) {
        const float *row = w + (long)j * k;
        float maxabs = 0;
        for (int c = 0; c < k; c++) maxabs = fmaxf(maxabs, fabsf(row[c]));
        float s = maxabs > 0 ? maxabs / qm : 1.0f, inv = 1.0f / s;
        int32_t total = 0;
        for (int c = 0; c < k; c++) {
            int v = (int)clampf(nearbyintf(row[c] * inv), -qm, qm);
            q[(long)j * k + c] = (int8_t)v;
            total += v;
        }
        scale[j] = s;
        sum[j] = total;
    }
}

#if defined(__x86_64__)
AVX512 static void quantize_weights_avx512(const float *w, int n, int k, int qmax, int8_t *q, float *scale, int32_t *sum) {
    const float qm = (float)qmax;
    const __m512i hi = _mm512_set1_epi32(qmax), lo = _mm512_set1_epi32(-qmax);
    for (int j = 0; j < n; j++) {
        const float *row = w + (long)j * k;
        __m512 m = _mm512_setzero_ps();
        for (int c = 0; c < k; c += 16) {
            __mmask16 mask = recd_tail_mask16(k - c);
            m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_maskz_loadu_ps(mask, row + c)));
        }
        float maxabs = _mm512_reduce_max_ps(m);
        float s = maxabs > 0 ? maxabs / qm : 1.0f, inv = 1.0f / s;
        const __m512 invv = _mm512_set1_ps(inv);
        __m512i total = _mm512_setzero_si512();
        for (int c = 0; c < k; c += 16) {
            __mmask16 mask = recd_tail_mask16(k - c);
            __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, row + c), invv));
            v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
            v = _mm512_maskz_mov_epi32(mask, v);
            total = _mm512_add_epi32(total, v);
            _mm512_mask_storeu_epi8(q + (long)j * k + c, (__mmask64)mask, _mm512_castsi128_si512(_mm512_cvtepi32_epi8(v)));
        }
        scale[j] = s;
        sum[j] = _mm512_reduce_add_epi32(total);
    }
}
#endif

void recd_i8_quantize_weights(const float *w, int n, int k, int qmax, int8_t *q, float *scale, int32_t *sum) {
#if defined(__x86_64__)
    if (recd_i8_have_avx512()) { quantize_weights_avx512(w, n, k, qmax, q, scale, sum); return; }
#endif
    recd_i8_quantize_weights_portable(w, n, k, qmax, q, scale, sum);
}

// ---- activations ----


void recd_i8_quantize_rows_portable(const float *x, int rows, int k, int qmax, uint8_t *q, float *scale, int32_t *zero) {
    const float qm = (float)qmax;
    for (int i = 0; i < rows; i++) {
        const float *row = x + (long)i * k;
        float low = 0, high = 0;
        for (int c = 0; c < k; c++) { low = fminf(low, row[c]); high = fmaxf(high, row[c]); }
        float inv; int32_t z;
        row_params(low, high, qmax, &scale[i], &inv, &z);
        zero[i] = z;
        for (int c = 0; c < k; c++) q[(long)i * k + c] = (uint8_t)clampf(nearbyintf(row[c] * inv) + (float)z, 0, qm);
    }
}

#if defined(__x86_64__)
AVX512 static void quantize_rows_avx512(const float *x, int rows, int k, int qmax, uint8_t *q, float *scale, int32_t *zero) {
    const __m512i top = _mm512_set1_epi32(qmax), bottom = _mm512_setzero_si512();
    for (int i = 0; i < rows; i++) {
        const float *row = x + (long)i * k;
        __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
        for (int c = 0; c < k; c += 16) {
            __mmask16 mask = recd_tail_mask16(k - c);
            __m512 v = _mm512_maskz_loadu_ps(mask, row + c);   // masked-off lanes are 0: inside [lo, hi] already
            lo = _mm512_min_ps(lo, v);
            hi = _mm512_max_ps(hi, v);
        }
        float inv; int32_t z;
        row_params(_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi), qmax, &scale[i], &inv, &z);
        zero[i] = z;
        const __m512 invv = _mm512_set1_ps(inv);
        const __m512i zv = _mm512_set1_epi32(z);
        for (int c = 0; c < k; c += 16) {
            __mmask16 mask = recd_tail_mask16(k - c);
            __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, row + c), invv)), zv);
            v = _mm512_min_epi32(_mm512_max_epi32(v, bottom), top);
            _mm512_mask_storeu_epi8(q + (long)i * k + c, (__mmask64)mask, _mm512_castsi128_si512(_mm512_cvtepi32_epi8(v)));
        }
    }
}
#endif

void recd_i8_quantize_rows(const float *x, int rows, int k, int qmax, uint8_t *q, float *scale, int32_t *zero) {
#if defined(__x86_64__)
    const int isa = recd_kernels_isa();
    if (isa == RECD_ISA_AVX512 && recd_i8_have_avx512()) { quantize_rows_avx512(x, rows, k, qmax, q, scale, zero); return; }
    if (isa >= RECD_ISA_AVX2) { recd_i8_quantize_rows_avx2(x, rows, k, qmax, q, scale, zero); return; }
#endif
    recd_i8_quantize_rows_portable(x, rows, k, qmax, q, scale, zero);
}

// ---- dequantisation epilogue ----

void recd_i8_dequantize_rows_portable(const int32_t *p, int rows, int n, const float *a_scale, const int32_t *a_zero,
                                const float *w_scale, const int32_t *w_sum, const float *bias, float *out, int accumulate) {
    for (int i = 0; i < rows; i++) {
        const int32_t *pr = p + (long)i * n;
        float *o = out + (long)i * n;
        for (int j = 0; j < n; j++) {
            float v = (float)(pr[j] - a_zero[i] * w_sum[j]) * (a_scale[i] * w_scale[j]) + bias[j];
            o[j] = accumulate ? o[j] + v : v;
        }
    }
}

#if defined(__x86_64__)
AVX512 static void dequantize_avx512(const int32_t *p, int rows, int n, const float *a_scale, const int32_t *a_zero,
                                     const float *w_scale, const int32_t *w_sum, const float *bias, float *out, int accumulate) {
    for (int i = 0; i < rows; i++) {
        const int32_t *pr = p + (long)i * n;
        float *o = out + (long)i * n;
        const __m512 as = _mm512_set1_ps(a_scale[i]);
        const __m512i az = _mm512_set1_epi32(a_zero[i]);
        for (int j = 0; j < n; j += 16) {
            __mmask16 mask = recd_tail_mask16(n - j);
            __m512i centred = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(mask, pr + j),
                                               _mm512_mullo_epi32(az, _mm512_maskz_loadu_epi32(mask, w_sum + j)));
            __m512 s = _mm512_mul_ps(as, _mm512_maskz_loadu_ps(mask, w_scale + j));
            __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(centred), s, _mm512_maskz_loadu_ps(mask, bias + j));
            if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, o + j));
            _mm512_mask_storeu_ps(o + j, mask, v);
        }
    }
}
#endif

void recd_i8_dequantize_rows(const int32_t *p, int rows, int n, const float *a_scale, const int32_t *a_zero,
                             const float *w_scale, const int32_t *w_sum, const float *bias, float *out, int accumulate) {
#if defined(__x86_64__)
    const int isa = recd_kernels_isa();
    if (isa == RECD_ISA_AVX512 && recd_i8_have_avx512()) {
        dequantize_avx512(p, rows, n, a_scale, a_zero, w_scale, w_sum, bias, out, accumulate);
        return;
    }
    if (isa >= RECD_ISA_AVX2) { recd_i8_dequantize_rows_avx2(p, rows, n, a_scale, a_zero, w_scale, w_sum, bias, out, accumulate); return; }
#endif
    recd_i8_dequantize_rows_portable(p, rows, n, a_scale, a_zero, w_scale, w_sum, bias, out, accumulate);
}

// ---- fused feed-forward middle: dequantise + bias + GELU + quantise ----
//
// Between the two FFN matmuls the int8 path needs only the u8 codes of GELU(x·W1ᵀ + b1), never the fp32
// tensor: doing the three steps per row through an L1-sized buffer saves writing and re-reading the
// [tokens, 1536] fp32 intermediate twice (for 16 documents of 104 tokens, 10 MB each way).

static inline float gelu_scalar(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

void recd_i8_dequantize_gelu_quantize_rows_portable(const int32_t *p, int rows, int n, const float *a_scale,
        const int32_t *a_zero, const float *w_scale, const int32_t *w_sum, const float *bias, float *tmp,
        int qmax, uint8_t *q, float *scale, int32_t *zero) {
    for (int i = 0; i < rows; i++) {
        recd_i8_dequantize_rows_portable(p + (long)i * n, 1, n, a_scale + i, a_zero + i, w_scale, w_sum, bias, tmp, 0);
        for (int j = 0; j < n; j++) tmp[j] = gelu_scalar(tmp[j]);
        recd_i8_quantize_rows_portable(tmp, 1, n, qmax, q + (long)i * n, scale + i, zero + i);
    }
}

#if defined(__x86_64__)
// exp(x) for x ≤ 0 (callers pass −v²/2): x = n·ln2 + r, |r| ≤ ln2/2, e^r by a degree-6 Taylor polynomial
// (relative error < 2e-7 on that interval), 2^n by vscalefps. Below −87 the result flushes to ~0.
AVX512 static inline __m512 exp_nonpositive(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.42860682030941723e-6f), r);
    __m512 e = _mm512_set1_ps(1.0f / 720);
    e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(1.0f / 120));
    e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(1.0f / 24));
    e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(1.0f / 6));
    e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(0.5f));
    e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(1.0f));
    e = _mm512_fmadd_ps(e, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(e, n);
}

// GELU(v) = v/2 · (1 + erf(v/√2)), erf by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7):
// erf(u) = 1 − (a1·t + … + a5·t⁵)·e^(−u²), t = 1/(1 + p·u), for u ≥ 0, odd-extended.
AVX512 static inline __m512 gelu_avx512(__m512 v) {
    const __m512 u = _mm512_abs_ps(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f)));
    const __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(u, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1.0f)));
    __m512 poly = _mm512_set1_ps(1.061405429f);
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-1.453152027f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(1.421413741f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-0.284496736f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(0.254829592f));
    poly = _mm512_mul_ps(poly, t);
    __m512 erf_abs = _mm512_fnmadd_ps(poly, exp_nonpositive(_mm512_mul_ps(_mm512_mul_ps(u, u), _mm512_set1_ps(-1.0f))), _mm512_set1_ps(1.0f));
    // Sign of erf follows v: copy v's sign bit onto |erf|.
    __m512 erf = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(erf_abs),
                    _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32((int)0x80000000u))));
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), _mm512_add_ps(_mm512_set1_ps(1.0f), erf));
}

AVX512 static void dequantize_gelu_quantize_avx512(const int32_t *p, int rows, int n, const float *a_scale,
        const int32_t *a_zero, const float *w_scale, const int32_t *w_sum, const float *bias, float *tmp,
        int qmax, uint8_t *q, float *scale, int32_t *zero) {
    for (int i = 0; i < rows; i++) {
        const int32_t *pr = p + (long)i * n;
        const __m512 as = _mm512_set1_ps(a_scale[i]);
        const __m512i az = _mm512_set1_epi32(a_zero[i]);
        __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
        for (int j = 0; j < n; j += 16) {
            __mmask16 mask = recd_tail_mask16(n - j);
            __m512i centred = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(mask, pr + j),
                                               _mm512_mullo_epi32(az, _mm512_maskz_loadu_epi32(mask, w_sum + j)));
            __m512 s = _mm512_mul_ps(as, _mm512_maskz_loadu_ps(mask, w_scale + j));
            __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(centred), s, _mm512_maskz_loadu_ps(mask, bias + j));
            v = _mm512_maskz_mov_ps(mask, gelu_avx512(v));
            lo = _mm512_min_ps(lo, v);
            hi = _mm512_max_ps(hi, v);
            _mm512_mask_storeu_ps(tmp + j, mask, v);
        }
        float inv; int32_t z;
        row_params(_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi), qmax, &scale[i], &inv, &z);
        zero[i] = z;
        const __m512 invv = _mm512_set1_ps(inv);
        const __m512i zv = _mm512_set1_epi32(z), top = _mm512_set1_epi32(qmax), bottom = _mm512_setzero_si512();
        for (int j = 0; j < n; j += 16) {
            __mmask16 mask = recd_tail_mask16(n - j);
            __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, tmp + j), invv)), zv);
            v = _mm512_min_epi32(_mm512_max_epi32(v, bottom), top);
            _mm512_mask_storeu_epi8(q + (long)i * n + j, (__mmask64)mask, _mm512_castsi128_si512(_mm512_cvtepi32_epi8(v)));
        }
    }
}
#endif

void recd_i8_dequantize_gelu_quantize_rows(const int32_t *p, int rows, int n, const float *a_scale,
        const int32_t *a_zero, const float *w_scale, const int32_t *w_sum, const float *bias, float *tmp,
        int qmax, uint8_t *q, float *scale, int32_t *zero) {
#if defined(__x86_64__)
    const int isa = recd_kernels_isa();
    if (isa == RECD_ISA_AVX512 && recd_i8_have_avx512()) {
        dequantize_gelu_quantize_avx512(p, rows, n, a_scale, a_zero, w_scale, w_sum, bias, tmp, qmax, q, scale, zero);
        return;
    }
    if (isa >= RECD_ISA_AVX2) {
        recd_i8_dequantize_gelu_quantize_rows_avx2(p, rows, n, a_scale, a_zero, w_scale, w_sum, bias, tmp, qmax, q, scale, zero);
        return;
    }
#endif
    recd_i8_dequantize_gelu_quantize_rows_portable(p, rows, n, a_scale, a_zero, w_scale, w_sum, bias, tmp, qmax, q, scale, zero);
}
