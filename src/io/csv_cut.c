/* csv_cut.c - CSV record ends in regular files: walked in order from a
 * record start, or found from a grid of segments whose quote counts the
 * workers supply (so that a newline inside quotes is never a boundary). */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chunker_int.h"
#include "csv.h"
#include "scan.h"
#include "util.h"

#define CSV_GRID_MIN (256 * 1024)

int chunker_csv_error(struct chunker *c, uint64_t off, const char *why, char **err, int *code)
{
	*err = xasprintf("%s: malformed CSV at byte offset %llu: %s",
	    chunker_path(c, (uint32_t)c->cur), (unsigned long long)off, why);
	*code = EXIT_DATAERR;
	return -1;
}

/*
 * The CSV version of file_boundary: a newline inside quotes is no
 * boundary, and the quote state at a given offset depends on everything
 * before it, so the records from the record start at from are walked in
 * order (at memchr speed where there are no quotes) until one ends at or
 * past want (from + target for a chunk).  Malformed CSV ends the chunk at
 * the last record before it, and is reported by the next call: the
 * records before it still go through the stages, which may fail on one
 * of them first.
 */
int chunker_csv_boundary(struct chunker *c, struct input *in, uint64_t from, uint64_t want,
    uint64_t *end, char **err, int *code)
{
	uint64_t at = from;
	/* Read about as far as the target, so that small chunks (tests use
	 * one byte) do not each cost a large read; grow for long records. */
	size_t step = c->target + PROBE_SIZE < PROBE_SIZE * 16 ? (size_t)c->target + PROBE_SIZE : PROBE_SIZE * 16;

	c->scan.len = 0;
	/* A record longer than a step is walked again after each read: the
	 * steps grow with it, so that it is walked a few times, not once a
	 * step. */
	for (;; step = step < PROBE_SIZE * 16 ? step * 2 : step > c->scan.len ? step : c->scan.len) {
		buf_reserve(&c->scan, step);
		ssize_t n = pread_full(in->fd, c->scan.data + c->scan.len, step, at + c->scan.len);

		if (n < 0) {
			*err = xasprintf("%s: read error at offset %llu: %s", chunker_path(c, (uint32_t)c->cur),
			    (unsigned long long)(at + c->scan.len), strerror(errno));
			*code = EXIT_IOERR;
			return -1;
		}
		c->scan.len += (size_t)n;
		struct csv_iter it;
		const char *e, *last = NULL;

		csv_iter_init(&it, c->scan.data, c->scan.len, c->fmt, c->term);
		it.at_eof = n == 0;
		while ((e = csv_iter_next(&it)) != NULL) {
			last = e;
			if (at + (uint64_t)(e - c->scan.data) >= want) {
				*end = at + (uint64_t)(e - c->scan.data);
				return 0;
			}
		}
		bool bad = it.why != NULL || (n == 0 && it.open_quote != NULL);
		uint64_t good = at + (uint64_t)(last != NULL ? last - c->scan.data : 0);

		if (bad && good > from) {
			*end = good;	/* the records before the error */
			return 0;
		}
		if (it.why != NULL)
			return chunker_csv_error(c, at + (uint64_t)(it.err_at - c->scan.data), it.why, err, code);
		if (n == 0) {
			if (it.open_quote != NULL)
				return chunker_csv_error(c, at + (uint64_t)(it.open_quote - c->scan.data),
				    "unterminated quoted field", err, code);
			*end = at + c->scan.len;	/* the last record, unterminated */
			return 0;
		}
		/* Keep only the unfinished record and read on. */
		if (last != NULL) {
			size_t done = (size_t)(last - c->scan.data);

			memmove(c->scan.data, last, c->scan.len - done);
			c->scan.len -= done;
			at += done;
		}
		if (chunker_check_record(c, at, c->scan.len, err, code) < 0)
			return -1;
	}
}

/*
 * The parallel way to cut a CSV file.  In well-formed CSV an offset is
 * inside a quoted field exactly when an odd number of quotes comes
 * before it (a doubled quote adds two).  The workers count the quotes of
 * each segment of a grid first, in parallel; then a boundary near grid
 * point G is found by reading on from G with the parity known there
 * until a terminator outside quotes: usually within one record.
 * (Malformed CSV makes the parity meaningless, but the workers, which
 * walk their records from a true record start, then report it.)
 */
static void prefix_parity(struct input *in)
{
	uint64_t acc = 0;

	for (size_t k = 0; k < in->nseg; k++) {
		uint64_t q = in->quotes[k];

		in->quotes[k] = acc & 1;	/* parity before segment k */
		acc += q;
	}
	in->parity_ready = true;
}

/* The first record end at or after want, read from the grid point
 * before it.  A chunk from pos ends at the first one past the grid
 * point after pos. */
int chunker_csv_grid_boundary(struct chunker *c, struct input *in, uint64_t want, uint64_t *end,
    char **err)
{
	uint64_t k = (want - 1) / in->seg;
	uint64_t at = k * in->seg;
	int odd;

	if (!in->parity_ready)
		prefix_parity(in);
	if (k >= in->nseg || at >= in->size) {
		*end = in->size;
		return 0;
	}
	odd = (int)in->quotes[k];
	/* The quotes toggle the state from the grid point on; only a
	 * terminator at want - 1 or later ends the record wanted. */
	while (at < in->size) {
		ssize_t n = chunker_probe(c, in, at, err);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		const char *p = c->probe, *e = c->probe + n, *t;
		const char *first = want - 1 <= at ? p : want - 1 - at < (uint64_t)n ? p + (want - 1 - at) : e;

		/* Quotes before first only toggle the state. */
		odd ^= (int)(scan_count_byte(p, (size_t)(first - p), '"') & 1);
		if ((t = csv_parity_end(first, (size_t)(e - first), c->term, &odd)) != NULL) {
			*end = at + (uint64_t)(t + 1 - c->probe);
			return 0;
		}
		at += (uint64_t)n;
	}
	*end = in->size;
	return 0;
}

size_t chunker_quote_grid(struct chunker *c, uint32_t file, uint64_t *seg)
{
	struct input *in = &c->in[file];

	/* Below CSV_GRID_MIN (tests cutting at every offset) the records are
	 * simply walked in order; so they are with --reject, whose malformed
	 * records make the quote parity meaningless, and whose record ends
	 * must not depend on where the chunks are cut. */
	if (!is_csv(c) || format_quotes_unreliable(c->fmt) || !in->seekable || in->size == 0 ||
	    c->target < CSV_GRID_MIN ||
	    in->gzix != NULL)	/* its points keep the quote state */
		return 0;
	if (c->sharded && in->lo == in->hi)
		return 0;
	in->seg = c->target;
	in->nseg = (size_t)((in->size + in->seg - 1) / in->seg);
	/* A shard needs the parity at the grid points up to the one after
	 * its end; the counts of every segment before them, too. */
	if (c->sharded && (in->hi - 1) / in->seg + 2 < in->nseg)
		in->nseg = (size_t)((in->hi - 1) / in->seg + 2);
	in->quotes = xcalloc(in->nseg, sizeof *in->quotes);
	*seg = in->seg;
	return in->nseg;
}

void chunker_set_quotes(struct chunker *c, uint32_t file, size_t seg, uint64_t count)
{
	struct input *in = &c->in[file];

	if (seg < in->nseg)
		in->quotes[seg] = count;
}
