// Intra-op parallelism for the packed GEMM (intra_op.c): one process-wide helper thread that takes half
// of a GEMM's columns while exactly one forward pass runs in the process.
#ifndef RECD_INTRA_OP_H
#define RECD_INTRA_OP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Turns the helper on (1) or off (0) for later GEMM calls. The default is on when the process may run
/// on two or more CPUs; RECD_INTRA_OP=0 (or off) turns it off. The thread starts on first use.
void recd_intra_op_enable(int on);

/// 1 when the helper is enabled (resolving the default on first call).
int recd_intra_op_enabled(void);

/// Starts the helper thread now if it is not running (it otherwise starts on first use); 1 when it runs.
int recd_intra_op_start(void);

/// The helper's kernel thread id, 0 until the thread has started running.
int recd_intra_op_helper_tid(void);

/// Keeps the helper on the `count` CPUs in `cpus`: now if it runs, else from its start (a thread inherits
/// the CPUs of the thread that starts it, and a worker pinned to its own CPU starts the helper). 0 on
/// success, else an errno value (EINVAL: an empty list, a number outside 0 … CPU_SETSIZE − 1, or no
/// allowed CPU in it).
int recd_intra_op_set_helper_cpus(const int *cpus, int count);

/// For the calling thread only: 0 keeps its later GEMMs off the helper (recd_gemm_packed_auto runs them
/// on this thread), 1 (the default) lets them use it as the enable switch and pass count allow. A worker
/// pool uses it to keep the helper for passes that start while the rest of the pool is idle.
void recd_intra_op_thread_allow(int allow);

/// What recd_intra_op_thread_allow last set on the calling thread (1 when never called).
int recd_intra_op_thread_allowed(void);

/// Marks the start / end of one forward pass; the helper is used only while at most one is in progress.
void recd_pass_begin(void);
void recd_pass_end(void);

/// Forward passes in progress (for tests).
/// Diagnostics since the process started: GEMMs offered to the helper thread (split between it and the
/// caller) and column chunks the helper computed. With one worker per core both should stay near zero.
void recd_intra_op_counts(unsigned long long *shared_gemms, unsigned long long *helper_chunks);
/// Times a caller waited too long for the helper's chunk and went on alone for a while (diagnostics).
unsigned long long recd_intra_op_backoffs(void);

int recd_passes_in_progress(void);

/// C[m, n] += A[m, k] · Wᵀ with the column chunks shared with the helper thread whenever it is free
/// (whatever the enable switch and pass count say), with recd_gemm_packed_ex's epilogue (`bias`, `gelu`).
/// Returns 1 when the helper computed at least one chunk, 0 when this thread computed them all.
/// Each column is computed by the same code as recd_gemm_packed, so the result is bitwise the same.
int recd_gemm_packed_split(int m, int n, int k, const float *a, int lda, const float *packed,
                           float *c, int ldc, const float *bias, int gelu);

/// C[m, n] += A[m, k] · Wᵀ (as recd_gemm_packed over all columns), sharing column chunks with the helper
/// thread when it is enabled, free, and this is the only pass in progress; else on this thread. With
/// recd_gemm_packed_ex's epilogue (`bias`, `gelu`).
void recd_gemm_packed_auto(int m, int n, int k, const float *a, int lda, const float *packed,
                           float *c, int ldc, const float *bias, int gelu);

/// recd_i8_gemm (recd_int8.h: c[rows, n] = a[rows, k] · packed s8 weights, s32) with its 16-column panels
/// shared with the helper thread whenever it is free, as recd_gemm_packed_split. Exact either way.
/// Returns 1 when the helper computed at least one chunk.
int recd_i8_gemm_split(const uint8_t *a, int rows, int k, int lda, const int8_t *packed, int n, int32_t *c, int ldc);

/// recd_i8_gemm, shared with the helper under recd_gemm_packed_auto's conditions (enabled, free, allowed
/// on this thread, the only pass in progress), else on this thread.
void recd_i8_gemm_auto(const uint8_t *a, int rows, int k, int lda, const int8_t *packed, int n, int32_t *c, int ldc);

#ifdef __cplusplus
}
#endif

#endif
