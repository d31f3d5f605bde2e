/* sortcmp.c - the slow orderings of sort keys: -d -f -g -h -i -M -R -V,
 * as GNU sort 9.1 compares them in the C locale (see sortcmp.h).
 *
 * As in sort's keycompare(), a key with -d, -i or -f that also orders
 * numbers, months, versions or randomly is first copied without its
 * ignored bytes and with lower case folded, and that copy is compared; a
 * text key with them is compared byte by byte, skipping and folding. */
#include "autoconfig.h"

#include <float.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "md5.h"
#include "sortcmp.h"
#include "util.h"

static inline bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static inline bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

/* Whether key k drops byte c: -d keeps blanks and alphanumerics, -i
 * printable bytes. */
static inline bool ignored(const struct sortkey *k, unsigned char c)
{
	if (k->ignore == 'd')
		return !is_alnum(c) && !is_blank(c);
	if (k->ignore == 'i')
		return c < 0x20 || c > 0x7e;
	return false;
}

static inline unsigned char upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

static inline unsigned char fold(const struct sortkey *k, unsigned char c)
{
	return k->fold ? upper(c) : c;
}

/* ---- a key's text, filtered and NUL-terminated where needed --------------- */

struct text {
	const char *p;
	size_t n;
	char *heap;
	char stack[256];
};

/* The text [beg, lim) of key k as its ordering sees it: without ignored
 * bytes and folded, and followed by a NUL when nul (for strtold). */
static void text_get(const struct sortkey *k, const char *beg, const char *lim, bool nul,
    struct text *t)
{
	size_t len = (size_t)(lim - beg);
	char *q;

	t->heap = NULL;
	if (k->ignore == 0 && !k->fold && !nul) {
		t->p = beg;
		t->n = len;
		return;
	}
	q = len < sizeof t->stack ? t->stack : (t->heap = xmalloc(len + 1));
	t->p = q;
	for (const char *s = beg; s < lim; s++) {
		if (!ignored(k, (unsigned char)*s))
			*q++ = (char)fold(k, (unsigned char)*s);
	}
	t->n = (size_t)(q - t->p);
	*q = '\0';
}

static void text_free(struct text *t)
{
	free(t->heap);
}

/* ---- -g ------------------------------------------------------------------- */

enum gclass { G_ERROR, G_NAN, G_NUM };

static enum gclass gnum(const char *s, long double *v)
{
	char *end;

	*v = strtold(s, &end);
	if (end == s)
		return G_ERROR;
	return *v != *v ? G_NAN : G_NUM;
}

/* sort's general_numcompare: conversion errors first, then NaNs, then
 * numbers, -0 equal to 0. */
static int general_cmp(const char *a, const char *b)
{
	long double x, y;
	enum gclass ca = gnum(a, &x), cb = gnum(b, &y);

	if (ca != cb)
		return ca < cb ? -1 : 1;
	if (ca == G_NUM)
		return (x > y) - (x < y);
	if (ca == G_NAN) {
		/* as sort does: by the bytes of the value (x87: the 10 bytes
		 * that hold it, not the padding), so nan before -nan */
		unsigned char bx[sizeof x] = { 0 }, by[sizeof y] = { 0 };
		size_t n = LDBL_MANT_DIG == 64 ? 10 : sizeof x;

		memcpy(bx, &x, n);
		memcpy(by, &y, n);
		return memcmp(bx, by, n);
	}
	return 0;
}

/* Errors 0, NaNs 1, then the number as a double whose bits are made to
 * order as unsigned integers (monotone, so never against the order). */
static uint64_t general_prefix(const char *s)
{
	long double v;
	double d;
	uint64_t bits;

	switch (gnum(s, &v)) {
	case G_ERROR:
		return 0;
	case G_NAN:
		return 1;
	default:
		break;
	}
	d = (double)v;
	if (d == 0)
		d = 0;	/* -0 is 0 */
	memcpy(&bits, &d, sizeof bits);
	return bits >> 63 ? ~bits : bits | UINT64_C(1) << 63;
}

/* ---- -h ------------------------------------------------------------------- */

/* sort's find_unit_order: the SI suffix after a non-zero number (K or
 * k 1, M 2, G 3 ... Y 8), negative for negative numbers; else 0. */
