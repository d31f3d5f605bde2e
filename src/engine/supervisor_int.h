/* supervisor_int.h - what the supervisor's files share (supervisor.c,
 * sup_dispatch.c, sup_retry.c, sup_timers.c, sup_prescan.c): the run's
 * state and the functions one of them defines for the others.  main()
 * uses supervisor.h. */
#ifndef FORKPIPE_SUPERVISOR_INT_H
#define FORKPIPE_SUPERVISOR_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "chunker.h"
#include "frame.h"
#include "job.h"
#include "progress.h"
#include "stats.h"
#include "worker.h"

#define TASKS_PER_WORKER 2	/* one running, one queued: no idle gap */
#define STOP_GRACE_MS 2000

/* A task frame being written to a worker's non-blocking pipe. */
struct sender {
	struct buf ctl;		/* small control frames waiting to go out */
	bool busy;
	unsigned char hdr[FRAME_HDR_SIZE + FRAME_RANGE_SIZE];
	size_t hdr_len;
	const char *data;
	size_t data_len;
	size_t sent;
};

struct task {
	struct chunk chunk;
	int worker;		/* -1 while waiting to be processed again */
	unsigned attempts;	/* times it killed its worker */
	bool folded;		/* folded into its worker's table, not yet sent */
	uint64_t records;	/* then: its input records, as counted */
};

/* A task a worker holds: sent to it and not yet processed.  A worker
 * takes its tasks in the order they were sent, so the first one held
 * is the one it is working on, and the lowest. */
struct held {
	uint64_t seq;		/* chunk, or grid segment while counting quotes */
	uint32_t file;
	uint64_t offset, length;
	unsigned attempts;	/* a grid segment's (a chunk's are in its task) */
};

struct wstate {
	struct held held[TASKS_PER_WORKER];
	int nheld;
	bool gone;		/* failed: no longer polled */
	double started;		/* when it started on held[0] */
	bool timed_out;		/* killed for --chunk-timeout */
	double progressed;	/* when it last sent something, or took a task */
	double stall_next;	/* silence (seconds) at which to warn next */
	unsigned folded;	/* chunks folded into its table, not yet sent */
	bool flushing;		/* asked for its table (FRAME_FLUSH) */
};

/* The failure of the lowest chunk (or segment) seen so far. */
struct failure {
	bool set;
	uint64_t seq;
	int code;
	char *msg;
};

struct rslot;

struct sup {
	struct job *job;
	struct chunker *chunker;
	struct output *out;
	struct merger *merger;
	struct worker_env env;
	struct proc *procs;
	int nprocs;
	struct frame_reader *readers;
	struct sender *senders;
	struct wstate *ws;	/* per worker: the tasks it holds */
	struct task *tasks;	/* ring indexed by seq % window */
	uint64_t window;
	uint64_t next_seq;
	uint64_t recycled;	/* chunks below it are recycled */
	bool input_done;
	bool waiting_input;	/* the stream had nothing to read */
	bool stream_readable;
	struct stats stats;
	struct progress progress;
	uint64_t skipped;	/* --keep-going: chunks whose command failed */
	bool counting;		/* the CSV quote-count pre-pass is running */
	struct failure failure;
	struct held *retry;	/* tasks lost with a worker, lowest first */
	size_t nretry;
	unsigned idle_deaths;	/* workers that died holding nothing, in a row */
	struct header header;	/* with --header */
	bool placed;		/* workers pwrite the output (see worker_placed.c) */
	uint64_t place_base;
	uint64_t hold_max;	/* see throttled (supervisor.c) */
	struct {
		struct output *out;	/* --reject FILE, or NULL */
		struct rslot *slots;	/* by seq % window */
		uint64_t next;		/* the next chunk whose rejects are due */
	} rej;
};

/* supervisor.c */
void sup_erase_progress(void);
void sup_stats_snapshot(struct sup *s);
/* Wait for the workers' pipes, the input stream or a timer, and
 * serve what is ready. */
void sup_wait_events(struct sup *s);

/* sup_dispatch.c */
int sup_pick_worker(const struct sup *s);
void sup_progressed(struct sup *s, int w);
void sup_unhold(struct sup *s, int w, uint64_t seq);
void sup_try_send(struct sup *s, int w);
void sup_place(void *arg, uint64_t seq, uint64_t offset);
void sup_send_small(struct sup *s, int w, uint32_t type, const struct held *hd);
void sup_dispatch_retries(struct sup *s);
void sup_dispatch(struct sup *s);

/* sup_retry.c */
void sup_fail_at(struct sup *s, uint64_t seq, int code, char *msg);
bool sup_failure_settled(const struct sup *s);
void __attribute__((noreturn)) sup_report_failure(struct sup *s);
void sup_kill_groups(struct sup *s, int w);
void sup_worker_died(struct sup *s, int w);
void sup_worker_failed(struct sup *s, int w, const struct frame_reader *r);

/* sup_table.c: reducer tables workers keep across chunks */
/* Whether the job's workers keep them. */
bool sup_table_wanted(const struct job *job);
/* The window of chunks in flight: wider with them, for files. */
uint64_t sup_table_window(const struct sup *s, uint64_t window);
/* Worker w folded chunk seq (of records input records) into its table. */
void sup_table_folded(struct sup *s, int w, uint64_t seq, uint64_t records);
/* Worker w's table has been merged: its chunks from low on are whole.
 * 0, or -1 with *err. */
int sup_table_taken(struct sup *s, int w, uint64_t low, char **err);
/* Task t, of worker w, is lost with it: it runs again. */
void sup_table_lost(struct sup *s, int w, struct task *t);
/* Ask idle workers for their tables when chunks wait on them. */
void sup_table_ask(struct sup *s);

/* sup_reject.c */
void sup_reject_open(struct sup *s);
void sup_reject_take(struct sup *s, int w, const struct frame_reader *r);
/* Write the rejects of the chunks below upto (released, in order). */
void sup_reject_flush(struct sup *s, uint64_t upto);
void sup_reject_commit(struct sup *s);
void sup_reject_abort(struct sup *s);
void sup_reject_free(struct sup *s);

/* sup_timers.c */
void sup_stalls_snapshot(struct sup *s);
double sup_next_deadline(const struct sup *s);
void sup_run_timers(struct sup *s);
void sup_check_timers(struct sup *s);

/* sup_prescan.c */
int sup_csv_prescan(struct sup *s);
void sup_read_header(struct sup *s);
void sup_write_header(struct sup *s);

#endif
