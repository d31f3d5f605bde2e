/* aggsplit.c - an entry whose lists of numbers are long, written as
 * several entries of the same key (agg.h: a key may appear in several
 * entries; merging combines them).  A run reader holds its largest entry
 * whole, and the finish reads up to RUNS_MAX runs at once: so that one
 * big group does not take a run's share of memory in each of them, its
 * entries stay within that share.  The first piece has the entry's
 * records and every state but the lists' later numbers; the others have
 * no records and empty states (a zeroed state is a new group's) but for
 * their slices of the lists.  The slices are in the lists' wire order,
 * so every piece is itself a valid entry, and results do not change:
 * order statistics sort, moments order by input position. */
#include "autoconfig.h"

#include <stdlib.h>

#include "aggpart.h"
#include "aggvals.h"

#define SPLIT_MIN 4096		/* bytes of a piece, at least */

/* The bytes of a number in a list's wire form, at most (a moment's:
 * with its position's varints). */
static size_t item_bytes(enum agg_kind k)
{
	return agg_kind_inorder(k) ? LD_BYTES + 2 * VARINT_MAX : LD_BYTES;
}

/* One piece: the key, the records, each op's state or its list's slice
 * of per numbers. */
static void put_piece(struct agg_part *p, uint64_t off, const char *state, uint64_t records,
    struct vals_slicer *sl, uint64_t per, struct buf *e, struct buf *out)
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
		if (agg_kind_values(s->ops[i].kind))
			vals_slicer_put(&sl[j++], per, e);
		else
			agg_encode_op(p, i, state + s->ops[i].off, e);
	}
	buf_put_varint(out, e->len);
	buf_append(out, e->data, e->len);
}

bool agg_encode_split(struct agg_part *p, uint64_t off, struct buf *out)
{
	const struct agg_spec *s = p->spec;
	const char *state = keytab_state(&p->kt, off);
	uint64_t split = p->memory / (RUNS_MAX + 1), bytes = 0, per, left;
	size_t per_item = 0, nl = 0, j = 0;
	struct vals_slicer *sl;
	struct buf e = { 0 };
	char *zero;

	if (split < SPLIT_MIN)
		split = SPLIT_MIN;
	for (size_t i = 0; i < s->nops; i++)
		if (agg_kind_values(s->ops[i].kind) && !s->ops[i].shared) {
			const struct s_vlist *l = (const void *)(state + s->ops[i].off);

			bytes += l->n * item_bytes(s->ops[i].kind);
			per_item += item_bytes(s->ops[i].kind);
			nl++;
		}
	if (bytes <= split)
		return false;
	per = split / per_item;
	sl = xcalloc(nl, sizeof *sl);
	for (size_t i = 0; i < s->nops; i++)
		if (agg_kind_values(s->ops[i].kind) && !s->ops[i].shared)
			vals_slicer_open(&sl[j++], &p->kt, (const void *)(state + s->ops[i].off),
			    agg_kind_inorder(s->ops[i].kind));
	put_piece(p, off, state, *keytab_aux(&p->kt, off), sl, per, &e, out);
	zero = xcalloc(1, s->statesize ? s->statesize : 1);
	do {
		left = 0;
		for (j = 0; j < nl; j++)
			left += sl[j].n - sl[j].at;
		if (left > 0)
			put_piece(p, off, zero, 0, sl, per, &e, out);
	} while (left > 0);
	for (j = 0; j < nl; j++)
		vals_slicer_close(&sl[j]);
	free(sl);
	free(zero);
	buf_free(&e);
	return true;
}
