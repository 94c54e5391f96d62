// The fused attention's AVX2 + FMA body (attention.c has the AVX-512 one and the design): K_hᵀ copied
// once per head into scratch as [d, len16]; query rows in blocks of RB2 = 6, 16 columns (two ymm) per
// step, so 12 independent FMA chains share each pair of loads (15 of 16 registers, as the GEMM's block).
// Every row's sums run in the same order whatever the blocking (d in order for a score, j in order for a
// context column), and the softmax's sum in the AVX-512 body's order (recd_sum16): bitwise its floats.
#include "recd_ops.h"
#include "kernels_internal.h"
#include "vmath_avx2.h"
#include <math.h>

#if defined(__x86_64__)
#define RB2 6

static inline __attribute__((always_inline)) RECD_AVX2
void rows_avx2(const int r, int i, int len, int lp, int d, __m256 vscale, const float *q, int ld,
               const float *kt, const float *v, float *rows, float *ctx, int ldctx) {
    // Scores, scaled, 16 columns at a time (lp is a multiple of 16).
    for (int j0 = 0; j0 < lp; j0 += 16) {
        __m256 acc0[RB2], acc1[RB2];
        for (int t = 0; t < r; t++) { acc0[t] = _mm256_setzero_ps(); acc1[t] = _mm256_setzero_ps(); }
        for (int dd = 0; dd < d; dd++) {
            const __m256 k0 = _mm256_load_ps(kt + (size_t)dd * lp + j0);
            const __m256 k1 = _mm256_load_ps(kt + (size_t)dd * lp + j0 + 8);
            for (int t = 0; t < r; t++) {
                const __m256 qv = _mm256_broadcast_ss(q + (size_t)(i + t) * ld + dd);
                acc0[t] = _mm256_fmadd_ps(qv, k0, acc0[t]);
                acc1[t] = _mm256_fmadd_ps(qv, k1, acc1[t]);
            }
        }
        for (int t = 0; t < r; t++) {
            _mm256_store_ps(rows + (size_t)t * lp + j0, _mm256_mul_ps(acc0[t], vscale));
            _mm256_store_ps(rows + (size_t)t * lp + j0 + 8, _mm256_mul_ps(acc1[t], vscale));
        }
    }
    // Softmax over the len valid lanes of each row (unnormalised; 1/sum is applied to the context).
    const __m256 ninf = _mm256_set1_ps(-INFINITY);
    float inv[RB2];
    for (int t = 0; t < r; t++) {
        float *row = rows + (size_t)t * lp;
        __m256 mx = ninf;
        for (int j = 0; j < lp; j += 8) {
            const __m256 m = _mm256_castsi256_ps(recd_tail_mask8(len - j));
            mx = _mm256_max_ps(mx, _mm256_blendv_ps(ninf, _mm256_load_ps(row + j), m));
        }
        const __m256 mv = _mm256_set1_ps(recd_hmax256(mx));
        // The sum in the AVX-512 body's order (recd_sum16; lp is a multiple of 16).
        __m256 sum0 = _mm256_setzero_ps(), sum1 = _mm256_setzero_ps();
        for (int j = 0; j < lp; j += 16) {
            const __m256 m0 = _mm256_castsi256_ps(recd_tail_mask8(len - j));
            const __m256 m1 = _mm256_castsi256_ps(recd_tail_mask8(len - j - 8));
            const __m256 e0 = _mm256_and_ps(recd_exp256(_mm256_sub_ps(_mm256_load_ps(row + j), mv)), m0);
            const __m256 e1 = _mm256_and_ps(recd_exp256(_mm256_sub_ps(_mm256_load_ps(row + j + 8), mv)), m1);
            _mm256_store_ps(row + j, e0);
            _mm256_store_ps(row + j + 8, e1);
            sum0 = _mm256_add_ps(sum0, e0);
            sum1 = _mm256_add_ps(sum1, e1);
        }
        inv[t] = 1.0f / recd_sum16(sum0, sum1);
    }
    // Context: Σ_j p_j · V[j], 16 output columns at a time (d is a multiple of 16), normalised at the end.
    for (int c0 = 0; c0 < d; c0 += 16) {
        __m256 acc0[RB2], acc1[RB2];
        for (int t = 0; t < r; t++) { acc0[t] = _mm256_setzero_ps(); acc1[t] = _mm256_setzero_ps(); }
        for (int j = 0; j < len; j++) {
            const __m256 v0 = _mm256_loadu_ps(v + (size_t)j * ld + c0);
            const __m256 v1 = _mm256_loadu_ps(v + (size_t)j * ld + c0 + 8);
            for (int t = 0; t < r; t++) {
                const __m256 pv = _mm256_broadcast_ss(rows + (size_t)t * lp + j);
                acc0[t] = _mm256_fmadd_ps(pv, v0, acc0[t]);
                acc1[t] = _mm256_fmadd_ps(pv, v1, acc1[t]);
            }
        }
        for (int t = 0; t < r; t++) {
            const __m256 s = _mm256_set1_ps(inv[t]);
            _mm256_storeu_ps(ctx + (size_t)(i + t) * ldctx + c0, _mm256_mul_ps(acc0[t], s));
            _mm256_storeu_ps(ctx + (size_t)(i + t) * ldctx + c0 + 8, _mm256_mul_ps(acc1[t], s));
        }
    }
}

RECD_AVX2 void recd_attention_avx2(int len, int heads, int d, float scale, const float *q, const float *k,
                                   const float *v, int ld, float *ctx, int ldctx, float *scratch) {
    const int lp = (len + 15) & ~15;
    float *kt = scratch;                    // [d, lp]
    float *rows = scratch + (size_t)d * lp; // [RB2, lp]
    const __m256 vscale = _mm256_set1_ps(scale);
    for (int h = 0; h < heads; h++) {
        const int off = h * d;
        recd_attention_copy_kt(k, ld, off, len, lp, d, kt);
        const float *qh = q + off, *vh = v + off;
        float *ch = ctx + off;
        for (int i = 0; i < len; i += RB2) {
            switch (len - i < RB2 ? len - i : RB2) {
            case 6: rows_avx2(6, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 5: rows_avx2(5, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 4: rows_avx2(4, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 3: rows_avx2(3, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 2: rows_avx2(2, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            default: rows_avx2(1, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            }
        }
    }
}
#endif
