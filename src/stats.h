/* stats.h - what a run cost: wall time, CPU of the supervisor and of the
 * workers, bytes in and out. */
#ifndef FORKPIPE_STATS_H
#define FORKPIPE_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "proc.h"

struct stats {
	double start;		/* monotonic seconds */
	double startup_cpu;	/* CPU spent before main: exec and loading */
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t chunks;
	uint64_t retries;	/* tasks processed again after their worker died */
};

double stats_now(void);
void stats_start(struct stats *s);
/* One summary line, after the workers are reaped. */
void stats_print(FILE *fp, const struct stats *s, const struct proc *procs, int nprocs);

#endif
