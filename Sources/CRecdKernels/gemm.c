// Packed-weight fp32 GEMM: C += A · Wᵀ.
//
// Why our own kernel: OpenBLAS re-packs the weight on every call (38% of the encoder's time at M = 12);
// here each weight is packed once at load into 32-column panels, k-major, so the micro-kernel streams
// one 128-byte line per k and broadcasts A. Register block: up to 12 rows × 32 columns = 24 zmm
// accumulators + 2 weight vectors + 1 broadcast (27 of 32 registers).
//
// Two loop orders (FORMAT.md, "Linear-layer kernel", has the measurements behind the choice):
// - few rows (m ≤ RECD_SMALL_M): panels outer, row blocks inner. A is small and stays in L1/L2; every
//   panel is read once, so the cost is streaming the weights, and the first row block prefetches ahead.
// - many rows: blocked as in GotoBLAS/BLIS, with the roles swapped (the weight panel is the vector
//   operand, A the broadcast one). Columns in blocks of RECD_NB panels and k in blocks of RECD_KC, so the
//   block's panels (RECD_NB × RECD_KC × 128 B = 576 KB) stay in L2 while every 12-row block of A passes
//   over them, and that row block's A slice (12 × RECD_KC floats = 18 KB) stays in L1 across the panels.
//   Panels outer over all of A instead (the small-M order) streams A from L3 once per panel: at the
//   document shapes (m = 1664, A up to 10 MB) that order measured ~half the blocked one's speed.
#include "recd_kernels.h"
#include "recd_ops.h"
#include "vmath_avx512.h"
#include "kernels_internal.h"
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// Rows per register block.
#define MR 12
/// Software prefetch distance in k-steps of a panel (128 B each) for the row block that brings the
/// panel in from L3/memory.
#define PREFETCH_K 128
/// Prefetch distance for the later row blocks, which find the panel in L2: just far enough ahead to hide
/// L2's latency (16 k-steps = 2 KB; 8–32 measured alike, FORMAT.md "Where the fp32 time goes").
#define PREFETCH_K_L2 16
#ifndef RECD_NB
/// Panels per column block of the many-rows order (RECD_NB × RECD_KC × 128 B stays in L2).
#define RECD_NB 12
#endif

size_t recd_packed_floats(int n, int k) {
    size_t panels = (size_t)((n + RECD_PANEL - 1) / RECD_PANEL);
    return panels * (size_t)k * RECD_PANEL;
}

// The packing definition; the AVX-512 path (pack_avx512) writes the same floats.
static void pack_portable(const float *w, int n, int k, float *dst) {
    int panels = (n + RECD_PANEL - 1) / RECD_PANEL;
    for (int p = 0; p < panels; p++) {
        float *panel = dst + (size_t)p * k * RECD_PANEL;
        for (int kk = 0; kk < k; kk++) {
            for (int j = 0; j < RECD_PANEL; j++) {
                int col = p * RECD_PANEL + j;
                panel[(size_t)kk * RECD_PANEL + j] = col < n ? w[(size_t)col * k + kk] : 0.0f;
            }
        }
    }
}

// The cap on the instruction-set level (recd_kernels_limit_isa). Process-wide and read by every worker
// while tests flip it: relaxed atomics (TSan caught the plain int read by one test's encoder while
// another test set it). Every path meets parity, so a pass that sees the switch change half way is
// still within tolerance.
static int isa_limit = RECD_ISA_AVX512;

void recd_kernels_limit_isa(int level) { __atomic_store_n(&isa_limit, level, __ATOMIC_RELAXED); }

void recd_kernels_force_portable(int force) { recd_kernels_limit_isa(force ? RECD_ISA_PORTABLE : RECD_ISA_AVX512); }

int recd_kernels_cpu_isa(void) {
#if defined(__x86_64__)
    // Relaxed atomics: threads racing on the first call all compute and store the same value.
    static int cached = -1;
    int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (c < 0) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
            c = RECD_ISA_AVX512;
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            c = RECD_ISA_AVX2;
        else
            c = RECD_ISA_PORTABLE;
        __atomic_store_n(&cached, c, __ATOMIC_RELAXED);
    }
    return c;
#else
    return RECD_ISA_PORTABLE;
#endif
}

int recd_kernels_isa(void) {
    const int cpu = recd_kernels_cpu_isa(), limit = __atomic_load_n(&isa_limit, __ATOMIC_RELAXED);
    return cpu < limit ? cpu : limit;
}

