/* sortkey.c - sort keys and record comparison as GNU sort does them in
 * the C locale.
 *
 * The field and character positions follow GNU sort's begfield() and
 * limfield(): without -t a field is a run of blanks followed by a run of
 * non-blanks (its leading blanks belong to it, so -b matters); with -t
 * each separator ends a field.  A key whose end comes before its start is
 * empty. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "sortcmp.h"
#include "sortkey.h"
#include "util.h"

static inline bool blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static inline bool digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* ---- parsing ------------------------------------------------------------ */

/* Digits at *p into *out (saturating, as GNU sort does); false if none. */
static bool parse_count(const char **p, size_t *out)
{
	const char *s = *p;
	size_t v = 0;

	if (!digit((unsigned char)*s))
		return false;
	for (; digit((unsigned char)*s); s++) {
		size_t d = (size_t)(*s - '0');

		v = v > (SIZE_MAX - d) / 10 ? SIZE_MAX : v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

/* Set the ordering letter c on k, as sort does (d wins over i, whatever
 * their order); false if c is no ordering letter.  Shared by -k keys and
 * the stage's global options. */
bool sortkey_letter(struct sortkey *k, char c, bool end)
{
	switch (c) {
	case 'b':
		if (end)
			k->skipeblanks = true;
		else
			k->skipsblanks = true;
		break;
	case 'd': k->ignore = 'd'; break;
	case 'i': if (k->ignore == 0) k->ignore = 'i'; break;
	case 'f': k->fold = true; break;
	case 'g': k->general = true; break;
	case 'h': k->human = true; break;
	case 'M': k->month = true; break;
	case 'n': k->numeric = true; break;
	case 'R': k->random = true; break;
	case 'r': k->reverse = true; break;
	case 'V': k->version = true; break;
	default:
		return false;
	}
	return true;
}

/* Ordering letters after a position. */
static const char *parse_opts(const char *s, struct sortkey *k, bool end)
{
	for (; sortkey_letter(k, *s, end); s++)
		k->has_opts = true;
	return s;
}

static int bad_key(const char *def, const char *why, char **err)
{
	*err = xasprintf("sort: bad key definition '%s': %s", def, why);
	return -1;
}

/* A JSON path key: PATH[:LETTERS].  Its value is found by scanning the
 * record for this path alone. */
static int parse_path_key(const char *def, struct sortkey *k, char **err)
{
	size_t n = jpath_span(def);
	char *text = xstrndup(def, n);
	const char *s = def + n;

	k->json = xcalloc(1, sizeof *k->json);
	k->eword = SORTKEY_EOL;
	if ((*s != ':' && *s != '\0') || jpaths_add(k->json, text) < 0) {
		free(text);
		return bad_key(def, "not a JSON path (.key, .a.b, .[0], .\"key\")", err);
	}
	free(text);
	if (*s == ':')
		s = parse_opts(s + 1, k, false);
	if (*s != '\0')
		return bad_key(def, "a path's ordering letters (b, d, f, g, h, i, M, n, R, r, V) "
		    "follow a ':'", err);
	return 0;
}

int sortkey_parse(const char *def, struct sortkey *k, char **err)
{
	const char *s = def;

	memset(k, 0, sizeof *k);
	if (*s == '.')
		return parse_path_key(def, k, err);
	if (!parse_count(&s, &k->sword))
		return bad_key(def, "expected a field number at the start", err);
	if (k->sword-- == 0)
		return bad_key(def, "field numbers start at 1", err);
	if (*s == '.') {
		s++;
		if (!parse_count(&s, &k->schar))
			return bad_key(def, "expected a character position after '.'", err);
		if (k->schar-- == 0)
			return bad_key(def, "character positions start at 1", err);
	}
	s = parse_opts(s, k, false);
	if (*s == ',') {
		s++;
		if (!parse_count(&s, &k->eword))
			return bad_key(def, "expected a field number after ','", err);
		if (k->eword-- == 0)
			return bad_key(def, "field numbers start at 1", err);
		if (*s == '.') {
			s++;
			if (!parse_count(&s, &k->echar))
				return bad_key(def, "expected a character position after '.'", err);
		}
		s = parse_opts(s, k, true);
	} else {
		k->eword = SORTKEY_EOL;
		k->echar = 0;
	}
	if (*s != '\0') {
		char *why = xasprintf("unexpected '%c'", *s);
		int rc = bad_key(def, why, err);

		free(why);
		return rc;
	}
	return 0;
}

void sortspec_finish(struct sortspec *s, bool numeric, bool blanks)
{
	struct sortkey g = { .numeric = numeric, .skipsblanks = blanks, .reverse = s->reverse };

	sortspec_finish_global(s, &g);
}

/* Copy the global ordering options of g onto k (not its positions). */
static void inherit(struct sortkey *k, const struct sortkey *g)
{
	k->numeric = g->numeric;
	k->skipsblanks = k->skipeblanks = g->skipsblanks;
	k->reverse = g->reverse;
	k->general = g->general;
	k->human = g->human;
	k->month = g->month;
	k->version = g->version;
	k->random = g->random;
	k->fold = g->fold;
	k->ignore = g->ignore;
}

/* Whether a key orders differently from the plain byte comparison (sort's
 * default_key_compare, negated: -r alone does not count). */
static bool orders(const struct sortkey *k)
{
	return k->numeric || k->skipsblanks || k->skipeblanks || k->general || k->human ||
	       k->month || k->version || k->random || k->fold || k->ignore != 0;
}

void sortspec_finish_global(struct sortspec *s, const struct sortkey *g)
{
	bool user_keys = s->nkeys > 0;

	for (size_t i = 0; i < s->nkeys; i++) {
		struct sortkey *k = &s->keys[i];

		if (!k->has_opts)
			inherit(k, g);
	}
	if (!user_keys) {
		/* The whole record is the key: with ordering options as a key of
		 * its own (then equal keys fall back to the byte comparison),
		 * else the byte comparison itself. */
		struct sortkey *k = &s->keys[0];

		memset(k, 0, sizeof *k);
		k->eword = SORTKEY_EOL;
		inherit(k, g);
		s->nkeys = 1;
		user_keys = orders(k);
	}
	for (size_t i = 0; i < s->nkeys; i++) {
		struct sortkey *k = &s->keys[i];

		k->slow = k->general || k->human || k->month || k->version || k->random ||
			  k->fold || k->ignore != 0;
		k->seed = s->seed;
	}
	s->last_resort = user_keys && !s->unique && !s->stable;
}

int sortspec_check(const struct sortspec *s, char **err)
{
	for (size_t i = 0; i < s->nkeys; i++) {
		const struct sortkey *k = &s->keys[i];
		char o[16], *q = o;

		if (k->numeric + k->general + k->human + k->month +
		    (k->version || k->random || k->ignore != 0) <= 1)
			continue;
		/* sort names them in this order, without b and r */
		if (k->ignore == 'd')
			*q++ = 'd';
		if (k->fold)
			*q++ = 'f';
		if (k->general)
			*q++ = 'g';
		if (k->human)
			*q++ = 'h';
		if (k->ignore == 'i')
			*q++ = 'i';
		if (k->month)
			*q++ = 'M';
		if (k->numeric)
			*q++ = 'n';
		if (k->random)
			*q++ = 'R';
		if (k->version)
			*q++ = 'V';
		*q = '\0';
		*err = xasprintf("sort: options '-%s' are incompatible", o);
		return -1;
	}
	return 0;
}

void sortspec_free(struct sortspec *s)
{
	for (size_t i = 0; i < s->nkeys; i++) {
		if (s->keys[i].json != NULL)
			jpaths_free(s->keys[i].json);
		free(s->keys[i].json);
	}
	free(s->keys);
	s->keys = NULL;
	s->nkeys = 0;
}

/* ---- key positions ----------------------------------------------------- */

static const char *begfield(const struct sortspec *s, const struct sortkey *k, const char *ptr,
    const char *lim)
{
	size_t sword = k->sword;

	if (s->tab >= 0) {
		char tab = (char)s->tab;

		while (ptr < lim && sword--) {
			const char *t = memchr(ptr, tab, (size_t)(lim - ptr));

			ptr = t != NULL ? t + 1 : lim;
		}
	} else {
		while (ptr < lim && sword--) {
			while (ptr < lim && blank((unsigned char)*ptr))
				++ptr;
			while (ptr < lim && !blank((unsigned char)*ptr))
				++ptr;
		}
	}
	if (k->skipsblanks)
		while (ptr < lim && blank((unsigned char)*ptr))
			++ptr;
	return (size_t)(lim - ptr) < k->schar ? lim : ptr + k->schar;
}

static const char *limfield(const struct sortspec *s, const struct sortkey *k, const char *ptr,
    const char *lim)
{
	size_t eword = k->eword, echar = k->echar;

	if (echar == 0)
		eword++;	/* the whole end field */
	if (s->tab >= 0) {
		char tab = (char)s->tab;

		while (ptr < lim && eword--) {
			const char *t = memchr(ptr, tab, (size_t)(lim - ptr));

			ptr = t != NULL ? t : lim;
			if (ptr < lim && (eword || echar))
				++ptr;
		}
	} else {
		while (ptr < lim && eword--) {
			while (ptr < lim && blank((unsigned char)*ptr))
				++ptr;
			while (ptr < lim && !blank((unsigned char)*ptr))
				++ptr;
		}
	}
	if (echar != 0) {
		if (k->skipeblanks)
			while (ptr < lim && blank((unsigned char)*ptr))
				++ptr;
		ptr = (size_t)(lim - ptr) < echar ? lim : ptr + echar;
	}
	return ptr;
}

void sortkey_bounds(const struct sortspec *s, const struct sortkey *k, const char *rec,
    size_t len, const char **beg, const char **lim)
{
	const char *end = rec + len;

	if (k->json != NULL) {
		/* The value as written: a string between its quotes (escapes
		 * not decoded); a missing one, or a record that does not
		 * scan, is empty. */
		struct jval v;
		const char *why;

		*beg = *lim = rec;
		if (!json_scan(k->json, rec, len, &v, &why) || v.type == J_MISSING)
			return;
		*beg = v.type == J_STRING ? v.p + 1 : v.p;
		*lim = v.type == J_STRING ? v.p + v.len - 1 : v.p + v.len;
		return;
	}
	const char *b = begfield(s, k, rec, end);
	const char *l = k->eword == SORTKEY_EOL ? end : limfield(s, k, rec, end);

	*beg = b;
	*lim = l > b ? l : b;
}

/* ---- numbers ----------------------------------------------------------- */

/* A number as sort -n reads it: sign, integer digits without leading
 * zeros, fraction digits without trailing zeros (zero: both empty, and
 * never negative). */
struct num {
	bool neg;
	const char *ip, *fp;
	size_t ilen, flen;
};

static void num_parse(const char *p, const char *lim, struct num *n)
{
	while (p < lim && blank((unsigned char)*p))
		p++;
	n->neg = p < lim && *p == '-';
	if (n->neg)
		p++;
	while (p < lim && *p == '0')
		p++;
	n->ip = p;
	while (p < lim && digit((unsigned char)*p))
		p++;
	n->ilen = (size_t)(p - n->ip);
	n->fp = p;
	n->flen = 0;
	if (p < lim && *p == '.') {
		const char *e;

		n->fp = ++p;
		while (p < lim && digit((unsigned char)*p))
			p++;
		for (e = p; e > n->fp && e[-1] == '0'; e--)
			;
		n->flen = (size_t)(e - n->fp);
	}
	if (n->ilen == 0 && n->flen == 0)
		n->neg = false;
}

static int num_magcmp(const struct num *a, const struct num *b)
{
	size_t m;
	int c;

	if (a->ilen != b->ilen)
		return a->ilen < b->ilen ? -1 : 1;
	if (a->ilen > 0 && (c = memcmp(a->ip, b->ip, a->ilen)) != 0)
		return c;
	m = a->flen < b->flen ? a->flen : b->flen;
	if (m > 0 && (c = memcmp(a->fp, b->fp, m)) != 0)
		return c;
	return (a->flen > b->flen) - (a->flen < b->flen);
}

int sortkey_numcmp(const char *a, const char *alim, const char *b, const char *blim)
{
	struct num x, y;
	int c;

	num_parse(a, alim, &x);
	num_parse(b, blim, &y);
	if (x.neg != y.neg)
		return x.neg ? -1 : 1;
	c = num_magcmp(&x, &y);
	return x.neg ? -c : c;
}

/*
 * A number's prefix: the sign, then a 16-bit decimal exponent and the
 * first 14 significant digits as a binary integer (below 2^47), mirrored
 * below 2^63 for negative numbers.  Exponents too large or too small for
 * the 16 bits share the end buckets, with no digits: such keys tie on the
 * prefix and are compared in full.  Inlined into sortkey_prefix_exact, as
 * it was before sortkey_numprefix (-h) called it too.
 */
static inline __attribute__((always_inline)) uint64_t num_prefix(const char *beg,
    const char *lim, bool *exact)
{
	struct num n;
	const char *d, *dend, *f, *fend;
	long e;
	uint64_t eb, digits = 0;
	int k = 0;

	num_parse(beg, lim, &n);
	*exact = true;
	if (n.ilen == 0 && n.flen == 0)
		return UINT64_C(1) << 63;
	if (n.ilen > 0) {
		e = n.ilen > 40000 ? 40000 : (long)n.ilen;
		d = n.ip;
		dend = n.ip + n.ilen;
		f = n.fp;
		fend = n.fp + n.flen;
	} else {
		size_t z = 0;

		while (n.fp[z] == '0')
			z++;	/* flen > 0: a non-zero digit ends this */
		e = z > 40000 ? -40000 : -(long)z;
		d = n.fp + z;
		dend = n.fp + n.flen;
		f = fend = dend;
	}
	if (e + 32768 <= 1 || e + 32768 >= 65535) {
		eb = e + 32768 <= 1 ? 1 : 65535;
		*exact = false;
	} else {
		*exact = (size_t)(dend - d) + (size_t)(fend - f) <= 14;
		eb = (uint64_t)(e + 32768);
		for (; k < 14 && d < dend; k++)
			digits = digits * 10 + (uint64_t)(*d++ - '0');
		for (; k < 14 && f < fend; k++)
			digits = digits * 10 + (uint64_t)(*f++ - '0');
		for (; k < 14; k++)
			digits *= 10;
	}
	digits += eb << 47;
	return n.neg ? (UINT64_C(1) << 63) - digits : (UINT64_C(1) << 63) + digits;
}

uint64_t sortkey_numprefix(const char *beg, const char *lim)
{
	bool exact;

	return num_prefix(beg, lim, &exact);
}

/* ---- comparison -------------------------------------------------------- */

uint64_t sortkey_prefix(const struct sortkey *k, const char *beg, const char *lim)
{
	bool exact;

	return sortkey_prefix_exact(k, beg, lim, &exact);
}

uint64_t sortkey_prefix_exact(const struct sortkey *k, const char *beg, const char *lim,
    bool *exact)
{
	uint64_t v = 0;

	if (k->slow) {
		*exact = false;
		v = sortcmp_prefix(k, beg, lim);
	} else if (k->numeric) {
		v = num_prefix(beg, lim, exact);
	} else {
		size_t n = (size_t)(lim - beg);

		*exact = n <= 8;
		if (n >= 8) {
			for (int i = 0; i < 8; i++)
				v = v << 8 | (unsigned char)beg[i];
		} else {
			for (size_t i = 0; i < 8; i++)
				v = v << 8 | (i < n ? (unsigned char)beg[i] : 0);
		}
	}
	return k->reverse ? ~v : v;
}

static inline int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t m = alen < blen ? alen : blen;
	int c = m > 0 ? memcmp(a, b, m) : 0;

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

int sortkey_cmp(const struct sortkey *k, const char *a, const char *alim, const char *b,
    const char *blim)
{
	if (k->slow)
		return sortcmp_slow(k, a, alim, b, blim);
	if (k->numeric)
		return sortkey_numcmp(a, alim, b, blim);
	return bytes_cmp(a, (size_t)(alim - a), b, (size_t)(blim - b));
}

int sortspec_compare_from(const struct sortspec *s, size_t from, const char *a, size_t alen,
    const char *b, size_t blen)
{
	int c;

	for (size_t i = from; i < s->nkeys; i++) {
		const struct sortkey *k = &s->keys[i];
		const char *ab, *al, *bb, *bl;

		sortkey_bounds(s, k, a, alen, &ab, &al);
		sortkey_bounds(s, k, b, blen, &bb, &bl);
		c = sortkey_cmp(k, ab, al, bb, bl);
		if (c != 0)
			return k->reverse ? (c < 0 ? 1 : -1) : (c < 0 ? -1 : 1);
	}
	if (!s->last_resort)
		return 0;
	c = bytes_cmp(a, alen, b, blen);
	if (c == 0)
		return 0;
	return s->reverse ? (c < 0 ? 1 : -1) : (c < 0 ? -1 : 1);
}

bool sortspec_same(const struct sortspec *s, const char *a, size_t alen, const char *b,
    size_t blen)
{
	for (size_t i = 0; i < s->nkeys; i++) {
		const struct sortkey *k = &s->keys[i];
		const char *ab, *al, *bb, *bl;

		sortkey_bounds(s, k, a, alen, &ab, &al);
		sortkey_bounds(s, k, b, blen, &bb, &bl);
		if (sortkey_cmp(k, ab, al, bb, bl) != 0)
			return false;
	}
	return true;
}
