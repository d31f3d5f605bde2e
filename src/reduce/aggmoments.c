/* aggmoments.c - the arithmetic of datamash's fixed-state ops beyond
 * sum and stdev: variances and the mean square from a stdev state,
 * absmin and absmax merged by position, and the two-field ops (pcov,
 * scov, ppearson, spearson, dotprod) with exact sums of x, y, xy, x^2
 * and y^2 while the values are plain decimals, else Welford's and
 * Chan's formulas (aggstate.h has the states, agg.h the rules). */
#include "autoconfig.h"

#include <math.h>

#include "agg.h"
#include "aggstate.h"

/* ---- one field: variances and the mean square --------------------------- */

/* n * sum of squares - sum^2, scaled to the values' units squared, in
 * *m (n times the M2 of Welford's method); false when 128 bits do not
 * hold it. */
static bool exact_nm2(i128 n, i128 s1a, i128 s1b, i128 s2, unsigned scale, long double *m)
{
	i128 a, b;

	if (__builtin_mul_overflow(n, s2, &a) || __builtin_mul_overflow(s1a, s1b, &b) ||
	    __builtin_sub_overflow(a, b, &a))
		return false;
	*m = (long double)a / p10l(scale);
	return true;
}

long double var_variance(const struct s_var *s, unsigned df)
{
	struct s_var c;
	long double m;

	/* datamash: NaN for no values (--narm) and where n - df is 0 */
	if (s->n == 0 || s->n <= df)
		return NAN;
	if (!s->chan && exact_nm2((i128)s->n, s->s1, s->s1, s->s2, 2u * s->scale, &m))
		return m / ((long double)s->n * (long double)(s->n - df));
	c = *s;
	var_to_chan(&c);
	return (c.m2 < 0 ? 0 : c.m2) / (long double)(c.n - df);
}

long double var_meansq(const struct s_var *s)
{
	struct s_var c;

	if (s->n == 0)
		return NAN;
	if (!s->chan)
		return (long double)s->s2 / p10l(2u * s->scale) / (long double)s->n;
	c = *s;
	return c.m2 / (long double)c.n + c.mean * c.mean;
}

/* ---- absmin and absmax ------------------------------------------------------ */

void amm_merge(struct s_mm *d, bool max, const struct s_mm *s)
{
	if (s->any && (!d->any || pos_less(s->fseq, s->fidx, d->fseq, d->fidx))) {
		d->fseq = s->fseq;
		d->fidx = s->fidx;
		d->fnan = s->fnan;
		d->any = 1;
	}
	if (s->has) {
		long double a = __builtin_fabsl(s->v), b = __builtin_fabsl(d->v);

		if (!d->has || (max ? a > b : a < b) ||
		    (a == b && pos_less(s->seq, s->idx, d->seq, d->idx))) {
			d->v = s->v;
			d->seq = s->seq;
			d->idx = s->idx;
			d->has = 1;
		}
	}
}

/* ---- two fields ---------------------------------------------------------------- */

/* The sums of s at scales ax, ay (not smaller than s's) into v[5]
 * (x, y, xy, xx, yy); false when they do not fit. */
static bool cov_rescale(const struct s_cov *s, unsigned ax, unsigned ay, i128 v[5])
{
	unsigned dx = ax - s->ax, dy = ay - s->ay;

	return !__builtin_mul_overflow(s->sx, p10i_tab[dx], &v[0]) &&
	    !__builtin_mul_overflow(s->sy, p10i_tab[dy], &v[1]) &&
	    dx + dy <= 38 && !__builtin_mul_overflow(s->sxy, p10i_tab[dx + dy], &v[2]) &&
	    !__builtin_mul_overflow(s->sxx, p10i_tab[2 * dx], &v[3]) &&
	    !__builtin_mul_overflow(s->syy, p10i_tab[2 * dy], &v[4]);
}

static void cov_to_chan(struct s_cov *s)
{
	long double n = (long double)s->n, m;
	i128 nn = (i128)s->n;

	if (s->chan)
		return;
	s->chan = 1;
	s->ds = s->dc = 0;
	if (s->n == 0) {
		s->mx = s->my = s->cxy = s->m2x = s->m2y = 0;
		return;
	}
	s->mx = (long double)s->sx / p10l(s->ax) / n;
	s->my = (long double)s->sy / p10l(s->ay) / n;
	s->ds = (long double)s->sxy / p10l(s->ax + s->ay);
	/* each M2 is (n * sum of squares - sum^2) / n: exactly where it fits */
	s->cxy = exact_nm2(nn, s->sx, s->sy, s->sxy, s->ax + s->ay, &m) ? m / n :
	    s->ds - (long double)s->sx / p10l(s->ax) * ((long double)s->sy / p10l(s->ay)) / n;
	s->m2x = exact_nm2(nn, s->sx, s->sx, s->sxx, 2u * s->ax, &m) ? m / n :
	    ((long double)s->sxx - (long double)s->sx * (long double)s->sx / n) / p10l(2u * s->ax);
	s->m2y = exact_nm2(nn, s->sy, s->sy, s->syy, 2u * s->ay, &m) ? m / n :
	    ((long double)s->syy - (long double)s->sy * (long double)s->sy / n) / p10l(2u * s->ay);
}

/* Exact sums v (x, y, xy, x^2, y^2 at scales ax, ay) of n more pairs. */
static void cov_store(struct s_cov *s, const i128 v[5], unsigned ax, unsigned ay, uint64_t n)
{
	s->sx = v[0];
	s->sy = v[1];
	s->sxy = v[2];
	s->sxx = v[3];
	s->syy = v[4];
	s->ax = (uint8_t)ax;
	s->ay = (uint8_t)ay;
	s->n += n;
}