int recd_kernels_have_avx512(void) { return recd_kernels_isa() == RECD_ISA_AVX512; }

// Portable path: same packed layout, plain loops (the compiler vectorises the 32-wide inner loop
// at whatever width the baseline target allows). The epilogue runs as the unfused passes did: bias
// copied into C first, GELU (recd_gelu) over the block's columns after.
static void gemm_portable(int m, int k, const float *a, int lda, const float *packed,
                          float *c, int ldc, int n, int n0, int n1, const float *bias, int gelu) {
    int end = n1 < n ? n1 : n;
    if (bias) for (int r = 0; r < m; r++) memcpy(c + (size_t)r * ldc + n0, bias + n0, (size_t)(end - n0) * sizeof(float));
    for (int p0 = n0; p0 < n1; p0 += RECD_PANEL) {
        const float *panel = packed + (size_t)(p0 / RECD_PANEL) * k * RECD_PANEL;
        int w = n1 - p0 < RECD_PANEL ? n1 - p0 : RECD_PANEL;
        if (p0 + w > n) w = n - p0;
        for (int r = 0; r < m; r++) {
            float acc[RECD_PANEL] = {0};
            const float *ar = a + (size_t)r * lda;
            for (int kk = 0; kk < k; kk++) {
                float av = ar[kk];
                const float *b = panel + (size_t)kk * RECD_PANEL;
                for (int j = 0; j < RECD_PANEL; j++) acc[j] += av * b[j];
            }
            float *cr = c + (size_t)r * ldc + p0;
            for (int j = 0; j < w; j++) cr[j] += acc[j];
        }
    }
    if (gelu) for (int r = 0; r < m; r++) recd_gelu(c + (size_t)r * ldc + n0, (size_t)(end - n0));
}

#if defined(__x86_64__)
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma")))

// One mr × 32 block over k-steps [0, k) of `panel` (already offset to the first k-step); `mr` is a
// compile-time constant after inlining, so the accumulator arrays live in registers.
// `prefetch` (also a constant) is the distance in k-steps of the software prefetch into L1. The first
// row block over a panel, the one that brings it in from L3/memory, asks for the line PREFETCH_K k-steps
// (16 KB) ahead: measured on 12-row queries under load, 1.5–2.5× the GEMM throughput of relying on the
// hardware prefetcher alone. Later row blocks find the panel in L2 and ask PREFETCH_K_L2 k-steps (2 KB)
// ahead (session 5: 2–5 % more GEMM throughput than leaving L2→L1 to the hardware prefetcher).
// Epilogue (once per block, after the k loop): C = bias + acc when `bias` (already offset to the
// panel's first column) is given, else C += acc; then GELU when `gelu` is set — the same operations, in
// the same order, as the separate bias-fill and recd_gelu passes it replaces, so the result is bitwise
// the same, without writing the bias into C and reading C back twice.
static inline __attribute__((always_inline)) AVX512 __m512 gelu512(__m512 v) {
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v),
                         recd_one_plus_erf512(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752440f))));
}

static inline __attribute__((always_inline)) AVX512
void block_avx512(const int mr, const int prefetch, int k, const float *a, int lda, const float *panel,
                  float *c, int ldc, __mmask16 m0, __mmask16 m1, const float *bias, int gelu) {
    __m512 acc0[MR], acc1[MR];
    for (int r = 0; r < mr; r++) { acc0[r] = _mm512_setzero_ps(); acc1[r] = _mm512_setzero_ps(); }
    for (int kk = 0; kk < k; kk++) {
        if (prefetch) {
            // Past the panel's end this touches the next panel (contiguous) or, at the very end, an
            // address prefetch never faults on.
            const char *ahead = (const char *)(panel + (size_t)(kk + prefetch) * RECD_PANEL);
            _mm_prefetch(ahead, _MM_HINT_T0);
            _mm_prefetch(ahead + 64, _MM_HINT_T0);
        }
        __m512 b0 = _mm512_load_ps(panel + (size_t)kk * RECD_PANEL);
        __m512 b1 = _mm512_load_ps(panel + (size_t)kk * RECD_PANEL + 16);
        for (int r = 0; r < mr; r++) {
            __m512 av = _mm512_set1_ps(a[(size_t)r * lda + kk]);
            acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
            acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
        }
    }
    if (bias) {
        const __m512 bias0 = _mm512_maskz_loadu_ps(m0, bias), bias1 = _mm512_maskz_loadu_ps(m1, bias + 16);
        for (int r = 0; r < mr; r++) {
            acc0[r] = _mm512_add_ps(bias0, acc0[r]);
            acc1[r] = _mm512_add_ps(bias1, acc1[r]);
        }
    } else {
        for (int r = 0; r < mr; r++) {
            const float *cr = c + (size_t)r * ldc;
            acc0[r] = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), acc0[r]);
            acc1[r] = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), acc1[r]);
        }
    }
    for (int r = 0; r < mr; r++) {
        float *cr = c + (size_t)r * ldc;
        _mm512_mask_storeu_ps(cr, m0, gelu ? gelu512(acc0[r]) : acc0[r]);
        _mm512_mask_storeu_ps(cr + 16, m1, gelu ? gelu512(acc1[r]) : acc1[r]);
    }
}

