/* agg.c - grouping and aggregation for group, uniq and top (see agg.h
 * for the key encoding, the number rules and the partial format). */
#include "autoconfig.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "csv.h"
#include "fields.h"
#include "keytab.h"
#include "runs.h"
#include "util.h"

typedef __int128 i128;
typedef unsigned __int128 u128;

#define ALIGN16(x) (((x) + 15) & ~(size_t)15)
#define PIECE (1u << 20)		/* output and spill writes */
#define ERRVAL_MAX 64			/* bytes of a bad value kept for the message */
#define NOSCALE 255u			/* agg_parse_number: not a plain decimal */
#define PLAIN_MAX 4096			/* split_plain: fields room made for */
#define KEYS_MAX 1024			/* key fields of a group */
#define RUNS_MAX 64			/* spilled runs before they are merged into one */
#define RUN_MIN 4096			/* sorted entries a merged partial keeps as a run */
#define TABLE_BIG (32u << 20)		/* table bytes beyond which partials become runs */
/* The significant bytes of a long double in partials and runs. */
#define LD_BYTES (LDBL_MANT_DIG == 64 ? 10 : (int)sizeof(long double))

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

static const struct {
	const char *name;
	const char *alias;	/* datamash's name */
	enum agg_kind kind;
	bool field;		/* needs :F */
	size_t size;
} op_table[] = {
	{ "count", NULL, AGG_COUNT, false, 0 },
	{ "sum", NULL, AGG_SUM, true, sizeof(struct s_sum) },
	{ "min", NULL, AGG_MIN, true, sizeof(struct s_mm) },
	{ "max", NULL, AGG_MAX, true, sizeof(struct s_mm) },
	{ "mean", NULL, AGG_MEAN, true, sizeof(struct s_sum) },
	{ "stdev", "sstdev", AGG_STDEV, true, sizeof(struct s_var) },
	{ "distinct", "countunique", AGG_DISTINCT, true, sizeof(struct s_dist) },
	{ "first", NULL, AGG_FIRST, true, sizeof(struct s_pos) },
	{ "last", NULL, AGG_LAST, true, sizeof(struct s_pos) },
};

static bool kind_numeric(enum agg_kind k)
{
	return k == AGG_SUM || k == AGG_MIN || k == AGG_MAX || k == AGG_MEAN || k == AGG_STDEV;
}

/* ---- powers of ten ---------------------------------------------------- */

static u128 p10q(unsigned k)	/* k <= 38 */
{
	u128 r = 1;

	while (k-- > 0)
		r *= 10;
	return r;
}

static long double p10l_tab[40];
static i128 p10i_tab[39];
static bool p10_ready;

static void p10_init(void)
{
	if (p10_ready)
		return;
	for (unsigned k = 0; k < 39; k++) {
		p10i_tab[k] = (i128)p10q(k);
		p10l_tab[k] = (long double)p10q(k);	/* rounded once */
	}
	p10l_tab[39] = p10l_tab[38] * 10;
	p10_ready = true;
}

/* k <= 39: scales are at most 18, squares' scales at most 36. */
static inline long double p10l(unsigned k)
{
	return p10l_tab[k < 40 ? k : 39];
}

/* sqrtl without libm (the program links none): the x87 instruction, or
 * Newton's method elsewhere. */
static long double ld_sqrt(long double x)
{
#if defined(__x86_64__) || defined(__i386__)
	long double r;

	__asm__("fsqrt" : "=t"(r) : "0"(x));
	return r;
#else
	long double s = 1, r;

	if (isnan(x) || x < 0)
		return NAN;
	if (x == 0 || isinf(x))
		return x;
	while (x >= 4) {
		x /= 4;
		s *= 2;
	}
	while (x < 1) {
		x *= 4;
		s /= 2;
	}
	r = (1 + x) / 2;
	for (int i = 0; i < 8; i++)
		r = (r + x / r) / 2;
	return r * s;
#endif
}

/* ---- numbers ----------------------------------------------------------- */

bool agg_parse_number(const char *p, size_t len, uint64_t *mant, unsigned *scale, bool *neg,
    long double *v)
{
	size_t i = 0;
	uint64_t u = 0;
	unsigned digits = 0, frac = 0;
	bool point = false, ng = false;

	if (len > 0 && (p[0] == '-' || p[0] == '+')) {
		ng = p[0] == '-';
		i = 1;
	}
	for (; i < len; i++) {
		unsigned c = (unsigned)(unsigned char)p[i] - '0';

		if (c < 10) {
			u = u * 10 + c;
			digits++;
			frac += point;
		} else if (p[i] == '.' && !point) {
			point = true;
		} else {
			break;
		}
	}
	if (digits == 0 || digits > 18)
		goto slow;
	if (i < len) {
		/* An exponent: exact while the result has at most 18 decimal
		 * places and fits 64 bits. */
		int e = 0, esign = 1;
		size_t k = i + 1, d0;

		if (p[i] != 'e' && p[i] != 'E')
			goto slow;
		if (k < len && (p[k] == '-' || p[k] == '+'))
			esign = p[k++] == '-' ? -1 : 1;
		for (d0 = k; k < len && p[k] >= '0' && p[k] <= '9' && k - d0 < 4; k++)
			e = e * 10 + (p[k] - '0');
		if (k == d0 || k != len)
			goto slow;
		e = (int)frac - esign * e;	/* the decimal places */
		if (e > 18)
			goto slow;
		for (; e < 0; e++) {
			if (u > UINT64_MAX / 10)
				goto slow;
			u *= 10;
		}
		frac = (unsigned)e;
	}
	*mant = u;
	*scale = frac;
	*neg = ng;
	return true;
slow:;
	/* strtold wants a terminated string: copy (a NUL inside the value
	 * then ends it early, and the value is rejected). */
	char small[128], *c = len < sizeof small ? small : xmalloc(len + 1), *end;
	bool ok;

	memcpy(c, p, len);
	c[len] = '\0';
	*v = strtold(c, &end);
	ok = end != c && end == c + len;
	if (c != small)
		free(c);
	*scale = NOSCALE;
	return ok;
}

/* A parsed value. */
struct num {
	uint64_t mant;
	unsigned scale;		/* NOSCALE: v only */
	bool neg;
	bool have_v;
	long double v;
};

static inline long double num_ld(struct num *n)
{
	if (!n->have_v) {
		long double x = n->scale == 0 ? (long double)n->mant : (long double)n->mant / p10l(n->scale);

		n->v = n->neg ? -x : x;
		n->have_v = true;
	}
	return n->v;
}

/* ---- formatting --------------------------------------------------------- */

void agg_put_u64(struct buf *out, uint64_t v)
{
	char tmp[24];
	int i = sizeof tmp;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	buf_append(out, tmp + i, sizeof tmp - (size_t)i);
}

void agg_put_ld(struct buf *out, long double v)
{
	char tmp[64];
	int n = snprintf(tmp, sizeof tmp, "%.14Lg", v);

	buf_append(out, tmp, (size_t)n);
}

/* ---- sums ------------------------------------------------------------- */

/* A sum to compute with; s_sum is how a group stores it. */
struct sumv {
	i128 ex;
	unsigned scale;
	bool hasf;
	long double fs, fc;
};

static void nadd(long double *s, long double *c, long double x)
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

static void sumv_num(struct sumv *s, struct num *n)
{
	if (n->scale != NOSCALE)
		sumv_exact(s, n->neg ? -(i128)n->mant : (i128)n->mant, n->scale);
	else
		sumv_float(s, n->v);
}

static long double sumv_total(const struct sumv *s)
{
	long double e = (long double)s->ex / p10l(s->scale), fs, fc;

	if (!s->hasf)
		return e;
	fs = s->fs;
	fc = s->fc;
	nadd(&fs, &fc, e);
	return isfinite(fs) ? fs + fc : fs;
}