/* Add the pair exactly: false (and s unchanged) where it does not fit. */
static bool cov_exact(struct s_cov *s, const struct num *x, const struct num *y)
{
	unsigned ax, ay;
	i128 v[5], tx, ty, t;

	if (s->chan || x->scale == NOSCALE || y->scale == NOSCALE)
		return false;
	ax = s->ax > x->scale ? s->ax : x->scale;
	ay = s->ay > y->scale ? s->ay : y->scale;
	if (!cov_rescale(s, ax, ay, v))
		return false;
	tx = (i128)x->mant * p10i_tab[ax - x->scale];
	ty = (i128)y->mant * p10i_tab[ay - y->scale];
	if (x->neg)
		tx = -tx;
	if (y->neg)
		ty = -ty;
	if (__builtin_add_overflow(v[0], tx, &v[0]) || __builtin_add_overflow(v[1], ty, &v[1]) ||
	    __builtin_mul_overflow(tx, ty, &t) || __builtin_add_overflow(v[2], t, &v[2]) ||
	    __builtin_mul_overflow(tx, tx, &t) || __builtin_add_overflow(v[3], t, &v[3]) ||
	    __builtin_mul_overflow(ty, ty, &t) || __builtin_add_overflow(v[4], t, &v[4]))
		return false;
	cov_store(s, v, ax, ay, 1);
	return true;
}

void cov_add(struct s_cov *s, struct num *x, struct num *y)
{
	long double a, b, dx, dy, n;

	if (cov_exact(s, x, y))
		return;
	cov_to_chan(s);
	a = num_ld(x);
	b = num_ld(y);
	s->n++;
	n = (long double)s->n;
	dx = a - s->mx;
	dy = b - s->my;
	s->mx += dx / n;
	s->my += dy / n;
	s->cxy += dx * (b - s->my);
	s->m2x += dx * (a - s->mx);
	s->m2y += dy * (b - s->my);
	nadd(&s->ds, &s->dc, a * b);
}

void cov_merge(struct s_cov *d, const struct s_cov *s)
{
	struct s_cov b = *s;
	long double n, na, nb, dx, dy;

	if (b.n == 0)
		return;
	if (d->n == 0) {
		*d = b;
		return;
	}
	if (!d->chan && !b.chan) {
		unsigned ax = d->ax > b.ax ? d->ax : b.ax, ay = d->ay > b.ay ? d->ay : b.ay;
		i128 u[5], v[5];
		bool ok = cov_rescale(d, ax, ay, u) && cov_rescale(&b, ax, ay, v);

		for (int k = 0; k < 5 && ok; k++)
			ok = !__builtin_add_overflow(u[k], v[k], &u[k]);
		if (ok) {
			cov_store(d, u, ax, ay, b.n);
			return;
		}
	}
	cov_to_chan(d);
	cov_to_chan(&b);
	/* Chan, Golub and LeVeque, for the co-moment as for each M2 */
	na = (long double)d->n;
	nb = (long double)b.n;
	n = na + nb;
	dx = b.mx - d->mx;
	dy = b.my - d->my;
	d->mx += dx * nb / n;
	d->my += dy * nb / n;
	d->cxy += b.cxy + dx * dy * na * nb / n;
	d->m2x += b.m2x + dx * dx * na * nb / n;
	d->m2y += b.m2y + dy * dy * na * nb / n;
	nadd(&d->ds, &d->dc, b.ds);
	nadd(&d->ds, &d->dc, b.dc);
	d->n += b.n;
}

/* The co-moment and the two M2s, each times n (exact mode) or as they
 * are (Chan mode, *scale 1): so that the results divide once. */
static void cov_moments(const struct s_cov *s, long double *c, long double *vx, long double *vy,
    long double *per)
{
	struct s_cov t;
	i128 nn = (i128)s->n;

	if (!s->chan && exact_nm2(nn, s->sx, s->sy, s->sxy, s->ax + s->ay, c) &&
	    exact_nm2(nn, s->sx, s->sx, s->sxx, 2u * s->ax, vx) &&
	    exact_nm2(nn, s->sy, s->sy, s->syy, 2u * s->ay, vy)) {
		*per = (long double)s->n;
		return;
	}
	t = *s;
	cov_to_chan(&t);
	*c = t.cxy;
	*vx = t.m2x < 0 ? 0 : t.m2x;
	*vy = t.m2y < 0 ? 0 : t.m2y;
	*per = 1;
}

long double cov_value(const struct s_cov *s, int k)
{
	unsigned df = k == AGG_SCOV || k == AGG_SPEARSON;
	long double c, vx, vy, per, n = (long double)s->n;

	if (k == AGG_DOTPROD) {
		if (!s->chan)
			return (long double)s->sxy / p10l(s->ax + s->ay);
		return isfinite(s->ds) ? s->ds + s->dc : s->ds;
	}
	/* datamash: NaN for no values and where n - df is 0 */
	if (s->n == 0 || s->n <= df)
		return NAN;
	cov_moments(s, &c, &vx, &vy, &per);
	c = c / per / (n - df);
	if (k == AGG_PCOV || k == AGG_SCOV)
		return c;
	/* as datamash: cov / (sdx * sdy), so that 0/0 is its NaN */
	return c / (ld_sqrt(vx / per / (n - df)) * ld_sqrt(vy / per / (n - df)));
}
