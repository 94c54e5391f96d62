// recd's own u8 × s8 → s32 GEMM over weights packed once at load, for CPUs where oneDNN 2.6's matmul
// falls back to `gemm:jit` (AVX2 without VNNI, e.g. AMD Zen 2/3): that implementation re-packs the whole
// weight matrix on every call, which for a 12-token query was 27 % of the int8 pass, and its row buckets
// pad a 12-row block to 16. See include/recd_int8.h for the layout and Sources/RecdModel/Int8/
// QuantizedLinear.swift for when it is used.
//
// The AVX2 body multiplies with vpmaddubsw (u8·s8 pairs summed into s16), widens with vpmaddwd against
// ones (s16 pairs summed into s32) and adds into s32 accumulators: a tile of 4 rows × 16 columns keeps
// 8 accumulators, the two 32-byte weight vectors of a k group and one broadcast activation word in
// registers. With 7-bit weights (|w| ≤ 63) a pair sum is at most 2·255·63 = 32130 and never saturates,
// so the result is exact and equals the portable body's.
#include "recd_int8.h"
#include "recd_kernels.h"
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#include "vmath_avx2.h"
#endif

int recd_i8_packable(int n, int k) {
    return n > 0 && k > 0 && n % RECD_I8_PANEL == 0 && k % 4 == 0;
}

size_t recd_i8_packed_bytes(int n, int k) { return (size_t)n * (size_t)k; }

void recd_i8_pack_weights(const int8_t *q, int n, int k, int8_t *packed) {
    const int groups = k / 4;
    for (int p = 0; p < n / RECD_I8_PANEL; p++) {
        for (int g = 0; g < groups; g++) {
            int8_t *dst = packed + ((size_t)p * groups + g) * 4 * RECD_I8_PANEL;
            for (int c = 0; c < RECD_I8_PANEL; c++) {
                const int8_t *src = q + (size_t)(p * RECD_I8_PANEL + c) * k + 4 * g;
                memcpy(dst + 4 * c, src, 4);
            }
        }
    }
}

void recd_i8_gemm_portable(const uint8_t *a, int rows, int k, int lda, const int8_t *packed, int n,
                           int32_t *c, int ldc) {
    const int groups = k / 4;
    for (int i = 0; i < rows; i++) {
        const uint8_t *ar = a + (size_t)i * lda;
        for (int j = 0; j < n; j++) {
            const int p = j / RECD_I8_PANEL, col = j % RECD_I8_PANEL;
            const int8_t *b = packed + (size_t)p * groups * 4 * RECD_I8_PANEL + 4 * col;
            int32_t s = 0;
            for (int g = 0; g < groups; g++, b += 4 * RECD_I8_PANEL) {
                for (int t = 0; t < 4; t++) s += (int32_t)ar[4 * g + t] * (int32_t)b[t];
            }
            c[(size_t)i * ldc + j] = s;
        }
    }
}

#if defined(__x86_64__)
/// One tile: `mr` (1...4) rows of A × one 16-column panel, over all k groups.
static inline __attribute__((always_inline)) RECD_AVX2 void tile_avx2(int mr, const uint8_t *a, int lda,
        const int8_t *b, int groups, int32_t *c, int ldc) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    const uint8_t *a0 = a, *a1 = a + lda, *a2 = a + 2 * (size_t)lda, *a3 = a + 3 * (size_t)lda;
#define RECD_I8_ROW(ar, x0, x1) do { \
        int32_t word; memcpy(&word, (ar) + 4 * g, 4); \
        const __m256i va = _mm256_set1_epi32(word); \
        x0 = _mm256_add_epi32(x0, _mm256_madd_epi16(_mm256_maddubs_epi16(va, b0), ones)); \
        x1 = _mm256_add_epi32(x1, _mm256_madd_epi16(_mm256_maddubs_epi16(va, b1), ones)); \
    } while (0)
    for (int g = 0; g < groups; g++, b += 4 * RECD_I8_PANEL) {
        const __m256i b0 = _mm256_load_si256((const __m256i *)b);
        const __m256i b1 = _mm256_load_si256((const __m256i *)(b + 32));
        RECD_I8_ROW(a0, c00, c01);
        if (mr > 1) RECD_I8_ROW(a1, c10, c11);
        if (mr > 2) RECD_I8_ROW(a2, c20, c21);
        if (mr > 3) RECD_I8_ROW(a3, c30, c31);
    }
