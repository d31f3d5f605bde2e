/* aggvals.c - the value lists of the grouping ops (aggvals.h): growing
 * them in the key table's arena, their partial encoding, their merging,
 * the ops' parameters, and their results. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "aggpart.h"
#include "aggvals.h"
#include "ostat.h"
#include "ostat_stream.h"
#include "set_stream.h"
#include "util.h"

#define CHUNK_MIN 32			/* bytes of a list's first chunk */
#define CHUNK_MAX (1u << 20)		/* chunks grow by doubling up to this */
#define POS_HDR 20			/* collapse: seq (8), idx (8), len (4) */
#define NPOS_ITEM (16 + LD_BYTES)	/* a moment's: seq (8), idx (8), the number */

/* A chunk of a list: a blob, this header then cap bytes of items. */
struct vchunk {
	uint64_t next;		/* the next chunk's blob; 0: the last */
	uint32_t used, cap;
};

static struct s_vlist *vl_at(const struct keytab *kt, uint64_t off, size_t so)
{
	return (struct s_vlist *)((char *)keytab_state(kt, off) + so);
}

static struct vchunk *chunk(const struct keytab *kt, uint64_t blob)
{
	return keytab_blob(kt, blob);
}

/* Room for an item of len bytes at the end of the list: where to write. */
static char *vl_append(struct keytab *kt, uint64_t off, size_t so, size_t len)
{
	struct s_vlist *l = vl_at(kt, off, so);
	size_t cap = CHUNK_MIN;
	struct vchunk *c;
	uint64_t b;

	if (l->tail != 0) {
		c = chunk(kt, l->tail);
		if (c->cap - c->used >= len) {
			char *at = (char *)(c + 1) + c->used;

			c->used += (uint32_t)len;
			return at;
		}
		cap = c->cap < CHUNK_MAX / 2 ? (size_t)c->cap * 2 : CHUNK_MAX;
	}
	if (cap < len)
		cap = len;
	b = keytab_alloc(kt, sizeof *c + cap);	/* the arena may move */
	c = chunk(kt, b);
	c->next = 0;
	c->used = (uint32_t)len;
	c->cap = (uint32_t)cap;
	l = vl_at(kt, off, so);
	if (l->tail != 0)
		chunk(kt, l->tail)->next = b;
	else
		l->head = b;
	l->tail = b;
	return (char *)(c + 1);
}

void vals_add_num(struct keytab *kt, uint64_t off, size_t so, long double v)
{
	char *at = vl_append(kt, off, so, sizeof v);

	memcpy(at, &v, sizeof v);
	vl_at(kt, off, so)->n++;
}

void vals_add_pos(struct keytab *kt, uint64_t off, size_t so, uint64_t seq, uint64_t idx,
    const char *v, size_t len)
{
	char *at = vl_append(kt, off, so, POS_HDR + len);

	le_put64(at, seq);
	le_put64(at + 8, idx);
	le_put32(at + 16, (uint32_t)len);
	if (len > 0)
		memcpy(at + POS_HDR, v, len);
	vl_at(kt, off, so)->n++;
}

void vals_add_npos(struct keytab *kt, uint64_t off, size_t so, uint64_t seq, uint64_t idx,
    long double v)
{
	char *at = vl_append(kt, off, so, NPOS_ITEM);

	le_put64(at, seq);
	le_put64(at + 8, idx);
	memcpy(at + 16, &v, LD_BYTES);
	vl_at(kt, off, so)->n++;
}

/* ---- reading a list in order ------------------------------------------------ */

/* The numbers of a list, sorted (ostat_cmp), in a new array. */
static long double *vl_numbers(const struct keytab *kt, const struct s_vlist *l)
{
	long double *a = xreallocarray(NULL, l->n ? l->n : 1, sizeof *a);
	size_t k = 0;

	for (uint64_t b = l->head; b != 0 && k < l->n; b = chunk(kt, b)->next) {
		const struct vchunk *c = chunk(kt, b);

		memcpy(a + k, c + 1, c->used);
		k += c->used / sizeof *a;
	}
	qsort(a, k, sizeof *a, ostat_cmp);
	return a;
}

/* A collapse value where it lies in the arena, and its position. */
struct pitem {
	uint64_t seq, idx;
	const char *v;
	size_t len;
};

