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
 * with the lowest failure seen by then (see sup_fail_at).
 *
 * The policy's parts are in files of their own, sharing supervisor_int.h:
 * scheduling and sending tasks (sup_dispatch.c), failures and dead
 * workers (sup_retry.c), the timers (sup_timers.c), and what comes before
 * the chunks: the header and the CSV quote-count pre-pass (sup_prescan.c). */
#include "autoconfig.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chunker.h"
#include "clock.h"
#include "frame.h"
#include "merger.h"
#include "output.h"
#include "progress.h"
#include "proc.h"
#include "report.h"
#include "stats.h"
#include "supervisor.h"
#include "supervisor_int.h"
#include "util.h"
#include "worker.h"

#define WINDOW_PER_WORKER 4
#define CHUNK_MAX_REDUCE (64 << 20)
#define CHUNK_MIN_REDUCE (1 << 20)
#define HOLD_MIN (16 << 20)	/* output a chunk may hold before its turn */
#define HOLD_MAX (256 << 20)

static struct sup *current;

/* Before an error message: the progress bar goes. */
void sup_erase_progress(void)
{
	if (current != NULL)
		progress_end(&current->progress);
}

/* The figures only the supervisor knows, into the stats: bytes so far
 * (the workers' placed output counts once its place is given). */
void sup_stats_snapshot(struct sup *s)
{
	s->stats.bytes_in = s->progress.done + s->stats.header_bytes;
	s->stats.bytes_out = s->out == NULL ? 0 : output_bytes(s->out);
	if (s->placed && s->merger != NULL)
		s->stats.bytes_out += merger_placed_end(s->merger) - s->place_base;
	sup_stalls_snapshot(s);
}

/* The run is over and its workers reaped: the final figures.  Each
 * process's resource use is taken once. */
static void stats_collect(struct sup *s)
{
	sup_stats_snapshot(s);
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
		sup_kill_groups(s, -1);
	}
	output_abort(s->out);
	sup_reject_abort(s);
	stats_collect(s);
}

/* Worker w has processed chunk seq (its placed output may still wait
 * to be written). */
