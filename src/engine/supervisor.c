/* supervisor.c - policy: the event loop, scheduling, shutdown.
 *
 * One process does all the I/O in a single poll loop: it cuts the input
 * into chunks, hands each to a worker with spare capacity, and passes
 * result frames to the merger.  At most `window` chunks are in flight
 * (handed out but not yet released by the merger), which bounds memory
 * whatever the size of the input.
 *
 * Errors in the input are reported in input order: several chunks may
 * fail (a stray CSV quote breaks the cutting of every chunk after it),
 * and the one to name is the first, whatever order the results come in.
 * A chunk's failure is kept with its sequence number, no chunk is handed
 * out after it, and the run ends once every earlier chunk is processed,
 * with the lowest failure seen by then (see fail_at). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>	/* vmsplice */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chunker.h"
#include "clock.h"
#include "frame.h"
#include "merger.h"
#include "output.h"
#include "partial.h"
#include "progress.h"
#include "proc.h"
#include "report.h"
#include "stats.h"
#include "supervisor.h"
#include "util.h"
#include "worker.h"

#define TASKS_PER_WORKER 2	/* one running, one queued: no idle gap */
#define WINDOW_PER_WORKER 4
#define STOP_GRACE_MS 2000
#define IDLE_DEATHS_MAX 8	/* workers dying holding nothing, in a row */
#define CHUNK_MAX_REDUCE (64 << 20)
#define CHUNK_MIN_REDUCE (1 << 20)
#define HOLD_MIN (16 << 20)	/* output a chunk may hold before its turn */
#define HOLD_MAX (256 << 20)
#define STREAM_IDLE 0.2	/* seconds a quiet stream's records wait at most */

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
};

/* The failure of the lowest chunk (or segment) seen so far. */
struct failure {
	bool set;
	uint64_t seq;
	int code;
	char *msg;
};

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
	bool placed;		/* workers pwrite the output (see worker.c) */
	uint64_t place_base;
	uint64_t hold_max;	/* see throttled */
};

static struct sup *current;

/* Before an error message: the progress bar goes. */
static void erase_progress(void)
{
	if (current != NULL)
		progress_end(&current->progress);
}

/* Workers silent on a chunk past --stall-warning, for interval lines. */
static void stalls_snapshot(struct sup *s)
{
	double now = clock_now();

	for (int i = 0; s->ws != NULL && i < s->nprocs && i < s->stats.nslots; i++) {
		const struct wstate *ws = &s->ws[i];
		struct stats_slot *slot = &s->stats.slots[i];
		pid_t pid = s->procs[i].pid;
		bool stalled = s->job->stall_warning > 0 && !ws->gone && pid > 0 && ws->nheld > 0 &&
		    now >= ws->progressed + s->job->stall_warning;

		slot->stalled = stalled ? now - ws->progressed : 0;
		slot->stalled_pid = stalled ? (int)pid : 0;
		slot->stalled_stopped = stalled && proc_state(pid) == 'T';
	}
}

/* The figures only the supervisor knows, into the stats: bytes so far
 * (the workers' placed output counts once its place is given). */
static void stats_snapshot(struct sup *s)
{
	s->stats.bytes_in = s->progress.done + s->stats.header_bytes;
	s->stats.bytes_out = s->out == NULL ? 0 : output_bytes(s->out);
	if (s->placed && s->merger != NULL)
		s->stats.bytes_out += merger_placed_end(s->merger) - s->place_base;
	stalls_snapshot(s);
}

/* The run is over and its workers reaped: the final figures.  Each
 * process's resource use is taken once. */
static void stats_collect(struct sup *s)
{
	stats_snapshot(s);
	for (int i = 0; s->procs != NULL && i < s->nprocs; i++) {
		struct proc *p = &s->procs[i];

		if (p->pid == 0 && p->usage.ru_maxrss != 0) {
			stats_worker_reaped(&s->stats, i, &p->usage);
			memset(&p->usage, 0, sizeof p->usage);
		}
	}
	stats_stop(&s->stats);
}

/* The final report (--stats-json); the run's exit status, or 74 when
 * a successful run's report could not be written. */
static int report(int code, const char *msg)
{
	char *err = NULL;

	if (report_end(code, msg, &err) == 0)
		return code;
	warnx_("%s", err);
	free(err);
	return code == EXIT_OK ? EXIT_IOERR : code;
}

/*
 * The process groups of the commands worker w's exec stages run, which
 * it records in memory shared with the supervisor (see stages/exec.c):
 * killed when the worker is gone, in case it could not stop them itself
 * (SIGKILL).  Each command also has a guard that kills its group when the
 * worker dies; this makes it certain, and done before the worker's
 * chunks run again.  w < 0: every worker's.
 */
static void kill_groups(struct sup *s, int w)
{
	volatile sig_atomic_t *g = s->env.groups;
	int from = w < 0 ? 0 : w, to = w < 0 ? s->nprocs : w + 1;

	if (g == NULL)
		return;
	for (int i = from * EXEC_GROUPS_MAX; i < to * EXEC_GROUPS_MAX; i++) {
		if (g[i] > 0)
			kill(-(pid_t)g[i], SIGKILL);
		g[i] = 0;
	}
}

/* On any fatal error: stop the workers, remove the temporary output. */
static void cleanup(void)
{
	struct sup *s = current;

	if (s == NULL)
		return;
	current = NULL;
	chunker_abort(s->chunker);
	if (s->procs != NULL) {
		proc_kill_all(s->procs, s->nprocs, SIGTERM);
		proc_reap(s->procs, s->nprocs, true, STOP_GRACE_MS);
		kill_groups(s, -1);
	}
	output_abort(s->out);
	stats_collect(s);
}