// The full 12-row block's k loop in inline assembly (the epilogue stays in C, epilogue12).
// Why: clang's code for block_avx512(12, …) addresses the 12 rows of A with a chain of 11 `add`s per
// k-step (56 µops per 24 FMAs). Here the rows are four base pointers (rows 0, 3, 6, 9) plus one or two
// times the row stride in the address: 4 `add`s, 47 µops. Every accumulator still takes acc = a·b + acc
// (one rounding) for k in order, so the sums are bitwise those of block_avx512. Rejected: each FMA taking
// its A element as an embedded broadcast ({1to16}; 35 µops but 24 loads per k-step), slower in the harness
// (FORMAT.md, "Session 6").
#define RECD_FMA_ROW(base, t, a0, a1) \
    "vbroadcastss " base ", %%zmm" #t "\n\t" \
    "vfmadd231ps %%zmm" #t ", %%zmm0, %%zmm" #a0 "\n\t" \
    "vfmadd231ps %%zmm" #t ", %%zmm1, %%zmm" #a1 "\n\t"

#define RECD_KERNEL12(NAME, PF_BYTES) \
static AVX512 __attribute__((noinline)) \
void NAME(long kc, const float *a, long lda_bytes, const float *panel, float *out) { \
    const char *a0 = (const char *)a, *a3 = a0 + 3 * lda_bytes, *a6 = a0 + 6 * lda_bytes, *a9 = a0 + 9 * lda_bytes; \
    __asm__ volatile( \
        "vpxord %%zmm8, %%zmm8, %%zmm8\n\t"   "vpxord %%zmm9, %%zmm9, %%zmm9\n\t" \
        "vpxord %%zmm10, %%zmm10, %%zmm10\n\t" "vpxord %%zmm11, %%zmm11, %%zmm11\n\t" \
        "vpxord %%zmm12, %%zmm12, %%zmm12\n\t" "vpxord %%zmm13, %%zmm13, %%zmm13\n\t" \
        "vpxord %%zmm14, %%zmm14, %%zmm14\n\t" "vpxord %%zmm15, %%zmm15, %%zmm15\n\t" \
        "vpxord %%zmm16, %%zmm16, %%zmm16\n\t" "vpxord %%zmm17, %%zmm17, %%zmm17\n\t" \
        "vpxord %%zmm18, %%zmm18, %%zmm18\n\t" "vpxord %%zmm19, %%zmm19, %%zmm19\n\t" \
        "vpxord %%zmm20, %%zmm20, %%zmm20\n\t" "vpxord %%zmm21, %%zmm21, %%zmm21\n\t" \
        "vpxord %%zmm22, %%zmm22, %%zmm22\n\t" "vpxord %%zmm23, %%zmm23, %%zmm23\n\t" \
        "vpxord %%zmm24, %%zmm24, %%zmm24\n\t" "vpxord %%zmm25, %%zmm25, %%zmm25\n\t" \
        "vpxord %%zmm26, %%zmm26, %%zmm26\n\t" "vpxord %%zmm27, %%zmm27, %%zmm27\n\t" \
        "vpxord %%zmm28, %%zmm28, %%zmm28\n\t" "vpxord %%zmm29, %%zmm29, %%zmm29\n\t" \
        "vpxord %%zmm30, %%zmm30, %%zmm30\n\t" "vpxord %%zmm31, %%zmm31, %%zmm31\n\t" \
        ".p2align 5\n" \
        "1:\n\t" \
        "prefetcht0 %c[pf](%[p])\n\t" \
        "prefetcht0 %c[pf2](%[p])\n\t" \
        "vmovaps (%[p]), %%zmm0\n\t" \
        "vmovaps 64(%[p]), %%zmm1\n\t" \
        RECD_FMA_ROW("(%[a0])", 2, 8, 9) \
        RECD_FMA_ROW("(%[a0],%[L],1)", 3, 10, 11) \
        RECD_FMA_ROW("(%[a0],%[L],2)", 4, 12, 13) \
        RECD_FMA_ROW("(%[a3])", 5, 14, 15) \
        RECD_FMA_ROW("(%[a3],%[L],1)", 6, 16, 17) \
        RECD_FMA_ROW("(%[a3],%[L],2)", 7, 18, 19) \
        RECD_FMA_ROW("(%[a6])", 2, 20, 21) \
        RECD_FMA_ROW("(%[a6],%[L],1)", 3, 22, 23) \
        RECD_FMA_ROW("(%[a6],%[L],2)", 4, 24, 25) \
        RECD_FMA_ROW("(%[a9])", 5, 26, 27) \
        RECD_FMA_ROW("(%[a9],%[L],1)", 6, 28, 29) \
        RECD_FMA_ROW("(%[a9],%[L],2)", 7, 30, 31) \
        "addq $4, %[a0]\n\t" "addq $4, %[a3]\n\t" "addq $4, %[a6]\n\t" "addq $4, %[a9]\n\t" \
        "subq $-128, %[p]\n\t" \
        "decq %[k]\n\t" \
        "jnz 1b\n\t" \
        "vmovaps %%zmm8, 0(%[o])\n\t"     "vmovaps %%zmm9, 64(%[o])\n\t" \
        "vmovaps %%zmm10, 128(%[o])\n\t"  "vmovaps %%zmm11, 192(%[o])\n\t" \
        "vmovaps %%zmm12, 256(%[o])\n\t"  "vmovaps %%zmm13, 320(%[o])\n\t" \
        "vmovaps %%zmm14, 384(%[o])\n\t"  "vmovaps %%zmm15, 448(%[o])\n\t" \
        "vmovaps %%zmm16, 512(%[o])\n\t"  "vmovaps %%zmm17, 576(%[o])\n\t" \
        "vmovaps %%zmm18, 640(%[o])\n\t"  "vmovaps %%zmm19, 704(%[o])\n\t" \
        "vmovaps %%zmm20, 768(%[o])\n\t"  "vmovaps %%zmm21, 832(%[o])\n\t" \
        "vmovaps %%zmm22, 896(%[o])\n\t"  "vmovaps %%zmm23, 960(%[o])\n\t" \
        "vmovaps %%zmm24, 1024(%[o])\n\t" "vmovaps %%zmm25, 1088(%[o])\n\t" \
        "vmovaps %%zmm26, 1152(%[o])\n\t" "vmovaps %%zmm27, 1216(%[o])\n\t" \
        "vmovaps %%zmm28, 1280(%[o])\n\t" "vmovaps %%zmm29, 1344(%[o])\n\t" \
        "vmovaps %%zmm30, 1408(%[o])\n\t" "vmovaps %%zmm31, 1472(%[o])\n\t" \
        : [k] "+r"(kc), [p] "+r"(panel), [a0] "+r"(a0), [a3] "+r"(a3), [a6] "+r"(a6), [a9] "+r"(a9) \
        : [L] "r"(lda_bytes), [o] "r"(out), [pf] "i"(PF_BYTES), [pf2] "i"(PF_BYTES + 64) \
        : "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", \
          "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", \
          "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31"); \
}

