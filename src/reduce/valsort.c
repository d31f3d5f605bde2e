/* valsort.c - an external sort of fixed-size or variable-length items
 * (valsort.h). */
#include "autoconfig.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "valsort.h"
#include "util.h"

#define READ_MIN 4096		/* a run reader's buffer, at least */

/* A run being merged: its reader and its current item (variable: in
 * the reader's buffer). */
struct vs_in {
	struct run_reader rd;
	bool done;
	alignas(16) unsigned char item[VS_ITEM_MAX];
	struct vs_item vi;
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

void valsort_init_var(struct valsort *s, struct spillfile *f, vs_cmp cmp, size_t mem)
{
	memset(s, 0, sizeof *s);
	s->f = f;
	s->cmp = cmp;
	s->mem = mem < READ_MIN ? READ_MIN : mem;
}

void valsort_free(struct valsort *s)
{
	free(s->buf);
	free(s->vi);
	free(s->runs);
	memset(s, 0, sizeof *s);
}

static void push_run(struct valsort *s, uint64_t off, uint64_t len)
{
	s->runs = xreallocarray(s->runs, s->nruns + 1, sizeof *s->runs);
	s->runs[s->nruns].off = off;
	s->runs[s->nruns++].len = len;
}

/* The buffered items sorted in place (variable: their pointers set). */
static void sort_buffer(struct valsort *s)
{
	if (s->isz != 0) {
		if (s->n > 1)
			qsort(s->buf, s->n, s->isz, s->cmp);
		return;
	}
	for (size_t i = 0; i < s->nvi; i++)
		s->vi[i].p = s->buf + (size_t)(uintptr_t)s->vi[i].p;
	if (s->nvi > 1)
		qsort(s->vi, s->nvi, sizeof *s->vi, s->cmp);
}

/* Buffered item i, sorted. */
static struct vs_item buffered(const struct valsort *s, size_t i)
{
	if (s->isz == 0)
		return s->vi[i];
	return (struct vs_item){ s->buf + i * s->isz, s->isz };
}

static size_t nbuffered(const struct valsort *s)
{
	return s->isz != 0 ? s->n : s->nvi;
}

/* The buffer, sorted, becomes a run. */
static int flush(struct valsort *s)
{
	struct run_writer w;
	int64_t len;

	sort_buffer(s);
	run_writer_begin(&w, s->f, 1u << 16);
	for (size_t i = 0; i < nbuffered(s); i++) {
		struct vs_item it = buffered(s, i);

		buf_put_varint(&w.b, it.len);
		buf_append(&w.b, it.p, it.len);
		if (run_writer_step(&w) < 0)
			break;
	}
	len = run_writer_end(&w);
	if (len < 0)
		return -1;
	push_run(s, w.off, (uint64_t)len);
	s->n = 0;
	s->nvi = 0;
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

/* Add a variable-length item.  The buffer holds the items' bytes and an
 * entry each within mem; beyond, it is sorted into a run. */
int valsort_add_var(struct valsort *s, const void *p, size_t len)
{
	if (s->f->err != NULL)
		return -1;	/* failed before: not a sort per item */
	if (s->nvi > 0 && s->n + len + (s->nvi + 1) * sizeof *s->vi > s->mem && flush(s) < 0)
		return -1;
	if (s->n + len > s->cap) {
		size_t cap = s->cap ? s->cap : 256;

		while (cap < s->n + len)
			cap *= 2;
		s->buf = xrealloc(s->buf, cap);
		s->cap = cap;
	}
	if (s->nvi == s->vicap) {
		s->vicap = s->vicap ? s->vicap * 2 : 64;
		s->vi = xreallocarray(s->vi, s->vicap, sizeof *s->vi);
	}
	if (len > 0)
		memcpy(s->buf + s->n, p, len);
	s->vi[s->nvi].p = (const char *)(uintptr_t)s->n;	/* buf may move */
	s->vi[s->nvi++].len = len;
	s->n += len;
	s->count++;
	s->bytes += len;
	return 0;
}

/* The next item of a run: 0, or -1. */
static int in_next(struct vs_in *in, size_t isz)
{
	const char *p;
	size_t len;

	switch (run_reader_next(&in->rd, &p, &len)) {
	case 0:
		if (isz == 0) {
			in->vi.p = p;
			in->vi.len = len;
			return 0;
		}
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
	r = c->s->isz != 0 ? c->s->cmp(x->item, y->item) : c->s->cmp(&x->vi, &y->vi);
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
	buf_free(&c->cur);
	memset(c, 0, sizeof *c);
}

/* The next item, where it lies (until step): 0, 1 at the end, or -1. */
static int top(struct vs_cursor *c, struct vs_item *it)
{
	struct vs_in *in;

	if (c->broken)
		return -1;
	if (c->k == 0) {
		if (c->at >= nbuffered(c->s))
			return 1;
		*it = buffered(c->s, c->at);
		return 0;
	}
	in = &c->in[losertree_top(&c->lt)];
	if (in->done)
		return 1;
	*it = c->s->isz != 0 ? (struct vs_item){ (const char *)in->item, c->s->isz } : in->vi;
	return 0;
}

/* Past the item top gave: 0, or -1. */
static int step(struct vs_cursor *c)
{
	if (c->k == 0) {
		c->at++;
		return 0;
	}
	if (in_next(&c->in[losertree_top(&c->lt)], c->s->isz) < 0) {
		c->broken = true;
		return -1;
	}
	losertree_next(&c->lt, in_less, c);
	return 0;
}

int vs_cursor_next(struct vs_cursor *c, void *item)
{
	struct vs_item it;
	int rc = top(c, &it);

	if (rc != 0)
		return rc;
	memcpy(item, it.p, it.len);
	return step(c);
}

int vs_cursor_next_var(struct vs_cursor *c, struct vs_item *it)
{
	int rc = top(c, it);

	if (rc == 0 && it->p == NULL)
		it->p = "";	/* never NULL, even for an empty item: callers may copy from it */
	if (rc != 0 || c->k == 0)
		return rc != 0 ? rc : step(c);
	/* the reader's buffer moves on: a copy */
	c->cur.len = 0;
	buf_append(&c->cur, it->p, it->len);
	it->p = c->cur.data != NULL ? c->cur.data : "";
	return step(c);
}

/* Runs first..first+k-1 merged into one, which takes their place. */
static int merge_runs(struct valsort *s, size_t first, size_t k)
{
	struct vs_cursor c;
	struct run_writer w;
	struct vs_item it;
	int rc = open_runs(&c, s, first, k);
	int64_t len;

	run_writer_begin(&w, s->f, 1u << 16);
	while (rc == 0 && (rc = top(&c, &it)) == 0) {
		buf_put_varint(&w.b, it.len);
		buf_append(&w.b, it.p, it.len);
		if (run_writer_step(&w) < 0 || step(&c) < 0)
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
		sort_buffer(s);
		return 0;
	}
	if (nbuffered(s) > 0 && flush(s) < 0)
		return -1;
	free(s->buf);
	s->buf = NULL;
	free(s->vi);
	s->vi = NULL;
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
