/* sup_table.c - the supervisor's side of the reducer tables workers keep
 * across chunks (worker_table.c).
 *
 * A chunk folded into a worker's table is processed (its figures count,
 * its worker takes the next) but not whole: the merger's window stays
 * open at it until the table comes, so that a worker that dies takes
 * nothing with it: requeue_lost (sup_retry.c) runs every chunk of the
 * lost table again, as it does the chunks a worker holds.  The supervisor
 * asks an idle worker for its table once the input is done or the window
 * is full: no more chunks can go out until the table comes.  A file's
 * window is wide (WINDOW_TABLE chunks a worker), so that a worker sends
 * few tables; a stream's stays narrow, as its chunks' bytes are held in
 * the supervisor until they are whole. */
#include "autoconfig.h"

#include "frame.h"
#include "merger.h"
#include "proc.h"
#include "supervisor_int.h"

#define WINDOW_TABLE 64

bool sup_table_wanted(const struct job *job)
{
	const struct stage *r = job->reducer;

	return r != NULL && r->def->lasting && !job->keep_going && !job_runs_commands(job);
}

uint64_t sup_table_window(const struct sup *s, uint64_t window)
{
	if (!s->env.lasting || chunker_total_size(s->chunker) == 0)
		return window;
	return (uint64_t)s->job->jobs * WINDOW_TABLE;
}

void sup_table_folded(struct sup *s, int w, uint64_t seq, uint64_t records)
{
	struct task *t = &s->tasks[seq % s->window];

	t->folded = true;
	t->records = records;
	s->ws[w].folded++;
}

int sup_table_taken(struct sup *s, int w, uint64_t low, char **err)
{
	for (uint64_t seq = low; seq < s->next_seq; seq++) {
		struct task *t = &s->tasks[seq % s->window];

		if (t->worker != w || !t->folded)
			continue;
		t->folded = false;
		if (merger_settle(s->merger, seq, err) < 0)
			return -1;
	}
	s->ws[w].folded = 0;
	s->ws[w].flushing = false;
	return 0;
}

void sup_table_lost(struct sup *s, int w, struct task *t)
{
	if (t->folded)
		stats_chunk_undone(&s->stats, w, t->records);
	t->folded = false;
	s->ws[w].folded = 0;
	s->ws[w].flushing = false;
}

void sup_table_ask(struct sup *s)
{
	bool full = s->next_seq - merger_low(s->merger) >= s->window;

	if (!s->input_done && !full)
		return;
	for (int i = 0; i < s->nprocs; i++) {
		struct wstate *ws = &s->ws[i];
		unsigned char frame[FRAME_HDR_SIZE];
		struct frame_hdr h = { FRAME_FLUSH, 0, 0, 0 };

		if (ws->gone || ws->folded == 0 || ws->flushing || ws->nheld > 0)
			continue;
		frame_encode_hdr(frame, &h);
		buf_append(&s->senders[i].ctl, frame, sizeof frame);
		ws->flushing = true;
		sup_try_send(s, i);
	}
}
