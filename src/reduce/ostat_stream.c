/* ostat_stream.c - a group too big for memory at the merge of runs: its
 * numbers in external sorts, its results from cursors (ostat_stream.h). */
#include "autoconfig.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "aggpart.h"
#include "aggvals.h"
#include "ostat.h"
#include "ostat_stream.h"
#include "set_stream.h"
#include "valsort.h"

#define LIMIT_MIN (64u << 10)	/* the table's bytes before a key streams, at least */

/* A moment's number with its input position, as sorted. */
struct pitem {
	uint64_t seq, idx;
	long double v;
};

/* One list of the key streaming: the list at state offset so. */
struct bstream {
	size_t so;
	bool inorder;		/* a moment's: by input position */
	struct valsort vs;
};

struct bigkey {
	struct agg_part *p;	/* whose runs are merged */
	struct run_writer *w;	/* compaction: where entries go; NULL: finish */
	uint64_t limit;		/* the table's bytes */
	struct spillfile sf;	/* the streams' runs */
	bool on;		/* the key streams */
	struct bstream *st;
	size_t nst;
	bool failed;
	struct bigset *sets;	/* the distinct sets and collapse (set_stream.h) */
};

static int num_cmp(const void *a, const void *b)
{
	return ostat_cmp(a, b);
}

