/* ostat.c - order statistics and moments from a group's values (ostat.h).
 * The arithmetic follows datamash's, operation for operation and type
 * for type (a double percentile, size_t products of n), so that the
 * same values give the same bits, NaNs of 0/0 included. */
#include "autoconfig.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ostat.h"
#include "util.h"

#define NAN_LD __builtin_nanl("")

/* The i-th value of source v: from memory, or read from a stream (whose
 * reads go forward, re-reading the last two values, else start over). */
#define V(i) ((v)->v != NULL ? (v)->v[i] : (v)->at((v), (i)))

typedef struct ostat_src src;

static long double median(src *v, size_t n)
{
	if (n & 1)
		return V(n / 2);
	{
		long double a = V(n / 2 - 1);

		return (a + V(n / 2)) / 2.0;
	}
}

/* R's quantile type 7; the percentile is a double, as datamash's. */
static long double percentile(src *v, size_t n, double pct)
{
	double h = (double)(n - 1) * pct;
	size_t fh = (size_t)floor(h);
	long double lo, next;

	if (n == 1)
		return V(0);
	lo = V(fh);
	/* At the top, datamash reads one past the end, times a zero
	 * weight: the value itself gives the same sum. */
	next = fh + 1 < n ? V(fh + 1) : lo;
	return lo + (h - (double)fh) * (next - lo);
}

int ostat_cmp(const void *a, const void *b)
{
	long double x = *(const long double *)a, y = *(const long double *)b;
	bool nx = isnan(x), ny = isnan(y);

	if (nx || ny)
		return nx != ny ? (nx ? 1 : -1) : memcmp(a, b, OSTAT_LD_BYTES);
	if (x != y)
		return x < y ? -1 : 1;
	return !signbit(x) - !signbit(y);	/* -0 first */
}

long double ostat_dev(long double m, long double x)
{
	return fabsl(m - x);
}

static long double mad(src *v, size_t n, double scale)
{
	long double m = median(v, n), r;
	src ds = { 0 };

	if (v->v == NULL) {
		/* a stream sorts its deviations as it sorted its values */
		if (v->devs(v, m, &ds) < 0)
			return NAN_LD;
		r = median(&ds, n);
		ds.done(&ds);
		return r * scale;
	}
	{
		long double *d = xreallocarray(NULL, n, sizeof *d);

		for (size_t i = 0; i < n; i++)
			d[i] = ostat_dev(m, v->v[i]);
		qsort(d, n, sizeof *d, ostat_cmp);
		ds.v = d;
		r = median(&ds, n);
		free(d);
	}
	return r * scale;
}

/* datamash's scan: a run's length is compared at every step, so a run
 * at the very end is not seen by antimode. */
static long double mode(src *v, size_t n, bool anti)
{
	long double last = V(0), best = last;
	size_t run = 1, bestrun = anti ? SIZE_MAX : 1;

	for (size_t i = 1; i < n; i++) {
		long double x = V(i);
		bool eq = !(x > last) && !(x < last);

		if (eq)
			run++;
		if (anti ? run < bestrun : run > bestrun) {
			bestrun = run;
			best = last;
		}
		if (!eq)
			run = 1;
		last = x;
	}
	return best;
}

static long double trimmean(src *v, size_t n, long double frac)
{
	size_t c;
	long double s = 0;

	if (frac >= 0.5)
		return median(v, n);
	c = (size_t)floorl(frac * n);
	for (size_t i = c; i < n - c; i++)
		s += V(i);
	return s / (long double)(n - c * 2);
}

static long double mean(src *v, size_t n)
{
	long double s = 0;

	for (size_t i = 0; i < n; i++)
		s += V(i);
	return s / n;
}

/* The second, third and fourth central moments of n >= 1 values. */
static void moments(src *v, size_t n, long double *m2, long double *m3,
    long double *m4)
{
	long double m = mean(v, n);

	*m2 = *m3 = *m4 = 0;
	for (size_t i = 0; i < n; i++) {
		long double t = V(i) - m;

		*m2 += t * t;
		*m3 += t * t * t;
		*m4 += t * t * t * t;
	}
	*m2 /= n;
	*m3 /= n;
	*m4 /= n;
}