static int pick_worker(const struct sup *s)
{
	int best = -1;

	for (int i = 0; i < s->nprocs; i++) {
		if (s->ws[i].gone || s->senders[i].busy || s->ws[i].nheld >= TASKS_PER_WORKER)
			continue;
		if (best < 0 || s->ws[i].nheld < s->ws[best].nheld)
			best = i;
	}
	return best;
}

/* Worker w is alive and moving: the stall clock starts again. */
static void progressed(struct sup *s, int w)
{
	s->ws[w].progressed = clock_now();
	s->ws[w].stall_next = s->job->stall_warning;
}

static void hold(struct sup *s, int w, const struct held *h)
{
	struct wstate *ws = &s->ws[w];

	if (ws->nheld == 0) {
		ws->started = clock_now();
		progressed(s, w);
	}
	ws->held[ws->nheld++] = *h;
}

/* The worker is done with task seq. */
static void unhold(struct sup *s, int w, uint64_t seq)
{
	struct wstate *ws = &s->ws[w];

	for (int i = 0; i < ws->nheld; i++) {
		if (ws->held[i].seq != seq)
			continue;
		memmove(&ws->held[i], &ws->held[i + 1], (size_t)(ws->nheld - i - 1) * sizeof ws->held[0]);
		ws->nheld--;
		if (i == 0)
			ws->started = clock_now();	/* on to the next one */
		return;
	}
}

/*
 * Remember a failure of chunk seq (or, while counting quotes, of grid
 * segment seq) unless an earlier one is known; takes msg.  The input
 * before seq may hold an earlier error, so the failure is reported only
 * once every earlier task is processed (failure_settled).
 */
static void fail_at(struct sup *s, uint64_t seq, int code, char *msg)
{
	if (s->failure.set && s->failure.seq <= seq) {
		free(msg);
		return;
	}
	free(s->failure.msg);
	s->failure = (struct failure){ true, seq, code, msg };
}

/* Whether every task before the failure is processed (or lost with a
 * worker that failed itself, which then set an earlier failure). */
static bool failure_settled(const struct sup *s)
{
	for (size_t i = 0; i < s->nretry; i++)
		if (s->retry[i].seq < s->failure.seq)
			return false;
	for (int i = 0; i < s->nprocs; i++) {
		const struct wstate *ws = &s->ws[i];

		if (!ws->gone && ws->nheld > 0 && ws->held[0].seq < s->failure.seq)
			return false;
	}
	return true;
}

static void __attribute__((noreturn)) report_failure(struct sup *s)
{
	fatal(s->failure.code, "%s", s->failure.msg);
}

/*
 * Write part of a task frame to a non-blocking pipe: the header by
 * write(), the chunk bytes by vmsplice(), which hands the pages to the
 * pipe without copying them.  That is safe because a chunk's buffer is
 * kept, untouched, until its result is in, and by then the worker has
 * read every byte.  Returns bytes written, or -1 with errno.
 */
static ssize_t send_some(int fd, struct sender *sd)
{
	static bool no_vmsplice;
	size_t dsent;

	if (sd->sent < sd->hdr_len)
		return write(fd, sd->hdr + sd->sent, sd->hdr_len - sd->sent);
	dsent = sd->sent - sd->hdr_len;
	if (!no_vmsplice) {
		struct iovec iov = { (char *)sd->data + dsent, sd->data_len - dsent };
		ssize_t k = vmsplice(fd, &iov, 1, SPLICE_F_NONBLOCK);

		if (k >= 0 || (errno != EINVAL && errno != ENOSYS))
			return k;
		no_vmsplice = true;
	}
	return write(fd, sd->data + dsent, sd->data_len - dsent);
}

/* Control frames go out between task frames, never inside one. */
static int send_ctl(int fd, struct sender *sd)
{
	ssize_t k = write(fd, sd->ctl.data, sd->ctl.len);

	if (k < 0)
		return errno == EINTR ? 0 : -1;
	memmove(sd->ctl.data, sd->ctl.data + k, sd->ctl.len - (size_t)k);
	sd->ctl.len -= (size_t)k;
	return 0;
}

static void try_send(struct sup *s, int w)
{
	struct sender *sd = &s->senders[w];

	while (!sd->busy && sd->ctl.len > 0)
		if (send_ctl(s->procs[w].task_fd, sd) < 0) {
			if (errno != EAGAIN)
				sd->ctl.len = 0;	/* the worker died: its pipe says so */
			return;
		}
	while (sd->busy) {
		ssize_t k = send_some(s->procs[w].task_fd, sd);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			/* EPIPE means the worker died: its result pipe says so. */
			if (errno != EAGAIN)
				sd->busy = false;
			return;
		}
		sd->sent += (size_t)k;
		if (sd->sent == sd->hdr_len + sd->data_len) {
			sd->busy = false;
			if (sd->ctl.len > 0) {
				try_send(s, w);
				return;
			}
		}
	}
}

/* The merger placed chunk seq at offset: tell the worker holding it. */
static void place(void *arg, uint64_t seq, uint64_t offset)
{
	struct sup *s = arg;
	int w = s->tasks[seq % s->window].worker;
	unsigned char frame[FRAME_HDR_SIZE + 8];
	struct frame_hdr h = { FRAME_WRITE, 0, seq, 8 };

	if (s->ws[w].gone)
		return;	/* the run fails: the output is not wanted */

	frame_encode_hdr(frame, &h);
	frame_put_u64(frame + FRAME_HDR_SIZE, offset);
	buf_append(&s->senders[w].ctl, frame, sizeof frame);
	try_send(s, w);
}

