/* fieldlist.h - field selections such as "1,3-5,7-,status": numbers
 * (1-based), ranges, open ranges and header names. */
#ifndef FORKPIPE_FIELDLIST_H
#define FORKPIPE_FIELDLIST_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"

/* The input's header record, split into names (present with -H).  For
 * JSON Lines there is no header record, but names are paths: binding one
 * adds it to the job's paths (fields.h, struct format). */
struct header {
	struct fieldvec fields;
	struct buf raw;		/* the header record as read, terminator included */
	struct jpaths *paths;	/* JSON Lines: where names go */
};

struct fieldsel {
	size_t lo, hi;		/* 1-based, inclusive; hi == SIZE_MAX: open range */
	char *name;		/* a header name, until bound */
};

struct fieldlist {
	struct fieldsel *v;
	size_t n;
	unsigned char *seen;	/* scratch for fieldlist_expand */
	size_t seen_cap;
};

/* Parse a list.  0, or -1 with *err naming the bad item. */
int fieldlist_parse(const char *spec, struct fieldlist *fl, char **err);
/* Resolve header names (h may be NULL: then any name is an error). */
int fieldlist_bind(struct fieldlist *fl, const struct header *h, char **err);
/* The 1-based index of a header name, or 0 if absent (for JSON Lines:
 * of the path, 0 if name is not one). */
size_t header_index(const struct header *h, const char *name);
/* The message for a name that header_index did not find (to be freed);
 * what names it, "field 'x'" or "op 'sum:x'", comes first. */
char *header_miss(const struct header *h, const char *what, const char *name);
/* For JSON Lines, fields are named, never numbered: the message for a
 * numbered one (to be freed), or NULL when numbers are fine. */
char *header_numbered(const struct header *h, const char *what);
/*
 * The selected 0-based indexes for a record of nfields fields, in list
 * order, each at most once, those past the end left out.  Returns how
 * many were written to out (which has room for nfields).
 */
size_t fieldlist_expand(struct fieldlist *fl, size_t nfields, size_t *out);
/* The same for the fields not selected, in ascending order (cut
 * --complement). */
size_t fieldlist_expand_complement(struct fieldlist *fl, size_t nfields, size_t *out);
/* The highest field number selected (SIZE_MAX for an open range), once
 * bound: records need splitting only that far. */
size_t fieldlist_max(const struct fieldlist *fl);
void fieldlist_free(struct fieldlist *fl);

#endif