static int pos_cmp(const void *a, const void *b)
{
	const struct pitem *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

struct bigkey *bigkey_new(struct agg_part *p, struct agg_part *one, struct run_writer *w)
{
	struct bigkey *b;

	if (p->memory == 0)
		return NULL;
	/* one's entries are written in pieces as p's (aggsplit.c) */
	one->memory = p->memory;
	b = xcalloc(1, sizeof *b);
	b->p = p;
	b->w = w;
	b->limit = p->memory / 4 < LIMIT_MIN ? LIMIT_MIN : p->memory / 4;
	spillfile_init(&b->sf, p->spec->stage, p->tmpdir);
	if (bigset_nops(p->spec) > 0)
		b->sets = bigset_new();
	return b;
}

struct bigset *bigkey_sets(const struct bigkey *b)
{
	return b->sets;
}

void bigkey_reset(struct bigkey *b)
{
	if (b == NULL || !b->on)
		return;
	bigset_reset(b->sets);
	for (size_t i = 0; i < b->nst; i++)
		valsort_free(&b->st[i].vs);
	free(b->st);
	b->st = NULL;
	b->nst = 0;
	b->on = false;
	b->failed = false;
	/* the file goes with its descriptor (spill.h) */
	spillfile_close(&b->sf);
	spillfile_init(&b->sf, b->p->spec->stage, b->p->tmpdir);
}

void bigkey_free(struct bigkey *b)
{
	if (b == NULL)
		return;
	bigkey_reset(b);
	bigset_free(b->sets);
	spillfile_close(&b->sf);
	free(b);
}

int bigkey_error(struct bigkey *b, char **err)
{
	if (b == NULL || !(b->failed || bigset_failed(b->sets)))
		return 0;
	*err = xstrdup(b->sf.err != NULL ? b->sf.err : "spill failed");
	return EXIT_IOERR;
}

/* A stream failed: so does the merge (the partial's error). */
static int failed(struct bigkey *b)
{
	b->failed = true;
	if (b->p->sf.err == NULL)
		b->p->sf.err = xstrdup(b->sf.err != NULL ? b->sf.err : "spill failed");
	return -1;
}

/* Add a number (and its position, for a moment's) to sort vs.  0, or -1. */
static int item_add(struct valsort *vs, bool inorder, uint64_t seq, uint64_t idx, long double v)
{
	alignas(16) unsigned char item[VS_ITEM_MAX] = { 0 };

	if (inorder) {
		struct pitem *it = (struct pitem *)item;

		it->seq = seq;
		it->idx = idx;
		memcpy(&it->v, &v, OSTAT_LD_BYTES);
	} else {
		memcpy(item, &v, OSTAT_LD_BYTES);
	}
	return valsort_add(vs, item);
}

static void stream_add(struct bigkey *b, struct bstream *st, uint64_t seq, uint64_t idx,
    long double v)
{
	if (item_add(&st->vs, st->inorder, seq, idx, v) < 0)
		b->failed = true;
}

struct move {
	struct bigkey *b;
	struct bstream *st;
};

static void move_one(void *ctx, uint64_t seq, uint64_t idx, long double v)
{
	struct move *m = ctx;

	stream_add(m->b, m->st, seq, idx, v);
}

static struct s_vlist *list_at(const struct agg_part *one, uint64_t off, size_t so)
{
	return (struct s_vlist *)((char *)keytab_state(&one->kt, off) + so);
}

/* The key's lists of numbers leave the table for streams. */
static int start_streams(struct agg_part *one, uint64_t off)
{
	struct bigkey *b = one->big;
	const struct agg_spec *s = one->spec;
	size_t nl = 0, ns = bigset_nops(s);

	for (size_t i = 0; i < s->nops; i++)
		nl += agg_kind_values(s->ops[i].kind) && !s->ops[i].shared;
	b->on = true;
	b->st = xcalloc(nl ? nl : 1, sizeof *b->st);
	for (size_t i = 0; i < s->nops; i++) {
		const struct agg_op *op = &s->ops[i];
		struct bstream *st = &b->st[b->nst];
		struct s_vlist *l;
		struct move m = { b, st };

		if (!agg_kind_values(op->kind) || op->shared)
			continue;
		b->nst++;
		st->so = op->off;
		st->inorder = agg_kind_inorder(op->kind);
		valsort_init(&st->vs, &b->sf, st->inorder ? sizeof(struct pitem) : sizeof(long double),
		    st->inorder ? pos_cmp : num_cmp, b->limit / (nl + ns));
		l = list_at(one, off, st->so);
		vals_list_each(&one->kt, l, st->inorder, move_one, &m);
		/* n stays: the group's count of numbers; the chunks are left
		 * in the arena until the next key */
		l->head = l->tail = 0;
	}
	if (bigset_start(b->sets, one, off, &b->sf, b->limit / (nl + ns ? nl + ns : 1)) < 0)
		b->failed = true;
	return b->failed ? failed(b) : 0;
}

int bigkey_check(struct agg_part *one, uint64_t off)
{
	struct bigkey *b = one->big;

	if (b == NULL || b->on || agg_part_bytes(one) <= b->limit)
		return 0;
	if (b->w == NULL)
		return start_streams(one, off);
	/* compaction: the key so far as an entry of its own */
	agg_encode_entry(one, off, &b->w->b);
	if (run_writer_step(b->w) < 0)
		return -1;
	keytab_clear(&one->kt);
	keytab_clear(&one->vals);
	return 0;
}

static struct bstream *find(struct bigkey *b, size_t so)
{
	for (size_t i = 0; i < b->nst; i++)
		if (b->st[i].so == so)
			return &b->st[i];
	return NULL;
}

bool bigkey_merge(struct agg_part *one, uint64_t off, size_t so, struct rd *r, uint64_t n,
    uint64_t base)
{
	struct bigkey *b = one->big;
	struct bstream *st = b->on ? find(b, so) : NULL;

	if (st == NULL)
		return false;
	for (uint64_t k = 0; k < n && !r->bad; k++) {
		uint64_t seq = 0, idx = 0;
		const char *q;
		long double v = 0;

		if (st->inorder) {
			seq = base + get_varint(r);
			idx = get_varint(r);
		}
		q = r->bad ? NULL : get_bytes(r, LD_BYTES);
		if (q == NULL) {
			r->bad = true;
			break;
		}
		memcpy(&v, q, LD_BYTES);
		stream_add(b, st, seq, idx, v);
	}
	list_at(one, off, so)->n += n;
	if (b->failed)
		failed(b);
	return true;
}

/* ---- cursors: ostat_src over a stream ------------------------------------- */

struct scur {
	struct bigkey *b;
	struct valsort *vs;
	bool inorder;
	bool own;		/* the deviations' sort: freed with the cursor */
	bool open, broken;
	struct vs_cursor c;
	uint64_t have;		/* values read this pass */
	long double cur, prev;	/* the last two */
};

static long double scur_at(struct ostat_src *s, size_t i)
{
	struct scur *c = s->ctx;
	alignas(16) unsigned char item[VS_ITEM_MAX];

	if (c->broken)
		return __builtin_nanl("");
	if (i + 1 == c->have)
		return c->cur;
	if (i + 2 == c->have)
		return c->prev;
	if (!c->open || i < c->have) {
		/* a new pass */
		if (c->open)
			vs_cursor_close(&c->c);
		vs_cursor_open(&c->c, c->vs);
		c->open = true;
		c->have = 0;
	}
	while (c->have <= i) {
		int rc = vs_cursor_next(&c->c, item);

		if (rc != 0) {
			if (rc > 0)
				spillfile_corrupt(&c->b->sf);
			c->broken = true;
			c->b->failed = true;
			return __builtin_nanl("");
		}
		c->prev = c->cur;
		c->cur = c->inorder ? ((struct pitem *)item)->v : *(long double *)item;
		c->have++;
	}
	return c->cur;
}

static void scur_close(struct scur *c)
{
	if (c->open)
		vs_cursor_close(&c->c);
	c->open = false;
	if (c->own) {
		valsort_free(c->vs);
		free(c->vs);
	}
}

static void scur_done(struct ostat_src *s)
{
	scur_close(s->ctx);
	free(s->ctx);
}

static int scur_devs(struct ostat_src *s, long double m, struct ostat_src *d);

static void src_init(struct ostat_src *s, struct scur *c)
{
	memset(s, 0, sizeof *s);
	s->at = scur_at;
	s->devs = scur_devs;
	s->done = scur_done;
	s->ctx = c;
}

/* mad: the deviations from m, sorted in another stream. */
static int scur_devs(struct ostat_src *s, long double m, struct ostat_src *d)
{
	struct scur *c = s->ctx, *dc = xcalloc(1, sizeof *dc);
	uint64_t n = c->vs->count;

	dc->b = c->b;
	dc->own = true;
	dc->vs = xmalloc(sizeof *dc->vs);
	valsort_init(dc->vs, &c->b->sf, sizeof(long double), num_cmp, c->b->limit);
	for (uint64_t i = 0; i < n && !c->broken && !c->b->failed; i++)
		if (item_add(dc->vs, false, 0, 0, ostat_dev(m, scur_at(s, i))) < 0)
			c->b->failed = true;
	if (c->broken || c->b->failed || valsort_finish(dc->vs) < 0) {
		c->b->failed = true;
		scur_close(dc);
		free(dc);
		return -1;
	}
	src_init(d, dc);
	return 0;
}

bool bigkey_value(const struct agg_group *g, size_t i, long double *r)
{
	const struct agg_op *op = &g->part->spec->ops[i];
	struct bigkey *b = g->part->big;
	struct bstream *st = b->on ? find(b, op->off) : NULL;
	struct scur c = { 0 };
	struct ostat_src s;

	if (st == NULL)
		return false;
	*r = __builtin_nanl("");
	if (valsort_finish(&st->vs) < 0) {
		b->failed = true;
		return true;
	}
	c.b = b;
	c.vs = &st->vs;
	c.inorder = st->inorder;
	src_init(&s, &c);
	*r = ostat_value_src(op->kind, op->param, &s, st->vs.count);
	scur_close(&c);
	return true;
}
