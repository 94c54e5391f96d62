// Intra-op parallelism for the packed GEMM (and recd's int8 GEMM, session 11): one persistent helper
// thread shares a GEMM's column panels with the calling thread.
//
// Why: a single query (M ≈ 12) streams all 42.5 MB of packed weights once and is bound by one core's
// cache bandwidth; two cores streaming part each nearly halve the GEMM time. Why one helper and not a
// pool: the machine has two cores and the daemon already runs one worker per core, so the helper is
// only worth using while exactly one forward pass runs in the process (`recd_pass_begin/end` count
// them). The check is per GEMM call, so a second worker starting mid-pass turns the split off from the
// next call on; the helper is a try-lock, so two passes never share it.
//
// Sharing by claiming: a GEMM is cut into about RECD_CHUNKS column chunks, and the caller and the helper
// each take the next chunk with one compare-and-swap until none is left. The caller never waits for the
// helper to start: on a loaded host where the helper is not scheduled in time, the caller simply takes
// every chunk and the GEMM costs what it costs on one thread; it waits only for a chunk the helper has
// already taken. When even that wait is long (the helper lost its core mid-chunk: longer than 0.5 ms and
// than the caller's own share), recd_gemm_packed_auto runs alone for the next 200 ms, so on a busy host
// the helper costs about one late chunk per 200 ms. Rejected: a fixed half for the helper (session 2), which on the loaded machine made the
// caller wait for a helper without a core (single-query p50 33.6 vs 9.3 ms at load 13).
//
// Waiting: the helper spins (pause) for up to ~RECD_SPIN_NS between jobs — the non-GEMM ops between two
// GEMMs of a pass take tens of microseconds — then sleeps on a futex; it stops spinning at once when no
// pass or more than one is in progress (no job can come; session 7: spinning then took the core the event
// loop or the other worker needed). The caller likewise spins, then sleeps, while the helper finishes its
// chunk. A thread can decline the helper for its own GEMMs (recd_intra_op_thread_allow): the daemon's
// worker pool lets only a batch that starts with every other worker idle use it (daemon/DAEMON.md). So an idle daemon burns no CPU and a pass pays no wake-up
// cost between its GEMMs. Rejected: OpenMP (a second runtime next to oneDNN's, and its barrier cost
// ~5–10 µs per call at these sizes), dispatch_apply per call (thread hand-off per GEMM).
#define _GNU_SOURCE
#include "recd_kernels.h"
#include "recd_intra_op.h"
#include "recd_int8.h"
#include "affinity_internal.h"
#include <errno.h>
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
/// A caller that waited longer than this (and than its own share took) for the helper's chunk backs off.
#define RECD_LATE_NS 500000LL
/// How long recd_gemm_packed_auto then runs alone before trying the helper again.
#define RECD_BACKOFF_NS 200000000LL

typedef struct {
    int int8;                    // 0: recd_gemm_packed_ex (fp32), 1: recd_i8_gemm (u8 · s8 → s32)
    int m, n, k, lda, ldc;
    int chunk_cols;              // columns per chunk (a multiple of the kernel's panel width)
    int gelu;                    // epilogue: GELU after the product (recd_gemm_packed_ex)
    const float *a;
    const float *packed;
    const float *bias;           // epilogue: C = bias + A·Wᵀ when non-null
    float *c;
    const uint8_t *qa;           // int8: activation codes, weights in 16-column panels, s32 products
    const int8_t *qpacked;
    int32_t *qc;
} gemm_job;

// The claim word: job sequence number (high 32 bits), chunk count (16 bits), next unclaimed chunk (low 16).
#define CLAIM(seq, chunks, next) (((uint64_t)(seq) << 32) | ((uint64_t)(chunks) << 16) | (uint64_t)(next))