static void sumv_merge(struct sumv *d, const struct sumv *s)
{
	sumv_exact(d, s->ex, s->scale);
	if (s->hasf) {
		sumv_float(d, s->fs);
		sumv_float(d, s->fc);
	}
}

static void sum_load(const struct keytab *kt, const struct s_sum *x, struct sumv *v)
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
static void sum_store(struct keytab *kt, uint64_t soff, const struct sumv *v)
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

/* Add a value to the sum at arena offset soff: in place while it is
 * exact and fits, else through a sumv. */
static inline void sum_add(struct keytab *kt, uint64_t soff, struct num *n)
{
	struct s_sum *x = (struct s_sum *)(kt->arena + soff);
	struct sumv v;

	if (n->scale != NOSCALE && n->scale <= x->scale) {
		i128 t = (i128)n->mant * p10i_tab[x->scale - n->scale];	/* < 10^38 */

		if (!__builtin_add_overflow(x->ex, n->neg ? -t : t, &t)) {
			x->ex = t;
			return;
		}
	}
	sum_load(kt, x, &v);
	sumv_num(&v, n);
	sum_store(kt, soff, &v);
}

/* ---- min and max ---------------------------------------------------------- */

static inline bool pos_less(uint64_t s1, uint64_t i1, uint64_t s2, uint64_t i2)
{
	return s1 < s2 || (s1 == s2 && i1 < i2);
}

/* Value x at position (seq, idx); nan: x is the first value and NaN (1,
 * or 2 for -NaN) when it was seen as such. */
static void mm_add(struct s_mm *s, bool max, long double x, uint64_t seq, uint64_t idx)
{
	if (!s->any || pos_less(seq, idx, s->fseq, s->fidx)) {
		s->fseq = seq;
		s->fidx = idx;
		s->fnan = isnan(x) ? (signbit(x) ? 2 : 1) : 0;
		s->any = 1;
	}
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

static long double mm_value(const struct s_mm *s)
{
	if (s->fnan)
		return s->fnan == 2 ? -NAN : NAN;
	return s->has ? s->v : NAN;
}

static void mm_merge(struct s_mm *d, bool max, const struct s_mm *s)
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

static void var_to_chan(struct s_var *s)
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
static bool var_rescale(const struct s_var *s, unsigned scale, i128 *s1, i128 *s2)
{
	unsigned d = scale - s->scale;

	return !__builtin_mul_overflow(s->s1, p10i_tab[d], s1) &&
	    !__builtin_mul_overflow(s->s2, p10i_tab[2 * d], s2);
}

static void welford(struct s_var *s, long double x)
{
	long double d = x - s->mean;

	s->n++;
	s->mean += d / (long double)s->n;
	s->m2 += d * (x - s->mean);
}

static void var_num(struct s_var *s, struct num *n)
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

static void var_merge(struct s_var *d, const struct s_var *s)
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

static long double var_stdev(const struct s_var *s)
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

/* ---- the spec -------------------------------------------------------------- */

static void spec_error(char **err, const char *stage, char *why)
{
	*err = xasprintf("%s: %s", stage, why);
	free(why);
}

int agg_spec_keys(struct agg_spec *s, const char *stage, const char *keys, bool whole, char **err)
{
	s->stage = stage;
	p10_init();
	if (keys == NULL) {
		s->whole = whole;
		return 0;
	}
	if (fieldlist_parse(keys, &s->keylist, err) < 0) {
		char *why = *err;

		*err = xasprintf("%s: -k: %s", stage, why);
		free(why);
		return -1;
	}
	for (size_t i = 0; i < s->keylist.n; i++) {
		if (s->keylist.v[i].name == NULL && s->keylist.v[i].hi == SIZE_MAX) {
			*err = xasprintf("%s: -k: open range '%zu-': key fields must be listed "
			    "(numbers, closed ranges, header names)", stage, s->keylist.v[i].lo);
			return -1;
		}
	}
	return 0;
}

static bool parse_field(const char *p, size_t *out)
{
	size_t v = 0;

	if (*p == '\0' || strlen(p) > 15)
		return false;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (size_t)(*p - '0');
	}
	*out = v;
	return true;
}

int agg_spec_op(struct agg_spec *s, const char *text, char **err)
{
	const char *colon = strchr(text, ':');
	size_t nlen = colon ? (size_t)(colon - text) : strlen(text);
	struct agg_op op = { 0 };
	size_t k;

	for (k = 0; k < sizeof op_table / sizeof op_table[0]; k++) {
		if ((strlen(op_table[k].name) == nlen && memcmp(op_table[k].name, text, nlen) == 0) ||
		    (op_table[k].alias != NULL && strlen(op_table[k].alias) == nlen &&
		    memcmp(op_table[k].alias, text, nlen) == 0))
			break;
	}
	if (k == sizeof op_table / sizeof op_table[0]) {
		*err = xasprintf("%s: unknown op '%s' (ops: count, sum:F, min:F, max:F, mean:F, "
		    "stdev:F, distinct:F, first:F, last:F)", s->stage, text);
		return -1;
	}
	op.kind = op_table[k].kind;
	op.numslot = -1;
	if (colon == NULL && op_table[k].field) {
		*err = xasprintf("%s: op '%s' needs a field: %s:F, F a number from 1 or a header name",
		    s->stage, text, op_table[k].name);
		return -1;
	}
	if (colon != NULL) {
		const char *f = colon + 1;

		if (*f == '\0') {
			*err = xasprintf("%s: op '%s': missing field after ':'", s->stage, text);
			return -1;
		}
		if (parse_field(f, &op.field)) {
			if (op.field == 0) {
				*err = xasprintf("%s: op '%s': bad field '0' (fields are numbered from 1)",
				    s->stage, text);
				return -1;
			}
		} else {
			op.name = xstrdup(f);
		}
	}
	op.text = xstrdup(text);
	s->ops = xreallocarray(s->ops, s->nops + 1, sizeof *s->ops);
	s->ops[s->nops++] = op;
	return 0;
}

int agg_spec_bind(struct agg_spec *s, const struct header *h, char **err)
{
	size_t off = 0;

	p10_init();
	if (fieldlist_bind(&s->keylist, h, err) < 0) {
		spec_error(err, s->stage, *err);
		return -1;
	}
	free(s->keys);
	s->keys = NULL;
	s->nkeys = 0;
	s->maxfield = 0;
	for (size_t i = 0; i < s->keylist.n; i++) {
		if (s->keylist.v[i].hi - s->keylist.v[i].lo >= KEYS_MAX - s->nkeys) {
			*err = xasprintf("%s: -k: more than %d key fields", s->stage, KEYS_MAX);
			return -1;
		}
		for (size_t f = s->keylist.v[i].lo; f <= s->keylist.v[i].hi; f++) {
			s->keys = xreallocarray(s->keys, s->nkeys + 1, sizeof *s->keys);
			s->keys[s->nkeys++] = f - 1;
			if (f > s->maxfield)
				s->maxfield = f;
		}
	}
	s->nnum = 0;
	for (size_t i = 0; i < s->nops; i++) {
		struct agg_op *op = &s->ops[i];

		if (op->name != NULL) {
			if (h == NULL) {
				*err = xasprintf("%s: op '%s': field names need a header (--header)",
				    s->stage, op->text);
				return -1;
			}
			op->field = header_index(h, op->name);
			if (op->field == 0) {
				*err = xasprintf("%s: op '%s': no field '%s' in the header", s->stage,
				    op->text, op->name);
				return -1;
			}
			free(op->name);
			op->name = NULL;
		}
		if (op->kind != AGG_COUNT && op->field > s->maxfield)
			s->maxfield = op->field;
		for (size_t k = 0; k < sizeof op_table / sizeof op_table[0]; k++)
			if (op_table[k].kind == op->kind) {
				op->off = off;
				off += ALIGN16(op_table[k].size);
			}
		op->numslot = -1;
		if (kind_numeric(op->kind)) {
			for (size_t j = 0; j < i; j++)
				if (s->ops[j].numslot >= 0 && s->ops[j].field == op->field)
					op->numslot = s->ops[j].numslot;
			if (op->numslot < 0)
				op->numslot = s->nnum++;
		}
	}
	s->statesize = off;
	return 0;
}

