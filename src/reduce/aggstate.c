/* aggstate.c - the arithmetic of the grouping ops' states that runs
 * less than once a value: merging, loading and storing, results (see
 * aggstate.h). */
#include "autoconfig.h"

#include <math.h>

#include "aggstate.h"

/* ---- sums ------------------------------------------------------------- */

void nadd(long double *s, long double *c, long double x)
{
	long double t = *s + x;

	if (isfinite(t)) {
		if (__builtin_fabsl(*s) >= __builtin_fabsl(x))
			*c += (*s - t) + x;
		else
			*c += (x - t) + *s;
	}
	*s = t;
}

static void sumv_float(struct sumv *s, long double x)
{
	nadd(&s->fs, &s->fc, x);
	s->hasf = true;
}

/* The exact part moves to the float part (when 128 bits do not suffice). */
static void sumv_flush(struct sumv *s)
{
	if (s->ex != 0)
		sumv_float(s, (long double)s->ex / p10l(s->scale));
	s->ex = 0;
}

/* Add ex x 10^-scale exactly where possible. */
static void sumv_exact(struct sumv *s, i128 ex, unsigned scale)
{
	i128 t;

	if (scale > s->scale) {
		if (__builtin_mul_overflow(s->ex, p10i_tab[scale - s->scale], &t)) {
			sumv_flush(s);
			t = 0;
		}
		s->ex = t;
		s->scale = scale;
	}
	if (scale < s->scale && __builtin_mul_overflow(ex, p10i_tab[s->scale - scale], &t)) {
		sumv_float(s, (long double)ex / p10l(scale));
		return;
	}
	if (scale < s->scale)
		ex = t;
	if (__builtin_add_overflow(s->ex, ex, &t)) {
		sumv_flush(s);
		t = ex;
	}
	s->ex = t;
}

void sumv_num(struct sumv *s, struct num *n)
{
	if (n->scale != NOSCALE)
		sumv_exact(s, n->neg ? -(i128)n->mant : (i128)n->mant, n->scale);
	else
		sumv_float(s, n->v);
}

long double sumv_total(const struct sumv *s)
{
	long double e = (long double)s->ex / p10l(s->scale), fs, fc;

	if (!s->hasf)
		return e;
	fs = s->fs;
	fc = s->fc;
	nadd(&fs, &fc, e);
	return isfinite(fs) ? fs + fc : fs;
}

void sumv_merge(struct sumv *d, const struct sumv *s)
{
	sumv_exact(d, s->ex, s->scale);
	if (s->hasf) {
		sumv_float(d, s->fs);
		sumv_float(d, s->fc);
	}
}

void sum_load(const struct keytab *kt, const struct s_sum *x, struct sumv *v)
{
	v->ex = x->ex;
	v->scale = x->scale;
	v->hasf = x->fblob != 0;
	v->fs = v->fc = 0;
	if (v->hasf) {
		const struct s_fsum *f = keytab_blob(kt, x->fblob);

		v->fs = f->fs;
		v->fc = f->fc;
	}
}

/* Store v in the s_sum at arena offset soff. */
void sum_store(struct keytab *kt, uint64_t soff, const struct sumv *v)
{
	struct s_sum *x = (struct s_sum *)(kt->arena + soff);
	struct s_fsum *f;

	x->ex = v->ex;
	x->scale = (uint8_t)v->scale;
	if (!v->hasf)
		return;
	if (x->fblob == 0) {
		uint64_t b = keytab_alloc(kt, sizeof *f);

		x = (struct s_sum *)(kt->arena + soff);
		x->fblob = b;
	}
	f = keytab_blob(kt, x->fblob);
	f->fs = v->fs;
	f->fc = v->fc;
}

/* ---- min and max ---------------------------------------------------------- */

long double mm_value(const struct s_mm *s)
{
	if (s->fnan)
		return s->fnan == 2 ? -NAN : NAN;
	return s->has ? s->v : NAN;
}

