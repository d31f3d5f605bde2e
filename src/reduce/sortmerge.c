/* sortmerge.c - merging the sort stage's runs: in memory, in the
 * partial's own records and spilled, with the loser tree of runs.h; ties
 * go to the run from the earlier chunk (see sort.c). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "sortrun.h"
#include "util.h"

/* ---- merging runs --------------------------------------------------------- */

struct cursor {
	struct view v;		/* the current record, without its terminator */
	bool done;
	uint64_t seq, sub;

	enum run_kind kind;
	uint64_t left;		/* records still to read */
	const struct ent *e;	/* RUN_ENTS */
	const char *base;
	const char *p, *end;	/* RUN_MEM */
	struct run_reader rd;	/* RUN_FILE */
};

struct merge {
	const struct sortspec *spec;
	struct sortp *p;
	struct cursor *cs;
	size_t k;
	struct losertree lt;
};

/* The next record of a spilled run: 0, or -1 (p->sf.err). */
static int file_next(struct cursor *c, const char **rec, uint64_t *n)
{
	size_t len;

	switch (run_reader_next(&c->rd, rec, &len)) {
	case 0:
		*n = len;
		/* a record has its terminator at least */
		return len > 0 ? 0 : spillfile_corrupt(c->rd.f);
	case 1:
		return spillfile_corrupt(c->rd.f);	/* fewer records than counted */
	default:
		return -1;
	}
}

/* The next record of a cursor: 0, or -1 (p->sf.err). */
static int cur_next(struct merge *m, struct cursor *c)
{
	const struct sortspec *s = m->spec;
	uint64_t n;

	if (c->left == 0) {
		c->done = true;
		return 0;
	}
	c->left--;
	switch (c->kind) {
	case RUN_ENTS:
		ent_view(s, c->base, c->e, &c->v);
		c->e++;
		return 0;
	case RUN_MEM:
		n = get_len(&c->p, c->end);	/* checked by sort_merge */
		c->v.rec = c->p;
		c->v.len = (size_t)n - 1;
		c->p += n;
		break;
	case RUN_FILE:
		if (file_next(c, &c->v.rec, &n) < 0)
			return -1;
		c->v.len = (size_t)n - 1;
		break;
	}
	sortkey_bounds(s, &s->keys[0], c->v.rec, c->v.len, &c->v.kb, &c->v.ke);
	c->v.pfx = sortkey_prefix_exact(&s->keys[0], c->v.kb, c->v.ke, &c->v.exact);
	c->v.pfx2 = next_prefix(s, c->v.rec, c->v.len);
	return 0;
}

static inline bool cur_less(const struct sortspec *s, const struct cursor *a,
    const struct cursor *b)
{
	int c;

	if (a->done || b->done)
		return !a->done;
	if (a->v.pfx != b->v.pfx)
		return a->v.pfx < b->v.pfx;
	c = tie_cmp(s, &a->v, &b->v);
	if (c != 0)
		return c < 0;
	return a->seq != b->seq ? a->seq < b->seq : a->sub < b->sub;
}

static inline bool merge_less(void *ctx, size_t a, size_t b)
{
	const struct merge *m = ctx;

	return cur_less(m->spec, &m->cs[a], &m->cs[b]);
}

/* Where merged records go. */
enum emit_kind {
	EMIT_SINK,	/* plain records, to the next stage in pieces */
	EMIT_BUF,	/* encoded records, appended to a buffer (a run) */
	EMIT_FILE,	/* encoded records, appended to the spill file */
};

struct emitter {
	enum emit_kind kind;
	struct sink *sink;
	struct buf *out;	/* EMIT_BUF: the run; EMIT_FILE: w.b; else the
				 * pending piece */
	struct buf piece;
	struct run_writer w;	/* EMIT_FILE */
	size_t flush_at;
	uint64_t count;
	struct buf prev;	/* -u: the last record emitted */
	uint64_t prev_pfx;
	bool have_prev;
};

/* Pass the pending piece on: 0, the sink's code, or EXIT_IOERR (*err). */
static int emit_flush(struct merge *m, struct emitter *em, char **err)
{
	struct buf *b = em->out;

	if (b->len == 0 || em->kind == EMIT_BUF)
		return 0;
	if (em->kind == EMIT_SINK) {
		int rc = em->sink->put(em->sink, b->data, b->len);

		b->len = 0;
		return rc;
	}
	if (run_writer_flush(&em->w) < 0) {
		*err = xstrdup(m->p->sf.err);
		return EXIT_IOERR;
	}
	return 0;
}

static int emit(struct merge *m, struct emitter *em, const struct cursor *c, char **err)
{
	const struct sortspec *s = m->spec;
	struct buf *b = em->out;

	if (s->unique) {
		if (em->have_prev && em->prev_pfx == c->v.pfx &&
		    sortspec_same(s, em->prev.data, em->prev.len, c->v.rec, c->v.len))
			return 0;
		em->prev.len = 0;
		buf_append(&em->prev, c->v.rec, c->v.len);
		em->prev_pfx = c->v.pfx;
		em->have_prev = true;
	}
	if (em->kind != EMIT_SINK)
		buf_put_varint(b, c->v.len + 1);
	buf_append(b, c->v.rec, c->v.len + 1);
	em->count++;
	return b->len >= em->flush_at ? emit_flush(m, em, err) : 0;
}

