/* fieldlist.c - field selections: numbers, ranges and header names. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "fieldlist.h"
#include "jsonl.h"
#include "util.h"

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool to_index(const char *s, size_t n, size_t *out)
{
	size_t v = 0;

	if (!all_digits(s, n) || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (size_t)(s[i] - '0');
	*out = v;
	return v > 0;
}

/* One item: N, N-M, N-, -M, or a name. */
static int parse_item(const char *s, size_t n, struct fieldsel *sel, char **err)
{
	const char *dash = memchr(s, '-', n);

	sel->name = NULL;
	if (to_index(s, n, &sel->lo)) {
		sel->hi = sel->lo;
		return 0;
	}
	if (dash != NULL && (dash == s || all_digits(s, (size_t)(dash - s))) &&
	    (dash == s + n - 1 || all_digits(dash + 1, (size_t)(s + n - dash - 1)))) {
		size_t a = (size_t)(dash - s), b = (size_t)(s + n - dash - 1);

		if (a == 0 && b == 0)
			goto bad;
		sel->lo = 1;
		sel->hi = SIZE_MAX;
		if ((a > 0 && !to_index(s, a, &sel->lo)) || (b > 0 && !to_index(dash + 1, b, &sel->hi)))
			goto bad;
		if (sel->hi < sel->lo) {
			*err = xasprintf("field list: decreasing range '%.*s'", (int)n, s);
			return -1;
		}
		return 0;
	}
	if (n == 0 || all_digits(s, n))
		goto bad;
	sel->name = xstrndup(s, n);
	return 0;
bad:
	*err = xasprintf("field list: bad field '%.*s' (fields are numbered from 1)", (int)n, s);
	return -1;
}

int fieldlist_parse(const char *spec, struct fieldlist *fl, char **err)
{
	const char *p = spec;

	memset(fl, 0, sizeof *fl);
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		fl->v = xreallocarray(fl->v, fl->n + 1, sizeof *fl->v);
		if (parse_item(p, n, &fl->v[fl->n], err) < 0) {
			fieldlist_free(fl);
			return -1;
		}
		fl->n++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

size_t header_index(const struct header *h, const char *name)
{
	if (h == NULL)
		return 0;
	if (h->paths != NULL) {
		long k = jpaths_add(h->paths, name);

		return k < 0 ? 0 : (size_t)k + 1;
	}
	for (size_t i = 0; i < h->fields.n; i++)
		if (h->fields.v[i].len == strlen(name) && memcmp(h->fields.v[i].p, name, h->fields.v[i].len) == 0)
			return i + 1;
	return 0;
}

char *header_miss(const struct header *h, const char *what, const char *name)
{
	if (h != NULL && h->paths != NULL)
		return xasprintf("%s: '%s' is not a JSON path (.key, .a.b, .[0], .\"key\", "
		    ".[\"key\"])", what, name);
	return xasprintf("%s: no such field in the header", what);
}

char *header_numbered(const struct header *h, const char *what)
{
	if (h == NULL || h->paths == NULL)
		return NULL;
	return xasprintf("%s: JSON fields are named by paths (.key, .a.b, .[0]), not numbers",
	    what);
}

int fieldlist_bind(struct fieldlist *fl, const struct header *h, char **err)
{
	for (size_t i = 0; i < fl->n; i++) {
		struct fieldsel *sel = &fl->v[i];

		if (sel->name == NULL) {
			char *what = xasprintf("field '%zu'", sel->lo);

			*err = header_numbered(h, what);
			free(what);
			if (*err != NULL)
				return -1;
			continue;
		}
		if (h == NULL) {
			*err = xasprintf("field '%s': field names need a header (--header)", sel->name);
			return -1;
		}
		sel->lo = sel->hi = header_index(h, sel->name);
		if (sel->lo == 0) {
			char *what = xasprintf("field '%s'", sel->name);

			*err = header_miss(h, what, sel->name);
			free(what);
			return -1;
		}
		free(sel->name);
		sel->name = NULL;
	}
	return 0;
}

/* Mark the selected fields of nfields in fl->seen; with out, also list
 * them there in list order.  Returns how many were listed. */
static size_t mark(struct fieldlist *fl, size_t nfields, size_t *out)
{
	size_t n = 0;

	if (fl->seen_cap < nfields) {
		fl->seen = xrealloc(fl->seen, nfields);
		fl->seen_cap = nfields;
	}
	memset(fl->seen, 0, nfields);
	for (size_t i = 0; i < fl->n; i++) {
		size_t hi = fl->v[i].hi < nfields ? fl->v[i].hi : nfields;

		for (size_t f = fl->v[i].lo; f <= hi; f++) {
			if (!fl->seen[f - 1] && out != NULL)
				out[n++] = f - 1;
			fl->seen[f - 1] = 1;
		}
	}
	return n;
}

size_t fieldlist_expand(struct fieldlist *fl, size_t nfields, size_t *out)
{
	return nfields == 0 ? 0 : mark(fl, nfields, out);
}

size_t fieldlist_expand_complement(struct fieldlist *fl, size_t nfields, size_t *out)
{
	size_t n = 0;

	if (nfields == 0)
		return 0;
	mark(fl, nfields, NULL);
	for (size_t f = 0; f < nfields; f++)
		if (!fl->seen[f])
			out[n++] = f;
	return n;
}

size_t fieldlist_max(const struct fieldlist *fl)
{
	size_t m = 0;

	for (size_t i = 0; i < fl->n; i++)
		if (fl->v[i].hi > m)
			m = fl->v[i].hi;
	return m;
}

void fieldlist_free(struct fieldlist *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free(fl->v[i].name);
	free(fl->v);
	free(fl->seen);
	memset(fl, 0, sizeof *fl);
}
