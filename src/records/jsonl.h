/* jsonl.h - JSON Lines records: the validating scanner that extracts the
 * values of jq-style paths in the same pass (json.c), the paths and the
 * trie the scanner walks (jsonpath.c), and map stages' JSON output
 * (jsonout.c).
 *
 * A record is one JSON value (RFC 8259) on one line.  The scanner checks
 * all of it (strings' UTF-8 and escapes, numbers, nesting) and never
 * builds a tree: while it walks, the trie of the requested paths says
 * which values to remember, as spans of the record. */
#ifndef FORKPIPE_JSONL_H
#define FORKPIPE_JSONL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum jtype {
	J_MISSING,	/* the record lacks the path: null, as in jq */
	J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_OBJECT, J_ARRAY,
};

/* One extracted value: a span of the record.  A string's span holds
 * its quotes; esc says it holds a backslash escape. */
struct jval {
	unsigned char type;
	bool esc;
	const char *p;
	size_t len;
};

/* One step of a path: an object key (unescaped) or an array index. */
struct jstep {
	char *key;	/* NULL: an index */
	size_t klen;
	size_t index;
};

struct jpath {
	char *text;	/* as the user wrote it */
	struct jstep *steps;
	size_t nsteps;
};

struct jnode;

/* The paths of a job, each once, and the trie the scanner walks. */
struct jpaths {
	struct jpath *v;
	size_t n;
	struct jnode *root;
};

/* The deepest nesting of arrays and objects a record may have. */
#define JSON_MAX_DEPTH 512

/* jsonpath.c */
/* The length of the path that starts s (".a.b[0]", ".\"k\"",
 * ".[\"k\"]", "."), or 0 if s starts no path. */
size_t jpath_span(const char *s);
/* Parse a whole path into steps; false if text is not one. */
bool jpath_parse(const char *text, struct jpath *out);
void jpath_free(struct jpath *p);
/* The 0-based index of text among ps's paths, added if new; -1 if text
 * is not a path. */
long jpaths_add(struct jpaths *ps, const char *text);
void jpaths_free(struct jpaths *ps);

/* json.c */
/*
 * Validate rec[0..len) (one record without its terminator; a trailing CR
 * is white space) and, when ps is not NULL, store the value of each of
 * its paths in vals[0..ps->n).  true, or false with *why a static
 * description of the first fault.
 */
bool json_scan(const struct jpaths *ps, const char *rec, size_t len, struct jval *vals,
    const char **why);
/* json_scan on the record at rec[0..avail) that ends at its first term
 * byte (or at avail), whose length (without the terminator) is set in
 * *len: in one pass where it can, so a block of records is not searched
 * for its terminators first. */
bool json_scan_line(const struct jpaths *ps, const char *rec, size_t avail, char term,
    struct jval *vals, size_t *len, const char **why);
/*
 * A value as a field's text: a string unescaped, an object or array in
 * compact form, anything else as written; a missing value is "null".
 * Text that is not in the record is appended to scratch, which must have
 * room for v->len more bytes (so earlier values never move).
 */
void json_text(const struct jval *v, struct buf *scratch, const char **p, size_t *len);
/* Append v as JSON text (compact; strings as written). */
void json_put(const struct jval *v, struct buf *out);

/* jsonout.c: cut's output, objects holding just the selected paths.  An
 * index writes an array with null before it: indexes above this are
 * refused (jout_new returns NULL). */
#define JOUT_MAX_INDEX 4095
struct jout;
struct jout *jout_new(const struct jpaths *ps, const size_t *idx, size_t n);
void jout_write(const struct jout *o, const struct jval *vals, struct buf *out);
void jout_free(struct jout *o);

#endif