RECD_KERNEL12(kernel12_l3, PREFETCH_K * RECD_PANEL * 4)
RECD_KERNEL12(kernel12_l2, PREFETCH_K_L2 * RECD_PANEL * 4)

// A full 12-row block: the assembly k loop, then block_avx512's epilogue on the stored accumulators
// (the same operations in the same order).
static inline __attribute__((always_inline)) AVX512
void block12(const int from_l3, int k, const float *a, int lda, const float *panel,
             float *c, int ldc, __mmask16 m0, __mmask16 m1, const float *bias, int gelu) {
    float acc[2 * MR * 16] __attribute__((aligned(64)));
    if (from_l3) kernel12_l3(k, a, (long)lda * 4, panel, acc);
    else kernel12_l2(k, a, (long)lda * 4, panel, acc);
    for (int r = 0; r < MR; r++) {
        __m512 x0 = _mm512_load_ps(acc + 32 * r), x1 = _mm512_load_ps(acc + 32 * r + 16);
        float *cr = c + (size_t)r * ldc;
        if (bias) {
            x0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, bias), x0);
            x1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, bias + 16), x1);
        } else {
            x0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), x0);
            x1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), x1);
        }
        _mm512_mask_storeu_ps(cr, m0, gelu ? gelu512(x0) : x0);
        _mm512_mask_storeu_ps(cr + 16, m1, gelu ? gelu512(x1) : x1);
    }
}

