/* aggstate.h - the per-group states of the grouping ops and their
 * arithmetic: exact and compensated sums, min and max by position,
 * stdev exactly or by Welford's and Chan's formulas (agg.h has the
 * rules).  What the fold calls for every value is inline here, so that
 * the compiler can inline it into the fold loop (agg.c). */
#ifndef FORKPIPE_AGGSTATE_H
#define FORKPIPE_AGGSTATE_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "keytab.h"
#include "num.h"

#define ALIGN16(x) (((x) + 15) & ~(size_t)15)

/* ---- per-group states (zeroed = empty) ------------------------------ */

/* A group's record count is its entry's aux word (keytab.h). */

struct s_sum {			/* sum and mean */
	i128 ex;		/* plain decimals, x 10^scale, exactly */
	uint64_t fblob;		/* the others (struct s_fsum in the arena),
				 * once there are any; 0: none */
	uint8_t scale;
};

struct s_fsum {			/* Neumaier sum and compensation */
	long double fs, fc;
};

/* min and max, as datamash computes them: the first value, replaced by
 * each later one that is strictly less (greater).  So a NaN first value
 * is the result, later NaNs are ignored, and of equal values (0 and -0)
 * the earliest in input order wins.  Positions make that mergeable. */
struct s_mm {
	long double v;		/* the best value that is not NaN */
	uint64_t seq, idx;	/* its position */
	uint64_t fseq, fidx;	/* the position of the first value */
	uint8_t has;		/* v is set */
	uint8_t any;		/* fseq, fidx are set */
	uint8_t fnan;		/* the first value is NaN: 1, or -NaN: 2 */
};

struct s_var {			/* stdev */
	i128 s1, s2;		/* exact mode: sum x 10^scale, squares x 10^2scale */
	long double mean, m2;	/* Welford/Chan mode */
	uint64_t n;
	uint8_t scale;
	uint8_t chan;
};

struct s_dist {			/* distinct: a list through the value table */
	uint64_t n;
	uint64_t head;		/* value entry offset; 0: none */
};

struct s_pos {			/* first and last */
	uint64_t seq, idx;	/* position in the input */
	uint64_t blob;		/* the value's bytes in the arena */
	uint32_t len, cap;
	uint8_t has;
};

struct s_vnode {		/* a distinct value (state of a value entry) */
	uint64_t next;
};

struct s_nsum {			/* mean under --narm: a sum and its values */
	struct s_sum s;		/* first: sum_add takes its offset */
	uint64_t n;
};

struct s_range {		/* range: datamash's min and max */
	struct s_mm lo, hi;
};

/* The two-field ops (pcov, scov, ppearson, spearson, dotprod): exact
 * sums while the values are plain decimals and 128 bits hold them, else
 * means, co-moment and second moments by Welford's and Chan's formulas
 * and a Neumaier sum of the products. */
struct s_cov {
	i128 sx, sy, sxy, sxx, syy;	/* x 10^ax, 10^ay, 10^(ax+ay), 10^2ax, 10^2ay */
	long double mx, my, cxy, m2x, m2y, ds, dc;
	uint64_t n;
	uint8_t ax, ay;
	uint8_t chan;
};

/* ---- sums ------------------------------------------------------------- */

/* A sum to compute with; s_sum is how a group stores it. */
struct sumv {
	i128 ex;
	unsigned scale;
	bool hasf;
	long double fs, fc;
};

void sumv_num(struct sumv *s, struct num *n);
long double sumv_total(const struct sumv *s);
void sumv_merge(struct sumv *d, const struct sumv *s);
void sum_load(const struct keytab *kt, const struct s_sum *x, struct sumv *v);
/* Store v in the s_sum at arena offset soff. */
void sum_store(struct keytab *kt, uint64_t soff, const struct sumv *v);

/* Add a value to the sum at arena offset soff: in place while it is
 * exact and fits, else through a sumv. */
/* v x 10^-scale added to x's exact part in place, as sumv_exact adds it,
 * where that needs no float: at x's scale or a coarser one, or into an
 * exact part that is still 0 (which takes v's scale).  Whether it did;
 * if not, x is unchanged and the caller goes through a sumv. */
static inline bool sum_add_exact(struct s_sum *x, i128 v, unsigned scale)
{
	i128 t;

	if (scale > x->scale && x->ex != 0)
		return false;
	if (scale < x->scale && __builtin_mul_overflow(v, p10i_tab[x->scale - scale], &v))
		return false;
	if (__builtin_add_overflow(x->ex, v, &t))
		return false;
	x->ex = t;
	if (scale > x->scale)
		x->scale = (uint8_t)scale;
	return true;
}