void agg_spec_free(struct agg_spec *s)
{
	fieldlist_free(&s->keylist);
	free(s->keys);
	for (size_t i = 0; i < s->nops; i++) {
		free(s->ops[i].text);
		free(s->ops[i].name);
	}
	free(s->ops);
	memset(s, 0, sizeof *s);
}

/* ---- the partial ------------------------------------------------------------- */

struct pair {
	uint64_t seq, nrec;
};

enum { ERR_NUMBER = 1, ERR_MISSING, ERR_CSV };

struct agg_part {
	const struct agg_spec *spec;
	const struct format *fmt;
	char term;
	uint64_t memory;	/* 0: no limit */
	const char *tmpdir;

	struct keytab kt;	/* groups */
	struct keytab vals;	/* distinct values: owner (8 bytes) + value */

	/* input positions: records folded per chunk */
	struct pair *pairs;
	size_t npairs;
	uint64_t cur_seq, cur_n;
	bool cur_any;

	/* the first error */
	int code;		/* 0, EXIT_DATAERR, EXIT_IOERR */
	uint64_t eseq, eidx;
	unsigned ewhat;
	uint64_t efield, eop, enf;
	struct buf eval;	/* the value, or the I/O message */
	bool stop;		/* nothing more to fold */

	/* spilled runs, all in one file */
	struct spillfile sf;
	struct { uint64_t off, len; } *runs;
	size_t nruns;
	size_t nmerged;		/* the first runs: each made by compact() */

	/* scratch */
	struct fieldvec fv;
	struct buf kbuf, vkey, ebuf;
	struct num *nums;
	uint64_t numhave;
	bool reuse;		/* tables from and to the cache */
	const uint64_t *seq_base;	/* the stage's: added to the chunk numbers
					 * of partials merged in (partial files) */
	bool from_files;	/* the stage's: an error report merged in is damage */
};

/*
 * A worker makes a partial per chunk: the last one's tables are kept for
 * the next, so their memory is not faulted in and grown again for every
 * chunk (a page fault on fresh memory costs more than the work here).
 */
static struct keytab cache_kt, cache_vals;
static bool cached;

static struct agg_part *part_new(const struct agg_spec *s, const struct stage *st, bool reuse)
{
	struct agg_part *p = xcalloc(1, sizeof *p);

	p10_init();
	p->spec = s;
	p->fmt = st->fmt;
	p->term = st->term;
	p->memory = st->memory;
	p->tmpdir = spill_dir(st->tmpdir);
	p->seq_base = &st->seq_base;
	p->from_files = st->from_files;
	p->reuse = reuse;
	if (reuse && cached && cache_kt.statesize == ALIGN16(s->statesize)) {
		p->kt = cache_kt;
		p->vals = cache_vals;
		cached = false;
	} else {
		keytab_init(&p->kt, s->statesize);
		keytab_init(&p->vals, sizeof(struct s_vnode));
	}
	spillfile_init(&p->sf, s->stage, p->tmpdir);
	p->nums = xcalloc((size_t)s->nnum + 1, sizeof *p->nums);
	if (s->maxfield > 0 && s->maxfield <= PLAIN_MAX) {
		p->fv.cap = s->maxfield;
		p->fv.v = xreallocarray(NULL, p->fv.cap, sizeof *p->fv.v);
	}
	return p;
}

struct agg_part *agg_part_new(const struct agg_spec *s, const struct stage *st)
{
	return part_new(s, st, true);
}

void agg_part_free(void *part)
{
	struct agg_part *p = part;

	if (p == NULL)
		return;
	if (p->reuse && !cached &&
	    (p->memory == 0 || keytab_bytes(&p->kt) + keytab_bytes(&p->vals) <= p->memory)) {
		keytab_clear(&p->kt);
		keytab_clear(&p->vals);
		cache_kt = p->kt;
		cache_vals = p->vals;
		cached = true;
	} else {
		keytab_free(&p->kt);
		keytab_free(&p->vals);
	}
	free(p->pairs);
	buf_free(&p->eval);
	spillfile_close(&p->sf);
	free(p->runs);
	fieldvec_free(&p->fv);
	buf_free(&p->kbuf);
	buf_free(&p->vkey);
	buf_free(&p->ebuf);
	free(p->nums);
	free(p);
}

static size_t part_bytes(const struct agg_part *p)
{
	/* the table, the array sorting it would take, the value sets */
	return keytab_bytes(&p->kt) + p->kt.n * 16 + keytab_bytes(&p->vals);
}

static void io_error(struct agg_part *p, char *msg)
{
	if (p->code != EXIT_IOERR) {
		p->code = EXIT_IOERR;
		p->eval.len = 0;
		buf_append(&p->eval, msg, strlen(msg));
	}
	free(msg);
	p->stop = true;
}

/* A data error at the current position: kept if it is the first. */
static void data_error(struct agg_part *p, unsigned what, size_t op, size_t field, size_t nf,
    const char *val, size_t len)
{
	if (p->code == 0) {
		p->code = EXIT_DATAERR;
		p->eseq = p->cur_seq;
		p->eidx = p->cur_n - 1;
		p->ewhat = what;
		p->eop = op;
		p->efield = field;
		p->enf = nf;
		p->eval.len = 0;
		buf_append(&p->eval, val, len < ERRVAL_MAX ? len : ERRVAL_MAX + 1);
	}
	p->stop = true;
}

/* ---- encoding ---------------------------------------------------------------- */