static int pitem_cmp(const void *a, const void *b)
{
	const struct pitem *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* A moment's number and its input position. */
struct nitem {
	uint64_t seq, idx;
	long double v;
};

static int nitem_cmp(const void *a, const void *b)
{
	const struct nitem *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The values of a collapse list in input order, in a new array (valid
 * until the arena next grows). */
static struct pitem *vl_positions(const struct keytab *kt, const struct s_vlist *l)
{
	struct pitem *a = xreallocarray(NULL, l->n ? l->n : 1, sizeof *a);
	size_t k = 0;

	for (uint64_t b = l->head; b != 0; b = chunk(kt, b)->next) {
		const struct vchunk *c = chunk(kt, b);
		const char *q = (const char *)(c + 1), *end = q + c->used;

		while (q < end && k < l->n) {
			a[k].seq = le_get64(q);
			a[k].idx = le_get64(q + 8);
			a[k].len = le_get32(q + 16);
			a[k].v = q + POS_HDR;
			q += POS_HDR + a[k++].len;
		}
	}
	qsort(a, k, sizeof *a, pitem_cmp);
	return a;
}

/* The numbers of a moment's list in input order, in a new array. */
static struct nitem *vl_nitems(const struct keytab *kt, const struct s_vlist *l)
{
	struct nitem *a = xreallocarray(NULL, l->n ? l->n : 1, sizeof *a);
	size_t k = 0;

	for (uint64_t b = l->head; b != 0; b = chunk(kt, b)->next) {
		const struct vchunk *c = chunk(kt, b);
		const char *q = (const char *)(c + 1), *end = q + c->used;

		for (; q + NPOS_ITEM <= end && k < l->n; q += NPOS_ITEM, k++) {
			a[k].seq = le_get64(q);
			a[k].idx = le_get64(q + 8);
			a[k].v = 0;
			memcpy(&a[k].v, q + 16, LD_BYTES);
		}
	}
	qsort(a, k, sizeof *a, nitem_cmp);
	return a;
}

void vals_pos_each(const struct keytab *kt, const struct s_vlist *l,
    void (*fn)(void *ctx, uint64_t seq, uint64_t idx, const char *v, size_t len), void *ctx)
{
	uint64_t k = 0;

	for (uint64_t b = l->head; b != 0; b = chunk(kt, b)->next) {
		const struct vchunk *c = chunk(kt, b);
		const char *q = (const char *)(c + 1), *end = q + c->used;

		for (; q + POS_HDR <= end && k < l->n; k++) {
			size_t len = le_get32(q + 16);

			fn(ctx, le_get64(q), le_get64(q + 8), q + POS_HDR, len);
			q += POS_HDR + len;
		}
	}
}

void vals_list_each(const struct keytab *kt, const struct s_vlist *l, bool inorder,
    void (*fn)(void *ctx, uint64_t seq, uint64_t idx, long double v), void *ctx)
{
	size_t isz = inorder ? NPOS_ITEM : sizeof(long double);
	uint64_t k = 0;

	for (uint64_t b = l->head; b != 0; b = chunk(kt, b)->next) {
		const struct vchunk *c = chunk(kt, b);
		const char *q = (const char *)(c + 1), *end = q + c->used;

		for (; q + isz <= end && k < l->n; q += isz, k++) {
			long double v = 0;

			if (!inorder) {
				memcpy(&v, q, sizeof v);
				fn(ctx, 0, 0, v);
				continue;
			}
			memcpy(&v, q + 16, LD_BYTES);
			fn(ctx, le_get64(q), le_get64(q + 8), v);
		}
	}
}

/* ---- the wire --------------------------------------------------------------- */

/* Numbers: varint n, then n long doubles (LD_BYTES each) in order. */
static void put_nums(struct buf *e, const long double *a, uint64_t n)
{
	buf_put_varint(e, n);
	buf_reserve(e, n * LD_BYTES);
	for (uint64_t k = 0; k < n; k++)
		buf_append(e, &a[k], LD_BYTES);
}

void vals_num_encode(const struct agg_part *p, const void *x, struct buf *e)
{
	const struct s_vlist *l = x;
	long double *a = vl_numbers(&p->kt, l);

	put_nums(e, a, l->n);
	free(a);
}

void vals_num_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	uint64_t n = get_varint(r);
	size_t so = p->spec->ops[i].off;

	(void)base;
	if (r->bad || n > (uint64_t)(r->end - r->p) / LD_BYTES) {
		r->bad = true;
		return;
	}
	if (p->big != NULL && bigkey_merge(p, off, so, r, n, base))
		return;	/* a group too big for memory: streamed */
	for (uint64_t k = 0; k < n; k++) {
		long double v = 0;

		memcpy(&v, get_bytes(r, LD_BYTES), LD_BYTES);
		vals_add_num(&p->kt, off, so, v);
	}
}

/* collapse: varint n, then n x (varint seq, varint index, varint len,
 * value) in input order. */
void vals_pos_encode(const struct agg_part *p, const void *x, struct buf *e)
{
	const struct s_vlist *l = x;
	struct pitem *a = vl_positions(&p->kt, l);

	buf_put_varint(e, l->n);
	for (uint64_t k = 0; k < l->n; k++) {
		buf_put_varint(e, a[k].seq);
		buf_put_varint(e, a[k].idx);
		buf_put_varint(e, a[k].len);
		buf_append(e, a[k].v, a[k].len);
	}
	free(a);
}

void vals_pos_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	uint64_t n = get_varint(r);
	size_t so = p->spec->ops[i].off;

	/* Each value takes 3 bytes at least. */
	if (r->bad || n > (uint64_t)(r->end - r->p) / 3) {
		r->bad = true;
		return;
	}
	if (p->big != NULL && bigset_merge_pos(p, i, r, n, base))
		return;	/* a group too big for memory: streamed */
	for (uint64_t k = 0; k < n && !r->bad; k++) {
		uint64_t seq = base + get_varint(r), idx = get_varint(r), len = get_varint(r);
		const char *v = r->bad || len > UINT32_MAX - POS_HDR ? NULL : get_bytes(r, len);

		if (v == NULL) {
			r->bad = true;
			return;
		}
		vals_add_pos(&p->kt, off, so, seq, idx, v, len);
	}
}

