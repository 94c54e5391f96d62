// CPU affinity of threads, for recd's `worker_cpus` (daemon/CONFIG.md): Linux's sched_setaffinity applies
// to one thread (a kernel task), and its CPU_* set macros are not callable from Swift, so they live here.
#define _GNU_SOURCE
#include "recd_affinity.h"
#include "affinity_internal.h"
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sched.h>

int recd_cpu_set_from_list(const int *cpus, int count, cpu_set_t *set) {
    CPU_ZERO(set);
    if (count <= 0) return EINVAL;
    for (int i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return EINVAL;
        CPU_SET(cpus[i], set);
    }
    return 0;
}

int recd_thread_set_cpus(int tid, const int *cpus, int count) {
    cpu_set_t set;
    int invalid = recd_cpu_set_from_list(cpus, count, &set);
    if (invalid) return invalid;
    return sched_setaffinity((pid_t)tid, sizeof set, &set) == 0 ? 0 : errno;
}

int recd_thread_get_cpus(int tid, int *cpus, int max) {
    cpu_set_t set;
    if (sched_getaffinity((pid_t)tid, sizeof set, &set) != 0) return -1;
    int n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set)) continue;
        if (n < max) cpus[n] = cpu;
        n++;
    }
    return n;
}

int recd_process_threads_set_cpus(const int *cpus, int count) {
    DIR *dir = opendir("/proc/self/task");
    if (!dir) return errno;
    int first = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        int result = recd_thread_set_cpus(atoi(entry->d_name), cpus, count);
        if (result != 0 && result != ESRCH && first == 0) first = result;   // ESRCH: the thread has exited
    }
    closedir(dir);
    return first;
}