#undef RECD_I8_ROW
    _mm256_storeu_si256((__m256i *)c, c00);
    _mm256_storeu_si256((__m256i *)(c + 8), c01);
    if (mr > 1) { _mm256_storeu_si256((__m256i *)(c + ldc), c10); _mm256_storeu_si256((__m256i *)(c + ldc + 8), c11); }
    if (mr > 2) { _mm256_storeu_si256((__m256i *)(c + 2 * (size_t)ldc), c20); _mm256_storeu_si256((__m256i *)(c + 2 * (size_t)ldc + 8), c21); }
    if (mr > 3) { _mm256_storeu_si256((__m256i *)(c + 3 * (size_t)ldc), c30); _mm256_storeu_si256((__m256i *)(c + 3 * (size_t)ldc + 8), c31); }
}

static RECD_AVX2 void tile4(const uint8_t *a, int lda, const int8_t *b, int groups, int32_t *c, int ldc) { tile_avx2(4, a, lda, b, groups, c, ldc); }
static RECD_AVX2 void tile3(const uint8_t *a, int lda, const int8_t *b, int groups, int32_t *c, int ldc) { tile_avx2(3, a, lda, b, groups, c, ldc); }
static RECD_AVX2 void tile2(const uint8_t *a, int lda, const int8_t *b, int groups, int32_t *c, int ldc) { tile_avx2(2, a, lda, b, groups, c, ldc); }
static RECD_AVX2 void tile1(const uint8_t *a, int lda, const int8_t *b, int groups, int32_t *c, int ldc) { tile_avx2(1, a, lda, b, groups, c, ldc); }

/// Panels outer, row tiles inner: a panel's k × 16 bytes (24 KiB at k = 1536) stays in L1 while every
/// row tile of the block passes over it; the block's rows of A stay in L2.
static RECD_AVX2 void gemm_avx2(const uint8_t *a, int rows, int k, int lda, const int8_t *packed, int n,
                                int32_t *c, int ldc) {
    const int groups = k / 4;
    const size_t panelBytes = (size_t)groups * 4 * RECD_I8_PANEL;
    for (int p = 0; p < n / RECD_I8_PANEL; p++) {
        const int8_t *b = packed + p * panelBytes;
        int32_t *cp = c + p * RECD_I8_PANEL;
        int i = 0;
        for (; i + 4 <= rows; i += 4) tile4(a + (size_t)i * lda, lda, b, groups, cp + (size_t)i * ldc, ldc);
        switch (rows - i) {
        case 3: tile3(a + (size_t)i * lda, lda, b, groups, cp + (size_t)i * ldc, ldc); break;
        case 2: tile2(a + (size_t)i * lda, lda, b, groups, cp + (size_t)i * ldc, ldc); break;
        case 1: tile1(a + (size_t)i * lda, lda, b, groups, cp + (size_t)i * ldc, ldc); break;
        default: break;
        }
    }
}
#endif

int recd_i8_gemm_has_simd(void) {
#if defined(__x86_64__)
    return recd_kernels_isa() >= RECD_ISA_AVX2;
#else
    return 0;
#endif
}

void recd_i8_gemm(const uint8_t *a, int rows, int k, int lda, const int8_t *packed, int n, int32_t *c, int ldc) {
#if defined(__x86_64__)
    if (recd_kernels_isa() >= RECD_ISA_AVX2) { gemm_avx2(a, rows, k, lda, packed, n, c, ldc); return; }
#endif
    recd_i8_gemm_portable(a, rows, k, lda, packed, n, c, ldc);
}
