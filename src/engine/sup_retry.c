/* sup_retry.c - failures and dead workers: the lowest failure is kept
 * until every earlier task is processed; a worker that dies is reaped,
 * the commands it ran killed, its tasks queued again (up to --retries
 * for the one it was working on), and a new worker started in its slot. */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "chunker.h"
#include "merger.h"
#include "proc.h"
#include "stats.h"
#include "supervisor_int.h"
#include "util.h"

#define IDLE_DEATHS_MAX 8	/* workers dying holding nothing, in a row */

/*
 * Remember a failure of chunk seq (or, while counting quotes, of grid
 * segment seq) unless an earlier one is known; takes msg.  The input
 * before seq may hold an earlier error, so the failure is reported only
 * once every earlier task is processed (sup_failure_settled).
 */
void sup_fail_at(struct sup *s, uint64_t seq, int code, char *msg)
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
bool sup_failure_settled(const struct sup *s)
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

void sup_report_failure(struct sup *s)
{
	fatal(s->failure.code, "%s", s->failure.msg);
}

/*
 * The process groups of the commands worker w's exec stages run, which
 * it records in memory shared with the supervisor (see stages/exec.c):
 * killed when the worker is gone, in case it could not stop them itself
 * (SIGKILL).  Each command also has a guard that kills its group when the
 * worker dies; this makes it certain, and done before the worker's
 * chunks run again.  w < 0: every worker's.
 */
void sup_kill_groups(struct sup *s, int w)
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
		sup_fail_at(s, h->seq, EXIT_SOFTWARE, xasprintf("%s: %s %llu (%s %llu-%llu): its worker "
		    "%s, %u time%s (--retries %u)", path, what, (unsigned long long)h->seq, bytes, from, to,
		    how, h->attempts, h->attempts == 1 ? "" : "s", s->job->retries));
		return;
	}
	if (charged) {
		sup_erase_progress();
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
			sup_table_lost(s, w, t);
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
void sup_worker_died(struct sup *s, int w)
{
	char how[96];
	pid_t pid = s->procs[w].pid;

	reap_dead(s, w, how, sizeof how);
	sup_kill_groups(s, w);
	proc_close(&s->procs[w]);
	if (requeue_lost(s, w, pid, how))
		s->idle_deaths = 0;
	else if (++s->idle_deaths > IDLE_DEATHS_MAX)
		fatal(EXIT_SOFTWARE, "worker %d (pid %d) %s, and workers keep dying without a chunk "
		    "to blame", w, (int)pid, how);
	respawn(s, w);
}

/* A worker reported the failure of a task; it exits after that. */
void sup_worker_failed(struct sup *s, int w, const struct frame_reader *r)
{
	uint32_t code = r->hdr.aux;

	sup_fail_at(s, r->hdr.seq, code > 0 && code < 256 ? (int)code : EXIT_SOFTWARE,
	    xstrndup(r->payload.data, r->payload.len));
	worker_gone(s, w);
}