static struct {
    atomic_int enabled;          // 1 on, 0 off, -1 not decided yet (RECD_INTRA_OP and the CPU count decide)
    atomic_int started;          // helper thread running
    atomic_int passes;           // forward passes in progress (recd_pass_begin/end)
    atomic_flag busy;            // try-lock: held by the caller whose GEMM is being shared
    _Atomic uint32_t job_seq;    // bumped by the caller to post a job (futex word for the helper)
    _Atomic uint64_t claim;      // CLAIM(seq, chunks, next): both threads take chunks by compare-and-swap
    _Atomic uint32_t helper_done;// chunks of the current job the helper has finished (futex word for the caller)
    atomic_int helper_sleeping;  // helper is (about to be) in futex_wait on job_seq
    atomic_int caller_sleeping;  // caller is (about to be) in futex_wait on helper_done
    _Atomic long long backoff_until; // CLOCK_MONOTONIC ns: recd_gemm_packed_auto runs alone until then
    _Atomic uint64_t shared_gemms;   // GEMMs offered to the helper (diagnostics: recd_intra_op_counts)
    _Atomic uint64_t helper_chunks;  // chunks the helper computed (diagnostics)
    _Atomic uint64_t backoffs;       // times a late helper started a RECD_BACKOFF_NS run alone (diagnostics)
    gemm_job job;                // written by the caller before the claim word names its seq; stable while
                                 // any of its chunks is claimed but not finished
    pthread_mutex_t start_lock;  // also guards helper_tid and the helper's CPU set
    int helper_tid;              // the helper's kernel thread id once it runs (0 before)
    int helper_cpus_set;         // 1: helper_cpus restricts the helper (recd_intra_op_set_helper_cpus)
    cpu_set_t helper_cpus;
} team = { .enabled = -1, .busy = ATOMIC_FLAG_INIT, .start_lock = PTHREAD_MUTEX_INITIALIZER };

