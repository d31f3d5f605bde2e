/* set_stream.c - a group's distinct sets and collapse values in external
 * sorts at the finish, and their results read from them (set_stream.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "aggpart.h"
#include "aggvals.h"
#include "ostat_stream.h"
#include "set_stream.h"
#include "valsort.h"

#define POS_BYTES 16		/* collapse: seq, index (big-endian) before the value */

/* One op of the key streaming. */
struct sstream {
	size_t op;
	bool pos;		/* collapse: by input position */
	struct valsort vs;
	bool counted;		/* count known */
	uint64_t count;		/* distinct: the values that differ */
};

struct bigset {
	bool on;
	struct sstream *st;
	size_t n;
	bool failed;
	struct buf item;	/* collapse: an item being made */
};

static bool set_kind(enum agg_kind k)
{
	return k == AGG_DISTINCT || k == AGG_UNIQUE || k == AGG_COLLAPSE;
}

size_t bigset_nops(const struct agg_spec *spec)
{
	size_t n = 0;

	for (size_t i = 0; i < spec->nops; i++)
		n += set_kind(spec->ops[i].kind);
	return n;
}

/* Values by their bytes, as unique sorts them in memory. */
static int bytes_cmp(const void *a, const void *b)
{
	const struct vs_item *x = a, *y = b;

	return keytab_keycmp(x->p, x->len, y->p, y->len);
}

/* collapse: by position, which is unique in a group. */
static int pos_cmp(const void *a, const void *b)
{
	const struct vs_item *x = a, *y = b;

	return memcmp(x->p, y->p, POS_BYTES);
}

struct bigset *bigset_new(void)
{
	return xcalloc(1, sizeof(struct bigset));
}

void bigset_reset(struct bigset *b)
{
	if (b == NULL || !b->on)
		return;
	for (size_t i = 0; i < b->n; i++)
		valsort_free(&b->st[i].vs);
	free(b->st);
	b->st = NULL;
	b->n = 0;
	b->on = false;
	b->failed = false;
}

void bigset_free(struct bigset *b)
{
	if (b == NULL)
		return;
	bigset_reset(b);
	buf_free(&b->item);
	free(b);
}

bool bigset_failed(const struct bigset *b)
{
	return b != NULL && b->failed;
}

static struct bigset *sets_of(const struct agg_part *p)
{
	return p->big != NULL ? bigkey_sets(p->big) : NULL;
}

static struct sstream *find(const struct agg_part *p, size_t op)
{
	struct bigset *b = sets_of(p);

	if (b == NULL || !b->on)
		return NULL;
	for (size_t i = 0; i < b->n; i++)
		if (b->st[i].op == op)
			return &b->st[i];
	return NULL;
}

static void add_value(struct bigset *b, struct sstream *st, const char *v, size_t len)
{
	if (valsort_add_var(&st->vs, v, len) < 0)
		b->failed = true;
}

static void be_put64(char *at, uint64_t x)
{
	for (int k = 7; k >= 0; k--, x >>= 8)
		at[k] = (char)(x & 0xff);
}

static void add_pos(struct bigset *b, struct sstream *st, uint64_t seq, uint64_t idx,
    const char *v, size_t len)
{
	b->item.len = 0;
	buf_reserve(&b->item, POS_BYTES + len);
	be_put64(b->item.data, seq);
	be_put64(b->item.data + 8, idx);
	b->item.len = POS_BYTES;
	buf_append(&b->item, v, len);
	add_value(b, st, b->item.data, b->item.len);
}

struct move {
	struct bigset *b;
	struct sstream *st;
};

static void move_pos(void *ctx, uint64_t seq, uint64_t idx, const char *v, size_t len)
{
	struct move *m = ctx;

	add_pos(m->b, m->st, seq, idx, v, len);
}

/* Op i's values in the table go to its stream. */
static void move_op(struct bigset *b, struct sstream *st, struct agg_part *one, uint64_t off)
{
	char *state = (char *)keytab_state(&one->kt, off) + one->spec->ops[st->op].off;

	if (st->pos) {
		struct s_vlist *l = (struct s_vlist *)state;
		struct move m = { b, st };

		vals_pos_each(&one->kt, l, move_pos, &m);
		/* the chunks stay in the arena until the next key */
		l->head = l->tail = 0;
		l->n = 0;
		return;
	}
	struct s_dist *d = (struct s_dist *)state;

	for (uint64_t v = d->head; v != 0;) {
		size_t vlen;
		const char *vk = keytab_key(&one->vals, v, &vlen);

		add_value(b, st, vk + 8, vlen - 8);	/* after the owner */
		v = ((const struct s_vnode *)keytab_state(&one->vals, v))->next;
	}
	d->head = 0;
	d->n = 0;
}

int bigset_start(struct bigset *b, struct agg_part *one, uint64_t off, struct spillfile *sf,
    size_t mem)
{
	const struct agg_spec *s = one->spec;

	if (b == NULL)
		return 0;
	b->on = true;
	b->st = xcalloc(bigset_nops(s) + 1, sizeof *b->st);
	for (size_t i = 0; i < s->nops; i++) {
		struct sstream *st = &b->st[b->n];

		if (!set_kind(s->ops[i].kind))
			continue;
		b->n++;
		st->op = i;
		st->pos = s->ops[i].kind == AGG_COLLAPSE;
		valsort_init_var(&st->vs, sf, st->pos ? pos_cmp : bytes_cmp, mem);
		move_op(b, st, one, off);
	}
	return b->failed ? -1 : 0;
}

