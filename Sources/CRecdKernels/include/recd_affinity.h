// CPU affinity of threads (affinity.c): which CPUs a thread may run on, for recd's `worker_cpus`.
#ifndef RECD_AFFINITY_H
#define RECD_AFFINITY_H

#ifdef __cplusplus
extern "C" {
#endif

/// Restricts thread `tid` (0 = the calling thread) to the `count` CPUs in `cpus`; threads it creates
/// afterwards inherit the set. 0 on success, else an errno value (EINVAL: none of them is allowed, or a
/// number outside 0 … CPU_SETSIZE − 1; ESRCH: no such thread).
int recd_thread_set_cpus(int tid, const int *cpus, int count);

/// Restricts every thread of the process that exists now (each entry of /proc/self/task) to the `count`
/// CPUs in `cpus`. 0 when all were, else the errno value of the first that could not be.
int recd_process_threads_set_cpus(const int *cpus, int count);

/// Writes the CPUs thread `tid` (0 = the calling thread) may run on into `cpus`, ascending, at most `max`
/// of them; returns how many there are (which may exceed `max`), or −1 with errno set.
int recd_thread_get_cpus(int tid, int *cpus, int max);

#ifdef __cplusplus
}
#endif

#endif
