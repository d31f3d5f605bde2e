/* meter.h - what the stages cost, measured in the process that runs them.
 *
 * Workers and the merger each keep a meter: the records that go in and
 * out, and the CPU time of every call into a stage (map, fold, encode,
 * merge, finish, end), by the stage's index in the pipeline.  It is on
 * only when a report or the progress bar wants it; off, each call costs
 * a test of a flag.
 *
 * A stage's CPU is the calling thread's (CLOCK_THREAD_CPUTIME_ID); for a
 * stage that runs commands (exec), the CPU of the commands it waited for
 * is added (RUSAGE_CHILDREN). */
#ifndef FORKPIPE_METER_H
#define FORKPIPE_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "job.h"
#include "stage.h"

struct meter {
	bool on;
	bool count_out;		/* this process counts the output records */
	const struct format *fmt;
	char term;
	size_t nstages;
	uint64_t records_in, records_out;
	uint64_t *stage_ns;	/* by stage index */
};

/* count_out: the records this process writes are the run's output. */
void meter_init(struct meter *m, const struct job *job, bool on, bool count_out);
void meter_free(struct meter *m);
/* Zero the figures (a worker, after sending a chunk's). */
void meter_reset(struct meter *m);

/* CPU nanoseconds used so far, for stage st (NULL: this thread's only);
 * 0 when off.  A stage call is charged the difference. */
uint64_t meter_clock(const struct meter *m, const struct stage *st);
void meter_charge(struct meter *m, size_t stage, uint64_t ns);

static inline void meter_stop(struct meter *m, size_t stage, const struct stage *st, uint64_t t0)
{
	if (m != NULL && m->on)
		meter_charge(m, stage, meter_clock(m, st) - t0);
}

/* A block of input records: counted, and its nrec filled in when it was
 * unknown, so that the stages need not count again. */
void meter_in(struct meter *m, struct block *b);
/* A block of output records, when this process counts the output. */
void meter_out(struct meter *m, const struct block *b);
/* n more output records, counted by the caller. */
void meter_out_n(struct meter *m, uint64_t n);

/*
 * The FRAME_STATS payload: records in, records out, then the CPU
 * nanoseconds of the first n stages, little-endian u64s.  Its size is
 * METER_PAYLOAD(n).
 */
#define METER_PAYLOAD(n) (16 + 8 * (size_t)(n))
void meter_encode(const struct meter *m, size_t n, unsigned char *out);

#endif
