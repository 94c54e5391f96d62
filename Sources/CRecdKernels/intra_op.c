// Intra-op parallelism for the packed GEMM: one persistent helper thread that takes the upper half of
// a GEMM's panels while the calling thread does the lower half.
//
// Why: a single query (M ≈ 12) streams all 42.5 MB of packed weights once and is bound by one core's
// cache bandwidth; two cores streaming half each nearly halve the GEMM time. Why one helper and not a
// pool: the machine has two cores and the daemon already runs one worker per core, so the helper is
// only worth using while exactly one forward pass runs in the process (`recd_pass_begin/end` count
// them). The check is per GEMM call, so a second worker starting mid-pass turns the split off from the
// next call on; the helper is a try-lock, so two passes never share it.
//
// Waiting: the helper spins (pause) for up to ~RECD_SPIN_NS between jobs — the non-GEMM ops between two
// GEMMs of a pass take tens of microseconds — then sleeps on a futex; the caller likewise spins, then
// sleeps, while the helper finishes its half. So an idle daemon burns no CPU and a pass pays no wake-up
// cost between its GEMMs. Rejected: OpenMP (a second runtime next to oneDNN's, and its barrier cost
// ~5–10 µs per call at these sizes), dispatch_apply per call (thread hand-off per GEMM).
#define _GNU_SOURCE
#include "recd_kernels.h"
#include "recd_intra_op.h"
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

#define RECD_SPIN_NS 200000LL

typedef struct {
    int m, n, k, lda, ldc, n0, n1;
    const float *a;
    const float *packed;
    float *c;
} gemm_job;

static struct {
    atomic_int enabled;          // 1 on, 0 off, -1 not decided yet (RECD_INTRA_OP and the CPU count decide)
    atomic_int started;          // helper thread running
    atomic_int passes;           // forward passes in progress (recd_pass_begin/end)
    atomic_flag busy;            // try-lock: held by the caller whose GEMM the helper is working on
    _Atomic uint32_t job_seq;    // bumped by the caller to post a job (futex word for the helper)
    _Atomic uint32_t done_seq;   // set to job_seq by the helper when its half is done (futex word for the caller)
    atomic_int helper_sleeping;  // helper is (about to be) in futex_wait on job_seq
    atomic_int caller_sleeping;  // caller is (about to be) in futex_wait on done_seq
    gemm_job job;                // written by the caller before job_seq is bumped; read by the helper after
    pthread_mutex_t start_lock;
} team = { .enabled = -1, .busy = ATOMIC_FLAG_INIT, .start_lock = PTHREAD_MUTEX_INITIALIZER };

static long futex(_Atomic uint32_t *addr, int op, uint32_t val) {
    return syscall(SYS_futex, (uint32_t *)addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/// Spins until *word != old (returns 1) or the spin budget runs out (returns 0).
static int spin_while_equal(_Atomic uint32_t *word, uint32_t old) {
    long long deadline = now_ns() + RECD_SPIN_NS;
    for (;;) {
        for (int i = 0; i < 64; i++) {
            if (atomic_load_explicit(word, memory_order_acquire) != old) return 1;
            CPU_RELAX();
        }
        if (now_ns() > deadline) return 0;
    }
}

/// Waits until *word != old: spin first, then sleep on the futex with `sleeping` raised so the
/// writer knows to wake us (the writer stores the word, then checks the flag; seq_cst on both sides).
static void wait_while_equal(_Atomic uint32_t *word, uint32_t old, atomic_int *sleeping) {
    if (spin_while_equal(word, old)) return;
    for (;;) {
        atomic_store(sleeping, 1);
        if (atomic_load(word) != old) break;
        futex(word, FUTEX_WAIT, old);
        if (atomic_load(word) != old) break;
    }
    atomic_store(sleeping, 0);
}

static void *helper_main(void *arg) {
    (void)arg;
    // The last job this thread finished, not job_seq: the first job may be posted before this thread
    // runs at all, and reading job_seq here would then skip it and leave its caller waiting forever.
    uint32_t seen = atomic_load(&team.done_seq);
    for (;;) {
        wait_while_equal(&team.job_seq, seen, &team.helper_sleeping);
        seen = atomic_load_explicit(&team.job_seq, memory_order_acquire);
        gemm_job j = team.job;
        recd_gemm_packed(j.m, j.n, j.k, j.a, j.lda, j.packed, j.c, j.ldc, j.n0, j.n1);
        atomic_store(&team.done_seq, seen);
        if (atomic_load(&team.caller_sleeping)) futex(&team.done_seq, FUTEX_WAKE, 1);
    }
    return NULL;
}

static int ensure_started(void) {
    if (atomic_load_explicit(&team.started, memory_order_acquire)) return 1;
    pthread_mutex_lock(&team.start_lock);
    if (!atomic_load(&team.started)) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, helper_main, NULL) == 0) atomic_store(&team.started, 1);
        pthread_attr_destroy(&attr);
    }
    pthread_mutex_unlock(&team.start_lock);
    return atomic_load(&team.started);
}