#define BLOCK_CASE(R, PF) case R: if (PF) block_avx512(R, PREFETCH_K, kc, ar, lda, panel, cr, ldc, m0, m1, bp, gl); \
                                  else block_avx512(R, PREFETCH_K_L2, kc, ar, lda, panel, cr, ldc, m0, m1, bp, gl); break;
#define BLOCK_SWITCH(PF) switch (mr) { \
    case 12: block12(PF, kc, ar, lda, panel, cr, ldc, m0, m1, bp, gl); break; BLOCK_CASE(11, PF) BLOCK_CASE(10, PF) BLOCK_CASE(9, PF) BLOCK_CASE(8, PF) \
    BLOCK_CASE(7, PF) BLOCK_CASE(6, PF) BLOCK_CASE(5, PF) BLOCK_CASE(4, PF) BLOCK_CASE(3, PF) \
    BLOCK_CASE(2, PF) BLOCK_CASE(1, PF) default: break; }

/// Column masks of the panel starting at p0 when columns end at `end`.
static inline AVX512 void panel_masks(int p0, int end, __mmask16 *m0, __mmask16 *m1) {
    int w = end - p0;
    if (w > RECD_PANEL) w = RECD_PANEL;
    *m0 = recd_tail_mask16(w);
    *m1 = recd_tail_mask16(w - 16);
}

// Few rows: panels outer, row blocks inner (each panel read from memory once, prefetched ahead). k runs in
// the many-rows order's RECD_KC blocks, each added into C the same way, so a row's result is bitwise the same
// whichever order runs it: a text's embedding does not depend on the batch it came in.
static AVX512 void gemm_avx512_small(int m, int k, const float *a, int lda, const float *packed,
                                     float *c, int ldc, int end, int n0, int n1, const float *bias, int gelu) {
    for (int p0 = n0; p0 < n1; p0 += RECD_PANEL) {
        const float *whole = packed + (size_t)(p0 / RECD_PANEL) * k * RECD_PANEL;
        __mmask16 m0, m1;
        panel_masks(p0, end, &m0, &m1);
        for (int r0 = 0; r0 < m; r0 += MR) {
            int mr = m - r0 < MR ? m - r0 : MR;
            float *cr = c + (size_t)r0 * ldc + p0;
            for (int k0 = 0; k0 < k; k0 += RECD_KC) {
                const int kc = k - k0 < RECD_KC ? k - k0 : RECD_KC;
                const int gl = gelu && k0 + kc == k;
                const float *ar = a + (size_t)r0 * lda + k0;
                const float *panel = whole + (size_t)k0 * RECD_PANEL;
                const float *bp = bias && k0 == 0 ? bias + p0 : NULL;
                if (r0 == 0) { BLOCK_SWITCH(1) } else { BLOCK_SWITCH(0) }
            }
        }
    }
}

// Many rows: column blocks of RECD_NB panels, k blocks of RECD_KC, 12-row blocks, then the block's
// panels (see the top of the file). Each k block adds its partial product into C (the first one onto
// the bias, when given; GELU after the last), so C takes the k blocks' sums in order: the result does not
// depend on how columns are split between threads.
static AVX512 void gemm_avx512_blocked(int m, int k, const float *a, int lda, const float *packed,
                                       float *c, int ldc, int end, int n0, int n1, const float *bias, int gelu) {
    for (int nb0 = n0; nb0 < n1; nb0 += RECD_NB * RECD_PANEL) {
        int nb1 = nb0 + RECD_NB * RECD_PANEL < n1 ? nb0 + RECD_NB * RECD_PANEL : n1;
        for (int k0 = 0; k0 < k; k0 += RECD_KC) {
            const int kc = k - k0 < RECD_KC ? k - k0 : RECD_KC;
            const int gl = gelu && k0 + kc == k;
            for (int r0 = 0; r0 < m; r0 += MR) {
                int mr = m - r0 < MR ? m - r0 : MR;
                const float *ar = a + (size_t)r0 * lda + k0;
                for (int p0 = nb0; p0 < nb1; p0 += RECD_PANEL) {
                    const float *panel = packed + (size_t)(p0 / RECD_PANEL) * k * RECD_PANEL + (size_t)k0 * RECD_PANEL;
                    float *cr = c + (size_t)r0 * ldc + p0;
                    __mmask16 m0, m1;
                    panel_masks(p0, end, &m0, &m1);
                    const float *bp = bias && k0 == 0 ? bias + p0 : NULL;
                    if (r0 == 0) { BLOCK_SWITCH(1) } else { BLOCK_SWITCH(0) }
                }
            }
        }
    }
}