static int unit_order(const char *p, const char *lim)
{
	static const char units[] = "KMGTPEZY";
	bool minus = p < lim && *p == '-';
	unsigned char max = 0;
	const char *u;

	p += minus;
	for (; p < lim && is_digit((unsigned char)*p); p++)
		max = *p > max ? (unsigned char)*p : max;
	if (p < lim && *p == '.')
		for (p++; p < lim && is_digit((unsigned char)*p); p++)
			max = *p > max ? (unsigned char)*p : max;
	if (max <= '0' || p == lim || *p == '\0')
		return 0;
	u = *p == 'k' ? units : strchr(units, *p);
	if (u == NULL)
		return 0;
	return minus ? -(int)(u - units + 1) : (int)(u - units + 1);
}

static const char *skip_blanks(const char *p, const char *lim)
{
	while (p < lim && is_blank((unsigned char)*p))
		p++;
	return p;
}

static int human_cmp(const char *a, const char *alim, const char *b, const char *blim)
{
	int d;

	a = skip_blanks(a, alim);
	b = skip_blanks(b, blim);
	d = unit_order(a, alim) - unit_order(b, blim);
	return d != 0 ? d : sortkey_numcmp(a, alim, b, blim);
}

/* The unit order in the top byte, then -n's prefix, shifted (monotone). */
static uint64_t human_prefix(const char *p, const char *lim)
{
	p = skip_blanks(p, lim);
	return (uint64_t)(unit_order(p, lim) + 16) << 56 | sortkey_numprefix(p, lim) >> 8;
}

/* ---- -M ------------------------------------------------------------------- */

/* 1 for JAN ... 12 for DEC (any case, after blanks, as a prefix of the
 * key: "January" is 1), else 0. */
static int month(const char *p, const char *lim)
{
	static const char names[] = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";

	p = skip_blanks(p, lim);
	if (lim - p < 3)
		return 0;
	for (int m = 0; m < 12; m++) {
		const char *n = names + 3 * m;
		int i = 0;

		while (i < 3 && upper((unsigned char)p[i]) == (unsigned char)n[i])
			i++;
		if (i == 3)
			return m + 1;
	}
	return 0;
}

/* ---- -R ------------------------------------------------------------------- */

static void digest(const struct sortkey *k, const char *p, size_t n, unsigned char out[16])
{
	struct md5 m;

	md5_init(&m);
	md5_update(&m, k->seed, 16);
	md5_update(&m, p, n);
	md5_final(&m, out);
}

/* sort's compare_random: by digest, then (collisions, equal keys) bytes. */
static int random_cmp(const struct sortkey *k, const char *a, size_t alen, const char *b,
    size_t blen)
{
	unsigned char da[16], db[16];
	size_t m = alen < blen ? alen : blen;
	int c;

	digest(k, a, alen, da);
	digest(k, b, blen, db);
	if ((c = memcmp(da, db, 16)) != 0)
		return c;
	if (m > 0 && (c = memcmp(a, b, m)) != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* ---- -V: gnulib's filenvercmp (2022), which coreutils 9.1 sort uses ------- */

/* The length of s without its file suffix, the longest match of
 * (\.[A-Za-z~][A-Za-z0-9~]*)*$ -- which in the gnulib of coreutils 9.1
 * may be all of s: ".hidden" has no prefix, and sorts before ".5". */
static size_t file_prefixlen(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && s[j] == '.' &&
		    (is_alpha((unsigned char)s[j + 1]) || s[j + 1] == '~'))
			for (j += 2; j < n && (is_alnum((unsigned char)s[j]) || s[j] == '~'); j++)
				continue;
		if (j == n && j > i)
			return i;
		i = j > i ? j : i + 1;
	}
	return n;
}

static int order(const char *s, size_t pos, size_t len)
{
	unsigned char c;

	if (pos == len)
		return -1;
	c = (unsigned char)s[pos];
	if (is_digit(c))
		return 0;
	if (is_alpha(c))
		return c;
	if (c == '~')
		return -2;
	return c + 256;
}