bool bigset_merge_dist(struct agg_part *one, size_t i, struct rd *r, uint64_t n)
{
	struct sstream *st = find(one, i);

	if (st == NULL)
		return false;
	for (uint64_t k = 0; k < n && !r->bad; k++) {
		size_t vlen = get_varint(r);
		const char *v = r->bad ? NULL : get_bytes(r, vlen);

		if (v != NULL && !r->bad)
			add_value(sets_of(one), st, v, vlen);
	}
	return true;
}

bool bigset_merge_pos(struct agg_part *one, size_t i, struct rd *r, uint64_t n, uint64_t base)
{
	struct sstream *st = find(one, i);

	if (st == NULL)
		return false;
	for (uint64_t k = 0; k < n && !r->bad; k++) {
		uint64_t seq = base + get_varint(r), idx = get_varint(r), len = get_varint(r);
		const char *v = r->bad ? NULL : get_bytes(r, len);

		if (v == NULL || r->bad) {
			r->bad = true;
			break;
		}
		add_pos(sets_of(one), st, seq, idx, v, len);
	}
	return true;
}

/* ---- results: passes over the sorted values ------------------------------------------ */

/* A pass over a stream's values as printed: collapse's every value after
 * its position, a distinct set's once each. */
struct pass {
	struct bigset *b;
	struct sstream *st;
	struct vs_cursor c;
	struct buf prev;	/* distinct: the last value */
	uint64_t k;		/* values given */
};

static int pass_open(struct pass *ps, const struct agg_part *p, struct sstream *st)
{
	memset(ps, 0, sizeof *ps);
	ps->b = sets_of(p);
	ps->st = st;
	if (valsort_finish(&st->vs) < 0) {
		ps->b->failed = true;
		return -1;
	}
	vs_cursor_open(&ps->c, &st->vs);
	return 0;
}

/* The next value: 0, 1 at the end, or -1 (failed). */
static int pass_next(struct pass *ps, struct vs_item *it)
{
	for (;;) {
		int rc = vs_cursor_next_var(&ps->c, it);

		if (rc != 0) {
			if (rc < 0)
				ps->b->failed = true;
			return rc;
		}
		if (ps->st->pos) {
			it->p += POS_BYTES;
			it->len -= POS_BYTES;
			break;
		}
		if (ps->k > 0 && keytab_keycmp(it->p, it->len, ps->prev.data, ps->prev.len) == 0)
			continue;	/* a repeat, from another entry */
		ps->prev.len = 0;
		buf_append(&ps->prev, it->p, it->len);
		break;
	}
	ps->k++;
	return 0;
}

static void pass_close(struct pass *ps)
{
	vs_cursor_close(&ps->c);
	buf_free(&ps->prev);
}

bool bigset_count(const struct agg_group *g, size_t i, uint64_t *n)
{
	struct sstream *st = find(g->part, i);
	struct pass ps;
	struct vs_item it;

	if (st == NULL)
		return false;
	if (!st->counted && pass_open(&ps, g->part, st) == 0) {
		while (pass_next(&ps, &it) == 0)
			;
		st->count = ps.k;
		st->counted = true;
		pass_close(&ps);
	}
	*n = st->count;
	return true;
}

bool bigset_streams(const struct agg_group *g, size_t i)
{
	enum agg_kind k = g->part->spec->ops[i].kind;

	return (k == AGG_UNIQUE || k == AGG_COLLAPSE) && find(g->part, i) != NULL;
}

/* CSV: whether the field must be quoted, as fields_join decides for a
 * field built whole.  0 or 1, or -1. */
static int needs_quotes(const struct agg_group *g, struct sstream *st, const struct format *f)
{
	struct pass ps;
	struct vs_item it;
	int rc = 0, q = 0;

	if (pass_open(&ps, g->part, st) < 0)
		return -1;
	while (q == 0 && (rc = pass_next(&ps, &it)) == 0)
		q = (ps.k > 1 && f->delim == ',') || fields_csv_needs_quotes(f, it.p, it.len);
	pass_close(&ps);
	return q == 0 && rc < 0 ? -1 : q;
}

static void put_quoted(struct buf *out, const char *p, size_t len)
{
	for (const char *q; len > 0 && (q = memchr(p, '"', len)) != NULL;) {
		buf_append(out, p, (size_t)(q - p) + 1);
		buf_putc(out, '"');
		len -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	buf_append(out, p, len);
}

int bigset_format(const struct agg_group *g, size_t i, const struct format *f,
    struct agg_out *o)
{
	struct sstream *st = find(g->part, i);
	int q = f != NULL && f->kind == FORMAT_CSV ? needs_quotes(g, st, f) : 0;
	struct pass ps;
	struct vs_item it;
	int rc = 0;

	/* a failed stream is the group's error, after it (bigkey_error) */
	if (q < 0 || pass_open(&ps, g->part, st) < 0)
		return 0;
	if (q)
		buf_putc(&o->b, '"');
	while (rc == 0 && pass_next(&ps, &it) == 0) {
		if (ps.k > 1)
			buf_putc(&o->b, ',');
		if (q)
			put_quoted(&o->b, it.p, it.len);
		else
			buf_append(&o->b, it.p, it.len);
		if (o->sink != NULL)
			rc = agg_out_flush(o, false);
	}
	if (q)
		buf_putc(&o->b, '"');
	pass_close(&ps);
	return rc;
}