/* Send chunk c (a new one, or one lost with a worker) to worker w. */
static void assign(struct sup *s, int w, const struct chunk *c)
{
	struct sender *sd = &s->senders[w];
	struct task *t = &s->tasks[c->seq % s->window];
	struct frame_hdr h = { 0, 0, c->seq, 0 };
	struct held hd = { c->seq, c->file, c->offset, c->length, 0 };

	if (&t->chunk != c) {
		t->chunk = *c;
		t->attempts = 0;
		s->stats.chunks++;
	}
	t->worker = w;
	hold(s, w, &hd);
	struct frame_range r = { c->file, c->offset, c->length };

	/* Both kinds start with the range (for messages, and for the worker
	 * to read a file); a stream chunk's bytes follow it. */
	h.type = c->data != NULL ? FRAME_TASK_DATA : FRAME_TASK_RANGE;
	h.len = FRAME_RANGE_SIZE + (c->data != NULL ? c->length : 0);
	frame_encode_range(sd->hdr + FRAME_HDR_SIZE, &r);
	sd->hdr_len = FRAME_HDR_SIZE + FRAME_RANGE_SIZE;
	sd->data = c->data;
	sd->data_len = c->data != NULL ? c->length : 0;
	frame_encode_hdr(sd->hdr, &h);
	sd->sent = 0;
	sd->busy = true;
	try_send(s, w);
}

/* Send a small task frame to worker w, waiting for room if need be. */
static void send_small(struct sup *s, int w, uint32_t type, const struct held *hd)
{
	unsigned char frame[FRAME_HDR_SIZE + FRAME_RANGE_SIZE];
	struct frame_hdr h = { type, 0, hd->seq, FRAME_RANGE_SIZE };
	struct frame_range r = { hd->file, hd->offset, hd->length };

	frame_encode_hdr(frame, &h);
	frame_encode_range(frame + FRAME_HDR_SIZE, &r);
	hold(s, w, hd);
	buf_append(&s->senders[w].ctl, frame, sizeof frame);
	try_send(s, w);
}

/* Chunks lost with a worker go out again first, lowest first. */
static void dispatch_retries(struct sup *s)
{
	while (s->nretry > 0) {
		int w = pick_worker(s);

		if (w < 0)
			return;
		struct held h = s->retry[0];

		memmove(s->retry, s->retry + 1, --s->nretry * sizeof *s->retry);
		if (s->counting)
			send_small(s, w, FRAME_TASK_QUOTES, &h);
		else
			assign(s, w, &s->tasks[h.seq % s->window].chunk);
	}
}

/* Hand out chunks while the window and the workers have room. */
static void dispatch(struct sup *s)
{
	s->waiting_input = false;
	dispatch_retries(s);
	while (s->nretry == 0 && !s->failure.set && !s->input_done && !merger_done(s->merger) &&
	    s->next_seq - merger_low(s->merger) < s->window) {
		int w = pick_worker(s);
		struct chunk c;
		char *err = NULL;
		int code = EXIT_IOERR;

		if (w < 0)
			return;
		int rc = chunker_next(s->chunker, s->stream_readable, &c, &err, &code);

		s->stream_readable = false;
		if (rc == CHUNK_WAIT) {
			s->waiting_input = true;
			return;
		}
		if (rc == CHUNK_END) {
			s->input_done = true;
			return;
		}
		if (rc == CHUNK_ERROR) {
			/* The chunker reads ahead of the workers: a chunk
			 * before this point may still fail, and come first. */
			fail_at(s, s->next_seq, code, err);
			return;
		}
		s->next_seq = c.seq + 1;
		assign(s, w, &c);
	}
}

/* A worker is gone: stop polling it and sending to it.  It is reaped
 * with the others at the end. */
static void worker_gone(struct sup *s, int w)
{
	s->ws[w].gone = true;
	s->senders[w].busy = false;
	s->senders[w].ctl.len = 0;
	proc_close(&s->procs[w]);
}

/* Reap worker w, which died or is made to (a broken stream: it may
 * still be alive, waiting for a task), and say how it ended. */
static void reap_dead(struct sup *s, int w, char *how, size_t cap)
{
	struct proc *p = &s->procs[w];
	pid_t pid = p->pid;
	int status = 0;
	struct rusage ru;

	snprintf(how, cap, "exited");
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	if (wait4(pid, &status, 0, &ru) != pid)
		return;
	p->pid = 0;
	p->status = status;
	stats_worker_reaped(&s->stats, w, &ru);
	if (s->ws[w].timed_out)
		snprintf(how, cap, "took longer than --chunk-timeout %gs", s->job->chunk_timeout);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_OUT_OF_MEMORY)
		snprintf(how, cap, "ran out of memory%s",
		    s->job->worker_memory > 0 ? " (--max-memory-per-worker)" : "");
	else if (WIFSIGNALED(status))
		snprintf(how, cap, "was killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(how, cap, "exited with status %d", WEXITSTATUS(status));
}

/*
 * Task h, lost with worker w (pid), goes back in the queue, lowest
 * first; charged: it was the one the worker was working on.  A task
 * that has killed its worker more than --retries times fails the run,
 * in input order like any other failure.
 */
