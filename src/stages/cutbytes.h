/* cutbytes.h - cut -b and -c: byte positions, as GNU cut takes them. */
#ifndef FORKPIPE_CUTBYTES_H
#define FORKPIPE_CUTBYTES_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "fieldlist.h"

/* Ascending, non-overlapping 1-based ranges (hi SIZE_MAX: to the end). */
struct byteranges {
	struct fieldsel *v;
	size_t n;
};

/*
 * The ranges of a parsed list (numbers only; what names there are is
 * an error), sorted and with overlaps merged as GNU cut merges them
 * (adjacent ranges stay apart: --output-delimiter goes between them),
 * or their complement.  0, or -1 with *err.
 */
int byteranges_from(const struct fieldlist *fl, bool complement, struct byteranges *br,
    char **err);
/* Append rec[0..len)'s selected bytes to out, od (if not NULL) between
 * the pieces of two ranges. */
void byteranges_cut(const struct byteranges *br, const char *rec, size_t len, const char *od,
    size_t odlen, struct buf *out);
void byteranges_free(struct byteranges *br);

#endif