/* A moment's list: varint n, then n x (varint seq, varint index, LD) in
 * input order. */
static void put_npos(struct buf *e, const struct nitem *a, uint64_t n)
{
	buf_put_varint(e, n);
	for (uint64_t k = 0; k < n; k++) {
		buf_put_varint(e, a[k].seq);
		buf_put_varint(e, a[k].idx);
		buf_append(e, &a[k].v, LD_BYTES);
	}
}

void vals_npos_encode(const struct agg_part *p, const void *x, struct buf *e)
{
	const struct s_vlist *l = x;
	struct nitem *a = vl_nitems(&p->kt, l);

	put_npos(e, a, l->n);
	free(a);
}

void vals_slicer_open(struct vals_slicer *sl, const struct keytab *kt, const struct s_vlist *l,
    bool inorder)
{
	sl->inorder = inorder;
	sl->pos = false;
	sl->n = l->n;
	sl->at = 0;
	sl->a = inorder ? (void *)vl_nitems(kt, l) : (void *)vl_numbers(kt, l);
}

void vals_slicer_open_pos(struct vals_slicer *sl, const struct keytab *kt,
    const struct s_vlist *l)
{
	sl->inorder = false;
	sl->pos = true;
	sl->n = l->n;
	sl->at = 0;
	sl->a = vl_positions(kt, l);
}

uint64_t vals_pos_bytes(const struct keytab *kt, const struct s_vlist *l)
{
	uint64_t bytes = 0;

	for (uint64_t b = l->head; b != 0; b = chunk(kt, b)->next)
		bytes += chunk(kt, b)->used;
	return bytes;
}

void vals_slicer_put_bytes(struct vals_slicer *sl, uint64_t max, struct buf *e)
{
	const struct pitem *a = sl->a;
	uint64_t k = 0, bytes = 0;

	if (!sl->pos) {
		size_t isz = sl->inorder ? LD_BYTES + 2 * VARINT_MAX : LD_BYTES;

		vals_slicer_put(sl, max / isz > 0 ? max / isz : 1, e);
		return;
	}
	/* collapse, in the wire form of vals_pos_encode */
	while (sl->at + k < sl->n && (k == 0 || bytes < max))
		bytes += POS_HDR + a[sl->at + k++].len;
	buf_put_varint(e, k);
	for (uint64_t j = sl->at; j < sl->at + k; j++) {
		buf_put_varint(e, a[j].seq);
		buf_put_varint(e, a[j].idx);
		buf_put_varint(e, a[j].len);
		buf_append(e, a[j].v, a[j].len);
	}
	sl->at += k;
}

void vals_slicer_put(struct vals_slicer *sl, uint64_t max, struct buf *e)
{
	uint64_t k = sl->n - sl->at < max ? sl->n - sl->at : max;

	if (sl->inorder)
		put_npos(e, (const struct nitem *)sl->a + sl->at, k);
	else
		put_nums(e, (const long double *)sl->a + sl->at, k);
	sl->at += k;
}

void vals_slicer_close(struct vals_slicer *sl)
{
	free(sl->a);
	sl->a = NULL;
}

void vals_npos_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	uint64_t n = get_varint(r);
	size_t so = p->spec->ops[i].off;

	/* Each value takes 2 + LD_BYTES bytes at least. */
	if (r->bad || n > (uint64_t)(r->end - r->p) / (2 + LD_BYTES)) {
		r->bad = true;
		return;
	}
	if (p->big != NULL && bigkey_merge(p, off, so, r, n, base))
		return;	/* a group too big for memory: streamed */
	for (uint64_t k = 0; k < n && !r->bad; k++) {
		uint64_t seq = base + get_varint(r), idx = get_varint(r);
		const char *b = r->bad ? NULL : get_bytes(r, LD_BYTES);
		long double v = 0;

		if (b == NULL) {
			r->bad = true;
			return;
		}
		memcpy(&v, b, LD_BYTES);
		vals_add_npos(&p->kt, off, so, seq, idx, v);
	}
}

