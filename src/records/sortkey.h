/* sortkey.h - sort keys and record comparison as GNU sort does them in
 * the C locale (LC_ALL=C sort): -k definitions, -t, -b, -n, -r, and the
 * last-resort comparison of whole records.  The other orderings (-d -f
 * -g -h -i -M -R -V) are compared in sortcmp.c, on a slower general path
 * that leaves the byte and -n fast paths as they are.
 *
 * Records are passed without their terminator.  Blanks are space, tab
 * and newline (a newline can only occur inside a record with -z), as in
 * GNU sort. */
#ifndef FORKPIPE_SORTKEY_H
#define FORKPIPE_SORTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SORTKEY_EOL as eword: the key runs to the end of the record. */
#define SORTKEY_EOL SIZE_MAX

/*
 * One key, in GNU sort's terms: the key starts schar bytes into field
 * sword + 1 (0-based: sword fields are skipped) and ends echar bytes into
 * field eword + 1, or at the end of that field when echar is 0.
 */
struct jpaths;

struct sortkey {
	struct jpaths *json;	/* JSON Lines: the key is this one path's value
				 * as written (-k .status:n); NULL: positions */
	size_t sword, schar;
	size_t eword, echar;
	bool skipsblanks;	/* b on the start: leading blanks not counted */
	bool skipeblanks;	/* b on the end */
	bool numeric;		/* n */
	bool reverse;		/* r */
	bool general;		/* g: numbers as strtold reads them */
	bool human;		/* h: numbers with an SI suffix (2K < 1M) */
	bool month;		/* M: JAN < ... < DEC, others first */
	bool version;		/* V: version strings (filevercmp) */
	bool random;		/* R: by the MD5 of seed and key */
	bool fold;		/* f: lower case as upper case */
	char ignore;		/* 'd' (keep only blanks and alphanumerics),
				 * 'i' (keep only printable bytes), or 0 */
	bool has_opts;		/* some ordering option was given on the key */
	bool slow;		/* one of g h M V R f d i: see sortcmp.c */
	const unsigned char *seed;	/* R: the 16-byte seed (the spec's) */
};

struct sortspec {
	struct sortkey *keys;
	size_t nkeys;
	int tab;		/* field separator byte, or -1: blank-to-nonblank */
	bool reverse;		/* -r: also reverses the last-resort comparison */
	bool unique;		/* -u */
	bool stable;		/* -s */
	bool last_resort;	/* compare whole records when the keys tie */
	bool check;		/* -c or -C: only check that input is sorted */
	bool check_quiet;	/* -C */
	bool merge_only;	/* -m: the inputs are sorted already */
	unsigned char seed[16];	/* -R: what keys' digests start with */
};

/*
 * Parse a -k definition ("2,2", "3,3nr", "1.2,1.4", "2b", "2,2hr", or a
 * JSON path with its ordering letters after a colon: ".bytes:nr") into *k.
 * Returns 0, or -1 with *err ("bad key definition '2,x': ...").
 */
int sortkey_parse(const char *def, struct sortkey *k, char **err);
/* Set ordering letter c (b d f g h i M n R r V) on k; b on the key's end
 * when end.  False if c is none of them. */
bool sortkey_letter(struct sortkey *k, char c, bool end);

/*
 * Complete a spec once its keys are parsed: keys without ordering options
 * of their own take the global ones (-b, -n, -r: numeric, blanks and
 * reverse as given), as GNU sort does; without any key the whole record
 * is the key (with -n or -b as a key of its own).  After this, nkeys >= 1
 * and keys[0] is the first key to compare.  keys must have room for one
 * key when nkeys is 0.
 */
void sortspec_finish(struct sortspec *s, bool numeric, bool blanks);
/* The same with every global option: those of *g (its skipsblanks for -b). */
void sortspec_finish_global(struct sortspec *s, const struct sortkey *g);
/* Whether a key's orderings exclude each other as sort says (-n with -g,
 * -d with -M ...): 0, or -1 with *err ("sort: options '-dn' are
 * incompatible"). */
int sortspec_check(const struct sortspec *s, char **err);

/* The key k of rec[0..len): [*beg, *lim), empty when the key's end comes
 * before its start. */
void sortkey_bounds(const struct sortspec *s, const struct sortkey *k, const char *rec,
    size_t len, const char **beg, const char **lim);

/* Compare two keys' texts (already bounded) as key k orders them, before
 * its reverse flag is applied: bytes, numbers as sort -n reads them, or
 * (slow keys) as sortcmp_slow does. */
int sortkey_cmp(const struct sortkey *k, const char *a, const char *alim, const char *b,
    const char *blim);

/* GNU sort -n in the C locale: leading blanks, an optional '-', digits,
 * an optional '.' and fraction; anything else ends the number, and no
 * number is zero.  Exact: -0 equals 0, 1.50 equals 1.5. */
int sortkey_numcmp(const char *a, const char *alim, const char *b, const char *blim);

/* The prefix of a number as -n reads it (no reverse): ordered as
 * sortkey_numcmp orders numbers. */
uint64_t sortkey_numprefix(const char *beg, const char *lim);

/*
 * An 8-byte summary of a key that orders like the key: if the prefixes of
 * two keys differ, the keys compare the same way (with the key's reverse
 * flag applied); equal keys have equal prefixes.  Equal prefixes say
 * nothing: compare the keys.
 */
uint64_t sortkey_prefix(const struct sortkey *k, const char *beg, const char *lim);
/* The same, and whether the prefix is the whole key: then two keys with
 * equal prefixes are equal (text keys: also of equal lengths). */
uint64_t sortkey_prefix_exact(const struct sortkey *k, const char *beg, const char *lim,
    bool *exact);

/* The whole comparison of two records, as sort compares lines: the keys
 * from index `from` on, then (unless -s or -u) the whole records. */
int sortspec_compare_from(const struct sortspec *s, size_t from, const char *a, size_t alen,
    const char *b, size_t blen);

static inline int sortspec_compare(const struct sortspec *s, const char *a, size_t alen,
    const char *b, size_t blen)
{
	return sortspec_compare_from(s, 0, a, alen, b, blen);
}

/* Whether two records are duplicates for -u: every key compares equal
 * (the whole records, without keys). */
bool sortspec_same(const struct sortspec *s, const char *a, size_t alen, const char *b,
    size_t blen);

void sortspec_free(struct sortspec *s);

#endif