static void requeue(struct sup *s, const struct held *h, bool charged, int w, pid_t pid,
    const char *how)
{
	const char *path = chunker_path(s->chunker, h->file);
	const char *what = s->counting ? "segment" : "chunk";
	/* A compressed stream's offsets are not the file's. */
	const char *bytes = chunker_inflated(s->chunker, h->file) ? "decompressed bytes" : "bytes";
	unsigned long long from = h->offset, to = h->offset + h->length;
	size_t i;

	if (h->attempts > s->job->retries) {
		fail_at(s, h->seq, EXIT_SOFTWARE, xasprintf("%s: %s %llu (%s %llu-%llu): its worker "
		    "%s, %u time%s (--retries %u)", path, what, (unsigned long long)h->seq, bytes, from, to,
		    how, h->attempts, h->attempts == 1 ? "" : "s", s->job->retries));
		return;
	}
	if (charged) {
		erase_progress();
		warnx_("warning: worker %d (pid %d) %s while processing %s %s %llu-%llu; "
		    "processing them again (attempt %u of %u)", w, (int)pid, how, path, bytes, from, to,
		    h->attempts + 1, s->job->retries + 1);
	}
	s->stats.retries++;
	s->retry = xreallocarray(s->retry, s->nretry + 1, sizeof *s->retry);
	for (i = s->nretry; i > 0 && s->retry[i - 1].seq > h->seq; i--)
		s->retry[i] = s->retry[i - 1];
	s->retry[i] = *h;
	s->nretry++;
}

/*
 * The tasks worker w lost: those it held, and chunks whose output it
 * kept for placing.  Only the one it was working on is charged with the
 * death.  Returns whether one was.
 */
static bool requeue_lost(struct sup *s, int w, pid_t pid, const char *how)
{
	struct wstate *ws = &s->ws[w];
	uint64_t busy = ws->nheld > 0 ? ws->held[0].seq : UINT64_MAX;

	if (s->counting) {
		for (int i = 0; i < ws->nheld; i++) {
			struct held h = ws->held[i];

			h.attempts += i == 0;
			requeue(s, &h, i == 0, w, pid, how);
		}
	} else {
		for (uint64_t seq = merger_low(s->merger); seq < s->next_seq; seq++) {
			struct task *t = &s->tasks[seq % s->window];

			if (t->worker != w || merger_complete(s->merger, seq))
				continue;
			t->attempts += seq == busy;
			t->worker = -1;
			merger_retry(s->merger, seq);
			struct held h = { seq, t->chunk.file, t->chunk.offset, t->chunk.length,
				t->attempts };

			requeue(s, &h, seq == busy, w, pid, how);
		}
	}
	ws->nheld = 0;
	return busy != UINT64_MAX;
}

/* A fresh process in worker slot w, after the last one died. */
static void respawn(struct sup *s, int w)
{
	char *err = NULL;

	frame_reader_free(&s->readers[w]);
	memset(&s->readers[w], 0, sizeof s->readers[w]);
	s->senders[w].busy = false;
	s->senders[w].ctl.len = 0;
	s->ws[w].timed_out = false;
	if (proc_spawn(s->procs, s->nprocs, w, worker_main, &s->env, &err) < 0)
		fatal(EXIT_SOFTWARE, "restarting worker %d: %s", w, err);
}

/*
 * A worker's result pipe ended without an error frame: it died (killed,
 * out of memory, or past --chunk-timeout).  Nothing is lost: the chunks
 * it had are processed again by a new worker in its place, and output
 * already written of them is not written twice (merger_retry).
 */
static void worker_died(struct sup *s, int w)
{
	char how[96];
	pid_t pid = s->procs[w].pid;

	reap_dead(s, w, how, sizeof how);
	kill_groups(s, w);
	proc_close(&s->procs[w]);
	if (requeue_lost(s, w, pid, how))
		s->idle_deaths = 0;
	else if (++s->idle_deaths > IDLE_DEATHS_MAX)
		fatal(EXIT_SOFTWARE, "worker %d (pid %d) %s, and workers keep dying without a chunk "
		    "to blame", w, (int)pid, how);
	respawn(s, w);
}

/* A worker reported the failure of a task; it exits after that. */
static void worker_failed(struct sup *s, int w, const struct frame_reader *r)
{
	uint32_t code = r->hdr.aux;

	fail_at(s, r->hdr.seq, code > 0 && code < 256 ? (int)code : EXIT_SOFTWARE,
	    xstrndup(r->payload.data, r->payload.len));
	worker_gone(s, w);
}

/* Worker w has processed chunk seq (its placed output may still wait
 * to be written). */
static void chunk_processed(struct sup *s, int w, uint64_t seq)
{
	struct task *t = &s->tasks[seq % s->window];

	progress_records(&s->progress, stats_chunk_done(&s->stats, w, seq));
	progress_add(&s->progress, t->chunk.length);
	unhold(s, w, seq);
}

/* Chunks the merger has released: their bytes, kept until now in case
 * a worker died, can go. */
static void recycle_released(struct sup *s)
{
	while (s->recycled < merger_low(s->merger))
		chunker_recycle(s->chunker, &s->tasks[s->recycled++ % s->window].chunk);
}

/* The pre-pass: a grid segment's quote count. */
static void take_quotes(struct sup *s, int w, const struct frame_reader *r)
{
	const struct wstate *ws = &s->ws[w];

	if (r->hdr.type != FRAME_QUOTES || r->payload.len != 8 || ws->nheld == 0 ||
	    ws->held[0].seq != r->hdr.seq)
		fatal(EXIT_SOFTWARE, "worker %d: unexpected message while counting quotes", w);
	chunker_set_quotes(s->chunker, ws->held[0].file, (size_t)r->hdr.seq,
	    frame_get_u64(r->payload.data));
	unhold(s, w, r->hdr.seq);
}

