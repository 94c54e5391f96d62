// Fused multi-head attention for one unpadded sequence: scores, softmax and context per head in one
// pass, instead of two OpenBLAS calls per head (144 calls for a 12-token query, each with ~1–2 µs of
// setup that dwarfs its 12×12×32 multiply).
//
// AVX-512 path, per head: K_hᵀ is copied once into scratch as [d, len16] (len rounded up to 16, zero
// padded), so a score row is d broadcast-FMAs over 32-wide lines; softmax runs on the row in registers'
// width with masked tails; the context row accumulates p_j · V_h[j] over j, 32 columns at a time.
// Rows go in blocks of RB = 12, so 24 independent FMA chains share each pair of K/V loads: one row at a
// time was bound by FMA latency (a 104-token document: 10% of the fp32 encoder's time in perf,
// session 2); 8 rows × 16 columns (session 3) needed a load per FMA (session 5: 1.14–1.21× at 104 tokens).
#include "recd_kernels.h"
#include "recd_ops.h"
#include "vmath_avx512.h"
#include "kernels_internal.h"
#include <math.h>
#include <string.h>

static int round16(int n) { return (n + 15) & ~15; }

/// Query rows per block of the AVX-512 path: each block keeps RB independent FMA chains in flight
/// (2·RB with the 32-column steps; 12 rows = 24 accumulators, as in the GEMM micro-kernel).
#ifndef RB
#define RB 12
#endif

size_t recd_attention_scratch_floats(int len, int d) {
    return (size_t)round16(len) * (size_t)(d + RB);
}

#if defined(__x86_64__)
// Rows i ..< i + r (r ≤ RB, a compile-time constant after inlining) of one head: scores, softmax,
// context. Every row's sums run in the same order as one row at a time would (d in order for a score,
// j in order for a context column), so the result does not depend on the blocking; the block only
// interleaves r independent FMA chains, where one row alone waits on each FMA's latency.
// Scores and context go 32 columns (two vectors) at a time, 16 for a tail: per step 2 loads and r
// broadcasts feed 2·r FMAs (session 5; 16 columns at a time needed 1 + r loads for r FMAs).
static inline __attribute__((always_inline)) RECD_AVX512
void rows_avx512(const int r, int i, int len, int lp, int d, __m512 vscale, const float *q, int ld,
                 const float *kt, const float *v, float *rows, float *ctx, int ldctx) {
    // Scores, scaled: row t's scores at j0 are Σ_dd q[i+t][dd] · Kᵀ[dd][j0 ..< j0+32].
    int j0 = 0;
    for (; j0 + 32 <= lp; j0 += 32) {
        __m512 acc0[RB], acc1[RB];
        for (int t = 0; t < r; t++) { acc0[t] = _mm512_setzero_ps(); acc1[t] = _mm512_setzero_ps(); }
        for (int dd = 0; dd < d; dd++) {
            const __m512 k0 = _mm512_load_ps(kt + (size_t)dd * lp + j0);
            const __m512 k1 = _mm512_load_ps(kt + (size_t)dd * lp + j0 + 16);
            for (int t = 0; t < r; t++) {
                const __m512 qv = _mm512_set1_ps(q[(size_t)(i + t) * ld + dd]);
                acc0[t] = _mm512_fmadd_ps(qv, k0, acc0[t]);
                acc1[t] = _mm512_fmadd_ps(qv, k1, acc1[t]);
            }
        }
        for (int t = 0; t < r; t++) {
            _mm512_store_ps(rows + (size_t)t * lp + j0, _mm512_mul_ps(acc0[t], vscale));
            _mm512_store_ps(rows + (size_t)t * lp + j0 + 16, _mm512_mul_ps(acc1[t], vscale));
        }
    }
    if (j0 < lp) { // lp is a multiple of 16: one 16-wide tail
        __m512 acc[RB];
        for (int t = 0; t < r; t++) acc[t] = _mm512_setzero_ps();
        for (int dd = 0; dd < d; dd++) {
            const __m512 kv = _mm512_load_ps(kt + (size_t)dd * lp + j0);
            for (int t = 0; t < r; t++)
                acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(q[(size_t)(i + t) * ld + dd]), kv, acc[t]);
        }
        for (int t = 0; t < r; t++) _mm512_store_ps(rows + (size_t)t * lp + j0, _mm512_mul_ps(acc[t], vscale));
    }
    // Softmax over the len valid lanes of each row (unnormalised; 1/sum is applied to the context).
    float inv[RB];
    for (int t = 0; t < r; t++) {
        float *row = rows + (size_t)t * lp;
        __m512 mx = _mm512_set1_ps(-INFINITY);
        for (int j = 0; j < lp; j += 16) {
            __mmask16 m = recd_tail_mask16(len - j);
            mx = _mm512_mask_max_ps(mx, m, mx, _mm512_load_ps(row + j));
        }
        const __m512 mv = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
        __m512 sum = _mm512_setzero_ps();
        for (int j = 0; j < lp; j += 16) {
            __mmask16 m = recd_tail_mask16(len - j);
            __m512 e = _mm512_maskz_mov_ps(m, recd_exp512(_mm512_sub_ps(_mm512_load_ps(row + j), mv)));
            _mm512_store_ps(row + j, e);
            sum = _mm512_add_ps(sum, e);
        }
        inv[t] = 1.0f / _mm512_reduce_add_ps(sum);
    }
    // Context: Σ_j p_j · V[j], 32 output columns at a time (16 for a tail), normalised once at the end.
    int c0 = 0;
    for (; c0 + 32 <= d; c0 += 32) {
        __m512 acc0[RB], acc1[RB];
        for (int t = 0; t < r; t++) { acc0[t] = _mm512_setzero_ps(); acc1[t] = _mm512_setzero_ps(); }
        for (int j = 0; j < len; j++) {
            const __m512 v0 = _mm512_loadu_ps(v + (size_t)j * ld + c0);
            const __m512 v1 = _mm512_loadu_ps(v + (size_t)j * ld + c0 + 16);
            for (int t = 0; t < r; t++) {
                const __m512 pv = _mm512_set1_ps(rows[(size_t)t * lp + j]);
                acc0[t] = _mm512_fmadd_ps(pv, v0, acc0[t]);
                acc1[t] = _mm512_fmadd_ps(pv, v1, acc1[t]);
            }
        }
        for (int t = 0; t < r; t++) {
            const __m512 s = _mm512_set1_ps(inv[t]);
            _mm512_storeu_ps(ctx + (size_t)(i + t) * ldctx + c0, _mm512_mul_ps(acc0[t], s));
            _mm512_storeu_ps(ctx + (size_t)(i + t) * ldctx + c0 + 16, _mm512_mul_ps(acc1[t], s));
        }
    }
    if (c0 < d) { // d is a multiple of 16: one 16-wide tail
        __m512 acc[RB];
        for (int t = 0; t < r; t++) acc[t] = _mm512_setzero_ps();
        for (int j = 0; j < len; j++) {
            const __m512 vv = _mm512_loadu_ps(v + (size_t)j * ld + c0);
            for (int t = 0; t < r; t++)
                acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(rows[(size_t)t * lp + j]), vv, acc[t]);
        }
        for (int t = 0; t < r; t++)
            _mm512_storeu_ps(ctx + (size_t)(i + t) * ldctx + c0, _mm512_mul_ps(acc[t], _mm512_set1_ps(inv[t])));
    }
}

