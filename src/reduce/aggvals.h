/* aggvals.h - the value lists of the grouping ops that need every value
 * of a group: the order statistics and moments (median, q1, q3, iqr,
 * perc, mode, antimode, mad, madraw, trimmean, sskew, pskew, skurt,
 * pkurt, dpo, jarque, geomean, harmmean: a list of numbers) and collapse
 * (a list of values with their input positions).  unique shares
 * distinct's value set (agg.c) and only prints differently.
 *
 * A list is a chain of chunks, blobs in the key table's arena (so its
 * bytes count against the stage's memory budget and spill with the
 * table); a chunk is never moved or copied as the list grows, and no
 * blob comes near the arena's 4 GiB limit of one blob.  The fold
 * appends in input order; encoding (a partial, a spilled run) sorts a
 * copy: the order statistics' numbers by value, the moments' numbers and
 * collapse's values by their input positions (chunk, record), so that
 * partials and runs hold each group's values sorted; merging appends
 * them; printing sorts them again and computes from the list in that one
 * order (ostat.h): the order statistics from the values sorted, the
 * moments from the values in input order, as datamash computes both.
 * A group too big for memory where runs are merged has its numbers
 * sorted on disk instead and the same computed from them
 * (ostat_stream.h), and its collapse values and distinct sets too
 * (set_stream.h).
 * So results do not depend on -j, the chunk size or spilling.
 *
 * Numbers sort by value; -0 before 0, and NaNs (by their bytes) after
 * every number, so that the order is total and the same everywhere. */
#ifndef FORKPIPE_AGGVALS_H
#define FORKPIPE_AGGVALS_H

#include <stdbool.h>
#include <stdint.h>

#include "agg.h"
#include "keytab.h"

struct agg_part;
struct rd;

struct s_vlist {		/* a group's value list (zeroed = empty) */
	uint64_t head, tail;	/* the first and last chunk's blob; 0: none */
	uint64_t n;		/* values */
};

/* The ops whose state is a list of numbers. */
static inline bool agg_kind_values(enum agg_kind k)
{
	return k >= AGG_MEDIAN && k <= AGG_HARMMEAN;
}

/* Of those, the moments (sskew .. harmmean): their numbers keep their
 * input positions, because datamash sums them in input order and the
 * rounding of the sums shows in the digits printed; the order statistics
 * need only the values, sorted. */
static inline bool agg_kind_inorder(enum agg_kind k)
{
	return k >= AGG_SSKEW && k <= AGG_HARMMEAN;
}

/* Set op's parameter (perc:F:P, trimmean:F:P) from p, the text after the
 * last ':' of the op text, or NULL for the default.  0, or -1 with *err
 * (naming the op text). */
int agg_op_param(struct agg_op *op, const char *stage, const char *text, const char *p,
    char **err);
/* Whether op kind k takes a parameter. */
bool agg_kind_param(enum agg_kind k);

/* Append to the list at state offset so of entry off. */
void vals_add_num(struct keytab *kt, uint64_t off, size_t so, long double v);
void vals_add_pos(struct keytab *kt, uint64_t off, size_t so, uint64_t seq, uint64_t idx,
    const char *v, size_t len);
/* A moment's number with its input position. */
void vals_add_npos(struct keytab *kt, uint64_t off, size_t so, uint64_t seq, uint64_t idx,
    long double v);

/* Each value of collapse's list l in its order in the table (not
 * sorted): fn(ctx, seq, idx, v, len). */
void vals_pos_each(const struct keytab *kt, const struct s_vlist *l,
    void (*fn)(void *ctx, uint64_t seq, uint64_t idx, const char *v, size_t len), void *ctx);
/* Each number of list l in its order in the table (not sorted):
 * fn(ctx, seq, idx, v), the position only for a moment's (inorder). */
void vals_list_each(const struct keytab *kt, const struct s_vlist *l, bool inorder,
    void (*fn)(void *ctx, uint64_t seq, uint64_t idx, long double v), void *ctx);

/* The wire (agg_wire.c's op_wire): encode and merge. */
void vals_num_encode(const struct agg_part *p, const void *x, struct buf *e);
void vals_num_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base);
void vals_pos_encode(const struct agg_part *p, const void *x, struct buf *e);
void vals_pos_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base);
void vals_npos_encode(const struct agg_part *p, const void *x, struct buf *e);
void vals_npos_merge(struct agg_part *p, uint64_t off, size_t i, struct rd *r, uint64_t base);

/* A list of numbers in its wire order, written a slice at a time (an
 * entry too big for a run reader written as several, aggsplit.c). */
struct vals_slicer {
	bool inorder;		/* a moment's */
	bool pos;		/* collapse's values */
	void *a;		/* the numbers sorted (collapse: the values) */
	uint64_t n, at;		/* of n, the next to write */
};
void vals_slicer_open(struct vals_slicer *sl, const struct keytab *kt, const struct s_vlist *l,
    bool inorder);
/* Of collapse's list l (valid while the table does not grow). */
void vals_slicer_open_pos(struct vals_slicer *sl, const struct keytab *kt,
    const struct s_vlist *l);
/* The next max numbers at most, as the wire form of a list of them. */
void vals_slicer_put(struct vals_slicer *sl, uint64_t max, struct buf *e);
/* The next values of about max bytes of the wire, one at least. */
void vals_slicer_put_bytes(struct vals_slicer *sl, uint64_t max, struct buf *e);
/* The bytes of collapse's list l in the table (its values and their
 * positions). */
uint64_t vals_pos_bytes(const struct keytab *kt, const struct s_vlist *l);
void vals_slicer_close(struct vals_slicer *sl);

/* Results: op i of group g as a number (the list ops), or as text
 * (unique, collapse). */
long double agg_vals_value(const struct agg_group *g, size_t i);
void agg_vals_format(const struct agg_group *g, size_t i, struct buf *out);

#endif