static void take_result(struct sup *s, int w, struct frame_reader *r)
{
	char *err = NULL;
	int code = EXIT_SOFTWARE;

	/* Past the first failure nothing is wanted: the merger never
	 * sees it, so nothing of it is written. */
	if (s->failure.set && r->hdr.seq >= s->failure.seq)
		return;
	if (r->hdr.type == FRAME_STATS) {
		if (stats_take(&s->stats, w, r->hdr.seq, r->payload.data, r->payload.len) < 0)
			fatal(EXIT_SOFTWARE, "worker %d sent malformed figures for chunk %llu", w,
			    (unsigned long long)r->hdr.seq);
		return;
	}
	uint64_t seq = r->hdr.seq;

	if (seq < merger_low(s->merger) || seq >= s->next_seq || s->tasks[seq % s->window].worker != w)
		fatal(EXIT_SOFTWARE, "worker %d sent a result for chunk %llu, which it was not given",
		    w, (unsigned long long)seq);
	int rc = merger_take(s->merger, &r->hdr, &r->payload, &err, &code);

	if (rc < 0)
		fatal(code, "%s", err);
	if (r->hdr.type == FRAME_SKIP) {
		progress_end(&s->progress);
		warnx_("%.*s (output skipped: --keep-going)", (int)r->payload.len, r->payload.data);
		s->skipped++;
	}
	/* A placed chunk is processed when its size comes, whole when it
	 * is written. */
	if (rc == 1 || r->hdr.type == FRAME_SIZE)
		chunk_processed(s, w, seq);
	recycle_released(s);
}

/*
 * Whether to stop reading worker w's results for now: the chunk it
 * works on is not the next to be written, and the merger already holds
 * hold_max bytes of its output (a command's output has no bound).  The
 * worker then waits on its full pipe (poll still says when it died, and
 * what is left in the pipe is read then).  The chunk at the bottom of the
 * window is never held back, and it is the first its worker holds (a
 * worker takes its chunks in order), so the run goes on.
 */
static bool throttled(const struct sup *s, int w)
{
	const struct wstate *ws = &s->ws[w];
	uint64_t seq;

	if (s->counting || ws->nheld == 0 || s->merger == NULL)
		return false;
	seq = ws->held[0].seq;
	return seq != merger_low(s->merger) && merger_held(s->merger, seq) >= s->hold_max;
}

static void read_results(struct sup *s, int w)
{
	struct frame_reader *r = &s->readers[w];

	for (;;) {
		int rc = frame_reader_read(s->procs[w].result_fd, r);

		if (rc == FRAME_AGAIN)
			return;
		if (rc != FRAME_READY) {
			worker_died(s, w);
			return;
		}
		progressed(s, w);
		if (r->hdr.type == FRAME_ERROR) {
			worker_failed(s, w, r);
			return;
		}
		if (s->counting)
			take_quotes(s, w, r);
		else
			take_result(s, w, r);
		frame_reader_reset(r);
		/* With nothing staged, poll says whether more has come: that
		 * costs no more than a read() that would say EAGAIN. */
		if (output_reader_gone(s->out) || !frame_reader_pending(r))
			return;
	}
}

/*
 * --chunk-timeout: a worker past it is stopped (TERM, which also ends
 * the commands it runs; KILL a grace later) and its chunk retried.
 */
static void check_timeouts(struct sup *s)
{
	double now = clock_now();

	if (s->job->chunk_timeout <= 0)
		return;
	for (int i = 0; i < s->nprocs; i++) {
		struct wstate *ws = &s->ws[i];

		if (ws->gone || s->procs[i].pid <= 0 || ws->nheld == 0 ||
		    now < ws->started + s->job->chunk_timeout)
			continue;
		if (!ws->timed_out)
			kill(s->procs[i].pid, SIGTERM);
		else if (now >= ws->started + s->job->chunk_timeout + STOP_GRACE_MS / 1000.0)
			kill(s->procs[i].pid, SIGKILL);
		ws->timed_out = true;
	}
}

/*
 * --stall-warning: a worker that holds a chunk and has sent nothing for
 * that long is named on stderr, again each time the silence doubles
 * (a slow command is not a flood of lines).  A stopped one (SIGSTOP, a
 * stray kill -STOP) would hang the run for good, as nothing else wakes
 * it: it is sent SIGCONT.  --chunk-timeout, when set, still applies.
 */
static void check_stalls(struct sup *s)
{
	double now = clock_now();

	for (int i = 0; i < s->nprocs && s->job->stall_warning > 0; i++) {
		struct wstate *ws = &s->ws[i];
		pid_t pid = s->procs[i].pid;

		if (ws->gone || pid <= 0 || ws->nheld == 0 || now < ws->progressed + ws->stall_next)
			continue;
		bool stopped = proc_state(pid) == 'T';
		const struct held *h = &ws->held[0];

		erase_progress();
		warnx_("warning: worker %d (pid %d) has made no progress for %g s while processing "
		    "%s bytes %llu-%llu%s", i, (int)pid, ws->stall_next,
		    chunker_path(s->chunker, h->file), (unsigned long long)h->offset,
		    (unsigned long long)(h->offset + h->length),
		    stopped ? ": it is stopped (SIGSTOP); continuing it (SIGCONT)" : "");
		if (stopped)
			kill(pid, SIGCONT);
		ws->stall_next *= 2;
	}
}

/* When check_stalls next has something to do, or 0. */
static double stall_deadline(const struct sup *s)
{
	double next = 0;

	for (int i = 0; i < s->nprocs && s->job->stall_warning > 0; i++) {
		const struct wstate *ws = &s->ws[i];

		if (!ws->gone && ws->nheld > 0)
			next = deadline_min(next, ws->progressed + ws->stall_next);
	}
	return next;
}

