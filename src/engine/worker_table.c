/* worker_table.c - a reducer's partial kept across the chunks a worker
 * takes (when the reducer allows it: stage_def.lasting).
 *
 * With many groups, a partial per chunk costs a table built, sorted and
 * encoded in the worker, and merged in the merger, for every chunk; one
 * table that folds every chunk its worker takes is sorted, encoded and
 * merged once.  The worker says each chunk is folded (FRAME_FOLDED: the
 * chunk is processed, not yet whole) and sends the table (FRAME_PARTIAL,
 * aux 1) when the supervisor asks for it (FRAME_FLUSH: the input is
 * done, or the window of chunks in flight is full; see sup_table.c), or
 * before folding a chunk that comes before one it holds (a chunk lost
 * with another worker and run again): a table folds its chunks in input
 * order, which its first error, first and last rely on.  Should the
 * worker die, the supervisor runs every chunk of its table again.  The
 * table's memory stays within the reducer's budget: once it has spilled
 * or taken three quarters of it (stage_def.partial_full), it is sent at the
 * end of the chunk, so what is encoded and sent at once is no more than
 * a partial per chunk was. */
#include "autoconfig.h"

#include <sys/uio.h>

#include "buf.h"
#include "frame.h"
#include "meter.h"
#include "worker_int.h"

/*
 * The encoding's buffer, kept from one table to the next: each table
 * sent is about as big as the last, and growing a fresh buffer to it
 * each time copied it over and over and faulted its pages in again
 * (a million keys under --memory 256M: 192 tables of 5 MB).  It holds
 * nothing between sends, and the peak is the same: the table and its
 * encoding side by side at the send.
 */
static struct buf enc;

void worker_table_send(struct worker *w)
{
	struct stage *r = w->job->reducer;
	struct iovec iov;
	uint64_t seq = w->seq, t0;

	if (w->partial == NULL || !w->table_any)
		return;
	/* The frame (and the encoding's figures) go as the last chunk's. */
	w->seq = w->table_last;
	t0 = meter_clock(&w->meter, r);
	enc.len = 0;
	r->def->encode(r, w->partial, &enc);
	meter_stop(&w->meter, w->job->nmap, r, t0);
	iov.iov_base = enc.data;
	iov.iov_len = enc.len;
	worker_send_frame(w, FRAME_PARTIAL, 1, &iov, 1);
	/* Not kept past the reducer's budget (a table that spilled sends
	 * its runs too). */
	if (enc.cap > r->memory)
		buf_free(&enc);
	r->def->partial_free(w->partial);
	w->partial = NULL;
	w->table_any = false;
	w->seq = seq;
}

void worker_table_begin(struct worker *w, uint64_t seq)
{
	struct stage *r = w->job->reducer;

	if (w->table_any && seq < w->table_last)
		worker_table_send(w);
	if (w->partial == NULL)
		w->partial = r->def->partial_new(r);
}

void worker_table_folded(struct worker *w)
{
	struct stage *r = w->job->reducer;
	struct iovec iov = { NULL, 0 };

	w->table_any = true;
	w->table_last = w->seq;
	worker_send_frame(w, FRAME_FOLDED, 0, &iov, 0);
	if (r->def->partial_full != NULL && r->def->partial_full(w->partial))
		worker_table_send(w);
}
