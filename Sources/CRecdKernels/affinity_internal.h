// Shared by affinity.c and intra_op.c (not part of the module's interface: cpu_set_t needs _GNU_SOURCE).
#ifndef RECD_AFFINITY_INTERNAL_H
#define RECD_AFFINITY_INTERNAL_H

#include <sched.h>

/// Fills `set` with the `count` CPUs in `cpus`: 0, or EINVAL for an empty list or a number outside
/// 0 … CPU_SETSIZE − 1.
int recd_cpu_set_from_list(const int *cpus, int count, cpu_set_t *set);

#endif
