/* runs.h - reading sorted runs back from a spill file, and merging runs
 * with a loser tree: the one engine under sort and the grouping reducers
 * (spill.h writes the runs).
 *
 * A run is a sequence of items, each a varint length (bytes.h) and that
 * many bytes: a sort run's records with their terminators, a grouping
 * run's encoded entries.  A reader holds a buffer of the run (at least
 * as large as its largest item) and hands out items in order.
 *
 * The loser tree merges k sources, each positioned at its current item
 * (or at its end), in the order of a comparison the caller gives: a
 * complete order (ties broken by the caller, e.g. by source number), so
 * that the output does not depend on the tree's shape.  Its functions
 * are inline and take the comparison as an argument, so that the
 * compiler can inline it into the merge loop. */
#ifndef FORKPIPE_RUNS_H
#define FORKPIPE_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "spill.h"
#include "util.h"

struct run_reader {
	struct spillfile *f;
	uint64_t pos, end;	/* what is left of the run in the file */
	char *buf;
	size_t cap, lo, hi;	/* buffered bytes [lo, hi) */
};

/* A reader of the len bytes at off, with a buffer of bufsize bytes.  (A
 * run in the file's memory is copied into the buffer too: read in place,
 * 32 runs at a time, it was slower than from the warm buffers.) */
void run_reader_open(struct run_reader *r, struct spillfile *f, uint64_t off, uint64_t len,
    size_t bufsize);
void run_reader_close(struct run_reader *r);

/* The next item: 0 with *p and *len (valid until the next call), 1 at
 * the end of the run, or -1 (f->err: a read failed, or the run is
 * corrupt). */
int run_reader_next(struct run_reader *r, const char **p, size_t *len);

/* The next item as run_reader_next gives it, left to be read again (or
 * skipped with run_reader_skip): the same values.  Inline for an item
 * with a one-byte length already buffered, the common case. */
int run_reader_peek_slow(struct run_reader *r, const char **p, size_t *len);
static inline int run_reader_peek(struct run_reader *r, const char **p, size_t *len)
{
	const unsigned char *q = (const unsigned char *)r->buf + r->lo;

	if (r->lo < r->hi && *q < 0x80 && r->hi - r->lo > (size_t)*q) {
		*p = (const char *)q + 1;
		*len = *q;
		return 0;
	}
	return run_reader_peek_slow(r, p, len);
}

/* Past the item run_reader_peek gave (at p, len bytes). */
static inline void run_reader_skip(struct run_reader *r, const char *p, size_t len)
{
	r->lo = (size_t)(p - r->buf) + len;
}
/* The first item that starts bytes or more after the next one begins,
 * without reading past it (the reader's buffer grows to hold them all):
 * 0 with *p and *len (valid until the reader is used again), 1 when the
 * run ends before, -1 as run_reader_next. */
int run_reader_ahead(struct run_reader *r, size_t bytes, const char **p, size_t *len);

/* Keep "a temporary file in DIR is corrupt" as f's error: -1. */
int spillfile_corrupt(struct spillfile *f);

/* less(ctx, a, b): whether source a's current item goes before source
 * b's; a source at its end goes after every other. */
typedef bool (*losertree_less)(void *ctx, size_t a, size_t b);

struct losertree {
	size_t k;
	size_t *t;		/* [0]: the winner; [1..k-1]: the losers */
};

/* Build the tree over k >= 1 sources, each at its first item. */
static inline void losertree_init(struct losertree *lt, size_t k, losertree_less less, void *ctx)
{
	size_t *t = xcalloc(k, sizeof *t), *w = xmalloc(2 * k * sizeof *w);

	/* Leaves k..2k-1, internal nodes 1..k-1: each keeps its loser. */
	for (size_t i = 0; i < k; i++)
		w[k + i] = i;
	for (size_t n = k - 1; n >= 1; n--) {
		size_t l = w[2 * n], r = w[2 * n + 1];

		if (less(ctx, r, l)) {
			w[n] = r;
			t[n] = l;
		} else {
			w[n] = l;
			t[n] = r;
		}
	}
	t[0] = k > 1 ? w[1] : 0;
	free(w);
	lt->k = k;
	lt->t = t;
}

/* The source whose item comes first. */
static inline size_t losertree_top(const struct losertree *lt)
{
	return lt->t[0];
}

/* The top source has moved on to its next item (or its end): replay its
 * path to the root. */
static inline void losertree_next(struct losertree *lt, losertree_less less, void *ctx)
{
	size_t *t = lt->t, k = lt->k, c = t[0];

	for (size_t n = (c + k) / 2; n >= 1; n /= 2) {
		if (less(ctx, t[n], c)) {
			size_t x = t[n];

			t[n] = c;
			c = x;
		}
	}
	t[0] = c;
}

static inline void losertree_free(struct losertree *lt)
{
	free(lt->t);
	lt->t = NULL;
}

#endif
