/* aggfull.c - the record `group --full` prints before a group's results,
 * chosen as datamash 1.7 chooses it, at any -j.
 *
 * datamash keeps the group's first record, and replaces it by the
 * current record whenever an op says so: min, max, absmin and absmax
 * when their value changes (strictly smaller or larger, so not at their
 * first value, and never once that was NaN), first at its first value,
 * last at every value (values --narm skips say nothing).  So the record
 * printed is the latest of the records where one of these ops took its
 * final value, or the group's first when none did.
 *
 * The hidden full op's state is therefore a row of s_pos slots: slot 0
 * the group's first record, then one slot per such op before it, the
 * record at the position the op's state holds (its value's).  Each slot
 * follows its op: the fold sets it when the op's position becomes the
 * current record's, a merge takes the incoming record when the merged
 * op's position is the incoming one.  The choice is made at the end from
 * the ops' final states, so it does not depend on the order of merges. */
#include "autoconfig.h"

#include <string.h>

#include "aggpart.h"
#include "aggstate.h"

/* Whether datamash can keep the record where an op of kind k took its
 * value. */
static bool keeps(enum agg_kind k)
{
	return k == AGG_MIN || k == AGG_MAX || k == AGG_ABSMIN || k == AGG_ABSMAX ||
	    k == AGG_FIRST || k == AGG_LAST;
}

size_t agg_full_size(const struct agg_spec *s, size_t i)
{
	size_t n = 1;

	for (size_t j = 0; j < i; j++)
		n += keeps(s->ops[j].kind);
	return n * sizeof(struct s_pos);
}

/* The position op's state (at state) holds; false when it holds none. */
static bool op_pos(const char *state, const struct agg_op *op, uint64_t *seq, uint64_t *idx)
{
	if (op->kind == AGG_FIRST || op->kind == AGG_LAST) {
		const struct s_pos *x = (const struct s_pos *)(state + op->off);

		*seq = x->seq;
		*idx = x->idx;
		return x->has;
	} else {
		const struct s_mm *x = (const struct s_mm *)(state + op->off);

		*seq = x->seq;
		*idx = x->idx;
		return x->has;
	}
}

/* Whether datamash's op replaced the record at the position it holds:
 * first and last always; min, max, absmin and absmax when their value
 * is not the first value, and the first value was not NaN (a NaN there
 * stays their value: nothing compares smaller or larger). */
static bool op_kept(const char *state, const struct agg_op *op)
{
	const struct s_mm *x = (const struct s_mm *)(state + op->off);

	if (op->kind == AGG_FIRST || op->kind == AGG_LAST)
		return ((const struct s_pos *)(state + op->off))->has;
	return x->has && x->any && x->fnan == 0 && (x->seq != x->fseq || x->idx != x->fidx);
}

static struct s_pos *slot(const struct agg_part *p, uint64_t off, size_t i, size_t k)
{
	return (struct s_pos *)((char *)keytab_state(&p->kt, off) + p->spec->ops[i].off) + k;
}

static void slot_set(struct agg_part *p, uint64_t off, size_t i, size_t k, uint64_t seq,
    uint64_t idx, const char *rec, size_t len)
{
	agg_pos_set_at(p, off, p->spec->ops[i].off + k * sizeof(struct s_pos), seq, idx, rec, len);
}

void agg_full_fold(struct agg_part *p, uint64_t off, size_t i, uint64_t seq, uint64_t idx,
    const char *rec, size_t len)
{
	const struct agg_spec *s = p->spec;
	size_t k = 0;

	if (!slot(p, off, i, 0)->has)
		slot_set(p, off, i, 0, seq, idx, rec, len);
	for (size_t j = 0; j < i; j++) {
		uint64_t q, x;

		if (!keeps(s->ops[j].kind))
			continue;
		k++;
		/* The ops before this one have folded the record already. */
		if (op_pos(keytab_state(&p->kt, off), &s->ops[j], &q, &x) && q == seq && x == idx)
			slot_set(p, off, i, k, seq, idx, rec, len);
	}
}

void agg_full_encode(const struct agg_part *p, const void *o, struct buf *e)
{
	const struct agg_spec *s = p->spec;
	size_t n = 1;
	const struct s_pos *x = o;

	for (size_t j = 0; j < s->nops && s->ops[j].kind != AGG_FULL; j++)
		n += keeps(s->ops[j].kind);
	for (size_t k = 0; k < n; k++)
		agg_pos_encode(p, &x[k], e);
}

/* One slot as agg_pos_encode wrote it: whether it has a record. */
static bool read_slot(struct rd *r, uint64_t base, uint64_t *seq, uint64_t *idx, const char **v,
    size_t *len)
{
	if (!get_u8(r))
		return false;
	*seq = base + get_varint(r);
	*idx = get_varint(r);
	*len = get_varint(r);
	*v = get_bytes(r, *len);
	return !r->bad;
}

void agg_full_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base)
{
	const struct agg_spec *s = p->spec;
	uint64_t seq, idx, q, x;
	const char *v;
	size_t len, k = 0;

	if (read_slot(r, base, &seq, &idx, &v, &len)) {
		const struct s_pos *f = slot(p, off, i, 0);

		if (!f->has || seq < f->seq || (seq == f->seq && idx < f->idx))
			slot_set(p, off, i, 0, seq, idx, v, len);
	}
	for (size_t j = 0; j < i && !r->bad; j++) {
		if (!keeps(s->ops[j].kind))
			continue;
		k++;
		/* The ops before this one are merged already: the incoming
		 * record is the op's when the op's position is its. */
		if (read_slot(r, base, &seq, &idx, &v, &len) &&
		    op_pos(keytab_state(&p->kt, off), &s->ops[j], &q, &x) && q == seq && x == idx)
			slot_set(p, off, i, k, seq, idx, v, len);
	}
}

const struct s_pos *agg_full_pick(const struct agg_group *g, size_t i)
{
	const struct agg_spec *s = g->part->spec;
	const char *state = keytab_state(&g->part->kt, g->off);
	const struct s_pos *x = (const struct s_pos *)(state + s->ops[i].off), *best = x;
	bool kept = false;
	size_t k = 0;

	for (size_t j = 0; j < i; j++) {
		if (!keeps(s->ops[j].kind))
			continue;
		k++;
		if (x[k].has && op_kept(state, &s->ops[j]) &&
		    (!kept || x[k].seq > best->seq || (x[k].seq == best->seq && x[k].idx > best->idx))) {
			best = &x[k];
			kept = true;
		}
	}
	return best;
}
