/* aggsplit.c - an entry whose lists are long, written as several entries
 * of the same key (agg.h: a key may appear in several entries; merging
 * combines them).  The lists: the order statistics' and moments' numbers,
 * collapse's values and the distinct sets (distinct, unique).  A run
 * reader holds its largest entry whole, and the finish reads up to
 * RUNS_MAX runs at once: so that one big group does not take a run's
 * share of memory in each of them, its entries stay within that share.
 * The first piece has the entry's records and every state but the lists'
 * later values; the others have no records and empty states (a zeroed
 * state is a new group's) but for their slices of the lists.  The slices
 * are in the lists' wire order, so every piece is itself a valid entry,
 * and results do not change: order statistics sort, moments and collapse
 * order by input position, and the slices of a distinct set are disjoint
 * sets whose union is the set. */
#include "autoconfig.h"

#include <stdlib.h>

#include "aggpart.h"
#include "aggvals.h"

#define SPLIT_MIN 4096		/* bytes of a piece, at least */

/* One list being sliced: a list of values, or a distinct set (its next
 * value entry, and the values left). */
struct slice {
	bool set;
	struct vals_slicer vl;
	uint64_t v, left;
};

static bool is_set(enum agg_kind k)
{
	return k == AGG_DISTINCT || k == AGG_UNIQUE;
}

/* The ops whose state is sliced. */
static bool sliced(const struct agg_op *op)
{
	return !op->shared && (agg_kind_values(op->kind) || op->kind == AGG_COLLAPSE ||
	    is_set(op->kind));
}

bool agg_spec_sliced(const struct agg_spec *s)
{
	for (size_t i = 0; i < s->nops; i++)
		if (sliced(&s->ops[i]))
			return true;
	return false;
}

/* The bytes of op's list in its wire form, about. */
static uint64_t list_bytes(const struct agg_part *p, const struct agg_op *op, const void *x)
{
	uint64_t bytes = 0;

	if (agg_kind_values(op->kind))
		return ((const struct s_vlist *)x)->n *
		    (agg_kind_inorder(op->kind) ? LD_BYTES + 2 * VARINT_MAX : LD_BYTES);
	if (op->kind == AGG_COLLAPSE)
		return vals_pos_bytes(&p->kt, x);
	for (uint64_t v = ((const struct s_dist *)x)->head; v != 0;) {
		size_t vlen;

		keytab_key(&p->vals, v, &vlen);
		bytes += vlen - 8 + 1;
		v = ((const struct s_vnode *)keytab_state(&p->vals, v))->next;
	}
	return bytes;
}

/* The next values of a distinct set, of about max bytes: as dist_encode
 * writes a set. */
static void set_put(const struct agg_part *p, struct slice *sl, uint64_t max, struct buf *e)
{
	uint64_t k = 0, bytes = 0, v = sl->v;

	for (; v != 0 && k < sl->left && (k == 0 || bytes < max); k++) {
		size_t vlen;

		keytab_key(&p->vals, v, &vlen);
		bytes += vlen - 8 + 1;
		v = ((const struct s_vnode *)keytab_state(&p->vals, v))->next;
	}
	buf_put_varint(e, k);
	for (uint64_t j = 0; j < k; j++) {
		size_t vlen;
		const char *vk = keytab_key(&p->vals, sl->v, &vlen);

		buf_put_varint(e, vlen - 8);
		buf_append(e, vk + 8, vlen - 8);
		sl->v = ((const struct s_vnode *)keytab_state(&p->vals, sl->v))->next;
	}
	sl->left -= k;
}

static uint64_t slice_left(const struct slice *sl)
{
	return sl->set ? sl->left : sl->vl.n - sl->vl.at;
}

/* One piece: the key, the records, each op's state or its list's slice
 * of about per bytes. */
static void put_piece(struct agg_part *p, uint64_t off, const char *state, uint64_t records,
    struct slice *sl, uint64_t per, struct buf *e, struct buf *out)
{
	const struct agg_spec *s = p->spec;
	const char *key;
	size_t klen, j = 0;

	e->len = 0;
	key = keytab_key(&p->kt, off, &klen);
	buf_put_varint(e, klen);
	buf_append(e, key, klen);
	buf_put_varint(e, records);
	for (size_t i = 0; i < s->nops; i++) {
		if (s->ops[i].shared)
			continue;
		if (!sliced(&s->ops[i])) {
			agg_encode_op(p, i, state + s->ops[i].off, e);
			continue;
		}
		if (sl[j].set)
			set_put(p, &sl[j], per, e);
		else
			vals_slicer_put_bytes(&sl[j].vl, per, e);
		j++;
	}
	buf_put_varint(out, e->len);
	buf_append(out, e->data, e->len);
}

static void slice_open(const struct agg_part *p, const struct agg_op *op, const void *x,
    struct slice *sl)
{
	sl->set = is_set(op->kind);
	if (sl->set) {
		sl->v = ((const struct s_dist *)x)->head;
		sl->left = ((const struct s_dist *)x)->n;
	} else if (op->kind == AGG_COLLAPSE) {
		vals_slicer_open_pos(&sl->vl, &p->kt, x);
	} else {
		vals_slicer_open(&sl->vl, &p->kt, x, agg_kind_inorder(op->kind));
	}
}

bool agg_encode_split(struct agg_part *p, uint64_t off, struct buf *out)
{
	const struct agg_spec *s = p->spec;
	const char *state = keytab_state(&p->kt, off);
	uint64_t split = p->memory / (RUNS_MAX + 1), bytes = 0, per, left;
	size_t nl = 0, j = 0;
	struct slice *sl;
	struct buf e = { 0 };
	char *zero;

	if (split < SPLIT_MIN)
		split = SPLIT_MIN;
	for (size_t i = 0; i < s->nops; i++)
		if (sliced(&s->ops[i])) {
			bytes += list_bytes(p, &s->ops[i], state + s->ops[i].off);
			nl++;
		}
	if (bytes <= split)
		return false;
	per = split / nl;
	sl = xcalloc(nl, sizeof *sl);
	for (size_t i = 0; i < s->nops; i++)
		if (sliced(&s->ops[i]))
			slice_open(p, &s->ops[i], state + s->ops[i].off, &sl[j++]);
	put_piece(p, off, state, *keytab_aux(&p->kt, off), sl, per, &e, out);
	zero = xcalloc(1, s->statesize ? s->statesize : 1);
	do {
		left = 0;
		for (j = 0; j < nl; j++)
			left += slice_left(&sl[j]);
		if (left > 0)
			put_piece(p, off, zero, 0, sl, per, &e, out);
	} while (left > 0);
	for (j = 0; j < nl; j++)
		if (!sl[j].set)
			vals_slicer_close(&sl[j].vl);
	free(sl);
	free(zero);
	buf_free(&e);
	return true;
}
