/* worker_reject.c - --reject in a worker: the one place where a chunk's
 * rejected records are gathered (FRAME_REJECT's payload, sent at the
 * chunk's end by worker.c and written by sup_reject.c), whoever rejects
 * them: the JSON Lines scan (worker_json.c), the strict CSV walk here,
 * or a reducer whose ops cannot take a record (struct block's reject). */
#include "autoconfig.h"

#include "csv.h"
#include "frame.h"
#include "worker_int.h"

/* Each record is its input offset and length (8 bytes each, as frames
 * write numbers), then its bytes. */
void worker_reject(struct worker *w, const char *data, size_t len, uint64_t offset)
{
	unsigned char num[16];

	frame_put_u64(num, offset);
	frame_put_u64(num + 8, len);
	buf_append(&w->rejects, num, sizeof num);
	buf_append(&w->rejects, data, len);
}

void worker_reject_cb(void *ctx, const char *data, size_t len, uint64_t offset)
{
	worker_reject(ctx, data, len, offset);
}

/*
 * Strict CSV with --reject: the malformed records of a block of whole
 * records (csv.h's resync rule, the one the chunker cut by) are set
 * aside; the records before each run first, so that the rejects and
 * the stages' own failures stay in input order.  A terminator the input
 * lacks (supplied) is not written: the reject file is byte for byte.
 */
size_t worker_scan_csv(struct worker *w, char *data, size_t len, uint64_t offset)
{
	struct csv_iter it;
	const char *e;
	size_t from = 0, at = 0;

	csv_iter_init(&it, data, len, &w->job->format, w->term);
	it.at_eof = true;	/* the block holds whole records */
	while ((e = csv_iter_next(&it)) != NULL) {
		size_t end = (size_t)(e - data);

		if (it.bad) {
			if (at > from)
				worker_run_block(w, data + from, at - from,
				    offset == OFFSET_UNKNOWN ? offset : offset + from, NREC_UNKNOWN);
			worker_reject(w, data + at, end - at - (e - 1 == w->supplied),
			    offset == OFFSET_UNKNOWN ? offset : offset + at);
			from = end;
		}
		at = end;
	}
	return from;
}
