/* num.h - numbers as the grouping reducers read and print them (the
 * rules are in agg.h): parsing plain decimals exactly and the rest with
 * strtold, printing as "%.14Lg" does, and the powers of ten that scale
 * exact sums.  The helpers the fold calls per value are inline. */
#ifndef FORKPIPE_NUM_H
#define FORKPIPE_NUM_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

typedef __int128 i128;
typedef unsigned __int128 u128;

#define NOSCALE 255u			/* agg_parse_number: not a plain decimal */

/* 10^k: as integers for k <= 38, as long doubles (each rounded once) for
 * k <= 39.  Filled by num_init. */
extern long double p10l_tab[40];
extern i128 p10i_tab[39];

/* Fill the tables (once; every entry point of the reducers calls it). */
void num_init(void);

/* k <= 39: scales are at most 18, squares' scales at most 36. */
static inline long double p10l(unsigned k)
{
	return p10l_tab[k < 40 ? k : 39];
}

/* sqrtl without libm. */
long double ld_sqrt(long double x);

/*
 * Parse a value as datamash does.  Returns true for a number: plain
 * decimals set *mant, *scale (decimal places) and *neg exactly; others
 * set *v (and *scale to NOSCALE).
 */
bool agg_parse_number(const char *p, size_t len, uint64_t *mant, unsigned *scale, bool *neg,
    long double *v);

/* A parsed value. */
struct num {
	uint64_t mant;
	unsigned scale;		/* NOSCALE: v only */
	bool neg;
	bool have_v;
	long double v;
};

/* The value as a long double (computed once). */
static inline long double num_ld(struct num *n)
{
	if (!n->have_v) {
		long double x = n->scale == 0 ? (long double)n->mant : (long double)n->mant / p10l(n->scale);

		n->v = n->neg ? -x : x;
		n->have_v = true;
	}
	return n->v;
}

/* Append v as "%.14Lg" does (datamash's output format). */
void agg_put_ld(struct buf *out, long double v);
/* Append v as printf's fmt (one long double conversion) prints it. */
void agg_put_fmt(struct buf *out, const char *fmt, long double v);
/* Append v in decimal. */
void agg_put_u64(struct buf *out, uint64_t v);
/* Append ex x 10^-scale as "%.14Lg" prints the long double nearest to it,
 * when that is the decimal itself (at most 14 significant digits, and no
 * exponent): true; false and nothing appended otherwise. */
bool agg_put_exact(struct buf *out, __int128 ex, unsigned scale);

#endif
