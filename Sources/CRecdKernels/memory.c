// Huge-page backed buffers for the packed weights and the workspaces (recd_memory.h).
//
// Why: each forward pass streams all 42.5 MB of packed weights and writes up to tens of MB of activations.
// On 4 KiB pages that is ~10,000 weight pages per pass, more than the second-level TLB holds (2,048 entries
// here), so every GEMM's first pass over its weights also walks page tables, and in a KVM guest a walk
// is two-dimensional (guest and host tables). On 2 MiB pages the weights are 22 TLB entries.
// The machine's THP setting is `madvise`, so the region must ask for it: MADV_HUGEPAGE on a 2 MiB
// aligned mapping (the kernel can only use a huge page for an aligned 2 MiB range).
#define _GNU_SOURCE
#include "recd_memory.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <sys/resource.h>
#endif

/// Requests from this size up get their own 2 MiB aligned mapping; smaller ones (tests' weights, the
/// attention scratch) would waste most of a huge page.
#define RECD_HUGE_MIN ((size_t)1 << 20)
#define RECD_HUGE_PAGE ((size_t)2 << 20)

int recd_huge_pages_advised(void) {
    const char *env = getenv("RECD_HUGEPAGES");
    return !(env && (strcmp(env, "0") == 0 || strcmp(env, "off") == 0));
}

static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

#if defined(__linux__)
/// A private anonymous mapping of `size` bytes (a multiple of RECD_HUGE_PAGE), 2 MiB aligned, advised
/// MADV_HUGEPAGE unless RECD_HUGEPAGES says otherwise; its pages are not touched. NULL on failure.
static char *map_huge_aligned(size_t size) {
    // Map one huge page more than needed, then unmap the unaligned head and the tail, so the region
    // is exactly [q, q + size) and 2 MiB aligned.
    char *p = mmap(NULL, size + RECD_HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    char *q = (char *)round_up((uintptr_t)p, RECD_HUGE_PAGE);
    if (q > p) munmap(p, (size_t)(q - p));
    size_t tail = (size_t)(p + size + RECD_HUGE_PAGE - (q + size));
    if (tail > 0) munmap(q + size, tail);
    if (recd_huge_pages_advised()) madvise(q, size, MADV_HUGEPAGE);
    return q;
}
#endif

static void *alloc(size_t bytes, int touch) {
    if (bytes == 0) bytes = 64;
#if defined(__linux__)
    if (bytes >= RECD_HUGE_MIN) {
        size_t size = round_up(bytes, RECD_HUGE_PAGE);
        char *q = map_huge_aligned(size);
        // Touch every page now (the mapping reads as zero), so the forward pass never faults.
        if (q && touch) memset(q, 0, size);
        return q;
    }
#endif
    void *p = NULL;
    if (posix_memalign(&p, 64, round_up(bytes, 64)) != 0) return NULL;
    memset(p, 0, round_up(bytes, 64));
    return p;
}

void *recd_huge_alloc(size_t bytes) { return alloc(bytes, 1); }

void *recd_huge_alloc_untouched(size_t bytes) { return alloc(bytes, 0); }

void recd_huge_free(void *p, size_t bytes) {
    if (!p) return;
    if (bytes == 0) bytes = 64;
#if defined(__linux__)
    if (bytes >= RECD_HUGE_MIN) {
        munmap(p, round_up(bytes, RECD_HUGE_PAGE));
        return;
    }
#endif
    free(p);
}

long long recd_anon_huge_bytes(void) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f) return -1;
    char line[256];
    long long kb = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "AnonHugePages:", 14) == 0) { kb = strtoll(line + 14, NULL, 10); break; }
    }
    fclose(f);
    return kb < 0 ? -1 : kb * 1024;
}

long long recd_minor_faults(void) {
#if defined(__linux__)
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u) != 0) return -1;
    return (long long)u.ru_minflt;
#else
    return -1;
#endif
}