static long futex(_Atomic uint32_t *addr, int op, uint32_t val) {
    return syscall(SYS_futex, (uint32_t *)addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/// Spins until *word != old (returns 1) or the spin budget runs out (returns 0). With `only_one_pass`
/// (the helper's spin between jobs) it also gives up at once when no job can come soon: no forward pass
/// in progress (the daemon is between batches), or more than one (two workers each run their own pass,
/// and recd_gemm_packed_auto shares nothing then). Spinning then only took a core from whoever needed
/// it: the event loop writing a batch's replies, or the other worker.
static int spin_while_equal(_Atomic uint32_t *word, uint32_t old, int only_one_pass) {
    long long deadline = now_ns() + RECD_SPIN_NS;
    for (;;) {
        for (int i = 0; i < 64; i++) {
            if (atomic_load_explicit(word, memory_order_acquire) != old) return 1;
            CPU_RELAX();
        }
        if (only_one_pass && atomic_load_explicit(&team.passes, memory_order_relaxed) != 1) return 0;
        if (now_ns() > deadline) return 0;
    }
}

/// Waits until *word != old: spin first (`only_one_pass` as in spin_while_equal), then sleep on the
/// futex with `sleeping` raised so the writer knows to wake us (the writer stores the word, then checks
/// the flag; seq_cst on both sides).
static void wait_while_equal(_Atomic uint32_t *word, uint32_t old, atomic_int *sleeping, int only_one_pass) {
    if (spin_while_equal(word, old, only_one_pass)) return;
    for (;;) {
        atomic_store(sleeping, 1);
        if (atomic_load(word) != old) break;
        futex(word, FUTEX_WAIT, old);
        if (atomic_load(word) != old) break;
    }
    atomic_store(sleeping, 0);
}

/// Takes the next chunk of job `seq`; -1 when that job has no chunk left (or is no longer current).
static int claim_next(uint32_t seq) {
    uint64_t cur = atomic_load_explicit(&team.claim, memory_order_acquire);
    for (;;) {
        if ((uint32_t)(cur >> 32) != seq) return -1;
        uint32_t chunks = (uint32_t)(cur >> 16) & 0xFFFF, next = (uint32_t)cur & 0xFFFF;
        if (next >= chunks) return -1;
        if (atomic_compare_exchange_weak_explicit(&team.claim, &cur, cur + 1, memory_order_acq_rel, memory_order_acquire))
            return (int)next;
    }
}

/// Runs chunk `index` of job `j`: columns [index·chunk_cols, min(+chunk_cols, n)).
static void run_chunk(const gemm_job *j, int index) {
    int n0 = index * j->chunk_cols;
    int n1 = n0 + j->chunk_cols < j->n ? n0 + j->chunk_cols : j->n;
    if (j->int8) {
        // Panels are independent: columns [n0, n1) are the panels from n0 / 16 on, n0 · k bytes in.
        recd_i8_gemm(j->qa, j->m, j->k, j->lda, j->qpacked + (size_t)n0 * j->k, n1 - n0, j->qc + n0, j->ldc);
        return;
    }
    recd_gemm_packed_ex(j->m, j->n, j->k, j->a, j->lda, j->packed, j->c, j->ldc, n0, n1, j->bias, j->gelu);
}

static void *helper_main(void *arg) {
    (void)arg;
    // The thread inherited the CPUs of whoever started it: a worker pinned to its own CPU (`worker_cpus`)
    // would otherwise put its helper on that same CPU.
    pthread_mutex_lock(&team.start_lock);
    team.helper_tid = (int)syscall(SYS_gettid);
    if (team.helper_cpus_set) sched_setaffinity(0, sizeof team.helper_cpus, &team.helper_cpus);
    pthread_mutex_unlock(&team.start_lock);
    // The last job this thread looked at, not job_seq: the first job may be posted before this thread
    // runs at all, and reading job_seq here would then skip it (harmless now that the caller takes every
    // chunk the helper leaves, but it would waste the helper's first job).
    uint32_t seen = 0;
    for (;;) {
        wait_while_equal(&team.job_seq, seen, &team.helper_sleeping, 1);
        seen = atomic_load_explicit(&team.job_seq, memory_order_acquire);
        int index;
        while ((index = claim_next(seen)) >= 0) {
            // Reading the job after the claim: the caller waits for this chunk before it posts another job.
            gemm_job j = team.job;
            run_chunk(&j, index);
            atomic_fetch_add(&team.helper_done, 1);
            if (atomic_load(&team.caller_sleeping)) futex(&team.helper_done, FUTEX_WAKE, 1);
        }
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

int recd_intra_op_start(void) { return ensure_started(); }

int recd_intra_op_helper_tid(void) {
    pthread_mutex_lock(&team.start_lock);
    int tid = team.helper_tid;
    pthread_mutex_unlock(&team.start_lock);
    return tid;
}

int recd_intra_op_set_helper_cpus(const int *cpus, int count) {
    cpu_set_t set;
    int invalid = recd_cpu_set_from_list(cpus, count, &set);
    if (invalid) return invalid;
    pthread_mutex_lock(&team.start_lock);
    team.helper_cpus = set;
    team.helper_cpus_set = 1;
    int result = 0;
    if (team.helper_tid != 0 && sched_setaffinity((pid_t)team.helper_tid, sizeof set, &set) != 0) result = errno;
    pthread_mutex_unlock(&team.start_lock);
    return result;
}

void recd_intra_op_enable(int on) { atomic_store(&team.enabled, on ? 1 : 0); }

/// Set by recd_intra_op_thread_allow(0): this thread's GEMMs never go to the helper.
static _Thread_local int thread_declines_helper = 0;

void recd_intra_op_thread_allow(int allow) { thread_declines_helper = allow ? 0 : 1; }

int recd_intra_op_thread_allowed(void) { return !thread_declines_helper; }

/// The default: on when the process may run on at least two CPUs, unless RECD_INTRA_OP is 0 or off.
/// On because chunk claiming costs a lone pass nothing when the helper gets no core (see the top of
/// the file and FORMAT.md, "Threads", for the A/B behind it).
static int default_enabled(void) {
    const char *env = getenv("RECD_INTRA_OP");
    if (env && (strcmp(env, "0") == 0 || strcmp(env, "off") == 0)) return 0;
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

/// Chunks a GEMM of `panels` column panels is cut into: about RECD_CHUNKS, so a helper that is late
/// (or not scheduled at all) leaves the caller at most a chunk to wait for, never half the GEMM.
#define RECD_CHUNKS 8

/// Shares `job` (its chunk width not yet set) of `panels` panels `panel_cols` wide with the helper: 1 when
/// the helper computed at least one chunk, 0 when this thread computed them all, -1 when the helper was
/// not free (or could not start): then nothing was computed and the caller runs the job alone.
static int share(gemm_job job, int panels, int panel_cols) {
    if (panels >= 2 && !atomic_flag_test_and_set_explicit(&team.busy, memory_order_acquire)) {
        if (ensure_started()) {
            int per = (panels + RECD_CHUNKS - 1) / RECD_CHUNKS;
            int chunks = (panels + per - 1) / per;
            job.chunk_cols = per * panel_cols;
            team.job = job;
            atomic_store(&team.helper_done, 0);
            // Only the holder of `busy` writes job_seq, so this is the next sequence number.
            uint32_t seq = atomic_load(&team.job_seq) + 1;
            if (seq == 0) seq = 1;   // 0 is the helper's "nothing seen yet"
            atomic_store(&team.claim, CLAIM(seq, chunks, 0));
            atomic_store(&team.job_seq, seq);
            if (atomic_load(&team.helper_sleeping)) futex(&team.job_seq, FUTEX_WAKE, 1);
            int mine = 0, index;
            const gemm_job j = team.job;
            long long start = now_ns();
            while ((index = claim_next(seq)) >= 0) { run_chunk(&j, index); mine++; }
            // No chunk is left to claim, so the helper's share is fixed: wait for it.
            uint32_t theirs = (uint32_t)(chunks - mine), done;
            atomic_fetch_add_explicit(&team.shared_gemms, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&team.helper_chunks, theirs, memory_order_relaxed);
            long long waited = now_ns();
            long long own = waited - start;
            while ((done = atomic_load_explicit(&team.helper_done, memory_order_acquire)) != theirs)
                wait_while_equal(&team.helper_done, done, &team.caller_sleeping, 0);
            waited = now_ns() - waited;
            // A wait longer than the caller's own work (and than RECD_LATE_NS) means the helper lost
            // its core mid-chunk: the host is busy, so run alone for a while (RECD_BACKOFF_NS).
            if (theirs > 0 && waited > RECD_LATE_NS && waited > own) {
                atomic_store_explicit(&team.backoff_until, now_ns() + RECD_BACKOFF_NS, memory_order_relaxed);
                atomic_fetch_add_explicit(&team.backoffs, 1, memory_order_relaxed);
            }
            atomic_flag_clear_explicit(&team.busy, memory_order_release);
            return theirs > 0;
        }
        atomic_flag_clear_explicit(&team.busy, memory_order_release);
    }
    return -1;
}

int recd_gemm_packed_split(int m, int n, int k, const float *a, int lda, const float *packed,
                           float *c, int ldc, const float *bias, int gelu) {
    const gemm_job job = { .m = m, .n = n, .k = k, .lda = lda, .ldc = ldc, .gelu = gelu, .a = a, .packed = packed,
                           .bias = bias, .c = c };
    int shared = share(job, (n + RECD_PANEL - 1) / RECD_PANEL, RECD_PANEL);
    if (shared >= 0) return shared;
    recd_gemm_packed_ex(m, n, k, a, lda, packed, c, ldc, 0, n, bias, gelu);
    return 0;
}

int recd_i8_gemm_split(const uint8_t *a, int rows, int k, int lda, const int8_t *packed, int n, int32_t *c, int ldc) {
    const gemm_job job = { .int8 = 1, .m = rows, .n = n, .k = k, .lda = lda, .ldc = ldc, .qa = a, .qpacked = packed, .qc = c };
    int shared = share(job, n / RECD_I8_PANEL, RECD_I8_PANEL);
    if (shared >= 0) return shared;
    recd_i8_gemm(a, rows, k, lda, packed, n, c, ldc);
    return 0;
}

void recd_intra_op_counts(unsigned long long *shared_gemms, unsigned long long *helper_chunks) {
    *shared_gemms = atomic_load_explicit(&team.shared_gemms, memory_order_relaxed);
    *helper_chunks = atomic_load_explicit(&team.helper_chunks, memory_order_relaxed);
}

unsigned long long recd_intra_op_backoffs(void) { return atomic_load_explicit(&team.backoffs, memory_order_relaxed); }

/// Whether a GEMM on this thread may go to the helper now: the thread allows it, the helper is enabled,
/// this is the only pass in progress, and no late helper made the caller back off.
static int helper_usable(void) {
    return !thread_declines_helper && recd_intra_op_enabled() == 1 && atomic_load_explicit(&team.passes, memory_order_relaxed) <= 1
        && now_ns() >= atomic_load_explicit(&team.backoff_until, memory_order_relaxed);
}

void recd_i8_gemm_auto(const uint8_t *a, int rows, int k, int lda, const int8_t *packed, int n, int32_t *c, int ldc) {
    if (helper_usable()) recd_i8_gemm_split(a, rows, k, lda, packed, n, c, ldc);
    else recd_i8_gemm(a, rows, k, lda, packed, n, c, ldc);
}

void recd_gemm_packed_auto(int m, int n, int k, const float *a, int lda, const float *packed,
                           float *c, int ldc, const float *bias, int gelu) {
    if (helper_usable()) {
        recd_gemm_packed_split(m, n, k, a, lda, packed, c, ldc, bias, gelu);
    } else {
        recd_gemm_packed_ex(m, n, k, a, lda, packed, c, ldc, 0, n, bias, gelu);
    }
}
