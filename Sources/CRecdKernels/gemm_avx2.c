// The packed-weight GEMM's AVX2 + FMA body, for x86 CPUs without AVX-512 (AMD Zen 2/3, older Intel).
//
// Same packed layout and the same two loop orders as the AVX-512 body (gemm.c); only the register block
// differs. With 16 ymm registers a panel's 32 columns are taken as two halves of 16: 6 rows × 16 columns
// = 12 accumulators + 2 weight vectors + 1 broadcast (15 of 16). Each accumulator takes acc = a·b + acc
// for k in order within a k block of RECD_KC, and each k block is added into C, as in gemm.c, so a row's
// result does not depend on the number of rows, the loop order or the column split.
#include "recd_kernels.h"
#include "kernels_internal.h"
#include "vmath_avx2.h"

#if defined(__x86_64__)
#include <immintrin.h>

/// Rows per register block.
#define MR2 6
/// Software prefetch distances in k-steps of a panel (128 B each), as PREFETCH_K / PREFETCH_K_L2 in gemm.c.
#define PREFETCH2_K 128
#define PREFETCH2_K_L2 16
/// Panels per column block of the many-rows order: 8 × RECD_KC × 128 B = 384 KB stays in a 512 KB L2.
#define RECD_NB2 8

// One row of a block's epilogue: C = bias + acc when `bias` is given, else C += acc; then GELU when
// `gelu`; `w` (1...16) valid columns. Full rows use plain loads and stores: AMD Zen 2/3 run a masked
// store (vmaskmovps) as many µops, which took a large share of the epilogue.
static inline __attribute__((always_inline)) RECD_AVX2
void epilogue_row(float *cr, __m256 x0, __m256 x1, int w, const float *bias, int gelu) {
    if (w == 16) {
        const float *base = bias ? bias : cr;
        x0 = _mm256_add_ps(_mm256_loadu_ps(base), x0);
        x1 = _mm256_add_ps(_mm256_loadu_ps(base + 8), x1);
        if (gelu) { x0 = recd_gelu256(x0); x1 = recd_gelu256(x1); }
        _mm256_storeu_ps(cr, x0);
        _mm256_storeu_ps(cr + 8, x1);
        return;
    }
    const __m256i m0 = recd_tail_mask8(w), m1 = recd_tail_mask8(w - 8);
    const float *base = bias ? bias : cr;
    x0 = _mm256_add_ps(_mm256_maskload_ps(base, m0), x0);
    x1 = _mm256_add_ps(_mm256_maskload_ps(base + 8, m1), x1);
    if (gelu) { x0 = recd_gelu256(x0); x1 = recd_gelu256(x1); }
    _mm256_maskstore_ps(cr, m0, x0);
    _mm256_maskstore_ps(cr + 8, m1, x1);
}

// One mr × 16 block (one half of a panel) over k-steps [0, k); `half` points at the half's first column
// of the panel's first k-step. `w` is the half's valid columns (1...16). Epilogue as gemm.c's: C = bias +
// acc when `bias` is given (offset to the half's first column), else C += acc; then GELU when `gelu`.
// `prefetch`: 0 none, 1 both lines of the k-step PREFETCH2_K ahead (the block that brings the panel in
// from memory), 2 this half's line PREFETCH2_K_L2 ahead.
static inline __attribute__((always_inline)) RECD_AVX2
void block_avx2(const int mr, const int prefetch, int k, const float *a, int lda, const float *half,
                float *c, int ldc, int w, const float *bias, int gelu) {
    __m256 acc0[MR2], acc1[MR2];
    for (int r = 0; r < mr; r++) { acc0[r] = _mm256_setzero_ps(); acc1[r] = _mm256_setzero_ps(); }
    for (int kk = 0; kk < k; kk++) {
        const float *b = half + (size_t)kk * RECD_PANEL;
        if (prefetch == 1) {
            _mm_prefetch((const char *)(b + PREFETCH2_K * RECD_PANEL), _MM_HINT_T0);
            _mm_prefetch((const char *)(b + PREFETCH2_K * RECD_PANEL + 16), _MM_HINT_T0);
        } else if (prefetch == 2) {
            _mm_prefetch((const char *)(b + PREFETCH2_K_L2 * RECD_PANEL), _MM_HINT_T0);
        }
        const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        for (int r = 0; r < mr; r++) {
            const __m256 av = _mm256_broadcast_ss(a + (size_t)r * lda + kk);
            acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
            acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
        }
    }
    for (int r = 0; r < mr; r++) epilogue_row(c + (size_t)r * ldc, acc0[r], acc1[r], w, bias, gelu);
}

