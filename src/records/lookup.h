/* lookup.h - join's lookup table: a small file's records, split into
 * fields once, and found by key.
 *
 * The table is built once, in the supervisor before the workers fork,
 * and only read afterwards, so every worker shares it copy-on-write.
 * Every field value is copied into one arena (CSV values unquoted), so
 * a record's fields are a ready array of struct field; the records are
 * grouped by key in a keytab (reduce/keytab.h), and the records of one
 * key keep their order in the file, as join prints them.
 *
 * Keys follow coreutils join: a record without a key field has an empty
 * key there (which matches other empty keys).  A key of several fields
 * is their values, each behind its 4-byte length, so that no two lists
 * of values make the same key. */
#ifndef FORKPIPE_LOOKUP_H
#define FORKPIPE_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fieldlist.h"
#include "fields.h"
#include "keytab.h"

struct lookup_rec {
	size_t first;	/* its first field in fields[] */
	size_t n;	/* its number of fields */
};

struct lookup {
	struct buf vals;		/* every value, back to back */
	struct field *fields;		/* every record's fields, in order */
	size_t nfields;
	struct lookup_rec *recs;	/* the records in file order */
	size_t nrec;
	bool has_header;		/* recs[0] is the header, not data */
	struct header header;		/* its fields, for binding names */
	struct keytab kt;		/* key -> its records' span of order[] */
	size_t *order;			/* record numbers grouped by key */
};

/*
 * Split data[0..len) (whole records, each ending with term) into lk; with header, the first record is the header.  0, or -1 on
 * malformed CSV with *why (static) and *err_off (the record's offset).
 */
int lookup_parse(struct lookup *lk, const char *data, size_t len, const struct format *f,
    char term, bool header, const char **why, size_t *err_off);

/* Group the data records by the fields keys[0..nkeys) (0-based). */
void lookup_index(struct lookup *lk, const size_t *keys, size_t nkeys);

/* The bytes the table holds. */
uint64_t lookup_bytes(const struct lookup *lk);

/*
 * The key of a record of n fields v, by the fields keys[0..nkeys): a
 * pointer to the one field's value, or, for several, their encoding in
 * scratch.
 */
const char *lookup_key(const struct field *v, size_t n, const size_t *keys, size_t nkeys,
    struct buf *scratch, size_t *len);

/* The records whose key is key: *count record numbers at the result
 * (NULL when there are none). */
static inline const size_t *lookup_find(const struct lookup *lk, const char *key, size_t len,
    size_t *count)
{
	uint64_t off;
	const uint64_t *span;

	if (lk->kt.n == 0)
		return NULL;
	off = keytab_get(&lk->kt, key, len, keytab_hash(key, len));
	if (off == 0)
		return NULL;
	span = keytab_state(&lk->kt, off);
	*count = (size_t)span[1];
	return lk->order + span[0];
}

/* The fields of record r. */
static inline const struct field *lookup_fields(const struct lookup *lk, size_t r, size_t *n)
{
	*n = lk->recs[r].n;
	return lk->fields + lk->recs[r].first;
}

void lookup_free(struct lookup *lk);

#endif