static uint64_t chunk_processed(struct sup *s, int w, uint64_t seq)
{
	struct task *t = &s->tasks[seq % s->window];
	uint64_t records = stats_chunk_done(&s->stats, w, seq);

	progress_records(&s->progress, records);
	progress_add(&s->progress, t->chunk.length);
	sup_unhold(s, w, seq);
	return records;
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
	sup_unhold(s, w, r->hdr.seq);
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
	if (r->hdr.type == FRAME_REJECT) {
		sup_reject_take(s, w, r);
		return;
	}
	uint64_t seq = r->hdr.seq;

	if (seq < merger_low(s->merger) || seq >= s->next_seq || s->tasks[seq % s->window].worker != w)
		fatal(EXIT_SOFTWARE, "worker %d sent a result for chunk %llu, which it was not given",
		    w, (unsigned long long)seq);
	if (r->hdr.type == FRAME_RECORDS) {
		if (r->payload.len != 8 ||
		    merger_records(s->merger, seq, frame_get_u64(r->payload.data)) < 0)
			fatal(EXIT_SOFTWARE, "worker %d sent a malformed record count for chunk %llu",
			    w, (unsigned long long)seq);
		return;
	}
	uint64_t low = merger_low(s->merger);
	int rc = merger_take(s->merger, &r->hdr, &r->payload, &err, &code);

	if (rc < 0)
		fatal(code, "%s", err);
	/* A worker's table kept across chunks (sup_table.c). */
	if (r->hdr.type == FRAME_FOLDED) {
		sup_table_folded(s, w, seq, chunk_processed(s, w, seq));
		return;
	}
	if (r->hdr.type == FRAME_PARTIAL && r->hdr.aux == 1) {
		stats_extra_done(&s->stats, w, seq);
		if (sup_table_taken(s, w, low, &err) < 0)
			fatal(EXIT_IOERR, "%s", err);
		sup_reject_flush(s, merger_low(s->merger));
		recycle_released(s);
		return;
	}
	if (r->hdr.type == FRAME_SKIP) {
		progress_end(&s->progress);
		warnx_("%.*s (output skipped: --keep-going)", (int)r->payload.len, r->payload.data);
		s->skipped++;
	}
	/* A placed chunk is processed when its size comes, whole when it
	 * is written. */
	if (rc == 1 || r->hdr.type == FRAME_SIZE)
		chunk_processed(s, w, seq);
	sup_reject_flush(s, merger_low(s->merger));
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
			sup_worker_died(s, w);
			return;
		}
		sup_progressed(s, w);
		if (r->hdr.type == FRAME_ERROR) {
			sup_worker_failed(s, w, r);
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

void sup_wait_events(struct sup *s)
{
	struct pollfd *pfd;
	struct timespec timeout;
	int n = 0, in = -1;

	sup_run_timers(s);
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
	if (ppoll(pfd, (nfds_t)n, deadline_timeout(sup_next_deadline(s), &timeout),
	    proc_poll_mask()) < 0) {
		if (errno != EINTR)
			fatal(EXIT_SOFTWARE, "poll() failed: %s", strerror(errno));
		free(pfd);
		return;
	}
	sup_check_timers(s);
	for (int i = 0; i < s->nprocs && !output_reader_gone(s->out); i++) {
		if (pfd[2 * i].revents != 0)
			read_results(s, i);
		if (pfd[2 * i + 1].revents != 0)
			sup_try_send(s, i);
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

/* Normal end: close the task pipes so the workers exit, and reap them. */
static void stop_workers(struct sup *s, bool force)
{
	for (int i = 0; i < s->nprocs; i++)
		proc_close(&s->procs[i]);
	if (force)
		proc_kill_all(s->procs, s->nprocs, SIGTERM);
	proc_reap(s->procs, s->nprocs, true, STOP_GRACE_MS);
	sup_kill_groups(s, -1);
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
	sup_reject_free(s);
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
		fatal_stage(code, err);
	if (proc_quit_signal() != 0) {
		free(err);	/* the signal is what is reported */
		return -proc_quit_signal();
	}
	if (s->placed && output_placed_end(s->out, merger_placed_end(s->merger), &err) < 0)
		fatal(EXIT_IOERR, "%s", err);
	sup_reject_commit(s);
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
		sup_dispatch(s);
		sup_table_ask(s);
		/* head's records are all out: every chunk before them was whole,
		 * so a failure can only be in input nobody needs. */
		if (merger_done(s->merger))
			return 0;
		if (s->failure.set && sup_failure_settled(s))
			sup_report_failure(s);
		if (output_reader_gone(s->out) ||
		    (!s->failure.set && s->input_done && merger_low(s->merger) == s->next_seq))
			return 0;
		sup_wait_events(s);
	}
}

/*
 * A reducer's chunk is held whole by its worker while it folds (sort
 * keeps every record): within --memory, each of the 2 x jobs chunks a
 * worker may hold, and their encoded copies, must fit.
 */
uint64_t supervisor_window(const struct job *job)
{
	return (uint64_t)job->jobs * WINDOW_PER_WORKER;
}

/* A quarter of --memory for the output of the chunks in flight. */
uint64_t supervisor_hold_max(const struct job *job)
{
	uint64_t h = job->memory / 4 / supervisor_window(job);

	return h < HOLD_MIN ? HOLD_MIN : h > HOLD_MAX ? HOLD_MAX : h;
}

/* A reducer's chunks: a 32nd of a process's part of --memory (job.c's
 * plan_memory counts them beside the reducers' shares). */
uint64_t supervisor_reduce_chunk_max(const struct job *job)
{
	uint64_t m = job->memory / (32 * ((uint64_t)job->jobs + 1));

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
	s.window = supervisor_window(job);
	s.hold_max = supervisor_hold_max(job);
	s.chunker = chunker_open(job->inputs, job->ninputs, job->null ? '\0' : '\n',
	    job->chunk_size, job->jobs, &err, &code);
	if (s.chunker == NULL)
		fatal(code, "%s", err);
	s.env.lasting = sup_table_wanted(job);
	s.window = sup_table_window(&s, s.window);
	s.tasks = xcalloc(s.window, sizeof *s.tasks);
	chunker_set_max_record(s.chunker, job->max_record);
	/* The format first: it decides whether compressed files are cut. */
	chunker_set_format(s.chunker, &job->format, job->header);
	if (chunker_use_indexes(s.chunker, job->index,
	    format_quotes_unreliable(&job->format), job->write_index, &err, &code) < 0)
		fatal(code, "%s", err);
	if (job->shard.n > 0 && (chunker_set_shard(s.chunker, &job->shard, &err, &code) < 0 ||
	    shard_fingerprint(&job->shard, job->inputs, job->ninputs, &err, &code) < 0))
		fatal(code, "%s", err);
	/* A reducer's chunks leave only a few bytes of partial state in
	 * flight, so they can be larger: fewer round trips. */
	if (job->chunk_size == 0 && job->reducer != NULL)
		chunker_auto_target(s.chunker, job->jobs, supervisor_reduce_chunk_max(job));
	sup_read_header(&s);
	s.out = output_open(job->output, &err);
	if (s.out == NULL)
		fatal(EXIT_CANTCREAT, "%s", err);
	if (job->compress.kind != COMPRESS_NONE)
		output_compress(s.out, &job->compress);
	if (job->line_buffered)
		output_unbuffered(s.out);
	sup_reject_open(&s);
	/* Someone is watching: records go out as their lines come. */
	chunker_set_eager(s.chunker, job->line_buffered || isatty(STDIN_FILENO));
	progress_init(&s.progress, job->progress, chunker_total_size(s.chunker));
	if (s.progress.on && output_is_tty(s.out))
		output_around(s.out, progress_around, &s.progress);
	/* The workers measure their chunks for a report or the bar. */
	stats_measure(&s.stats, stats_wanted(job) || s.progress.on);
	s.env.meter = s.stats.on;
	sup_write_header(&s);
	/* Ordered map output into a regular file: the workers write it. */
	s.placed = !job->unordered && job->reducer == NULL && job->limit == UINT64_MAX &&
	    job->numbered == NULL &&
	    job->compress.kind == COMPRESS_NONE && !job_runs_commands(job) &&
	    output_placeable(s.out, &s.place_base, &err);
	current = &s;
	fatal_cleanup(cleanup);
	fatal_before(sup_erase_progress);
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
		merger_set_placed(s.merger, s.place_base, sup_place, &s);
	int sig = sup_csv_prescan(&s);

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