// The full 6-row block's k loop in inline assembly (the epilogue stays in C, block6), as gemm.c's 12-row
// AVX-512 kernel and for the same reason: the rows of A are two base pointers (rows 0 and 3) plus one or
// two times the row stride in the address, so a k-step is 2 loads, 6 broadcasts, 12 FMAs and 4 pointer
// and loop µops. Every accumulator takes acc = a·b + acc (one rounding) for k in order: bitwise
// block_avx2(6, …). ymm0–1 weights, ymm2–3 broadcasts, ymm4–15 accumulators.
#define RECD_FMA_ROW2(base, t, a0, a1) \
    "vbroadcastss " base ", %%ymm" #t "\n\t" \
    "vfmadd231ps %%ymm" #t ", %%ymm0, %%ymm" #a0 "\n\t" \
    "vfmadd231ps %%ymm" #t ", %%ymm1, %%ymm" #a1 "\n\t"

#define RECD_KERNEL6(NAME, PREFETCH) \
static RECD_AVX2 __attribute__((noinline)) \
void NAME(long kc, const float *a, long lda_bytes, const float *half, float *out) { \
    const char *a0 = (const char *)a, *a3 = a0 + 3 * lda_bytes; \
    __asm__ volatile( \
        "vxorps %%ymm4, %%ymm4, %%ymm4\n\t"   "vxorps %%ymm5, %%ymm5, %%ymm5\n\t" \
        "vxorps %%ymm6, %%ymm6, %%ymm6\n\t"   "vxorps %%ymm7, %%ymm7, %%ymm7\n\t" \
        "vxorps %%ymm8, %%ymm8, %%ymm8\n\t"   "vxorps %%ymm9, %%ymm9, %%ymm9\n\t" \
        "vxorps %%ymm10, %%ymm10, %%ymm10\n\t" "vxorps %%ymm11, %%ymm11, %%ymm11\n\t" \
        "vxorps %%ymm12, %%ymm12, %%ymm12\n\t" "vxorps %%ymm13, %%ymm13, %%ymm13\n\t" \
        "vxorps %%ymm14, %%ymm14, %%ymm14\n\t" "vxorps %%ymm15, %%ymm15, %%ymm15\n\t" \
        ".p2align 5\n" \
        "1:\n\t" \
        PREFETCH \
        "vmovaps (%[p]), %%ymm0\n\t" \
        "vmovaps 32(%[p]), %%ymm1\n\t" \
        RECD_FMA_ROW2("(%[a0])", 2, 4, 5) \
        RECD_FMA_ROW2("(%[a0],%[L],1)", 3, 6, 7) \
        RECD_FMA_ROW2("(%[a0],%[L],2)", 2, 8, 9) \
        RECD_FMA_ROW2("(%[a3])", 3, 10, 11) \
        RECD_FMA_ROW2("(%[a3],%[L],1)", 2, 12, 13) \
        RECD_FMA_ROW2("(%[a3],%[L],2)", 3, 14, 15) \
        "addq $4, %[a0]\n\t" "addq $4, %[a3]\n\t" \
        "subq $-128, %[p]\n\t" \
        "decq %[k]\n\t" \
        "jnz 1b\n\t" \
        "vmovaps %%ymm4, 0(%[o])\n\t"    "vmovaps %%ymm5, 32(%[o])\n\t" \
        "vmovaps %%ymm6, 64(%[o])\n\t"   "vmovaps %%ymm7, 96(%[o])\n\t" \
        "vmovaps %%ymm8, 128(%[o])\n\t"  "vmovaps %%ymm9, 160(%[o])\n\t" \
        "vmovaps %%ymm10, 192(%[o])\n\t" "vmovaps %%ymm11, 224(%[o])\n\t" \
        "vmovaps %%ymm12, 256(%[o])\n\t" "vmovaps %%ymm13, 288(%[o])\n\t" \
        "vmovaps %%ymm14, 320(%[o])\n\t" "vmovaps %%ymm15, 352(%[o])\n\t" \
        "vzeroupper\n\t" \
        : [k] "+r"(kc), [p] "+r"(half), [a0] "+r"(a0), [a3] "+r"(a3) \
        : [L] "r"(lda_bytes), [o] "r"(out), [pf] "i"(PREFETCH2_K * RECD_PANEL * 4), \
          [pf2] "i"(PREFETCH2_K * RECD_PANEL * 4 + 64), [pfl2] "i"(PREFETCH2_K_L2 * RECD_PANEL * 4) \
        : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", \
          "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"); \
}

RECD_KERNEL6(kernel6_l3, "prefetcht0 %c[pf](%[p])\n\t" "prefetcht0 %c[pf2](%[p])\n\t")
RECD_KERNEL6(kernel6_l2, "prefetcht0 %c[pfl2](%[p])\n\t")

// A full 6-row block: the assembly k loop, then block_avx2's epilogue on the stored accumulators.
static inline __attribute__((always_inline)) RECD_AVX2
void block6(const int prefetch, int k, const float *a, int lda, const float *half,
            float *c, int ldc, int w, const float *bias, int gelu) {
    float acc[2 * MR2 * 8] __attribute__((aligned(32)));
    if (prefetch == 1) kernel6_l3(k, a, (long)lda * 4, half, acc);
    else kernel6_l2(k, a, (long)lda * 4, half, acc);
    for (int r = 0; r < MR2; r++)
        epilogue_row(c + (size_t)r * ldc, _mm256_load_ps(acc + 16 * r), _mm256_load_ps(acc + 16 * r + 8), w, bias, gelu);
}

#define BLOCK2_CASE(R) case R: \
    if (pf == 1) block_avx2(R, 1, kc, ar, lda, hp, cr, ldc, w, bp, gl); \
    else block_avx2(R, 2, kc, ar, lda, hp, cr, ldc, w, bp, gl); break;
#define BLOCK2_SWITCH switch (mr) { case 6: block6(pf, kc, ar, lda, hp, cr, ldc, w, bp, gl); break; BLOCK2_CASE(5) BLOCK2_CASE(4) BLOCK2_CASE(3) BLOCK2_CASE(2) \
    BLOCK2_CASE(1) default: break; }

// Few rows: panels outer, then halves, row blocks and k blocks (as gemm_avx512_small).
static RECD_AVX2 void gemm_avx2_small(int m, int k, const float *a, int lda, const float *packed,
                                      float *c, int ldc, int end, int n0, int n1, const float *bias, int gelu) {
    for (int p0 = n0; p0 < n1; p0 += RECD_PANEL) {
        const float *whole = packed + (size_t)(p0 / RECD_PANEL) * k * RECD_PANEL;
        for (int h = 0; h < RECD_PANEL && p0 + h < end; h += 16) {
            const int w = end - (p0 + h) < 16 ? end - (p0 + h) : 16;
            for (int r0 = 0; r0 < m; r0 += MR2) {
                const int mr = m - r0 < MR2 ? m - r0 : MR2;
                const int pf = r0 == 0 && h == 0 ? 1 : 2;
                float *cr = c + (size_t)r0 * ldc + p0 + h;
                for (int k0 = 0; k0 < k; k0 += RECD_KC) {
                    const int kc = k - k0 < RECD_KC ? k - k0 : RECD_KC;
                    const int gl = gelu && k0 + kc == k;
                    const float *ar = a + (size_t)r0 * lda + k0;
                    const float *hp = whole + (size_t)k0 * RECD_PANEL + h;
                    const float *bp = bias && k0 == 0 ? bias + p0 + h : NULL;
                    BLOCK2_SWITCH
                }
            }
        }
    }
}

// Many rows: column blocks of RECD_NB2 panels, k blocks, 6-row blocks, then the block's panels and halves.
static RECD_AVX2 void gemm_avx2_blocked(int m, int k, const float *a, int lda, const float *packed,
                                        float *c, int ldc, int end, int n0, int n1, const float *bias, int gelu) {
    for (int nb0 = n0; nb0 < n1; nb0 += RECD_NB2 * RECD_PANEL) {
        const int nb1 = nb0 + RECD_NB2 * RECD_PANEL < n1 ? nb0 + RECD_NB2 * RECD_PANEL : n1;
        for (int k0 = 0; k0 < k; k0 += RECD_KC) {
            const int kc = k - k0 < RECD_KC ? k - k0 : RECD_KC;
            const int gl = gelu && k0 + kc == k;
            for (int r0 = 0; r0 < m; r0 += MR2) {
                const int mr = m - r0 < MR2 ? m - r0 : MR2;
                const float *ar = a + (size_t)r0 * lda + k0;
                const int pf = r0 == 0 ? 1 : 2;
                for (int p0 = nb0; p0 < nb1; p0 += RECD_PANEL) {
                    const float *panel = packed + (size_t)(p0 / RECD_PANEL) * k * RECD_PANEL + (size_t)k0 * RECD_PANEL;
                    for (int h = 0; h < RECD_PANEL && p0 + h < end; h += 16) {
                        const int w = end - (p0 + h) < 16 ? end - (p0 + h) : 16;
                        float *cr = c + (size_t)r0 * ldc + p0 + h;
                        const float *hp = panel + h;
                        const float *bp = bias && k0 == 0 ? bias + p0 + h : NULL;
                        BLOCK2_SWITCH
                    }
                }
            }
        }
    }
}

RECD_AVX2 void recd_gemm_avx2(int m, int k, const float *a, int lda, const float *packed,
                              float *c, int ldc, int n, int n0, int n1, const float *bias, int gelu) {
    const int end = n1 < n ? n1 : n;
    if (m <= RECD_SMALL_M) gemm_avx2_small(m, k, a, lda, packed, c, ldc, end, n0, n1, bias, gelu);
    else gemm_avx2_blocked(m, k, a, lda, packed, c, ldc, end, n0, n1, bias, gelu);
}
#endif