/* Merge the cursors into em: 0 or an exit code (*err, or the sink's). */
static int merge_all(struct merge *m, struct emitter *em, char **err)
{
	struct cursor *cs = m->cs;
	int rc = 0;

	if (m->k == 0)
		return emit_flush(m, em, err);
	for (size_t i = 0; i < m->k; i++) {
		if (cur_next(m, &cs[i]) < 0)
			goto read_error;
	}
	losertree_init(&m->lt, m->k, merge_less, m);
	while (!cs[losertree_top(&m->lt)].done) {
		struct cursor *c = &cs[losertree_top(&m->lt)];

		rc = emit(m, em, c, err);
		if (rc != 0)
			return rc;
		if (cur_next(m, c) < 0)
			goto read_error;
		losertree_next(&m->lt, merge_less, m);
	}
	return emit_flush(m, em, err);

read_error:
	*err = xstrdup(m->p->sf.err);
	return EXIT_IOERR;
}

/* Set up cursors over runs[lo..hi) for a merge, each file run with a read
 * buffer of rbuf bytes. */
static void merge_open(struct merge *m, struct sortp *p, const struct run *runs, size_t n,
    size_t rbuf)
{
	memset(m, 0, sizeof *m);
	m->spec = p->spec;
	m->p = p;
	m->k = n;
	m->cs = xcalloc(n, sizeof *m->cs);
	for (size_t i = 0; i < n; i++) {
		struct cursor *c = &m->cs[i];
		const struct run *r = &runs[i];

		c->kind = r->kind;
		c->seq = r->seq;
		c->sub = r->sub;
		c->left = r->count;
		switch (r->kind) {
		case RUN_ENTS:
			c->e = p->ents;
			c->base = p->data.data;
			break;
		case RUN_MEM:
			c->p = r->mem;
			c->end = r->mem + r->memlen;
			break;
		case RUN_FILE:
			run_reader_open(&c->rd, &p->sf, r->off, r->len, rbuf);
			break;
		}
	}
}

static void merge_close(struct merge *m)
{
	for (size_t i = 0; i < m->k; i++)
		run_reader_close(&m->cs[i].rd);
	free(m->cs);
	losertree_free(&m->lt);
}

static void emitter_free(struct emitter *em)
{
	buf_free(&em->piece);
	buf_free(&em->prev);
}

static int run_order(const void *x, const void *y)
{
	const struct run *a = x, *b = y;

	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return (a->sub > b->sub) - (a->sub < b->sub);
}

static size_t count_files(const struct sortp *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nruns; i++)
		n += p->runs[i].kind == RUN_FILE;
	return n;
}

static size_t read_buffer(const struct sortp *p, size_t nfiles)
{
	uint64_t avail = p->memory > p->inmem ? p->memory - p->inmem : 0;
	uint64_t per = nfiles > 0 ? avail / nfiles : RBUF_MAX;

	return per < RBUF_MIN ? RBUF_MIN : per > RBUF_MAX ? RBUF_MAX : (size_t)per;
}

/* Merge runs[i..j) (neighbours in input order) into one spilled run that
 * takes their place: 0 or EXIT_IOERR with *err. */
static int merge_into_file(struct sortp *p, size_t i, size_t j, char **err)
{
	struct merge m;
	struct emitter em = { 0 };
	size_t rbuf = read_buffer(p, j - i);
	int64_t len;
	int rc;

	em.kind = EMIT_FILE;
	run_writer_begin(&em.w, &p->sf, rbuf);
	em.out = &em.w.b;
	em.flush_at = rbuf;
	merge_open(&m, p, p->runs + i, j - i, rbuf);
	rc = merge_all(&m, &em, err);
	merge_close(&m);
	len = run_writer_end(&em.w);
	if (rc == 0) {
		struct run r = p->runs[i];

		r.kind = RUN_FILE;
		r.count = em.count;
		r.off = em.w.off;
		r.len = (uint64_t)len;
		r.mem = NULL;
		for (size_t x = i; x < j; x++) {
			if (p->runs[x].kind == RUN_MEM)
				p->inmem -= p->runs[x].memlen;
			sortp_run_release(p->runs[x].mem, p->runs[x].memlen);
		}
		p->runs[i] = r;
		memmove(p->runs + i + 1, p->runs + j, (p->nruns - j) * sizeof *p->runs);
		p->nruns -= j - i - 1;
	}
	emitter_free(&em);
	return rc;
}

int sortp_prepare(struct sortp *p, char **err)
{
	size_t fanin;

	if (p->sf.err != NULL) {
		*err = xstrdup(p->sf.err);
		return EXIT_IOERR;
	}
	if (p->nents > 0) {
		sortp_sort(p);
		sortp_add_run(p, RUN_ENTS, p->seq)->count = p->nents;
	}
	if (p->nruns > 1)
		qsort(p->runs, p->nruns, sizeof *p->runs, run_order);
	fanin = p->memory / (2 * RBUF_MIN);
	if (fanin < 2)
		fanin = 2;
	while (p->memory > 0 && count_files(p) > fanin) {
		size_t i = 0;

		while (i < p->nruns) {
			size_t j = i, files = 0;

			while (j < p->nruns && files < fanin)
				files += p->runs[j++].kind == RUN_FILE;
			if (files >= 2) {
				int rc = merge_into_file(p, i, j, err);

				if (rc != 0)
					return rc;
			}
			i++;
		}
	}
	return 0;
}

int sortp_merge(struct sortp *p, struct sink *sink, struct buf *run, uint64_t *count, char **err)
{
	struct merge m;
	struct emitter em = { 0 };
	int rc;

	if (sink != NULL) {
		em.kind = EMIT_SINK;
		em.sink = sink;
		em.out = &em.piece;
		em.flush_at = PIECE;
		buf_reserve(&em.piece, PIECE + 4096);
	} else {
		em.kind = EMIT_BUF;
		em.out = run;
		em.flush_at = SIZE_MAX;
	}
	merge_open(&m, p, p->runs, p->nruns, read_buffer(p, count_files(p)));
	rc = merge_all(&m, &em, err);
	merge_close(&m);
	emitter_free(&em);
	*count = em.count;
	return rc;
}