static RECD_AVX512 void attention_avx512(int len, int heads, int d, float scale, const float *q, const float *k,
                                         const float *v, int ld, float *ctx, int ldctx, float *scratch) {
    const int lp = round16(len);
    float *kt = scratch;                    // [d, lp]
    float *rows = scratch + (size_t)d * lp; // [RB, lp]
    const __m512 vscale = _mm512_set1_ps(scale);
    for (int h = 0; h < heads; h++) {
        const int off = h * d;
        recd_attention_copy_kt(k, ld, off, len, lp, d, kt);
        const float *qh = q + off, *vh = v + off;
        float *ch = ctx + off;
        for (int i = 0; i < len; i += RB) {
            switch (len - i < RB ? len - i : RB) {
            case 12: rows_avx512(12, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 11: rows_avx512(11, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 10: rows_avx512(10, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 9: rows_avx512(9, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 8: rows_avx512(8, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 7: rows_avx512(7, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 6: rows_avx512(6, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 5: rows_avx512(5, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 4: rows_avx512(4, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 3: rows_avx512(3, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            case 2: rows_avx512(2, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            default: rows_avx512(1, i, len, lp, d, vscale, qh, ld, kt, vh, rows, ch, ldctx); break;
            }
        }
    }
}
#endif

static void attention_portable(int len, int heads, int d, float scale, const float *q, const float *k,
                               const float *v, int ld, float *ctx, int ldctx, float *scratch) {
    float *row = scratch;
    for (int h = 0; h < heads; h++) {
        const int off = h * d;
        for (int i = 0; i < len; i++) {
            const float *qi = q + (size_t)i * ld + off;
            for (int j = 0; j < len; j++) {
                const float *kj = k + (size_t)j * ld + off;
                float s = 0;
                for (int dd = 0; dd < d; dd++) s += qi[dd] * kj[dd];
                row[j] = s * scale;
            }
            recd_softmax(row, len);
            float *ci = ctx + (size_t)i * ldctx + off;
            for (int dd = 0; dd < d; dd++) ci[dd] = 0;
            for (int j = 0; j < len; j++) {
                const float *vj = v + (size_t)j * ld + off;
                for (int dd = 0; dd < d; dd++) ci[dd] += row[j] * vj[dd];
            }
        }
    }
}

void recd_attention(int len, int heads, int d, float scale, const float *q, const float *k, const float *v,
                    int ldqkv, float *ctx, int ldctx, float *scratch) {
    if (len <= 0 || heads <= 0 || d <= 0) return;
#if defined(__x86_64__)
    const int isa = recd_kernels_isa();
    if (isa == RECD_ISA_AVX512 && d % 16 == 0 && ((size_t)scratch & 63) == 0) {
        attention_avx512(len, heads, d, scale, q, k, v, ldqkv, ctx, ldctx, scratch);
        return;
    }
    if (isa == RECD_ISA_AVX2 && d % 16 == 0 && ((size_t)scratch & 31) == 0) {
        recd_attention_avx2(len, heads, d, scale, q, k, v, ldqkv, ctx, ldctx, scratch);
        return;
    }
#endif
    attention_portable(len, heads, d, scale, q, k, v, ldqkv, ctx, ldctx, scratch);
}
