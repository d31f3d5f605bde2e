/* worker_cut.c - what the readers of ranges cut where no record ends
 * (BGZF members and zstd frames, worker_bgzf.c; the access points of
 * an indexed gzip file, worker_gzpoint.c) share: the read buffer's
 * records before the first record end are the previous range's, and its
 * complete records run a block at a time as the buffer fills. */
#include "autoconfig.h"

#include <stdint.h>
#include <string.h>

#include "csv.h"
#include "util.h"
#include "worker_int.h"

uint64_t worker_past(uint64_t base, size_t k)
{
	return base == UINT64_MAX ? base : base + k;
}

char *worker_first_end(struct worker *w, size_t from, int *odd)
{
	if (w->read.len <= from)
		return NULL;
	if (odd != NULL)
		return (char *)(uintptr_t)csv_parity_end(w->read.data + from, w->read.len - from,
		    w->term, odd);
	return memchr(w->read.data + from, w->term, w->read.len - from);
}

void worker_drop_through(struct worker *w, const char *t, uint64_t *base)
{
	size_t k = (size_t)(t + 1 - w->read.data);

	memmove(w->read.data, t + 1, w->read.len - k);
	w->read.len -= k;
	*base = worker_past(*base, k);
}

void worker_run_complete(struct worker *w, uint64_t *base)
{
	size_t cut;

	if (w->read.len < BLOCK_SIZE)
		return;
	cut = worker_last_end(w, w->read.data, w->read.len, *base);
	if (cut == 0) {
		/* One record so far: held whole, within --max-record. */
		worker_check_record(w, w->read.len, *base);
		return;
	}
	worker_run_records(w, w->read.data, cut, *base);
	memmove(w->read.data, w->read.data + cut, w->read.len - cut);
	w->read.len -= cut;
	*base = worker_past(*base, cut);
}
