// Large read-mostly buffers of the forward pass (packed weights, workspaces) on transparent huge pages.
#ifndef RECD_MEMORY_H
#define RECD_MEMORY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Allocates `bytes` of zeroed, read-write memory, 64-byte aligned, every page touched (so the forward
/// pass takes no page faults). From RECD_HUGE_MIN bytes up it is a private anonymous mapping aligned to
/// 2 MiB and advised MADV_HUGEPAGE (unless RECD_HUGEPAGES=0 or off), so the kernel backs it with 2 MiB
/// pages where it can; smaller requests use posix_memalign. NULL when out of memory.
/// Free with recd_huge_free and the same `bytes`.
void *recd_huge_alloc(size_t bytes);

/// Like recd_huge_alloc, but from RECD_HUGE_MIN bytes up the pages are not touched: the memory reads as
/// zero and each page is faulted in (and zeroed by the kernel) on its first write. For buffers one or
/// more threads fill completely right away (the decoded weights, the packed weights at load): touching
/// them first would write every byte twice and take the faults on one thread.
void *recd_huge_alloc_untouched(size_t bytes);

/// Frees memory from recd_huge_alloc(bytes) or recd_huge_alloc_untouched(bytes).
void recd_huge_free(void *p, size_t bytes);

/// 1 when recd_huge_alloc advises huge pages (RECD_HUGEPAGES unset, or not 0 / off), else 0.
int recd_huge_pages_advised(void);

/// Bytes of this process's anonymous memory backed by transparent huge pages (AnonHugePages in
/// /proc/self/smaps_rollup), or -1 when that cannot be read. Diagnostics for benchmarks.
long long recd_anon_huge_bytes(void);

/// Minor page faults of this process so far (getrusage ru_minflt), or -1 where unavailable.
/// Diagnostics for the load profile.
long long recd_minor_faults(void);

#ifdef __cplusplus
}
#endif

#endif
