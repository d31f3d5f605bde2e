/* sysmem.h - how much memory this machine (or container) gives us. */
#ifndef FORKPIPE_SYSMEM_H
#define FORKPIPE_SYSMEM_H

#include <stdint.h>

/*
 * The default --memory: half of the smaller of physical RAM and the
 * cgroup's memory limit (v2 memory.max, or v1 memory.limit_in_bytes), at
 * least 64 MiB.
 */
uint64_t sysmem_default_budget(void);

#endif