void recd_intra_op_enable(int on) { atomic_store(&team.enabled, on ? 1 : 0); }

/// The default: off unless RECD_INTRA_OP is 1 or on, and then only when the process may run on at least
/// two CPUs. Off because on the shared, loaded 2-core machine it was measured here, a spinning helper
/// that is not scheduled in time made single queries ~3.6x slower (p50 33.6 vs 9.3 ms at load 13);
/// it is meant for an otherwise idle host, where it should be measured before it is made the default.
static int default_enabled(void) {
    const char *env = getenv("RECD_INTRA_OP");
    if (!env || !(strcmp(env, "1") == 0 || strcmp(env, "on") == 0)) return 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set) >= 2;
    return sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

int recd_intra_op_enabled(void) {
    int e = atomic_load_explicit(&team.enabled, memory_order_relaxed);
    if (e < 0) {
        int expected = -1;
        atomic_compare_exchange_strong(&team.enabled, &expected, default_enabled());
        e = atomic_load(&team.enabled);
    }
    return e;
}

void recd_pass_begin(void) { atomic_fetch_add(&team.passes, 1); }

void recd_pass_end(void) { atomic_fetch_sub(&team.passes, 1); }

int recd_passes_in_progress(void) { return atomic_load(&team.passes); }

int recd_gemm_packed_split(int m, int n, int k, const float *a, int lda, const float *packed,
                           float *c, int ldc) {
    int panels = (n + RECD_PANEL - 1) / RECD_PANEL;
    if (panels >= 2 && !atomic_flag_test_and_set_explicit(&team.busy, memory_order_acquire)) {
        if (ensure_started()) {
            int split = (panels / 2) * RECD_PANEL;
            team.job = (gemm_job){ .m = m, .n = n, .k = k, .lda = lda, .ldc = ldc, .n0 = split, .n1 = n,
                                   .a = a, .packed = packed, .c = c };
            uint32_t seq = atomic_fetch_add(&team.job_seq, 1) + 1;
            if (atomic_load(&team.helper_sleeping)) futex(&team.job_seq, FUTEX_WAKE, 1);
            recd_gemm_packed(m, n, k, a, lda, packed, c, ldc, 0, split);
            while (atomic_load_explicit(&team.done_seq, memory_order_acquire) != seq)
                wait_while_equal(&team.done_seq, seq - 1, &team.caller_sleeping);
            atomic_flag_clear_explicit(&team.busy, memory_order_release);
            return 1;
        }
        atomic_flag_clear_explicit(&team.busy, memory_order_release);
    }
    recd_gemm_packed(m, n, k, a, lda, packed, c, ldc, 0, n);
    return 0;
}

void recd_gemm_packed_auto(int m, int n, int k, const float *a, int lda, const float *packed,
                           float *c, int ldc) {
    if (recd_intra_op_enabled() == 1 && atomic_load_explicit(&team.passes, memory_order_relaxed) <= 1) {
        recd_gemm_packed_split(m, n, k, a, lda, packed, c, ldc);
    } else {
        recd_gemm_packed(m, n, k, a, lda, packed, c, ldc, 0, n);
    }
}
