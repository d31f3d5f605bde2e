/* expr_eval.c - record predicates: evaluation, awk's value rules (see
 * expr.h).  The tree (expr_impl.h) is walked recursively with values on
 * the stack, so that a record costs no allocation. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_impl.h"
#include "expr.h"
#include "pcre_util.h"
#include "util.h"

/* --- evaluation --------------------------------------------------------- */

enum vkind {
	V_NUM,		/* a number, with its string form */
	V_STR,		/* a string */
	V_FIELD,	/* a field's text: a number if it looks like one */
};

struct val {
	enum vkind k;
	double n;
	const char *p;
	size_t len;
};

struct ctx {
	struct expr *e;
	const char *rec;
	size_t len;
	const struct field *f;
	size_t nf;
};

/*
 * The value of digits[.digits] with at most 15 digits in all, without
 * strtod: the digits make an integer below 2^53 and 10^frac is exact, so
 * one division rounds correctly, giving strtod's result (Clinger's fast
 * path).  false for anything else (exponents, long numbers).
 */
static bool small_decimal(const char *p, size_t n, bool neg, double *out)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
		1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	uint64_t u = 0;
	size_t i = 0, frac = 0, digits = 0;
	bool point = false;

	if (n > 16)
		return false;
	for (; i < n; i++) {
		if (is_digit(p[i])) {
			u = u * 10 + (uint64_t)(p[i] - '0');
			digits++;
			frac += point;
		} else if (p[i] == '.' && !point) {
			point = true;
		} else {
			return false;
		}
	}
	if (digits == 0 || digits > 15)
		return false;
	double v = (double)u / pow10[frac];

	*out = neg ? -v : v;
	return true;
}

/*
 * Whether p[0..len) is a number by awk's rule: a decimal number with an
 * optional sign and white space around it.  If so, its value in *out.
 */
static bool field_number(struct expr *e, const char *p, size_t len, double *out)
{
	size_t s = 0, t = len, k;

	while (s < t && is_space(p[s]))
		s++;
	while (t > s && is_space(p[t - 1]))
		t--;
	k = s;
	if (k < t && (p[k] == '+' || p[k] == '-'))
		k++;
	if (k == t || scan_decimal(p + k, t - k) != t - k)
		return false;
	if (small_decimal(p + k, t - k, p[s] == '-', out))
		return true;
	/* strtod needs a terminated copy: fields are not terminated. */
	char small[64], *buf = small;

	if (t - s >= sizeof small) {
		if (e->scratch_cap < t - s + 1) {
			e->scratch_cap = t - s + 1;
			e->scratch = xrealloc(e->scratch, e->scratch_cap);
		}
		buf = e->scratch;
	}
	memcpy(buf, p + s, t - s);
	buf[t - s] = '\0';
	*out = strtod(buf, NULL);
	return true;
}

static bool as_number(struct ctx *c, const struct val *v, double *out)
{
	if (v->k == V_NUM) {
		*out = v->n;
		return true;
	}
	if (v->k == V_STR)
		return false;
	return field_number(c->e, v->p, v->len, out);
}

static bool truth(struct ctx *c, const struct val *v)
{
	double d;

	if (v->k == V_NUM)
		return v->n != 0;
	if (v->k == V_FIELD && field_number(c->e, v->p, v->len, &d))
		return d != 0;
	return v->len > 0;
}

static struct val boolean(bool b)
{
	struct val v = { V_NUM, b ? 1 : 0, b ? "1" : "0", 1 };

	return v;
}

static int compare(struct ctx *c, const struct val *a, const struct val *b)
{
	double x, y;

	if (a->k != V_STR && b->k != V_STR && as_number(c, a, &x) && as_number(c, b, &y))
		return (x > y) - (x < y);
	size_t n = a->len < b->len ? a->len : b->len;
	int r = n > 0 ? memcmp(a->p, b->p, n) : 0;

	if (r != 0)
		return r;
	return (a->len > b->len) - (a->len < b->len);
}

static bool match(struct ctx *c, struct node *n, const struct val *v)
{
	struct expr *e = c->e;
	PCRE2_SPTR s = (PCRE2_SPTR)(v->p != NULL ? v->p : "");
	int rc;

	if (n->jit)
		rc = pcre2_jit_match(n->re, s, v->len, 0, 0, n->md, e->mctx);
	else
		rc = pcre2_match(n->re, s, v->len, 0, 0, n->md, e->mctx);
	if (rc >= 0)
		return true;
	if (rc != PCRE2_ERROR_NOMATCH && !e->failed) {
		PCRE2_UCHAR msg[128];

		pcre2_get_error_message(rc, msg, sizeof msg);
		snprintf(e->failmsg, sizeof e->failmsg, "matching failed: %s", (char *)msg);
		e->failed = true;
		e->failrc = rc;
		e->failpat = n->s;
	}
	return false;
}

static struct val eval(struct ctx *c, struct node *n)
{
	struct val v, w;

	switch (n->kind) {
	case N_OR:
		v = eval(c, n->l);
		if (truth(c, &v))
			return boolean(true);
		v = eval(c, n->r);
		return boolean(truth(c, &v));
	case N_AND:
		v = eval(c, n->l);
		if (!truth(c, &v))
			return boolean(false);
		v = eval(c, n->r);
		return boolean(truth(c, &v));
	case N_NOT:
		v = eval(c, n->l);
		return boolean(!truth(c, &v));
	case N_CMP: {
		v = eval(c, n->l);
		w = eval(c, n->r);
		int r = compare(c, &v, &w);

		switch (n->op) {
		case T_EQ: return boolean(r == 0);
		case T_NE: return boolean(r != 0);
		case T_LT: return boolean(r < 0);
		case T_LE: return boolean(r <= 0);
		case T_GT: return boolean(r > 0);
		default: return boolean(r >= 0);
		}
	}
	case N_MATCH:
		v = eval(c, n->l);
		return boolean(match(c, n, &v) == (n->op == T_MATCH));
	case N_FIELD:
		v.k = V_FIELD;
		v.n = 0;
		if (n->idx == 0) {
			v.p = c->rec;
			v.len = c->len;
		} else if (n->idx != UNBOUND && n->idx <= c->nf) {
			v.p = c->f[n->idx - 1].p;
			v.len = c->f[n->idx - 1].len;
		} else {
			v.k = V_STR;	/* missing: the empty string */
			v.p = "";
			v.len = 0;
		}
		return v;
	case N_NUM:
		v.k = V_NUM;
		v.n = n->num;
		v.p = n->s;
		v.len = n->len;
		return v;
	case N_STR:
		v.k = V_STR;
		v.n = 0;
		v.p = n->s;
		v.len = n->len;
		return v;
	}
	return boolean(false);
}

bool expr_eval(struct expr *e, const char *rec, size_t len, const struct field *f, size_t nf)
{
	struct ctx c = { e, rec, len, f, nf };
	struct val v;

	e->failed = false;
	v = eval(&c, e->root);
	return truth(&c, &v) && !e->failed;
}

const char *expr_failed(const struct expr *e)
{
	return e->failed ? e->failmsg : NULL;
}

char *expr_failure(const struct expr *e, bool known, uint64_t off, int *code)
{
	if (!e->failed)
		return NULL;
	return pcre_match_error(e->failrc, "filter", e->failpat, known, off, code);
}