// 16 × 16 transpose of r (row i becomes column i): 32-bit interleave, 64-bit interleave, then two rounds
// of 128-bit lane shuffles (64 shuffles for 256 floats).
static inline __attribute__((always_inline)) AVX512 void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    // Group g (rows 4g ..< 4g + 4): u[4g + c] holds, in 128-bit lane L, column 4L + c of those rows.
    for (int g = 0; g < 16; g += 4) {
        u[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
        u[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
        u[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
        u[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
    }
    // Column 4L + c = lane L of u[c], u[4 + c], u[8 + c], u[12 + c], in that order.
    for (int c = 0; c < 4; c++) {
        __m512 v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x44), v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xEE);
        __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x44), v3 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xEE);
        r[c] = _mm512_shuffle_f32x4(v0, v2, 0x88);
        r[c + 4] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
        r[c + 8] = _mm512_shuffle_f32x4(v1, v3, 0x88);
        r[c + 12] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
    }
}

// recd_pack_nt with 16 × 16 register transposes: each step loads 16 k-values of 16 weight rows (one
// 64-byte line each) and stores them as 16 half-lines of the panel. Writes exactly what the scalar loop
// writes (columns past n zero). Load-time only: ~42.5 MB for MiniLM, where the scalar gather cost ~20 ms CPU.
static AVX512 void pack_avx512(const float *w, int n, int k, float *dst) {
    int panels = (n + RECD_PANEL - 1) / RECD_PANEL;
    for (int p = 0; p < panels; p++) {
        float *panel = dst + (size_t)p * k * RECD_PANEL;
        for (int half = 0; half < RECD_PANEL; half += 16) {
            const int c0 = p * RECD_PANEL + half;
            for (int k0 = 0; k0 < k; k0 += 16) {
                const int kw = k - k0 < 16 ? k - k0 : 16;
                const __mmask16 m = recd_tail_mask16(kw);
                __m512 r[16];
                for (int j = 0; j < 16; j++)
                    r[j] = c0 + j < n ? _mm512_maskz_loadu_ps(m, w + (size_t)(c0 + j) * k + k0) : _mm512_setzero_ps();
                transpose16(r);
                for (int t = 0; t < kw; t++) _mm512_storeu_ps(panel + (size_t)(k0 + t) * RECD_PANEL + half, r[t]);
            }
        }
    }
}

static AVX512 void gemm_avx512(int m, int k, const float *a, int lda, const float *packed,
                               float *c, int ldc, int n, int n0, int n1, const float *bias, int gelu) {
    int end = n1 < n ? n1 : n;
    if (m <= RECD_SMALL_M) gemm_avx512_small(m, k, a, lda, packed, c, ldc, end, n0, n1, bias, gelu);
    else gemm_avx512_blocked(m, k, a, lda, packed, c, ldc, end, n0, n1, bias, gelu);
}
#endif

void recd_gemm_packed_ex(int m, int n, int k, const float *a, int lda, const float *packed,
                         float *c, int ldc, int n0, int n1, const float *bias, int gelu) {
    if (m <= 0 || n0 >= n1) return;
#if defined(__x86_64__)
    switch (recd_kernels_isa()) {
    case RECD_ISA_AVX512: gemm_avx512(m, k, a, lda, packed, c, ldc, n, n0, n1, bias, gelu); return;
    case RECD_ISA_AVX2: recd_gemm_avx2(m, k, a, lda, packed, c, ldc, n, n0, n1, bias, gelu); return;
    default: break;
    }
#endif
    gemm_portable(m, k, a, lda, packed, c, ldc, n, n0, n1, bias, gelu);
}

void recd_gemm_packed(int m, int n, int k, const float *a, int lda, const float *packed,
                      float *c, int ldc, int n0, int n1) {
    recd_gemm_packed_ex(m, n, k, a, lda, packed, c, ldc, n0, n1, NULL, 0);
}

void recd_pack_nt(const float *w, int n, int k, float *dst) {
#if defined(__x86_64__)
    if (recd_kernels_have_avx512()) {
        pack_avx512(w, n, k, dst);
        return;
    }
#endif
    pack_portable(w, n, k, dst);
}
