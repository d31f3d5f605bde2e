/* num.c - parsing and printing numbers for the grouping reducers (see
 * num.h and, for the rules, agg.h). */
#include "autoconfig.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "util.h"

/* ---- powers of ten ---------------------------------------------------- */

static u128 p10q(unsigned k)	/* k <= 38 */
{
	u128 r = 1;

	while (k-- > 0)
		r *= 10;
	return r;
}

long double p10l_tab[40];
i128 p10i_tab[39];
static bool p10_ready;

void num_init(void)
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

/* sqrtl without libm (the program links none): the x87 instruction, or
 * Newton's method elsewhere. */
long double ld_sqrt(long double x)
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
	/* As datamash: a value out of long double's range, too large
	 * (1e99999) or too small (1e-20000, and subnormals), is invalid, not
	 * inf or 0. */
	errno = 0;
	*v = strtold(c, &end);
	ok = end != c && end == c + len && errno != ERANGE;
	if (c != small)
		free(c);
	*scale = NOSCALE;
	return ok;
}

/* ---- formatting --------------------------------------------------------- */

void agg_put_fmt(struct buf *out, const char *fmt, long double v)
{
	char tmp[128];
	/* the format is checked (agg_spec_numfmt): one conversion, of v */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	int n = snprintf(tmp, sizeof tmp, fmt, v);

	if (n >= (int)sizeof tmp) {
		buf_reserve(out, (size_t)n + 1);
		n = snprintf(out->data + out->len, (size_t)n + 1, fmt, v);
		out->len += (size_t)n;
		return;
	}
#pragma GCC diagnostic pop
	if (n > 0)
		buf_append(out, tmp, (size_t)n);
}

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

bool agg_put_exact(struct buf *out, __int128 ex, unsigned scale)
{
	u128 u = ex < 0 ? -(u128)ex : (u128)ex;
	char d[48], t[64];
	int n = 0, x, k = 0;

	if (u == 0) {
		buf_putc(out, '0');
		return true;
	}
	if (u <= UINT64_MAX) {
		/* in 64 bits where it fits: a 128-bit division is a call */
		uint64_t v = (uint64_t)u;

		while (scale > 0 && v % 10 == 0) {
			v /= 10;
			scale--;
		}
		while (v > 0) {
			d[n++] = (char)('0' + (int)(v % 10));	/* least significant first */
			v /= 10;
		}
	} else {
		while (scale > 0 && u % 10 == 0) {
			u /= 10;
			scale--;
		}
		while (u > 0 && n < 40) {
			d[n++] = (char)('0' + (int)(u % 10));
			u /= 10;
		}
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