/* Debian's verrevcmp: non-digit parts by order(), digit parts as numbers. */
static int verrevcmp(const char *s1, size_t l1, const char *s2, size_t l2)
{
	size_t p1 = 0, p2 = 0;

	while (p1 < l1 || p2 < l2) {
		int first_diff = 0;

		while ((p1 < l1 && !is_digit((unsigned char)s1[p1])) ||
		    (p2 < l2 && !is_digit((unsigned char)s2[p2]))) {
			int c1 = order(s1, p1, l1), c2 = order(s2, p2, l2);

			if (c1 != c2)
				return c1 - c2;
			p1++;
			p2++;
		}
		while (p1 < l1 && s1[p1] == '0')
			p1++;
		while (p2 < l2 && s2[p2] == '0')
			p2++;
		while (p1 < l1 && p2 < l2 && is_digit((unsigned char)s1[p1]) &&
		    is_digit((unsigned char)s2[p2])) {
			if (!first_diff)
				first_diff = s1[p1] - s2[p2];
			p1++;
			p2++;
		}
		if (p1 < l1 && is_digit((unsigned char)s1[p1]))
			return 1;
		if (p2 < l2 && is_digit((unsigned char)s2[p2]))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

int sortcmp_version(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t ap, bp;
	int r;

	if (alen == 0)
		return -(blen != 0);
	if (blen == 0)
		return 1;
	/* "." first, then "..", then other names with a leading ".". */
	if (a[0] == '.') {
		if (b[0] != '.')
			return -1;
		if (alen == 1)
			return -(blen != 1);
		if (blen == 1)
			return 1;
		if (a[1] == '.' && alen == 2)
			return -!(b[1] == '.' && blen == 2);
		if (b[1] == '.' && blen == 2)
			return 1;
	} else if (b[0] == '.') {
		return 1;
	}
	ap = file_prefixlen(a, alen);
	bp = file_prefixlen(b, blen);
	r = verrevcmp(a, ap, b, bp);
	if (r != 0 || (ap == alen && bp == blen))
		return r;
	return verrevcmp(a, alen, b, blen);
}

/* ---- text with -d, -i, -f ------------------------------------------------- */

static int filtered_cmp(const struct sortkey *k, const char *a, const char *alim, const char *b,
    const char *blim)
{
	for (;;) {
		while (a < alim && ignored(k, (unsigned char)*a))
			a++;
		while (b < blim && ignored(k, (unsigned char)*b))
			b++;
		if (a == alim || b == blim)
			return (a < alim) - (b < blim);
		if (fold(k, (unsigned char)*a) != fold(k, (unsigned char)*b))
			return fold(k, (unsigned char)*a) < fold(k, (unsigned char)*b) ? -1 : 1;
		a++;
		b++;
	}
}

/* The first 8 bytes that filtered_cmp compares, zero-padded. */
static uint64_t filtered_prefix(const struct sortkey *k, const char *p, const char *lim)
{
	uint64_t v = 0;
	int n = 0;

	for (; p < lim && n < 8; p++) {
		if (!ignored(k, (unsigned char)*p)) {
			v = v << 8 | fold(k, (unsigned char)*p);
			n++;
		}
	}
	return n == 0 ? 0 : v << (8 * (8 - n));
}

/* ---- dispatch ------------------------------------------------------------- */

static bool plain_text(const struct sortkey *k)
{
	return !k->numeric && !k->general && !k->human && !k->month && !k->version && !k->random;
}

int sortcmp_slow(const struct sortkey *k, const char *a, const char *alim, const char *b,
    const char *blim)
{
	struct text ta, tb;
	int c;

	if (plain_text(k))
		return filtered_cmp(k, a, alim, b, blim);
	text_get(k, a, alim, k->general, &ta);
	text_get(k, b, blim, k->general, &tb);
	if (k->numeric)
		c = sortkey_numcmp(ta.p, ta.p + ta.n, tb.p, tb.p + tb.n);
	else if (k->general)
		c = general_cmp(ta.p, tb.p);
	else if (k->human)
		c = human_cmp(ta.p, ta.p + ta.n, tb.p, tb.p + tb.n);
	else if (k->month)
		c = month(ta.p, ta.p + ta.n) - month(tb.p, tb.p + tb.n);
	else if (k->random)
		c = random_cmp(k, ta.p, ta.n, tb.p, tb.n);
	else
		c = sortcmp_version(ta.p, ta.n, tb.p, tb.n);
	text_free(&ta);
	text_free(&tb);
	return c;
}

uint64_t sortcmp_prefix(const struct sortkey *k, const char *beg, const char *lim)
{
	struct text t;
	uint64_t v = 0;

	if (plain_text(k))
		return filtered_prefix(k, beg, lim);
	text_get(k, beg, lim, k->general, &t);
	if (k->numeric) {
		v = sortkey_numprefix(t.p, t.p + t.n);
	} else if (k->general) {
		v = general_prefix(t.p);
	} else if (k->human) {
		v = human_prefix(t.p, t.p + t.n);
	} else if (k->month) {
		v = (uint64_t)month(t.p, t.p + t.n);
	} else if (k->random) {
		unsigned char d[16];

		digest(k, t.p, t.n, d);
		for (int i = 0; i < 8; i++)
			v = v << 8 | d[i];
	}
	text_free(&t);
	return v;
}
