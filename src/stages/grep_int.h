/* grep_int.h - the grep stage's state, shared by grep.c (options,
 * patterns, whole-block matching) and grep_rec.c (record by record: -o,
 * -n, several regular expressions). */
#ifndef FORKPIPE_GREP_INT_H
#define FORKPIPE_GREP_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "scan.h"
#include "stage.h"

/* One compiled pattern. */
struct grep_rx {
	pcre2_code *re;
	pcre2_match_data *md;
	bool jit;
};

struct grep {
	const char *pat;	/* as given (the first), for messages */
	char **pats;		/* every pattern: PATTERN, -e and -f's lines */
	size_t npats;
	bool invert;
	bool literal;		/* plain -F: the vectorised literal search */
	bool per_record;	/* match each record alone (see pcre_block_safe) */
	bool rewrite;		/* -o or -n: records are rewritten (grep_rec.c) */
	bool only;		/* -o */
	bool deferred;		/* -o -m: the merger takes the parts */
	bool number;		/* -n */
	bool csv;		/* records end at terminators outside quotes */
	struct scan_lit lit;
	struct grep_rx *rx;	/* one per pattern, or one for their union */
	size_t nrx;
	size_t failed;		/* the pattern whose match failed (several) */
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack;
	uint64_t limit;		/* -m, or UINT64_MAX */
	uint64_t left;		/* records still to select in this chunk/stream */
	uint64_t seen;		/* records read in this chunk (-n numbers them) */
	struct buf out;		/* a rewritten block */
};

/* Every pattern into g->pats (read once, before the workers fork).  0,
 * or -1 with *err. */
int grep_collect_patterns(struct stage *st, struct grep *g, char **err);
/* Several -F strings as one pattern of lines (xmalloc'd). */
char *grep_joined_strings(const struct grep *g);

/* Match subject[0..len) from start with rx: 1 match, 0 none, else
 * PCRE2's error (negative). */
int grep_run(struct grep *g, struct grep_rx *rx, const char *subject, size_t len, size_t start);

/* Matching the record at pos of b failed with rc: the message in *err,
 * and the exit code (65 when the record made the pattern hit a limit). */
int grep_match_failed(const struct grep *g, const struct block *b, size_t pos, int rc,
    char **err);

/* The pattern a failure names: the one that failed, when there are
 * several. */
const char *grep_failed_pattern(const struct grep *g);

/* The map of the record-by-record path: -o, -n, several regular
 * expressions. */
int grep_map_records(struct stage *st, struct grep *g, struct block *b, char **err);

#endif
