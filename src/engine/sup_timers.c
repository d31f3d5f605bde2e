/* sup_timers.c - the event loop's timers: --chunk-timeout, the
 * --stall-warning lines (and SIGCONT for a stopped worker), the cut of a
 * quiet stream's complete records, and the interval reports. */
#include "autoconfig.h"

#include <signal.h>

#include "chunker.h"
#include "clock.h"
#include "proc.h"
#include "progress.h"
#include "report.h"
#include "supervisor_int.h"
#include "util.h"

#define STREAM_IDLE 0.2	/* seconds a quiet stream's records wait at most */

/* Workers silent on a chunk past --stall-warning, for interval lines. */
void sup_stalls_snapshot(struct sup *s)
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

		sup_erase_progress();
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
double sup_next_deadline(const struct sup *s)
{
	return deadline_min(deadline_min(chunk_deadline(s), stall_deadline(s)),
	    deadline_min(idle_deadline(s), report_deadline()));
}

/* Run the timers whose deadline has come. */
void sup_run_timers(struct sup *s)
{
	double due = report_deadline();

	if (due != 0 && clock_now() >= due) {
		if (report_to_stderr())
			progress_end(&s->progress);
		sup_stats_snapshot(s);
		report_interval();
	}
}

/* After a wait: the timers whose deadline (see sup_next_deadline) may
 * have come. */
void sup_check_timers(struct sup *s)
{
	check_timeouts(s);
	check_stalls(s);
	check_idle(s);
}
