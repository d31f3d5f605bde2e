/* valsort.c - an external sort of fixed-size items (valsort.h). */
#include "autoconfig.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "valsort.h"
#include "util.h"

#define READ_MIN 4096		/* a run reader's buffer, at least */

/* A run being merged: its reader and its current item. */
struct vs_in {
	struct run_reader rd;
	bool done;
	alignas(16) unsigned char item[VS_ITEM_MAX];
};

void valsort_init(struct valsort *s, struct spillfile *f, size_t isz, vs_cmp cmp, size_t mem)
{
	memset(s, 0, sizeof *s);
	s->f = f;
	s->isz = isz;
	s->cmp = cmp;
	s->mem = mem;
	s->cap = mem / isz < 64 ? 64 : mem / isz;
}

void valsort_free(struct valsort *s)
{
	free(s->buf);
	free(s->runs);
	memset(s, 0, sizeof *s);
}

static void push_run(struct valsort *s, uint64_t off, uint64_t len)
{
	s->runs = xreallocarray(s->runs, s->nruns + 1, sizeof *s->runs);
	s->runs[s->nruns].off = off;
	s->runs[s->nruns++].len = len;
}

/* The buffer, sorted, becomes a run. */
static int flush(struct valsort *s)
{
	struct run_writer w;
	int64_t len;

	qsort(s->buf, s->n, s->isz, s->cmp);
	run_writer_begin(&w, s->f, 1u << 16);
	for (size_t i = 0; i < s->n; i++) {
		buf_put_varint(&w.b, s->isz);
		buf_append(&w.b, s->buf + i * s->isz, s->isz);
		if (run_writer_step(&w) < 0)
			break;
	}
	len = run_writer_end(&w);
	if (len < 0)
		return -1;
	push_run(s, w.off, (uint64_t)len);
	s->n = 0;
	return 0;
}

int valsort_add(struct valsort *s, const void *item)
{
	if (s->f->err != NULL)
		return -1;	/* failed before: not a sort per item */
	if (s->buf == NULL)
		s->buf = xreallocarray(NULL, s->cap, s->isz);
	if (s->n == s->cap && flush(s) < 0)
		return -1;
	memcpy(s->buf + s->n++ * s->isz, item, s->isz);
	s->count++;
	return 0;
}

/* The next item of a run: 0, or -1. */
static int in_next(struct vs_in *in, size_t isz)
{
	const char *p;
	size_t len;

	switch (run_reader_next(&in->rd, &p, &len)) {
	case 0:
		if (len != isz)
			return spillfile_corrupt(in->rd.f);
		memcpy(in->item, p, isz);
		return 0;
	case 1:
		in->done = true;
		return 0;
	default:
		return -1;
	}
}

/* Items in order; equal ones by run, so that a merge is the same on
 * every machine. */
static inline bool in_less(void *ctx, size_t a, size_t b)
{
	const struct vs_cursor *c = ctx;
	const struct vs_in *x = &c->in[a], *y = &c->in[b];
	int r;

	if (x->done || y->done)
		return !x->done;
	r = c->s->cmp(x->item, y->item);
	return r != 0 ? r < 0 : a < b;
}

/* A cursor over runs first..first+k-1: 0, or -1. */
static int open_runs(struct vs_cursor *c, struct valsort *s, size_t first, size_t k)
{
	size_t bufsz = s->mem / (k + 1) < READ_MIN ? READ_MIN : s->mem / (k + 1);
	int rc = 0;

	memset(c, 0, sizeof *c);
	c->s = s;
	c->k = k;
	c->in = xcalloc(k, sizeof *c->in);
	for (size_t i = 0; i < k; i++) {
		run_reader_open(&c->in[i].rd, s->f, s->runs[first + i].off, s->runs[first + i].len,
		    bufsz);
		if (rc == 0 && in_next(&c->in[i], s->isz) < 0)
			rc = -1;
	}
	losertree_init(&c->lt, k, in_less, c);
	return rc;
}

void vs_cursor_close(struct vs_cursor *c)
{
	for (size_t i = 0; i < c->k; i++)
		run_reader_close(&c->in[i].rd);
	free(c->in);
	if (c->k > 0)
		losertree_free(&c->lt);
	memset(c, 0, sizeof *c);
}

int vs_cursor_next(struct vs_cursor *c, void *item)
{
	struct vs_in *in;

	if (c->broken)
		return -1;
	if (c->k == 0) {
		if (c->at >= c->s->n)
			return 1;
		memcpy(item, c->s->buf + c->at++ * c->s->isz, c->s->isz);
		return 0;
	}
	in = &c->in[losertree_top(&c->lt)];
	if (in->done)
		return 1;
	memcpy(item, in->item, c->s->isz);
	if (in_next(in, c->s->isz) < 0)
		return -1;
	losertree_next(&c->lt, in_less, c);
	return 0;
}

/* Runs first..first+k-1 merged into one, which takes their place. */
static int merge_runs(struct valsort *s, size_t first, size_t k)
{
	struct vs_cursor c;
	struct run_writer w;
	alignas(16) unsigned char item[VS_ITEM_MAX];
	int rc = open_runs(&c, s, first, k);
	int64_t len;

	run_writer_begin(&w, s->f, 1u << 16);
	while (rc == 0 && (rc = vs_cursor_next(&c, item)) == 0) {
		buf_put_varint(&w.b, s->isz);
		buf_append(&w.b, item, s->isz);
		if (run_writer_step(&w) < 0)
			rc = -1;
	}
	vs_cursor_close(&c);
	len = run_writer_end(&w);
	if (rc < 0 || len < 0)
		return -1;
	s->runs[first].off = w.off;
	s->runs[first].len = (uint64_t)len;
	memmove(s->runs + first + 1, s->runs + first + k, (s->nruns - first - k) * sizeof *s->runs);
	s->nruns -= k - 1;
	return 0;
}

int valsort_finish(struct valsort *s)
{
	if (s->done)
		return 0;
	s->done = true;
	if (s->nruns == 0) {
		/* all in memory: sorted there */
		if (s->n > 1)
			qsort(s->buf, s->n, s->isz, s->cmp);
		return 0;
	}
	if (s->n > 0 && flush(s) < 0)
		return -1;
	free(s->buf);
	s->buf = NULL;
	/* VS_FANIN at a time, each pass over every item once */
	for (size_t first = 0; s->nruns > VS_FANIN;) {
		size_t k = s->nruns - first < VS_FANIN ? s->nruns - first : VS_FANIN;

		if (k > 1 && merge_runs(s, first, k) < 0)
			return -1;
		first = first + 1 >= s->nruns ? 0 : first + 1;
	}
	return 0;
}

void vs_cursor_open(struct vs_cursor *c, struct valsort *s)
{
	if (s->nruns == 0) {
		memset(c, 0, sizeof *c);
		c->s = s;
		return;
	}
	/* a failed first read shows at the first item */
	c->broken = open_runs(c, s, 0, s->nruns) < 0;
}
