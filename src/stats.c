/* stats.c - what a run cost. */
#include "autoconfig.h"

#include <sys/resource.h>
#include <time.h>

#include "stats.h"

double stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
	    (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

void stats_start(struct stats *s)
{
	struct rusage self;

	s->start = stats_now();
	getrusage(RUSAGE_SELF, &self);
	s->startup_cpu = cpu_seconds(&self);
}

void stats_print(FILE *fp, const struct stats *s, const struct proc *procs, int nprocs)
{
	struct rusage self;
	double wall = stats_now() - s->start;
	double workers = 0;
	long maxrss = 0;

	getrusage(RUSAGE_SELF, &self);
	for (int i = 0; i < nprocs; i++) {
		workers += cpu_seconds(&procs[i].usage);
		if (procs[i].usage.ru_maxrss > maxrss)
			maxrss = procs[i].usage.ru_maxrss;
	}
	/* The supervisor's share is counted from the start of the run; what
	 * exec and the dynamic loader cost before it is reported apart. */
	fprintf(fp, "forkpipe: stats: wall=%.3f bytes_in=%llu bytes_out=%llu chunks=%llu "
	    "MB/s=%.1f startup=%.4f supervisor_cpu=%.4f workers_cpu=%.4f supervisor_rss_kb=%ld "
	    "worker_max_rss_kb=%ld\n",
	    wall, (unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out,
	    (unsigned long long)s->chunks, wall > 0 ? (double)s->bytes_in / wall / 1e6 : 0.0,
	    s->startup_cpu, cpu_seconds(&self) - s->startup_cpu, workers, self.ru_maxrss, maxrss);
}
