/* cutbytes.c - cut -b and -c: selecting bytes of a record by position.
 * In the C locale a character is a byte, so -c is -b, as in GNU cut. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "cutbytes.h"
#include "util.h"

static int by_lo(const void *a, const void *b)
{
	const struct fieldsel *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : (x->hi > y->hi) - (x->hi < y->hi);
}

/* The gaps between sorted, merged ranges: the complement. */
static void complement(struct byteranges *br)
{
	struct fieldsel *c = xreallocarray(NULL, br->n + 1, sizeof *c);
	size_t n = 0, next = 1;

	for (size_t i = 0; i < br->n; i++) {
		if (br->v[i].lo > next)
			c[n++] = (struct fieldsel){ next, br->v[i].lo - 1, NULL };
		next = br->v[i].hi == SIZE_MAX ? SIZE_MAX : br->v[i].hi + 1;
	}
	if (next != SIZE_MAX)
		c[n++] = (struct fieldsel){ next, SIZE_MAX, NULL };
	free(br->v);
	br->v = c;
	br->n = n;
}

int byteranges_from(const struct fieldlist *fl, bool compl, struct byteranges *br, char **err)
{
	size_t n = 0;

	br->v = xreallocarray(NULL, fl->n, sizeof *br->v);
	br->n = 0;
	for (size_t i = 0; i < fl->n; i++) {
		if (fl->v[i].name != NULL) {
			*err = xasprintf("byte positions are numbers from 1, not names ('%s')",
			    fl->v[i].name);
			byteranges_free(br);
			return -1;
		}
		br->v[i] = (struct fieldsel){ fl->v[i].lo, fl->v[i].hi, NULL };
	}
	qsort(br->v, fl->n, sizeof *br->v, by_lo);
	/* As GNU cut: overlapping ranges are one, adjacent ones are not. */
	for (size_t i = 0; i < fl->n; i++) {
		if (n > 0 && br->v[i].lo <= br->v[n - 1].hi) {
			if (br->v[i].hi > br->v[n - 1].hi)
				br->v[n - 1].hi = br->v[i].hi;
			continue;
		}
		br->v[n++] = br->v[i];
	}
	br->n = n;
	if (compl)
		complement(br);
	return 0;
}

void byteranges_cut(const struct byteranges *br, const char *rec, size_t len, const char *od,
    size_t odlen, struct buf *out)
{
	bool any = false;

	for (size_t i = 0; i < br->n && br->v[i].lo <= len; i++) {
		size_t hi = br->v[i].hi < len ? br->v[i].hi : len;

		if (any && od != NULL)
			buf_append(out, od, odlen);
		buf_append(out, rec + br->v[i].lo - 1, hi - br->v[i].lo + 1);
		any = true;
	}
}

void byteranges_free(struct byteranges *br)
{
	free(br->v);
	br->v = NULL;
	br->n = 0;
}