static inline void sum_add(struct keytab *kt, uint64_t soff, struct num *n)
{
	struct s_sum *x = (struct s_sum *)(kt->arena + soff);
	struct sumv v;

	if (n->scale != NOSCALE && n->scale <= x->scale &&
	    sum_add_exact(x, n->neg ? -(i128)n->mant : (i128)n->mant, n->scale))
		return;
	sum_load(kt, x, &v);
	sumv_num(&v, n);
	sum_store(kt, soff, &v);
}

/* ---- min and max ---------------------------------------------------------- */

static inline bool pos_less(uint64_t s1, uint64_t i1, uint64_t s2, uint64_t i2)
{
	return s1 < s2 || (s1 == s2 && i1 < i2);
}

/* The position of the first value, and whether it was NaN (1) or -NaN
 * (2): the result when the first value is NaN. */
static inline void mm_first(struct s_mm *s, long double x, uint64_t seq, uint64_t idx)
{
	if (!s->any || pos_less(seq, idx, s->fseq, s->fidx)) {
		s->fseq = seq;
		s->fidx = idx;
		s->fnan = isnan(x) ? (signbit(x) ? 2 : 1) : 0;
		s->any = 1;
	}
}

/* Value x at position (seq, idx). */
static inline void mm_add(struct s_mm *s, bool max, long double x, uint64_t seq, uint64_t idx)
{
	mm_first(s, x, seq, idx);
	if (isnan(x))
		return;
	if (!s->has || (max ? x > s->v : x < s->v) ||
	    (x == s->v && pos_less(seq, idx, s->seq, s->idx))) {
		s->v = x;
		s->seq = seq;
		s->idx = idx;
		s->has = 1;
	}
}

long double mm_value(const struct s_mm *s);

/* absmin and absmax: as min and max, by magnitude (datamash: the first
 * value, replaced by each later one of strictly smaller (larger)
 * magnitude; so of -3 and 3 the earlier wins). */
static inline void amm_add(struct s_mm *s, bool max, long double x, uint64_t seq, uint64_t idx)
{
	long double a = __builtin_fabsl(x), b = __builtin_fabsl(s->v);

	mm_first(s, x, seq, idx);
	if (isnan(x))
		return;
	if (!s->has || (max ? a > b : a < b) || (a == b && pos_less(seq, idx, s->seq, s->idx))) {
		s->v = x;
		s->seq = seq;
		s->idx = idx;
		s->has = 1;
	}
}

void amm_merge(struct s_mm *d, bool max, const struct s_mm *s);
void mm_merge(struct s_mm *d, bool max, const struct s_mm *s);

/* ---- stdev ----------------------------------------------------------------- */

void var_to_chan(struct s_var *s);
/* Rescale an exact state to a larger scale; false if it does not fit. */
bool var_rescale(const struct s_var *s, unsigned scale, i128 *s1, i128 *s2);
void welford(struct s_var *s, long double x);
void var_merge(struct s_var *d, const struct s_var *s);
long double var_stdev(const struct s_var *s);
/* The variance with df degrees of freedom taken (0 or 1), NaN without
 * enough values; the mean square (aggmoments.c). */
long double var_variance(const struct s_var *s, unsigned df);
long double var_meansq(const struct s_var *s);

/* ---- two fields (aggmoments.c) ---------------------------------------------- */

void cov_add(struct s_cov *s, struct num *x, struct num *y);
void cov_merge(struct s_cov *d, const struct s_cov *s);
/* The result of op kind k (AGG_PCOV ... AGG_DOTPROD). */
long double cov_value(const struct s_cov *s, int k);

/* Neumaier's compensated addition of x to (*s, *c). */
void nadd(long double *s, long double *c, long double x);

static inline void var_num(struct s_var *s, struct num *n)
{
	if (!s->chan && n->scale != NOSCALE) {
		unsigned scale = s->scale > n->scale ? s->scale : n->scale;
		i128 s1 = s->s1, s2 = s->s2, t, t2;

		t = (i128)n->mant * p10i_tab[scale - n->scale];	/* < 10^36 */
		if (n->neg)
			t = -t;
		if ((scale == s->scale || var_rescale(s, scale, &s1, &s2)) &&
		    !__builtin_mul_overflow(t, t, &t2) && !__builtin_add_overflow(s1, t, &s1) &&
		    !__builtin_add_overflow(s2, t2, &s2)) {
			s->s1 = s1;
			s->s2 = s2;
			s->scale = (uint8_t)scale;
			s->n++;
			return;
		}
	}
	var_to_chan(s);
	welford(s, num_ld(n));
}

#endif