/* A stream quiet for STREAM_IDLE while the workers wait for its
 * records: what is complete goes out (a pipe that writes a line now and
 * then, such as tail -f). */
static double idle_deadline(const struct sup *s)
{
	return s->waiting_input ? chunker_idle_deadline(s->chunker, STREAM_IDLE) : 0;
}

static void check_idle(struct sup *s)
{
	double due = idle_deadline(s);

	if (due != 0 && clock_now() >= due)
		chunker_flush(s->chunker);
}

/* When check_timeouts next has something to do, or 0. */
static double chunk_deadline(const struct sup *s)
{
	double next = 0;

	for (int i = 0; i < s->nprocs && s->job->chunk_timeout > 0; i++) {
		const struct wstate *ws = &s->ws[i];
		double at = ws->started + s->job->chunk_timeout;

		if (ws->gone || ws->nheld == 0)
			continue;
		if (ws->timed_out)
			at += STOP_GRACE_MS / 1000.0;
		next = deadline_min(next, at);
	}
	return next;
}

/*
 * The nearest deadline of the event loop's timers (monotonic seconds),
 * or 0 for none: ppoll sleeps no longer than that.  Each timer adds its
 * own with deadline_min().
 */
static double next_deadline(const struct sup *s)
{
	return deadline_min(deadline_min(chunk_deadline(s), stall_deadline(s)),
	    deadline_min(idle_deadline(s), report_deadline()));
}

/* Run the timers whose deadline has come. */
static void run_timers(struct sup *s)
{
	double due = report_deadline();

	if (due != 0 && clock_now() >= due) {
		if (report_to_stderr())
			progress_end(&s->progress);
		stats_snapshot(s);
		report_interval();
	}
}

static void wait_events(struct sup *s)
{
	struct pollfd *pfd;
	struct timespec timeout;
	int n = 0, in = -1;

	run_timers(s);
	pfd = xcalloc((size_t)s->nprocs * 2 + 1, sizeof *pfd);

	/* A gone worker's descriptors are -1, which poll ignores. */
	for (int i = 0; i < s->nprocs; i++) {
		pfd[n].fd = s->procs[i].result_fd;
		pfd[n++].events = throttled(s, i) ? 0 : POLLIN;	/* POLLHUP comes anyway */
		pfd[n].fd = s->senders[i].busy || s->senders[i].ctl.len > 0 ? s->procs[i].task_fd : -1;
		pfd[n++].events = POLLOUT;
	}
	if (s->waiting_input) {
		in = n;
		pfd[n].fd = chunker_wait_fd(s->chunker);
		pfd[n++].events = POLLIN;
	}
	if (ppoll(pfd, (nfds_t)n, deadline_timeout(next_deadline(s), &timeout),
	    proc_poll_mask()) < 0) {
		if (errno != EINTR)
			fatal(EXIT_SOFTWARE, "poll() failed: %s", strerror(errno));
		free(pfd);
		return;
	}
	check_timeouts(s);
	check_stalls(s);
	check_idle(s);
	for (int i = 0; i < s->nprocs && !output_reader_gone(s->out); i++) {
		if (pfd[2 * i].revents != 0)
			read_results(s, i);
		if (pfd[2 * i + 1].revents != 0)
			try_send(s, i);
	}
	if (in >= 0 && pfd[in].revents != 0)
		s->stream_readable = true;
	free(pfd);
}

static void start_workers(struct sup *s)
{
	char *err = NULL;

	s->nprocs = (int)s->job->jobs;
	s->procs = xcalloc((size_t)s->nprocs, sizeof *s->procs);
	s->readers = xcalloc((size_t)s->nprocs, sizeof *s->readers);
	s->senders = xcalloc((size_t)s->nprocs, sizeof *s->senders);
	s->ws = xcalloc((size_t)s->nprocs, sizeof *s->ws);
	for (int i = 0; i < s->nprocs; i++)
		s->procs[i].task_fd = s->procs[i].result_fd = -1;
	s->env.job = s->job;
	s->env.chunker = s->chunker;
	s->env.out_fd = s->placed ? output_fd(s->out) : -1;
	s->env.out_name = output_name(s->out);
	if (job_runs_commands(s->job)) {
		size_t size = (size_t)s->nprocs * EXEC_GROUPS_MAX * sizeof *s->env.groups;
		void *g = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (g == MAP_FAILED)
			fatal(EXIT_SOFTWARE, "mmap() failed: %s", strerror(errno));
		s->env.groups = g;
	}
	for (int i = 0; i < s->nprocs; i++)
		if (proc_spawn(s->procs, s->nprocs, i, worker_main, &s->env, &err) < 0)
			fatal(EXIT_SOFTWARE, "starting worker %d: %s", i, err);
}

static bool all_idle(const struct sup *s)
{
	for (int i = 0; i < s->nprocs; i++)
		if (!s->ws[i].gone && s->ws[i].nheld > 0)
			return false;
	return true;
}

/*
 * Count the quotes of file f's grid segments.  A failure (a read error)
 * is handled like a chunk's: no segment is sent after it, and the lowest
 * failing segment is reported.  Returns a terminating signal, or 0.
 */