void mm_merge(struct s_mm *d, bool max, const struct s_mm *s)
{
	if (s->any && (!d->any || pos_less(s->fseq, s->fidx, d->fseq, d->fidx))) {
		d->fseq = s->fseq;
		d->fidx = s->fidx;
		d->fnan = s->fnan;
		d->any = 1;
	}
	if (s->has && (!d->has || (max ? s->v > d->v : s->v < d->v) ||
	    (s->v == d->v && pos_less(s->seq, s->idx, d->seq, d->idx)))) {
		d->v = s->v;
		d->seq = s->seq;
		d->idx = s->idx;
		d->has = 1;
	}
}

/* ---- stdev ----------------------------------------------------------------- */

void var_to_chan(struct s_var *s)
{
	i128 a, b, nn;

	if (s->chan)
		return;
	s->chan = 1;
	if (s->n == 0) {
		s->mean = s->m2 = 0;
		return;
	}
	s->mean = (long double)s->s1 / p10l(s->scale) / (long double)s->n;
	/* n*s2 - s1^2, exactly if 128 bits hold it. */
	nn = (i128)s->n;
	if (!__builtin_mul_overflow(nn, s->s2, &a) && !__builtin_mul_overflow(s->s1, s->s1, &b) &&
	    !__builtin_sub_overflow(a, b, &a))
		s->m2 = (long double)a / (long double)s->n / p10l(2u * s->scale);
	else
		s->m2 = ((long double)s->s2 - (long double)s->s1 * (long double)s->s1 / (long double)s->n) /
		    p10l(2u * s->scale);
	if (s->m2 < 0)
		s->m2 = 0;
}

/* Rescale an exact state to a larger scale; false if it does not fit. */
bool var_rescale(const struct s_var *s, unsigned scale, i128 *s1, i128 *s2)
{
	unsigned d = scale - s->scale;

	return !__builtin_mul_overflow(s->s1, p10i_tab[d], s1) &&
	    !__builtin_mul_overflow(s->s2, p10i_tab[2 * d], s2);
}

void welford(struct s_var *s, long double x)
{
	long double d = x - s->mean;

	s->n++;
	s->mean += d / (long double)s->n;
	s->m2 += d * (x - s->mean);
}

void var_merge(struct s_var *d, const struct s_var *s)
{
	struct s_var b = *s;
	long double delta, n;

	if (b.n == 0)
		return;
	if (d->n == 0) {
		*d = b;
		return;
	}
	if (!d->chan && !b.chan) {
		unsigned scale = d->scale > b.scale ? d->scale : b.scale;
		i128 a1 = d->s1, a2 = d->s2, b1 = b.s1, b2 = b.s2;

		if ((scale == d->scale || var_rescale(d, scale, &a1, &a2)) &&
		    (scale == b.scale || var_rescale(&b, scale, &b1, &b2)) &&
		    !__builtin_add_overflow(a1, b1, &a1) && !__builtin_add_overflow(a2, b2, &a2)) {
			d->s1 = a1;
			d->s2 = a2;
			d->scale = (uint8_t)scale;
			d->n += b.n;
			return;
		}
	}
	var_to_chan(d);
	var_to_chan(&b);
	/* Chan, Golub and LeVeque: combine two (n, mean, M2). */
	n = (long double)d->n + (long double)b.n;
	delta = b.mean - d->mean;
	d->mean += delta * (long double)b.n / n;
	d->m2 += b.m2 + delta * delta * (long double)d->n * (long double)b.n / n;
	d->n += b.n;
}

long double var_stdev(const struct s_var *s)
{
	struct s_var c;

	if (s->n < 2)
		return NAN;
	if (!s->chan) {
		i128 a, b, nn = (i128)s->n;

		if (!__builtin_mul_overflow(nn, s->s2, &a) && !__builtin_mul_overflow(s->s1, s->s1, &b) &&
		    !__builtin_sub_overflow(a, b, &a))
			return ld_sqrt((long double)a / ((long double)s->n * (long double)(s->n - 1)) /
			    p10l(2u * s->scale));
	}
	c = *s;
	var_to_chan(&c);
	return ld_sqrt((c.m2 < 0 ? 0 : c.m2) / (long double)(c.n - 1));
}