static void put_varint(struct buf *b, uint64_t v)
{
	unsigned char t[10];
	size_t n = 0;

	while (v >= 0x80) {
		t[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	t[n++] = (unsigned char)v;
	buf_append(b, t, n);
}

static void put_zz(struct buf *b, i128 x)
{
	u128 u = ((u128)x << 1) ^ (u128)(x >> 127);
	unsigned char t[20];
	size_t n = 0;

	while (u >= 0x80) {
		t[n++] = (unsigned char)(u | 0x80);
		u >>= 7;
	}
	t[n++] = (unsigned char)u;
	buf_append(b, t, n);
}

static void put_ld(struct buf *b, long double v)
{
	buf_append(b, &v, LD_BYTES);
}

struct rd {
	const unsigned char *p, *end;
	bool bad;
};

static uint64_t get_varint(struct rd *r)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end) {
			r->bad = true;
			return 0;
		}
		unsigned char c = *r->p++;

		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static i128 get_zz(struct rd *r)
{
	u128 u = 0;

	for (int shift = 0; shift < 128; shift += 7) {
		if (r->p >= r->end) {
			r->bad = true;
			return 0;
		}
		unsigned char c = *r->p++;

		u |= (u128)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return (i128)(u >> 1) ^ -(i128)(u & 1);
	}
	r->bad = true;
	return 0;
}

static unsigned get_u8(struct rd *r)
{
	if (r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

static const char *get_bytes(struct rd *r, size_t n)
{
	const char *q = (const char *)r->p;

	if ((size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	return q;
}

static long double get_ld(struct rd *r)
{
	long double v = 0;
	const char *q = get_bytes(r, LD_BYTES);

	if (q != NULL)
		memcpy(&v, q, LD_BYTES);
	return v;
}

static void encode_entry(struct agg_part *p, uint64_t off, struct buf *out)
{
	const struct agg_spec *s = p->spec;
	struct buf *e = &p->ebuf;
	const char *state = keytab_state(&p->kt, off), *key;
	size_t klen;

	e->len = 0;
	key = keytab_key(&p->kt, off, &klen);
	put_varint(e, klen);
	buf_append(e, key, klen);
	put_varint(e, *keytab_aux(&p->kt, off));
	for (size_t i = 0; i < s->nops; i++) {
		const void *o = state + s->ops[i].off;

		switch (s->ops[i].kind) {
		case AGG_COUNT:
			break;
		case AGG_SUM:
		case AGG_MEAN: {
			struct sumv v;

			sum_load(&p->kt, o, &v);
			buf_putc(e, (char)v.scale);
			put_zz(e, v.ex);
			buf_putc(e, (char)v.hasf);
			if (v.hasf) {
				put_ld(e, v.fs);
				put_ld(e, v.fc);
			}
			break;
		}
		case AGG_MIN:
		case AGG_MAX: {
			const struct s_mm *x = o;

			buf_putc(e, (char)(x->has | x->any << 1 | x->fnan << 2));
			if (x->has) {
				put_ld(e, x->v);
				put_varint(e, x->seq);
				put_varint(e, x->idx);
			}
			if (x->any) {
				put_varint(e, x->fseq);
				put_varint(e, x->fidx);
			}
			break;
		}
		case AGG_STDEV: {
			const struct s_var *x = o;

			put_varint(e, x->n);
			buf_putc(e, (char)x->chan);
			if (!x->chan) {
				buf_putc(e, (char)x->scale);
				put_zz(e, x->s1);
				put_zz(e, x->s2);
			} else {
				put_ld(e, x->mean);
				put_ld(e, x->m2);
			}
			break;
		}
		case AGG_DISTINCT: {
			const struct s_dist *x = o;

			put_varint(e, x->n);
			for (uint64_t v = x->head; v != 0;) {
				const struct s_vnode *vn = keytab_state(&p->vals, v);
				size_t vlen;
				const char *vk = keytab_key(&p->vals, v, &vlen);

				put_varint(e, vlen - 8);
				buf_append(e, vk + 8, vlen - 8);
				v = vn->next;
			}
			break;
		}
		case AGG_FIRST:
		case AGG_LAST: {
			const struct s_pos *x = o;

			buf_putc(e, (char)x->has);
			if (x->has) {
				put_varint(e, x->seq);
				put_varint(e, x->idx);
				put_varint(e, x->len);
				buf_append(e, keytab_blob(&p->kt, x->blob), x->len);
			}
			break;
		}
		}
	}
	put_varint(out, e->len);
	buf_append(out, e->data, e->len);
}

/* ---- folding records -------------------------------------------------------- */

/* Add value v to distinct op i of entry off. */
static void dist_add(struct agg_part *p, uint64_t off, size_t i, const char *v, size_t len)
{
	uint64_t owner = off | (uint64_t)i << 56, voff, h;
	bool added;
	struct s_dist *d;

	p->vkey.len = 0;
	buf_append(&p->vkey, &owner, 8);
	buf_append(&p->vkey, v, len);
	h = keytab_hash(p->vkey.data, p->vkey.len);
	voff = keytab_put(&p->vals, p->vkey.data, p->vkey.len, h, &added);
	if (!added)
		return;
	d = (struct s_dist *)((char *)keytab_state(&p->kt, off) + p->spec->ops[i].off);
	((struct s_vnode *)keytab_state(&p->vals, voff))->next = d->head;
	d->head = voff;
	d->n++;
}

/* Set first/last op i of entry off to v at position (seq, idx). */
static void pos_set(struct agg_part *p, uint64_t off, size_t i, uint64_t seq, uint64_t idx,
    const char *v, size_t len)
{
	size_t so = p->spec->ops[i].off;
	struct s_pos *x = (struct s_pos *)((char *)keytab_state(&p->kt, off) + so);

	if (len > x->cap) {
		uint64_t blob = keytab_alloc(&p->kt, len);

		x = (struct s_pos *)((char *)keytab_state(&p->kt, off) + so);
		x->blob = blob;
		x->cap = (uint32_t)ALIGN16(len);
	}
	if (len > 0)
		memcpy(keytab_blob(&p->kt, x->blob), v, len);
	x->len = (uint32_t)len;
	x->seq = seq;
	x->idx = idx;
	x->has = 1;
}

/* The key of a record already split into p->fv. */
static void composite_key(struct agg_part *p)
{
	const struct agg_spec *s = p->spec;

	p->kbuf.len = 0;
	for (size_t i = 0; i < s->nkeys; i++) {
		const struct field *f = s->keys[i] < p->fv.n ? &p->fv.v[s->keys[i]] : NULL;

		if (i > 0)
			buf_append(&p->kbuf, "\0\0", 2);
		if (f == NULL)
			continue;
		if (memchr(f->p, 0, f->len) == NULL) {
			buf_append(&p->kbuf, f->p, f->len);
			continue;
		}
		for (size_t k = 0; k < f->len; k++) {
			buf_putc(&p->kbuf, f->p[k]);
			if (f->p[k] == '\0')
				buf_putc(&p->kbuf, '\1');
		}
	}
}

static void spill(struct agg_part *p);
static void compact(struct agg_part *p);

/* Blank-separated and delimited records split as fields_split_upto
 * splits them, inline: the fold's hottest loop.  p->fv has room for
 * maxfield fields (agg_part_new). */
static inline void split_plain(struct agg_part *p, const char *rec, size_t len)
{
	struct field *v = p->fv.v;
	size_t max = p->spec->maxfield, n = 0, i = 0;

	if (p->fmt->kind == FORMAT_BLANKS) {
		while (n < max) {
			size_t start;

			while (i < len && (rec[i] == ' ' || rec[i] == '\t'))
				i++;
			if (i == len)
				break;
			start = i;
			while (i < len && rec[i] != ' ' && rec[i] != '\t')
				i++;
			v[n].p = rec + start;
			v[n++].len = i - start;
		}
	} else {
		const char *q = rec, *end = rec + len;
		char d = p->fmt->delim;

		while (n < max) {
			const char *e = memchr(q, d, (size_t)(end - q));

			if (e == NULL) {
				v[n].p = q;
				v[n++].len = (size_t)(end - q);
				break;
			}
			v[n].p = q;
			v[n++].len = (size_t)(e - q);
			q = e + 1;
		}
	}
	p->fv.n = n;
}

static void fold_record(struct agg_part *p, const char *rec, size_t len)
{
	const struct agg_spec *s = p->spec;
	const char *key;
	size_t klen;
	uint64_t off, idx = p->cur_n++, h;
	bool added;
	char *state;

	if (s->maxfield > 0 && s->maxfield <= PLAIN_MAX && p->fmt->kind != FORMAT_CSV) {
		split_plain(p, rec, len);
	} else if (s->maxfield > 0) {
		const char *why = NULL;

		if (fields_split_upto(p->fmt, rec, len, s->maxfield, &p->fv, &why) < 0) {
			data_error(p, ERR_CSV, 0, 0, 0, why, strlen(why));
			return;
		}
	} else {
		p->fv.n = 0;
	}
	if (s->whole) {
		key = rec;
		klen = len;
	} else if (s->nkeys == 0) {
		key = "";
		klen = 0;
	} else if (s->nkeys == 1) {
		if (s->keys[0] < p->fv.n) {
			key = p->fv.v[s->keys[0]].p;
			klen = p->fv.v[s->keys[0]].len;
		} else {
			key = "";
			klen = 0;
		}
	} else {
		composite_key(p);
		key = p->kbuf.data;
		klen = p->kbuf.len;
	}
	h = keytab_hash(key, klen);
	off = keytab_get(&p->kt, key, klen, h);
	if (off == 0)
		off = keytab_put(&p->kt, key, klen, h, &added);
	state = keytab_state(&p->kt, off);
	(*keytab_aux(&p->kt, off))++;
	p->numhave = 0;
	for (size_t i = 0; i < s->nops; i++) {
		const struct agg_op *op = &s->ops[i];
		const struct field *f = op->field - 1 < p->fv.n ? &p->fv.v[op->field - 1] : NULL;
		void *o = state + op->off;
		struct num *n = NULL;

		if (op->kind == AGG_COUNT)
			continue;
		if (op->numslot >= 0) {
			n = &p->nums[op->numslot];
			if (op->numslot >= 64 || !(p->numhave & (1ULL << op->numslot))) {
				if (f == NULL) {
					data_error(p, ERR_MISSING, i, op->field, p->fv.n, "", 0);
					return;
				}
				n->have_v = false;
				if (!agg_parse_number(f->p, f->len, &n->mant, &n->scale, &n->neg, &n->v)) {
					data_error(p, ERR_NUMBER, i, op->field, p->fv.n, f->p, f->len);
					return;
				}
				if (n->scale == NOSCALE)
					n->have_v = true;
				if (op->numslot < 64)
					p->numhave |= 1ULL << op->numslot;
			}
		}
		switch (op->kind) {
		case AGG_COUNT:
			break;
		case AGG_SUM:
		case AGG_MEAN:
			sum_add(&p->kt, (uint64_t)((char *)o - p->kt.arena), n);
			break;
		case AGG_MIN:
		case AGG_MAX:
			mm_add(o, op->kind == AGG_MAX, num_ld(n), p->cur_seq, idx);
			break;
		case AGG_STDEV:
			var_num(o, n);
			break;
		case AGG_DISTINCT:
			dist_add(p, off, i, f ? f->p : "", f ? f->len : 0);
			break;
		case AGG_FIRST:
			if (!((struct s_pos *)o)->has)
				pos_set(p, off, i, p->cur_seq, idx, f ? f->p : "", f ? f->len : 0);
			break;
		case AGG_LAST:
			pos_set(p, off, i, p->cur_seq, idx, f ? f->p : "", f ? f->len : 0);
			break;
		}
		state = keytab_state(&p->kt, off);	/* the arena may have moved */
	}
	if (p->memory != 0 && part_bytes(p) > p->memory)
		spill(p);
}

void agg_fold(struct agg_part *p, const struct block *b)
{
	const char *q = b->data, *end = b->data + b->len;
	struct csv_iter it;
	bool csv = p->fmt->kind == FORMAT_CSV;

	if (p->stop || b->len == 0)
		return;
	if (p->cur_any && b->seq != p->cur_seq) {
		p->pairs = xreallocarray(p->pairs, p->npairs + 1, sizeof *p->pairs);
		p->pairs[p->npairs].seq = p->cur_seq;
		p->pairs[p->npairs++].nrec = p->cur_n;
		p->cur_n = 0;
	}
	p->cur_seq = b->seq;
	p->cur_any = true;
	if (csv)
		csv_iter_init(&it, b->data, b->len, p->fmt, p->term);
	while (q < end && !p->stop) {
		const char *t;

		if (csv) {
			const char *e = csv_iter_next(&it);

			t = e != NULL ? e - 1 : end;
		} else {
			t = memchr(q, p->term, (size_t)(end - q));
			if (t == NULL)
				t = end;
		}
		fold_record(p, q, (size_t)(t - q));
		q = t + 1;
	}
}

/* ---- spilling ------------------------------------------------------------------ */

/* A spill failed: its error becomes the partial's. */
static void spill_failed(struct agg_part *p)
{
	io_error(p, xstrdup(p->sf.err));
}

static void spill(struct agg_part *p)
{
	struct run_writer w;
	uint64_t *v;
	int64_t len;

	if (p->kt.n == 0 || p->stop)
		return;
	v = keytab_sorted(&p->kt);
	run_writer_begin(&w, &p->sf, PIECE);
	for (size_t i = 0; i < p->kt.n; i++) {
		if (i + 8 < p->kt.n)
			keytab_prefetch(&p->kt, v[i + 8]);
		encode_entry(p, v[i], &w.b);
		if (run_writer_step(&w) < 0)
			break;
	}
	free(v);
	len = run_writer_end(&w);
	if (len < 0) {
		spill_failed(p);
		return;
	}
	p->runs = xreallocarray(p->runs, p->nruns + 1, sizeof *p->runs);
	p->runs[p->nruns].off = w.off;
	p->runs[p->nruns++].len = (uint64_t)len;
	keytab_clear(&p->kt);
	keytab_clear(&p->vals);
	/* Slots kept for reuse must leave room for entries. */
	if ((p->kt.mask + 1) * sizeof(kt_slot) > p->memory / 4)
		keytab_release(&p->kt);
	if ((p->vals.mask + 1) * sizeof(kt_slot) > p->memory / 4)
		keytab_release(&p->vals);
	if (p->nruns >= RUNS_MAX)
		compact(p);
}

/* ---- encode and merge ------------------------------------------------------------- */

void agg_encode(struct agg_part *p, struct buf *out)
{
	const struct agg_spec *s = p->spec;
	uint64_t *v;
	size_t code_at;

	buf_append(out, "FPA\1", 4);
	buf_putc(out, (char)LD_BYTES);
	put_varint(out, s->nops);
	for (size_t i = 0; i < s->nops; i++)
		buf_putc(out, (char)s->ops[i].kind);
	put_varint(out, p->npairs + (p->cur_any ? 1 : 0));
	for (size_t i = 0; i < p->npairs; i++) {
		put_varint(out, p->pairs[i].seq);
		put_varint(out, p->pairs[i].nrec);
	}
	if (p->cur_any) {
		put_varint(out, p->cur_seq);
		put_varint(out, p->cur_n);
	}
	code_at = out->len;
	buf_putc(out, (char)p->code);
	if (p->code == EXIT_DATAERR) {
		put_varint(out, p->eseq);
		put_varint(out, p->eidx);
		buf_putc(out, (char)p->ewhat);
		put_varint(out, p->efield);
		put_varint(out, p->eop);
		put_varint(out, p->enf);
		put_varint(out, p->eval.len);
		buf_append(out, p->eval.data, p->eval.len);
	} else if (p->code == EXIT_IOERR) {
		put_varint(out, p->eval.len);
		buf_append(out, p->eval.data, p->eval.len);
	}
	if (p->code != 0)
		return;	/* the result is the error: no entries */
	/* Spilled runs first, then the table. */
	for (size_t i = 0; i < p->nruns; i++) {
		size_t at = out->len;

		buf_reserve(out, p->runs[i].len);
		if (spillfile_pread(&p->sf, out->data + at, p->runs[i].len, p->runs[i].off) < 0) {
			/* Report it in the partial instead of its entries. */
			const char *m = p->sf.err;

			out->len = code_at;
			buf_putc(out, (char)EXIT_IOERR);
			put_varint(out, strlen(m));
			buf_append(out, m, strlen(m));
			return;
		}
		out->len += p->runs[i].len;
	}
	/* Sorted by key, so that the merger can keep a large table as a run
	 * (the sort runs here, in parallel, not in the merger). */
	v = keytab_sorted(&p->kt);
	for (size_t i = 0; i < p->kt.n; i++) {
		if (i + 8 < p->kt.n)
			keytab_prefetch(&p->kt, v[i + 8]);
		encode_entry(p, v[i], out);
	}
	free(v);
}

/* Combine one encoded entry, its chunk numbers offset by base, into the
 * table; the entry's offset, or 0 if
 * the bytes are malformed. */
static uint64_t merge_entry(struct agg_part *p, const char *data, size_t len, uint64_t base)
{
	const struct agg_spec *s = p->spec;
	struct rd r = { (const unsigned char *)data, (const unsigned char *)data + len, false };
	size_t klen = get_varint(&r);
	const char *key = get_bytes(&r, klen);
	uint64_t off, nrec, srcn;
	bool added;

	if (r.bad)
		return 0;
	off = keytab_put(&p->kt, key, klen, keytab_hash(key, klen), &added);
	nrec = get_varint(&r);
	for (size_t i = 0; i < s->nops && !r.bad; i++) {
		const struct agg_op *op = &s->ops[i];
		char *o = (char *)keytab_state(&p->kt, off) + op->off;

		switch (op->kind) {
		case AGG_COUNT:
			break;
		case AGG_SUM:
		case AGG_MEAN: {
			struct sumv x = { 0 }, d;

			x.scale = get_u8(&r);
			x.ex = get_zz(&r);
			x.hasf = get_u8(&r) != 0;
			if (x.hasf) {
				x.fs = get_ld(&r);
				x.fc = get_ld(&r);
			}
			if (x.scale > 18)
				r.bad = true;
			if (r.bad)
				break;
			sum_load(&p->kt, (const struct s_sum *)o, &d);
			sumv_merge(&d, &x);
			sum_store(&p->kt, (uint64_t)(o - p->kt.arena), &d);
			break;
		}
		case AGG_MIN:
		case AGG_MAX:
		{
			struct s_mm x = { 0 };
			unsigned f = get_u8(&r);

			x.has = f & 1;
			x.any = f >> 1 & 1;
			x.fnan = (uint8_t)(f >> 2 & 3);
			if (x.has) {
				x.v = get_ld(&r);
				x.seq = base + get_varint(&r);
				x.idx = get_varint(&r);
			}
			if (x.any) {
				x.fseq = base + get_varint(&r);
				x.fidx = get_varint(&r);
			}
			if (!r.bad)
				mm_merge((struct s_mm *)o, op->kind == AGG_MAX, &x);
			break;
		}
		case AGG_STDEV: {
			struct s_var x = { 0 };

			x.n = get_varint(&r);
			x.chan = (uint8_t)get_u8(&r);
			if (!x.chan) {
				x.scale = (uint8_t)get_u8(&r);
				x.s1 = get_zz(&r);
				x.s2 = get_zz(&r);
				if (x.scale > 18)
					r.bad = true;
			} else {
				x.mean = get_ld(&r);
				x.m2 = get_ld(&r);
			}
			if (!r.bad)
				var_merge((struct s_var *)o, &x);
			break;
		}
		case AGG_DISTINCT:
			srcn = get_varint(&r);
			for (uint64_t k = 0; k < srcn && !r.bad; k++) {
				size_t vlen = get_varint(&r);
				const char *v = get_bytes(&r, vlen);

				if (!r.bad)
					dist_add(p, off, i, v, vlen);
			}
			break;
		case AGG_FIRST:
		case AGG_LAST:
			if (get_u8(&r)) {
				uint64_t seq = base + get_varint(&r), idx = get_varint(&r);
				size_t vlen = get_varint(&r);
				const char *v = get_bytes(&r, vlen);
				struct s_pos *x = (struct s_pos *)o;
				bool take = !x->has || (op->kind == AGG_FIRST ?
				    (seq < x->seq || (seq == x->seq && idx < x->idx)) :
				    (seq > x->seq || (seq == x->seq && idx > x->idx)));

				if (!r.bad && take)
					pos_set(p, off, i, seq, idx, v, vlen);
			}
			break;
		}
	}
	if (r.bad || r.p != r.end)
		return 0;
	*keytab_aux(&p->kt, off) += nrec;
	return off;
}

/*
 * The entries from at on that are in strictly ascending key order: where
 * they end, and their number in *n.  NULL if the bytes are malformed.
 */
static const unsigned char *ascending(const unsigned char *at, const unsigned char *end, size_t *n)
{
	const char *prev = NULL;
	size_t plen = 0;

	*n = 0;
	while (at < end) {
		struct rd r = { at, end, false }, k;
		size_t elen = get_varint(&r);
		const char *e = get_bytes(&r, elen), *key;
		size_t klen;

		if (r.bad)
			return NULL;
		k = (struct rd){ (const unsigned char *)e, (const unsigned char *)e + elen, false };
		klen = get_varint(&k);
		key = get_bytes(&k, klen);
		if (k.bad)
			return NULL;
		if (prev != NULL && keytab_keycmp(prev, plen, key, klen) >= 0)
			break;
		prev = key;
		plen = klen;
		(*n)++;
		at = r.p;
	}
	return at;
}

/* Sorted entries kept as they are: a run in the spill file. */
static void add_run(struct agg_part *p, const void *data, size_t len)
{
	uint64_t at = p->sf.size;

	if (spillfile_write(&p->sf, data, len) < 0) {
		spill_failed(p);
		return;
	}
	p->runs = xreallocarray(p->runs, p->nruns + 1, sizeof *p->runs);
	p->runs[p->nruns].off = at;
	p->runs[p->nruns++].len = len;
	if (p->nruns >= RUNS_MAX)
		compact(p);
}

/* Whether the table has outgrown the caches, or a good part of a small
 * budget (so that tests with a tiny --memory take the same path). */
static bool table_big(const struct agg_part *p)
{
	uint64_t big = TABLE_BIG;

	if (p->memory != 0 && p->memory / 4 < big)
		big = p->memory / 4;
	return part_bytes(p) >= big;
}

/*
 * Merge the entries of a partial.  Into the table while it is small; once
 * it has outgrown the caches, every probe of a new key is a cache miss
 * (microseconds on a virtual machine), so a long sorted stretch of
 * entries, as workers send, is kept whole as a run instead, and merged
 * with the others in key order at the end, reading memory in sequence.
 */
static int merge_entries(struct agg_part *p, const unsigned char *at, const unsigned char *end)
{
	/* Once the result is an error, the groups do not matter. */
	while (at < end && !p->stop) {
		const unsigned char *stop = end;
		size_t n;

		/* A run keeps its entries' bytes: only without an offset to add
		 * to their chunk numbers. */
		if (table_big(p) && *p->seq_base == 0) {
			stop = ascending(at, end, &n);
			if (stop == NULL)
				return -1;
			if (n >= RUN_MIN || (p->memory != 0 && (uint64_t)(stop - at) >= p->memory / 16)) {
				add_run(p, at, (size_t)(stop - at));
				at = stop;
				continue;
			}
		}
		while (at < stop && !p->stop) {
			struct rd r = { at, stop, false };
			size_t elen = get_varint(&r);
			const char *e = get_bytes(&r, elen);

			if (r.bad || merge_entry(p, e, elen, *p->seq_base) == 0)
				return -1;
			at = r.p;
			if (p->memory != 0 && part_bytes(p) > p->memory)
				spill(p);
		}
	}
	return 0;
}

int agg_merge(struct agg_part *p, const char *data, size_t len)
{
	const struct agg_spec *s = p->spec;
	struct rd r = { (const unsigned char *)data, (const unsigned char *)data + len, false };
	const char *magic = get_bytes(&r, 4);
	uint64_t n;
	unsigned code;

	if (magic == NULL || memcmp(magic, "FPA\1", 4) != 0 || get_u8(&r) != LD_BYTES)
		return -1;
	if (get_varint(&r) != s->nops)
		return -1;
	for (size_t i = 0; i < s->nops; i++)
		if (get_u8(&r) != (unsigned)s->ops[i].kind)
			return -1;
	n = get_varint(&r);
	if (r.bad || n > len)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		struct pair pr;

		pr.seq = *p->seq_base + get_varint(&r);
		pr.nrec = get_varint(&r);
		if (r.bad)
			return -1;
		p->pairs = xreallocarray(p->pairs, p->npairs + 1, sizeof *p->pairs);
		p->pairs[p->npairs++] = pr;
	}
	code = get_u8(&r);
	if (code != 0 && p->from_files)
		return -1;
	if (code == EXIT_DATAERR) {
		uint64_t seq = *p->seq_base + get_varint(&r), idx = get_varint(&r);
		unsigned what = get_u8(&r);
		uint64_t field = get_varint(&r), op = get_varint(&r), nf = get_varint(&r);
		size_t vlen = get_varint(&r);
		const char *v = get_bytes(&r, vlen);

		if (r.bad || r.p != r.end)
			return -1;
		if (p->code == 0 || (p->code == EXIT_DATAERR &&
		    (seq < p->eseq || (seq == p->eseq && idx < p->eidx)))) {
			p->code = EXIT_DATAERR;
			p->eseq = seq;
			p->eidx = idx;
			p->ewhat = what;
			p->efield = field;
			p->eop = op;
			p->enf = nf;
			p->eval.len = 0;
			buf_append(&p->eval, v, vlen);
		}
		p->stop = true;
		return 0;
	}
	if (code == EXIT_IOERR) {
		size_t mlen = get_varint(&r);
		const char *m = get_bytes(&r, mlen);

		if (r.bad || r.p != r.end)
			return -1;
		if (p->code != EXIT_IOERR) {
			p->code = EXIT_IOERR;
			p->eval.len = 0;
			buf_append(&p->eval, m, mlen);
		}
		p->stop = true;
		return 0;
	}
	if (code != 0 || r.bad)
		return -1;
	return merge_entries(p, r.p, r.end);
}

/* ---- finish --------------------------------------------------------------------- */

/* The value of an error message: printable bytes as they are, others as
 * \xNN, cut at ERRVAL_MAX bytes. */
static void quote_value(struct buf *m, const char *v, size_t len)
{
	for (size_t i = 0; i < len && i < ERRVAL_MAX; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf_putc(m, (char)c);
		else
			buf_printf(m, "\\x%02x", c);
	}
	if (len > ERRVAL_MAX)
		buf_append(m, "...", 3);
}

static char *error_message(const struct agg_part *p)
{
	const struct agg_spec *s = p->spec;
	struct buf m = { 0 };
	uint64_t rec = p->eidx + 1;
	const char *op = p->eop < s->nops ? s->ops[p->eop].text : "?";

	if (p->code == EXIT_IOERR) {
		buf_append(&m, p->eval.data, p->eval.len);
		buf_putc(&m, '\0');
		return m.data;
	}
	for (size_t i = 0; i < p->npairs; i++)
		if (p->pairs[i].seq < p->eseq)
			rec += p->pairs[i].nrec;
	switch (p->ewhat) {
	case ERR_NUMBER:
		buf_printf(&m, "%s: %s: invalid numeric value in record %llu, field %llu: '",
		    s->stage, op, (unsigned long long)rec, (unsigned long long)p->efield);
		quote_value(&m, p->eval.data, p->eval.len);
		buf_putc(&m, '\'');
		break;
	case ERR_MISSING:
		buf_printf(&m, "%s: %s: record %llu has %llu field%s, no field %llu", s->stage, op,
		    (unsigned long long)rec, (unsigned long long)p->enf, p->enf == 1 ? "" : "s",
		    (unsigned long long)p->efield);
		break;
	default:
		buf_printf(&m, "%s: malformed CSV in record %llu: ", s->stage, (unsigned long long)rec);
		buf_append(&m, p->eval.data, p->eval.len);
		break;
	}
	buf_putc(&m, '\0');
	return m.data;
}

/* A sorted run being merged: its reader and current entry. */
struct run_src {
	struct run_reader rd;
	bool done;
	const char *ent;	/* the current entry */
	size_t elen;
	const char *key;
	size_t klen;
};

/* The next entry of a run: 0 (or done at the end), -1 (p->sf.err). */
static int src_next(struct run_src *r)
{
	struct rd d;

	switch (run_reader_next(&r->rd, &r->ent, &r->elen)) {
	case 0:
		break;
	case 1:
		r->done = true;
		return 0;
	default:
		return -1;
	}
	d.p = (const unsigned char *)r->ent;
	d.end = d.p + r->elen;
	d.bad = false;
	r->klen = get_varint(&d);
	r->key = get_bytes(&d, r->klen);
	return d.bad ? spillfile_corrupt(r->rd.f) : 0;
}

/* Keys in order; equal keys in the order of the runs. */
static inline bool src_less(void *ctx, size_t a, size_t b)
{
	const struct run_src *x = (const struct run_src *)ctx + a, *y = (const struct run_src *)ctx + b;
	int c;

	if (x->done || y->done)
		return !x->done;
	c = keytab_keycmp(x->key, x->klen, y->key, y->klen);
	return c != 0 ? c < 0 : a < b;
}

/* The read buffer of each of n runs. */
static size_t run_buffer(const struct agg_part *p, size_t n)
{
	size_t bufsz = p->memory != 0 ? p->memory / (n + 1) : PIECE;

	if (bufsz < 4096)
		bufsz = 4096;
	return bufsz > PIECE ? PIECE : bufsz;
}

/* The groups of equal keys at the top of the tree, combined into one's
 * table: the entry's offset there, or 0 with p->sf.err set. */
static uint64_t combine_top(struct agg_part *p, struct agg_part *one, struct run_src *rs,
    struct losertree *lt)
{
	uint64_t off;
	const char *k;
	size_t kl;

	keytab_clear(&one->kt);
	if (one->vals.mask > 4096)
		keytab_release(&one->vals);
	else
		keytab_clear(&one->vals);
	for (;;) {
		struct run_src *r = &rs[losertree_top(lt)];

		off = merge_entry(one, r->ent, r->elen, 0);
		if (off == 0) {
			spillfile_corrupt(&p->sf);
			return 0;
		}
		if (src_next(r) < 0)
			return 0;
		losertree_next(lt, src_less, rs);
		k = keytab_key(&one->kt, off, &kl);
		r = &rs[losertree_top(lt)];
		if (r->done || keytab_keycmp(r->key, r->klen, k, kl) != 0)
			return off;
	}
}

/* Runs first.. merged in key order, each group passed to fn. */
static int finish_runs(struct agg_part *p, size_t first, agg_group_fn fn, void *ctx, char **err)
{
	size_t n = p->nruns - first, bufsz = run_buffer(p, n);
	struct run_src *rs = xcalloc(n, sizeof *rs);
	struct stage scratch_st = { 0 };
	struct losertree lt = { 0 };
	struct agg_part *one;
	int rc = 0;

	/* The groups of one key are combined in a table of their own. */
	scratch_st.fmt = p->fmt;
	scratch_st.term = p->term;
	scratch_st.tmpdir = p->tmpdir;
	one = part_new(p->spec, &scratch_st, false);
	for (size_t i = 0; i < n; i++) {
		run_reader_open(&rs[i].rd, &p->sf, p->runs[first + i].off, p->runs[first + i].len,
		    bufsz);
		if (src_next(&rs[i]) < 0)
			goto io_error;
	}
	losertree_init(&lt, n, src_less, rs);
	while (!rs[losertree_top(&lt)].done) {
		struct agg_group g;
		uint64_t off = combine_top(p, one, rs, &lt);

		if (off == 0)
			goto io_error;
		g.key = keytab_key(&one->kt, off, &g.klen);
		g.count = *keytab_aux(&one->kt, off);
		g.part = one;
		g.off = off;
		rc = fn(ctx, &g);
		if (rc != 0)
			goto out;
	}
	goto out;
io_error:
	*err = xstrdup(p->sf.err);
	rc = EXIT_IOERR;
out:
	for (size_t i = 0; i < n; i++)
		run_reader_close(&rs[i].rd);
	free(rs);
	losertree_free(&lt);
	agg_part_free(one);
	return rc;
}

/* Merging runs into a new run: each combined group is encoded again. */
static int compact_put(void *ctx, const struct agg_group *g)
{
	struct run_writer *w = ctx;
	const struct agg_part *one = g->part;

	encode_entry((struct agg_part *)one, g->off, &w->b);
	return run_writer_step(w) < 0 ? EXIT_IOERR : 0;
}

/*
 * Too many runs would each need a read buffer at the end: merge the runs
 * made since the last merge into one, written after them in the same file
 * (whose old space is not used again; the file is gone at exit).  Earlier
 * merged runs stay as they are, so an entry is written again about once,
 * not at every merge, until RUNS_MAX / 2 of them pile up and all runs are
 * merged.  So finish reads at most RUNS_MAX runs, whatever the budget.
 */
static void compact(struct agg_part *p)
{
	struct run_writer w;
	char *err = NULL;
	/* The runs not yet merged, unless earlier merges are many too. */
	size_t first = p->nmerged < RUNS_MAX / 2 ? p->nmerged : 0;
	int rc;
	int64_t len;

	run_writer_begin(&w, &p->sf, PIECE);
	rc = finish_runs(p, first, compact_put, &w, &err);
	len = run_writer_end(&w);
	free(err);
	if (rc != 0 || len < 0) {
		spill_failed(p);
		return;
	}
	p->runs[first].off = w.off;
	p->runs[first].len = (uint64_t)len;
	p->nruns = first + 1;
	p->nmerged = first + 1;
}

int agg_finish(struct agg_part *p, agg_group_fn fn, void *ctx, char **err)
{
	uint64_t *v;
	int rc = 0;

	/* What the last partial folded counts too (folded in this process). */
	if (p->cur_any) {
		p->pairs = xreallocarray(p->pairs, p->npairs + 1, sizeof *p->pairs);
		p->pairs[p->npairs].seq = p->cur_seq;
		p->pairs[p->npairs++].nrec = p->cur_n;
		p->cur_any = false;
		p->cur_n = 0;
	}
	if (p->code == 0 && p->nruns > 0)
		spill(p);
	if (p->code != 0) {
		*err = error_message(p);
		return p->code;
	}
	if (p->nruns > 0)
		return finish_runs(p, 0, fn, ctx, err);
	v = keytab_sorted(&p->kt);
	for (size_t i = 0; i < p->kt.n && rc == 0; i++) {
		struct agg_group g;

		if (i + 8 < p->kt.n)
			keytab_prefetch(&p->kt, v[i + 8]);
		g.key = keytab_key(&p->kt, v[i], &g.klen);
		g.count = *keytab_aux(&p->kt, v[i]);
		g.part = p;
		g.off = v[i];
		rc = fn(ctx, &g);
	}
	free(v);
	return rc;
}

/* ---- output helpers -------------------------------------------------------------- */

void agg_key_fields(const struct agg_spec *s, const char *key, size_t klen, struct field *v,
    struct buf *scratch)
{
	size_t n = 0;

	if (s->whole || s->nkeys <= 1) {
		v[0].p = key;
		v[0].len = klen;
		return;
	}
	scratch->len = 0;
	buf_reserve(scratch, klen + 1);
	v[0].p = scratch->data;
	for (size_t i = 0; i < klen; i++) {
		if (key[i] == '\0' && i + 1 < klen && key[i + 1] == '\0') {
			v[n].len = (size_t)(scratch->data + scratch->len - v[n].p);
			n++;
			v[n].p = scratch->data + scratch->len;
			i++;
		} else {
			buf_putc(scratch, key[i]);
			if (key[i] == '\0')
				i++;	/* the 0x01 after an escaped NUL */
		}
	}
	v[n].len = (size_t)(scratch->data + scratch->len - v[n].p);
}

static const void *op_state(const struct agg_group *g, size_t i)
{
	return (const char *)keytab_state(&g->part->kt, g->off) + g->part->spec->ops[i].off;
}

long double agg_value(const struct agg_group *g, size_t i)
{
	const struct agg_op *op = &g->part->spec->ops[i];
	const void *o = op_state(g, i);

	struct sumv v;

	switch (op->kind) {
	case AGG_SUM:
		sum_load(&g->part->kt, o, &v);
		return sumv_total(&v);
	case AGG_MEAN:
		sum_load(&g->part->kt, o, &v);
		return sumv_total(&v) / (long double)g->count;
	case AGG_MIN:
	case AGG_MAX:
		return mm_value(o);
	case AGG_STDEV:
		return var_stdev(o);
	case AGG_DISTINCT:
		return (long double)((const struct s_dist *)o)->n;
	default:
		return (long double)g->count;
	}
}

void agg_format(const struct agg_group *g, size_t i, struct buf *out)
{
	const struct agg_op *op = &g->part->spec->ops[i];
	const void *o = op_state(g, i);

	switch (op->kind) {
	case AGG_COUNT:
		agg_put_u64(out, g->count);
		break;
	case AGG_DISTINCT:
		agg_put_u64(out, ((const struct s_dist *)o)->n);
		break;
	case AGG_FIRST:
	case AGG_LAST: {
		const struct s_pos *x = o;

		buf_append(out, keytab_blob(&g->part->kt, x->blob), x->len);
		break;
	}
	case AGG_SUM: {
		const struct s_sum *x = o;

		if (x->fblob == 0 && agg_put_exact(out, x->ex, x->scale))
			break;
	}
		/* fall through */
	default:
		agg_put_ld(out, agg_value(g, i));
		break;
	}
}

bool agg_put_exact(struct buf *out, __int128 ex, unsigned scale)
{
	u128 u = ex < 0 ? -(u128)ex : (u128)ex;
	char d[48], t[64];
	int n = 0, x, k = 0;

	if (u == 0) {
		buf_putc(out, '0');
		return true;
	}
	while (scale > 0 && u % 10 == 0) {
		u /= 10;
		scale--;
	}
	while (u > 0 && n < 40) {
		d[n++] = (char)('0' + (int)(u % 10));	/* least significant first */
		u /= 10;
	}
	/* %.14Lg shows the decimal itself when it has at most 14 significant
	 * digits and its exponent x is in [-4, 14); else it rounds or uses
	 * an exponent: leave that to printf. */
	x = n - 1 - (int)scale;
	if (n > 14 || x < -4 || x >= 14)
		return false;
	if (ex < 0)
		t[k++] = '-';
	if (x < 0) {
		t[k++] = '0';
		t[k++] = '.';
		for (int z = -1; z > x; z--)
			t[k++] = '0';
		for (int i = n - 1; i >= 0; i--)
			t[k++] = d[i];
	} else {
		for (int i = n - 1; i >= 0; i--) {
			t[k++] = d[i];
			if (i == (int)scale && i > 0)
				t[k++] = '.';
		}
	}
	buf_append(out, t, (size_t)k);
	return true;
}

int agg_out_flush(struct agg_out *o, bool force)
{
	int rc = 0;

	if (o->b.len >= PIECE || (force && o->b.len > 0)) {
		rc = o->sink->put(o->sink, o->b.data, o->b.len);
		o->b.len = 0;
	}
	return rc;
}