static int count_file_quotes(struct sup *s, uint32_t f)
{
	uint64_t seg, size = chunker_file_size(s->chunker, f);
	size_t nseg = chunker_quote_grid(s->chunker, f, &seg), next = 0;

	for (;;) {
		int sig = proc_quit_signal();

		if (sig != 0)
			return sig;
		dispatch_retries(s);
		while (!s->failure.set && s->nretry == 0 && next < nseg) {
			int w = pick_worker(s);
			struct held h = { next, f, next * seg, 0, 0 };

			if (w < 0)
				break;
			h.length = size - h.offset < seg ? size - h.offset : seg;
			send_small(s, w, FRAME_TASK_QUOTES, &h);
			next++;
		}
		if (s->failure.set ? failure_settled(s) :
		    next == nseg && s->nretry == 0 && all_idle(s))
			break;
		wait_events(s);
	}
	if (s->failure.set)
		report_failure(s);
	return 0;
}

/*
 * Before a CSV file is cut, the workers count the quotes of each segment
 * of its grid, in parallel (see chunker.c, csv_grid_boundary).  This
 * comes before any chunk is processed, so a read error here is reported
 * before errors in the data.  Returns a terminating signal, or 0.
 */
static int csv_prescan(struct sup *s)
{
	int sig = 0;

	s->counting = true;
	for (uint32_t f = 0; f < chunker_count(s->chunker) && sig == 0; f++)
		sig = count_file_quotes(s, f);
	s->counting = false;
	return sig;
}

/* Normal end: close the task pipes so the workers exit, and reap them. */
static void stop_workers(struct sup *s, bool force)
{
	for (int i = 0; i < s->nprocs; i++)
		proc_close(&s->procs[i]);
	if (force)
		proc_kill_all(s->procs, s->nprocs, SIGTERM);
	proc_reap(s->procs, s->nprocs, true, STOP_GRACE_MS);
	kill_groups(s, -1);
}

/*
 * With --header, the first record is read now, before the workers fork:
 * the stages resolve field names against it.  Without, they are bound to
 * no header (names are then an error).
 */
static void read_header(struct sup *s)
{
	char *err = NULL;
	int code = EXIT_SOFTWARE;
	const char *why = NULL;
	struct header *h = &s->header;

	chunker_set_format(s->chunker, &s->job->format, s->job->header);
	if (s->job->header) {
		int rc;

		while ((rc = chunker_header(s->chunker, true, &h->raw, &err, &code)) == 0)
			;
		if (rc < 0)
			fatal(code, "%s", err);
		if (job_header_fields(s->job, h, &why) < 0)
			fatal(EXIT_DATAERR, "%s: malformed CSV header: %s", chunker_path(s->chunker, 0), why);
	}
	if (job_bind(s->job, s->job->header ? h : NULL, &err, &code) < 0)
		fatal(code, "%s", err);
}

static void write_header(struct sup *s)
{
	struct buf out = { 0 };
	char *err = NULL;

	if (s->job->partial_out)
		partial_put_head(s->job, &s->header.raw, &out);
	else if (s->job->header)
		job_header_out(s->job, &s->header, &out);
	if (out.len > 0 && output_write(s->out, out.data, out.len, &err) < 0)
		fatal(EXIT_IOERR, "%s", err);
	stats_header(&s->stats, s->job->header ? s->header.raw.len : 0,
	    out.len > 0 && !s->job->partial_out);
	buf_free(&out);
}

static void free_sup(struct sup *s)
{
	for (int i = 0; i < s->nprocs; i++) {
		frame_reader_free(&s->readers[i]);
		buf_free(&s->senders[i].ctl);
	}
	for (uint64_t i = 0; i < s->window; i++)
		free(s->tasks[i].chunk.data);
	if (s->env.groups != NULL)
		munmap((void *)s->env.groups, (size_t)s->nprocs * EXEC_GROUPS_MAX * sizeof *s->env.groups);
	free(s->readers);
	free(s->senders);
	free(s->ws);
	free(s->retry);
	free(s->failure.msg);
	free(s->procs);
	free(s->tasks);
	merger_free(s->merger);
	fieldvec_free(&s->header.fields);
	buf_free(&s->header.raw);
	output_free(s->out);
	chunker_close(s->chunker);
	report_attach(NULL);
	stats_free(&s->stats);
}

static int finish(struct sup *s)
{
	char *err = NULL;
	int code = EXIT_IOERR;
	bool gone = output_reader_gone(s->out);

	/* A decompressor still runs when the run ends early (head). */
	chunker_abort(s->chunker);
	/* head is satisfied: the workers may be busy with chunks not needed. */
	stop_workers(s, gone || merger_done(s->merger));
	progress_end(&s->progress);
	/* The stages after a reducer may run long (a sort's last merge):
	 * a signal now stops the writing of the output (see output.c). */
	output_interruptible(s->out);
	proc_signals_unblock();
	if (!gone && merger_finish(s->merger, &err, &code) < 0 && proc_quit_signal() == 0)
		fatal(code, "%s", err);
	if (proc_quit_signal() != 0) {
		free(err);	/* the signal is what is reported */
		return -proc_quit_signal();
	}
	if (s->placed && output_placed_end(s->out, merger_placed_end(s->merger), &err) < 0)
		fatal(EXIT_IOERR, "%s", err);
	if (output_commit(s->out, &err) < 0)
		fatal(EXIT_IOERR, "%s", err);
	current = NULL;
	stats_collect(s);
	if (s->job->stats)
		stats_print(stderr, &s->stats);
	if (s->skipped > 0) {
		char *msg = xasprintf("%llu chunk%s skipped: a command failed on %s (--keep-going)",
		    (unsigned long long)s->skipped, s->skipped == 1 ? "" : "s",
		    s->skipped == 1 ? "it" : "them");

		warnx_("%s", msg);
		code = report(EXIT_SOFTWARE, msg);
		free(msg);
		return code;
	}
	/* The reader went away (| head): a pipeline's usual end, unless the
	 * user asked to hear of it. */
	if (output_reader_gone(s->out) && s->job->strict_epipe)
		return report(128 + SIGPIPE, "the output's reader went away (--strict-epipe)");
	return report(EXIT_OK, NULL);
}