static long double skewness(src *v, size_t n, bool sample)
{
	long double m2, m3, m4, s;

	if (n <= 1)
		return NAN_LD;
	moments(v, n, &m2, &m3, &m4);
	s = m3 / sqrtl(m2 * m2 * m2);
	if (sample) {
		if (n <= 2)
			return NAN_LD;
		s = (sqrtl(n * (n - 1)) / (n - 2)) * s;
	}
	return s;
}

static long double kurtosis(src *v, size_t n, bool sample)
{
	long double m2, m3, m4, k;

	if (n <= 1)
		return NAN_LD;
	moments(v, n, &m2, &m3, &m4);
	k = m4 / (m2 * m2) - 3;
	if (sample) {
		if (n <= 3)
			return NAN_LD;
		k = (((long double)n - 1) / (((long double)n - 2) * ((long double)n - 3))) *
		    ((n + 1) * k + 6);
	}
	return k;
}

/* The standard errors of skewness and kurtosis. */
static long double ses(size_t n)
{
	if (n <= 2)
		return NAN_LD;
	return sqrtl((long double)(6.0 * n * (n - 1)) / ((long double)(n - 2) * (n + 1) * (n + 3)));
}

static long double sek(size_t n)
{
	long double s = ses(n);

	if (n <= 3)
		return NAN_LD;
	return 2 * s * sqrtl((long double)(n * n - 1) / ((long double)((n - 3) * (n + 5))));
}

/* The chi-squared distribution's upper tail for 2 degrees of freedom,
 * as 1 - CDF, the CDF being 1 - exp(-x/2). */
static long double chisq2_upper(long double x)
{
	return 1.0 - (1.0 - expl(-x / 2));
}

static long double jarque(src *v, size_t n)
{
	long double k = kurtosis(v, n, false), s = skewness(v, n, false);
	long double jb = (long double)(n * (s * s + k * k / 4)) / 6.0;

	if (n <= 1 || isnan(k) || isnan(s))
		return NAN_LD;
	return chisq2_upper(jb);
}

static long double dpo(src *v, size_t n)
{
	long double sk = skewness(v, n, true), se = ses(n), ku = kurtosis(v, n, true), sk2 = sek(n);
	long double zs = isnan(sk) || isnan(se) ? NAN_LD : sk / se;
	long double zk = isnan(ku) || isnan(sk2) ? NAN_LD : ku / sk2;

	if (isnan(zs) || isnan(zk))
		return NAN_LD;
	return chisq2_upper(zs * zs + zk * zk);
}

static long double geomean(src *v, size_t n)
{
	long double s = 0;

	for (size_t i = 0; i < n; i++)
		s += logl(V(i));
	return expl(s / n);
}

static long double harmmean(src *v, size_t n)
{
	long double s = 0;

	for (size_t i = 0; i < n; i++)
		s += 1.0 / V(i);
	return n / s;
}

long double ostat_value_src(enum agg_kind k, long double param, struct ostat_src *v, size_t n)
{
	switch (k) {
	case AGG_MEDIAN:
		return median(v, n);
	case AGG_Q1:
		return percentile(v, n, 0.25);
	case AGG_Q3:
		return percentile(v, n, 0.75);
	case AGG_IQR:
		return percentile(v, n, 0.75) - percentile(v, n, 0.25);
	case AGG_PERC:
		return percentile(v, n, (double)(int)param / 100.0);
	case AGG_MODE:
	case AGG_ANTIMODE:
		return mode(v, n, k == AGG_ANTIMODE);
	case AGG_MAD:
		return mad(v, n, 1.4826);
	case AGG_MADRAW:
		return mad(v, n, 1.0);
	case AGG_TRIMMEAN:
		return trimmean(v, n, param);
	case AGG_SSKEW:
	case AGG_PSKEW:
		return skewness(v, n, k == AGG_SSKEW);
	case AGG_SKURT:
	case AGG_PKURT:
		return kurtosis(v, n, k == AGG_SKURT);
	case AGG_DPO:
		return dpo(v, n);
	case AGG_JARQUE:
		return jarque(v, n);
	case AGG_GEOMEAN:
		return geomean(v, n);
	case AGG_HARMMEAN:
		return harmmean(v, n);
	default:
		return NAN_LD;
	}
}

long double ostat_value(enum agg_kind k, long double param, const long double *v, size_t n)
{
	src s = { .v = v };

	return ostat_value_src(k, param, &s, n);
}
