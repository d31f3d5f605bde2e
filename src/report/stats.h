/* stats.h - what a run did and cost, gathered by the supervisor.
 *
 * Records and the CPU of each stage come from the workers, a chunk at a
 * time (FRAME_STATS, see meter.h), and from the merger's own meter;
 * bytes from the chunker and the output; CPU and memory of the workers
 * from wait4() as each one is reaped, added up per worker slot, since a
 * slot may be served by several processes in turn (a worker respawned
 * after a crash). */
#ifndef FORKPIPE_STATS_H
#define FORKPIPE_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

#include "job.h"
#include "meter.h"

/* What the processes that served one worker slot used. */
struct stats_slot {
	uint64_t chunks;	/* chunks completed */
	uint64_t user_us, sys_us;
	long max_rss_kb;	/* the largest of its processes' */
	uint64_t processes;	/* reaped so far */
	/* While the slot's worker holds a chunk and has sent nothing for
	 * --stall-warning or longer: for how long, its pid, and whether it
	 * is stopped (SIGSTOP).  Set by the supervisor; 0 otherwise. */
	double stalled;
	int stalled_pid;
	bool stalled_stopped;
};

/* A chunk's figures, held until the chunk completes: a worker that dies
 * before its result is whole has its chunk run again. */
struct stats_pending {
	bool set;
	uint64_t seq, records_in, records_out;
	uint64_t *stage_ns;
};

#define STATS_REJECTED_FIRST 10

struct stats {
	bool on;		/* workers measure (a report or the bar wants it) */
	const struct job *job;
	double start, end;	/* monotonic seconds; end 0 while running */
	struct rusage startup;	/* what exec and loading cost before the run */
	uint64_t bytes_in;	/* of the chunks processed, and the header */
	uint64_t bytes_out;
	uint64_t chunks;	/* handed out */
	uint64_t chunks_done;
	uint64_t retries;	/* chunks run again after their worker died */
	uint64_t rejected;	/* --reject: records written to the reject file */
	struct {
		const char *input;	/* the chunker's name of the input */
		uint64_t offset;
	} rejected_first[STATS_REJECTED_FIRST];	/* the first of them */
	uint64_t records_in, records_out;
	uint64_t header_bytes;	/* --header: the record read before the chunks */
	uint64_t *stage_ns;	/* by stage index: the workers' */
	struct meter local;	/* the merger's own: post stages, output records */
	int nslots;
	struct stats_slot *slots;
	struct stats_pending *pending;	/* by slot */
};

/* A record of input at offset was rejected (--reject). */
void stats_rejected(struct stats *s, const char *input, uint64_t offset);

/* Whether the job asks for a report (--stats, --stats-json, --stats-interval). */
bool stats_wanted(const struct job *job);
/* Start the clock. */
void stats_init(struct stats *s, const struct job *job);
/* Whether the workers and the merger measure (before the workers fork). */
void stats_measure(struct stats *s, bool on);
void stats_free(struct stats *s);
/* Stop the clock (the first call counts); seconds since the start. */
void stats_stop(struct stats *s);
double stats_elapsed(const struct stats *s);

/*
 * A worker's FRAME_STATS for chunk seq: 0, or -1 when the payload is
 * not what this pipeline's workers send (or none was asked for).
 */
int stats_take(struct stats *s, int slot, uint64_t seq, const char *payload, uint64_t len);
/* Chunk seq is complete: its figures count.  Returns its input records. */
uint64_t stats_chunk_done(struct stats *s, int slot, uint64_t seq);
/* Figures sent with a frame that ends no chunk of its own (a worker's
 * table kept across chunks, sent once): only the stages' CPU counts. */
void stats_extra_done(struct stats *s, int slot, uint64_t seq);
/* A chunk counted done (with records input records) was lost with its
 * worker's table and runs again: it no longer counts. */
void stats_chunk_undone(struct stats *s, int slot, uint64_t records);
/* A process that served the slot was reaped with this resource use. */
void stats_worker_reaped(struct stats *s, int slot, const struct rusage *ru);
/* The --header record: read (bytes, 0 when none), and written or not. */
void stats_header(struct stats *s, uint64_t read_bytes, bool written);

/* Totals, merger included. */
uint64_t stats_records_in(const struct stats *s);
uint64_t stats_records_out(const struct stats *s);
double stats_stage_seconds(const struct stats *s, size_t stage, bool merger);
/* The supervisor's use since the run started (with the helpers a
 * reducer's finish forks), and its peak memory. */
void stats_self(const struct stats *s, double *user, double *sys, long *max_rss_kb);
/* The CPU seconds of the supervisor and every worker process reaped. */
double stats_cpu_seconds(const struct stats *s);

/* The summary --stats prints on standard error at the end. */
void stats_print(FILE *fp, const struct stats *s);

#endif