/* Hand out chunks and take their results until the input is done or
 * the output's reader is gone.  Returns a terminating signal, or 0. */
static int run_chunks(struct sup *s)
{
	for (;;) {
		int sig = proc_quit_signal();

		if (sig != 0)
			return sig;
		dispatch(s);
		/* head's records are all out: every chunk before them was whole,
		 * so a failure can only be in input nobody needs. */
		if (merger_done(s->merger))
			return 0;
		if (s->failure.set && failure_settled(s))
			report_failure(s);
		if (output_reader_gone(s->out) ||
		    (!s->failure.set && s->input_done && merger_low(s->merger) == s->next_seq))
			return 0;
		wait_events(s);
	}
}

/*
 * A reducer's chunk is held whole by its worker while it folds (sort
 * keeps every record): within --memory, each of the 2 x jobs chunks a
 * worker may hold, and their encoded copies, must fit.
 */
static uint64_t reduce_chunk_max(const struct job *job)
{
	uint64_t m = job->memory / (16 * ((uint64_t)job->jobs + 1));

	if (m > CHUNK_MAX_REDUCE)
		m = CHUNK_MAX_REDUCE;
	return m < CHUNK_MIN_REDUCE ? CHUNK_MIN_REDUCE : m;
}

int supervisor_run(struct job *job)
{
	struct sup s = { 0 };
	char *err = NULL;
	int code = EXIT_SOFTWARE;

	stats_init(&s.stats, job);
	report_attach(&s.stats);
	s.job = job;
	s.window = (uint64_t)job->jobs * WINDOW_PER_WORKER;
	s.hold_max = job->memory / 4 / s.window;
	s.hold_max = s.hold_max < HOLD_MIN ? HOLD_MIN : s.hold_max > HOLD_MAX ? HOLD_MAX : s.hold_max;
	s.tasks = xcalloc(s.window, sizeof *s.tasks);
	s.chunker = chunker_open(job->inputs, job->ninputs, job->null ? '\0' : '\n',
	    job->chunk_size, job->jobs, &err, &code);
	if (s.chunker == NULL)
		fatal(code, "%s", err);
	chunker_set_max_record(s.chunker, job->max_record);
	if (job->shard.n > 0 && (chunker_set_shard(s.chunker, &job->shard, &err, &code) < 0 ||
	    shard_fingerprint(&job->shard, job->inputs, job->ninputs, &err, &code) < 0))
		fatal(code, "%s", err);
	/* A reducer's chunks leave only a few bytes of partial state in
	 * flight, so they can be larger: fewer round trips. */
	if (job->chunk_size == 0 && job->reducer != NULL)
		chunker_auto_target(s.chunker, job->jobs, reduce_chunk_max(job));
	read_header(&s);
	s.out = output_open(job->output, &err);
	if (s.out == NULL)
		fatal(EXIT_CANTCREAT, "%s", err);
	if (job->compress.kind != COMPRESS_NONE)
		output_compress(s.out, &job->compress);
	if (job->line_buffered)
		output_unbuffered(s.out);
	/* Someone is watching: records go out as their lines come. */
	chunker_set_eager(s.chunker, job->line_buffered || isatty(STDIN_FILENO));
	progress_init(&s.progress, job->progress, chunker_total_size(s.chunker),
	    output_is_tty(s.out));
	/* The workers measure their chunks for a report or the bar. */
	stats_measure(&s.stats, stats_wanted(job) || s.progress.on);
	s.env.meter = s.stats.on;
	write_header(&s);
	/* Ordered map output into a regular file: the workers write it. */
	s.placed = !job->unordered && job->reducer == NULL && job->limit == UINT64_MAX &&
	    job->compress.kind == COMPRESS_NONE && !job_runs_commands(job) &&
	    output_placeable(s.out, &s.place_base, &err);
	current = &s;
	fatal_cleanup(cleanup);
	fatal_before(erase_progress);
	proc_signals_init();
	if (job->timeout > 0)
		proc_alarm(job->timeout);
#ifdef __SANITIZE_ADDRESS__
	if (job->worker_memory > 0)
		warnx_("warning: --max-memory-per-worker is not enforced in a build with "
		    "AddressSanitizer");
#endif
	/* Fork before the big buffers exist: fork costs grow with the
	 * parent's touched memory. */
	start_workers(&s);
	s.merger = merger_new(job, s.out, s.window);
	merger_set_meter(s.merger, &s.stats.local);
	if (s.placed)
		merger_set_placed(s.merger, s.place_base, place, &s);
	int sig = csv_prescan(&s);

	if (sig == 0)
		sig = run_chunks(&s);
	if (sig == 0) {
		code = finish(&s);
		sig = code < 0 ? -code : 0;
	}
	if (sig != 0) {
		/* SIGALRM is --timeout's. */
		char *msg = sig == SIGALRM ?
		    xasprintf("the run took longer than --timeout %gs", job->timeout) :
		    xasprintf("stopped by signal %d (%s)", sig, strsignal(sig));

		progress_end(&s.progress);
		cleanup();
		if (sig == SIGALRM)
			warnx_("%s", msg);
		code = report(sig == SIGALRM ? EXIT_TIMEOUT : 128 + sig, msg);
		free(msg);
	}
	free_sup(&s);	/* nothing left for LeakSanitizer to report */
	return code;
}
