/* job.h - what to run: inputs, stages, output and options. */
#ifndef FORKPIPE_JOB_H
#define FORKPIPE_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"
#include "fieldlist.h"
#include "progress.h"
#include "shard.h"
#include "stage.h"

#define JOB_MAX_JOBS 1024
#define JOB_DEFAULT_RETRIES 2
#define JOB_DEFAULT_STALL_WARNING 30.0	/* seconds */
#define JOB_MIN_TIMEOUT 0.001	/* seconds: --timeout, --chunk-timeout */
#define JOB_MAX_CHUNK_SIZE ((uint64_t)1 << 30)	/* -b: a chunk is held whole, more than once */
#define JOB_MIN_WORKER_MEMORY ((uint64_t)16 << 20)	/* --max-memory-per-worker: below, a
							 * worker cannot even start */

struct job {
	char **inputs;		/* "-" is stdin */
	size_t ninputs;
	struct stage **stages;
	size_t nstages;
	long jobs;		/* worker processes; 0: online CPUs */
	uint64_t chunk_size;	/* 0: chosen from the input size (chunker.c) */
	bool null;		/* records end with NUL */
	char *output;		/* NULL: stdout */
	bool unordered;
	bool stats;
	char *index;		/* --index: the gzip input's index; NULL: FILE.fpi */
	bool write_index;	/* --write-index: write it while inflating */
	char *stats_json;	/* --stats-json: "-" is stderr; NULL: none */
	double stats_interval;	/* --stats-interval seconds; 0: none */
#define JOB_MIN_STATS_INTERVAL 0.01	/* seconds: more often is a busy loop */
	enum progress_mode progress;	/* --progress */
	enum { EXPLAIN_NONE, EXPLAIN_TEXT, EXPLAIN_JSON } explain;	/* --explain */
	bool strict_epipe;	/* a closed output is exit 141, not 0 */
	bool line_buffered;	/* write each piece of output at once */
	bool keep_going;	/* a failed command skips its chunk's output */
	char *reject;		/* --reject: records that do not parse go here */
	long max_rejects;	/* --max-rejects: more fail the run; -1: any */
	unsigned retries;	/* more attempts for a chunk that kills its worker */
	double chunk_timeout;	/* seconds a worker may spend on a chunk; 0: any */
	double stall_warning;	/* seconds a worker holding a chunk may send
				 * nothing before a warning; 0: never */
	double timeout;		/* seconds the whole run may take; 0: any */
	uint64_t worker_memory;	/* RLIMIT_AS of each worker; 0: none */
	char *lock;		/* --lock: a file to hold an exclusive lock on */
	double lock_wait;	/* seconds to wait for it; 0: fail at once */
	struct format format;	/* how records split into fields */
	struct format made_format;	/* JSON Lines: how the records a reducer
					 * makes (tab-separated) split, for the
					 * stages after it */
	bool header;		/* the first record is a header (-H) */
	enum to_kind to;	/* --to: the output format; TO_NONE: the stages' */
	struct stage *to_stage;	/* the hidden last stage that writes it */
	uint64_t memory;	/* bytes for the whole process tree; 0: default */
	uint64_t max_record;	/* the longest record accepted; 0: default */
	char *tmpdir;		/* spill directory; NULL: $TMPDIR or /tmp */
	struct compress_opts compress;	/* --gzip, --zstd, -o NAME.gz */
	bool compress_workers;	/* workers compress their chunks' output */
	bool partial_out;	/* --partial: write the reducer's partials */
	bool merge;		/* forkpipe merge: the inputs are partial files */
	struct shard shard;	/* --shard: the part of the input to process */
	uint64_t limit;		/* head or grep -m as the workers' last stage:
				 * stop after this many output records
				 * (UINT64_MAX: none) */
	struct stage *parts;	/* grep -o -m as the workers' last stage: the
				 * merger takes the parts of the records it
				 * writes; else NULL */
	struct stage *numbered;	/* grep -n as the workers' last stage: the
				 * merger adds the records of the chunks before
				 * to the numbers of each chunk; else NULL */

	/* The pipeline split around its reducer (filled by job_plan). */
	size_t nmap;		/* stages before the reducer (or all) */
	struct stage *reducer;	/* NULL when map-only */
	size_t post;		/* index of the first stage after the reducer */
};

/*
 * One choice among options that exclude each other (a codec, a record
 * format, a delimiter): which option made it, and what it chose.
 */
struct job_choice {
	const char *by;		/* the option's long name; NULL: none yet */
	char what[16];
};

/* Option by chooses what: -1 when another option (c->by) chose
 * something else before (--gzip, then --zstd). */
int job_choose(struct job_choice *c, const char *by, const char *what);

struct job *job_new(void);
void job_free(struct job *job);
void job_add_input(struct job *job, const char *path);
void job_clear_inputs(struct job *job);
void job_add_stage(struct job *job, struct stage *st);
void job_clear_stages(struct job *job);

/*
 * The run report (report, a path, "-" or NULL) must not replace a file
 * the run reads or writes: NULL if it is none of them, else the message
 * saying which (an input, the output, the lock file or config, the -c
 * file), to be freed.  Files are compared by device and inode.
 */
char *job_report_clash(const struct job *job, const char *report, const char *config);

/*
 * Fill in defaults, split the pipeline around its reducer and set up
 * every stage (compile patterns).  Runs once, before fork.  Returns 0 or
 * -1 with *err; *code says which exit code the error deserves.
 */
int job_plan(struct job *job, char **err, int *code);
/* The memory budget of each process's reducer state (job_plan's): a
 * share of --memory. */
uint64_t job_reducer_share(const struct job *job);
/* What a worker's and the merger's reducer state may take while the
 * workers fold (job_plan's): a reducer whose workers keep their tables
 * across chunks gives them three quarters of the merger's share. */
uint64_t job_worker_share(const struct job *job);
uint64_t job_merger_share(const struct job *job);

/*
 * Whether a worker's stage runs commands (exec): their output comes
 * as they write it, in any amount, so a chunk's output streams through
 * frames and is never held whole by its worker (no placed output, no
 * compression in the workers).
 */
bool job_runs_commands(const struct job *job);

/*
 * Resolve the field names the stages use against the header (NULL
 * without --header).  Runs once, before fork.  0, or -1 with *err and *code.
 */
int job_bind(struct job *job, const struct header *h, char **err, int *code);

/* Split the header record h->raw into h->fields.  0, or -1 with *why
 * (malformed CSV). */
int job_header_fields(const struct job *job, struct header *h, const char **why);

/*
 * The header record as the pipeline outputs it: passed through each map
 * stage's header mapping (cut selects fields), into out with its
 * terminator.  Nothing for pipelines with a reducer.
 */
void job_header_out(const struct job *job, const struct header *h, struct buf *out);

#endif
