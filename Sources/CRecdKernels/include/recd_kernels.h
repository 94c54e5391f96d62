// recd's own compute kernels: a packed-weight small-M fp32 GEMM for linear layers.
// See Sources/RecdModel/FORMAT.md ("Kernels") for the layout and the choices behind it.
#ifndef RECD_KERNELS_H
#define RECD_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Output columns per packed panel (two 16-float AVX-512 vectors).
#define RECD_PANEL 32

/// Floats needed to pack an [n, k] weight: ceil(n / RECD_PANEL) panels of k × RECD_PANEL floats.
size_t recd_packed_floats(int n, int k);

/// Re-lays out the row-major weight w[n, k] (Hugging Face [out, in]) into panels:
/// panel p holds columns p*32 ..< p*32+32, stored k-major (32 consecutive floats per k),
/// columns past n zero-filled. `dst` must hold recd_packed_floats(n, k) floats, ideally 64-byte aligned.
/// AVX-512 16 × 16 transposes when the kernels use AVX-512, else a scalar loop: the same floats either way.
void recd_pack_nt(const float *w, int n, int k, float *dst);

/// C[m, n] += A[m, k] · Wᵀ for a weight packed by recd_pack_nt (row-major, leading dimensions).
/// Columns [n0, n1) only (both multiples of 32, or n1 == n), so callers can split N across threads.
/// Uses the AVX-512 micro-kernel when the CPU has it, else the AVX2 + FMA one, else a portable loop.
void recd_gemm_packed(int m, int n, int k, const float *a, int lda, const float *packed,
                      float *c, int ldc, int n0, int n1);

/// As recd_gemm_packed, with an epilogue: when `bias` (n floats) is non-null, C = bias + A·Wᵀ and C's
/// old contents are not read; else C += A·Wᵀ. Then, when `gelu` is 1, C = GELU(C) (erf form, exactly as
/// recd_gelu computes it). Bitwise the same as filling C with the bias, recd_gemm_packed, recd_gelu.
void recd_gemm_packed_ex(int m, int n, int k, const float *a, int lda, const float *packed,
                         float *c, int ldc, int n0, int n1, const float *bias, int gelu);

/// Instruction-set levels of the fp32 kernels (GEMM, elementwise, attention).
#define RECD_ISA_PORTABLE 0
/// AVX2 + FMA (e.g. AMD Zen 2/3): 6 × 16 register blocks.
#define RECD_ISA_AVX2 1
/// AVX-512 F/BW/VL: 12 × 32 register blocks.
#define RECD_ISA_AVX512 2

/// The best level this CPU supports.
int recd_kernels_cpu_isa(void);

/// The level the kernels use now: the CPU's best, capped by recd_kernels_limit_isa.
int recd_kernels_isa(void);

/// Caps the level (process-wide), for tests and comparison: RECD_ISA_AVX512 removes the cap.
void recd_kernels_limit_isa(int level);

/// y[0 ..< n] += a · x[0 ..< n], multiply then add (no FMA): bitwise a plain loop's result, 8 or 16 lanes wide.
void recd_axpy(int n, float a, const float *x, float *y);

/// 1 when the AVX-512 micro-kernel is in use on this CPU, else 0.
int recd_kernels_have_avx512(void);

/// Forces the portable path, for tests: 1 = recd_kernels_limit_isa(RECD_ISA_PORTABLE), 0 = no cap.
void recd_kernels_force_portable(int force);

#ifdef __cplusplus
}
#endif

// The other kernels' headers, included here as well as by the umbrella directory: a clang module cache
// built before a header was added does not notice the new file, but does notice this one changing.
#include "recd_ops.h"
#include "recd_intra_op.h"
#include "recd_memory.h"
#include "recd_affinity.h"

#endif