/* ---- parameters -------------------------------------------------------------- */

bool agg_kind_param(enum agg_kind k)
{
	return k == AGG_PERC || k == AGG_TRIMMEAN;
}

static bool all_digits(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

int agg_op_param(struct agg_op *op, const char *stage, const char *text, const char *p,
    char **err)
{
	if (op->kind == AGG_PERC) {
		/* An integer from 1 to 100, as datamash's perc:P. */
		op->param = 95;
		if (p == NULL)
			return 0;
		if (all_digits(p, strlen(p)) && strlen(p) <= 9 && atoi(p) >= 1 && atoi(p) <= 100) {
			op->param = atoi(p);
			return 0;
		}
		*err = xasprintf("%s: op '%s': bad percentile '%s' (an integer from 1 to 100)", stage,
		    text, p);
		return -1;
	}
	/* trimmean: a decimal from 0 to 0.5 (digits, a point, digits), read
	 * as a long double as datamash reads it. */
	op->param = 0;
	if (p == NULL)
		return 0;
	{
		const char *dot = strchr(p, '.');
		size_t ilen = dot ? (size_t)(dot - p) : strlen(p);

		if (all_digits(p, ilen) && (dot == NULL || all_digits(dot + 1, strlen(dot + 1)))) {
			long double v = strtold(p, NULL);

			if (v >= 0 && v <= 0.5) {
				op->param = v;
				return 0;
			}
		}
	}
	*err = xasprintf("%s: op '%s': bad trim fraction '%s' (a decimal from 0 to 0.5)", stage,
	    text, p);
	return -1;
}

/* ---- results ------------------------------------------------------------------ */

static const void *op_state(const struct agg_group *g, size_t i)
{
	return (const char *)keytab_state(&g->part->kt, g->off) + g->part->spec->ops[i].off;
}

long double agg_vals_value(const struct agg_group *g, size_t i)
{
	const struct agg_op *op = &g->part->spec->ops[i];
	const struct s_vlist *l = op_state(g, i);
	long double *a, r;

	if (l->n == 0)
		return __builtin_nanl("");
	if (g->part->big != NULL && bigkey_value(g, i, &r))
		return r;	/* streamed from a spill file */
	if (agg_kind_inorder(op->kind)) {
		struct nitem *it = vl_nitems(&g->part->kt, l);

		/* The numbers alone, in input order, in place: the k-th goes
		 * where the k-th item begins or before, never past one not
		 * read yet. */
		a = (long double *)it;
		for (uint64_t k = 0; k < l->n; k++)
			a[k] = it[k].v;
	} else {
		a = vl_numbers(&g->part->kt, l);
	}
	r = ostat_value(op->kind, op->param, a, l->n);
	free(a);
	return r;
}

/* unique: distinct's value set, sorted by bytes (as strcmp). */
static int bytes_cmp(const void *a, const void *b)
{
	const struct field *x = a, *y = b;

	return keytab_keycmp(x->p, x->len, y->p, y->len);
}

static void unique_format(const struct agg_group *g, size_t i, struct buf *out)
{
	const struct agg_part *p = g->part;
	const struct s_dist *d = op_state(g, i);
	struct field *a = xreallocarray(NULL, d->n ? d->n : 1, sizeof *a);
	size_t k = 0;

	for (uint64_t v = d->head; v != 0 && k < d->n; k++) {
		size_t vlen;
		const char *vk = keytab_key(&p->vals, v, &vlen);

		a[k].p = vk + 8;	/* after the owner */
		a[k].len = vlen - 8;
		v = ((const struct s_vnode *)keytab_state(&p->vals, v))->next;
	}
	qsort(a, k, sizeof *a, bytes_cmp);
	for (size_t j = 0; j < k; j++) {
		if (j > 0)
			buf_putc(out, ',');
		buf_append(out, a[j].p, a[j].len);
	}
	free(a);
}

void agg_vals_format(const struct agg_group *g, size_t i, struct buf *out)
{
	if (g->part->big != NULL && bigset_streams(g, i)) {
		/* streamed, here into out whole (group streams its line:
		 * agg_format_stream) */
		struct agg_out o = { NULL, *out };

		bigset_format(g, i, NULL, &o);
		*out = o.b;
		return;
	}
	if (g->part->spec->ops[i].kind == AGG_UNIQUE) {
		unique_format(g, i, out);
	} else {
		const struct s_vlist *l = op_state(g, i);
		struct pitem *a = vl_positions(&g->part->kt, l);

		for (uint64_t k = 0; k < l->n; k++) {
			if (k > 0)
				buf_putc(out, ',');
			buf_append(out, a[k].v, a[k].len);
		}
		free(a);
	}
}
