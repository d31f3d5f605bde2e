/* ostat.h - the order statistics and moments of the grouping ops, with
 * datamash's formulas and in long double as datamash computes them (R's
 * quantile type 7 for median, q1, q3, iqr and perc; mad scaled by
 * 1.4826; mode and antimode over runs of equal values; trimmean trims
 * floor(P x n) values from each end and is the median at P = 0.5;
 * skewness, excess kurtosis, Jarque-Bera and D'Agostino-Pearson p-values
 * from the central moments; geomean as exp of the mean log; harmmean as
 * n over the sum of reciprocals).  The order statistics read the values
 * sorted ascending; the moments read them in input order, the order in
 * which datamash sums them (its -s sorts with `sort -s`, so a group's
 * values keep their input order): the sums' rounding is datamash's, and
 * so are the digits printed. */
#ifndef FORKPIPE_OSTAT_H
#define FORKPIPE_OSTAT_H

#include <float.h>
#include <stddef.h>

#include "agg.h"

/* Op kind k (agg_kind_values) of the n >= 1 values v, sorted for the
 * order statistics, in input order for the moments (agg_kind_inorder);
 * param is the op's (perc: the percentile, trimmean: the fraction). */
long double ostat_value(enum agg_kind k, long double param, const long double *v, size_t n);

/* The values as ostat_value_src reads them: in memory (v), or from a
 * stream (ostat_stream.c) through at(), which is asked for indexes in
 * an order it can serve: onwards, the last two again, or back to the
 * start (a new pass).  The same arithmetic runs on both, so a streamed
 * group's results are those of the same values in memory. */
struct ostat_src {
	const long double *v;		/* NULL: a stream */
	long double (*at)(struct ostat_src *s, size_t i);
	/* mad of a stream: *d becomes a stream of the deviations
	 * ostat_dev(m, x) of its values, sorted (ostat_cmp); 0, or -1 (the
	 * stream keeps the error) */
	int (*devs)(struct ostat_src *s, long double m, struct ostat_src *d);
	void (*done)(struct ostat_src *s);	/* a devs stream: free it */
	void *ctx;
};

long double ostat_value_src(enum agg_kind k, long double param, struct ostat_src *v, size_t n);

/* mad's deviation of x from the median m. */
long double ostat_dev(long double m, long double x);

/* The bytes of a long double that hold its value (80-bit on x86). */
#define OSTAT_LD_BYTES (LDBL_MANT_DIG == 64 ? 10 : (int)sizeof(long double))

/* qsort's comparison of long doubles in a total order: by value, -0
 * before 0, NaNs last (by their bytes). */
int ostat_cmp(const void *a, const void *b);

#endif
