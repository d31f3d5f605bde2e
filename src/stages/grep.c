/* grep.c - the grep stage: keep (or drop) the records a pattern matches.
 *
 * The semantics are those of `LC_ALL=C grep -a -P` (or -F): a record
 * matches when the pattern matches inside it.  For speed the pattern is
 * run over the whole block at once rather than record by record; see
 * pcre_block_safe() for why that gives the same answer.  What needs each
 * record alone (-o, -n, several regular expressions) is in grep_rec.c;
 * -m keeps a chunk's first N records, and the merger cuts the output
 * after N in all (as for head); -c is grep followed by count (job.c). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "grep_int.h"
#include "record.h"
#include "pcre_util.h"
#include "util.h"

static const struct stage_opt grep_opts[] = {
	{ "fixed", 'F', OPT_FLAG, "PATTERN is a fixed string, not a regular expression", NULL },
	{ "ignore-case", 'i', OPT_FLAG, "ignore ASCII case", NULL },
	{ "invert", 'v', OPT_FLAG, "keep the records that do not match", NULL },
	{ "word", 'w', OPT_FLAG, "match whole words only", NULL },
	{ "line", 'x', OPT_FLAG, "match whole records only", NULL },
	{ "regexp", 'e', OPT_LIST, "a pattern; may repeat (a record matches when any does), "
	  "and PATTERN is then left out", "PATTERN" },
	{ "file", 'f', OPT_LIST, "the patterns are the lines of FILE (none in an empty file); "
	  "may repeat, and PATTERN is then left out", "FILE" },
	{ "only-matching", 'o', OPT_FLAG, "write only the matching parts of the records, each "
	  "as a record, as grep -o (nothing with -v)", NULL },
	{ "max-count", 'm', OPT_INT, "keep only the first N selected records of the input, "
	  "in input order, and stop the run there", NULL },
	{ "line-number", 'n', OPT_FLAG, "put each record's number in the whole input (from 1, "
	  "across chunks and files, after any header) and a colon before it", NULL },
	{ "count", 'c', OPT_FLAG, "print only the number of selected records (grep then "
	  "count; -o and -n do not change it)", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

/* -e and -f stand for PATTERN. */
static const char *const grep_pattern_options[] = { "regexp", "file", NULL };

static const struct stage_arg grep_args[] = {
	{ "pattern", "a Perl-compatible regular expression (PCRE2), or a string with -F; "
	  "with -F, a newline separates several strings; left out with -e or -f", false },
	{ NULL, NULL, false },
};

/*
 * Matching a whole block with PCRE2_MULTILINE finds the same records as
 * matching each record alone, provided the pattern cannot look past the
 * end of the record in ways that differ: no lookaround, no \A \z \Z \G
 * anchors, no inline option changes (which could turn off multiline) and
 * no verbs (pcre_block_safe).  A match that crosses a terminator is
 * re-checked against its record alone (see map_block).  Anything else
 * falls back to per-record matching, which is slower but always right.
 */

/* Escape a literal so PCRE2 matches it byte for byte. */
static void append_escaped(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			buf_putc(b, '\\');
		buf_putc(b, (char)c);
	}
}

/*
 * The pattern text PCRE2 compiles; *prefix is what was added in front.
 * -w wraps the pattern in lookarounds, textually, exactly as grep -P
 * does (so a pattern that closes the group itself behaves as it does
 * there); -x is PCRE2_EXTRA_MATCH_LINE, set by compile().
 */
static char *build_pattern(const struct stage *st, const char *pat, size_t *prefix)
{
	struct buf b = { 0 };
	bool fixed = stage_flag(st, "fixed");

	if (stage_flag(st, "word"))
		buf_printf(&b, "(?<!\\w)(?:");
	*prefix = b.len;
	if (fixed) {
		const char *p = pat;

		for (;;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);

			append_escaped(&b, p, n);
			if (nl == NULL)
				break;
			buf_putc(&b, '|');
			p = nl + 1;
		}
	} else {
		buf_printf(&b, "%s", pat);
	}
	if (stage_flag(st, "word"))
		buf_printf(&b, ")(?!\\w)");
	buf_putc(&b, '\0');
	return b.data;
}

/* Compile one pattern into rx.  0, or -1 with *err. */
static int compile(struct stage *st, struct grep *g, const char *pat, struct grep_rx *rx,
    char **err)
{
	size_t prefix, erroff;
	int errcode;
	/* As grep -P does: $ matches only at the very end of a record,
	 * not before a newline inside a NUL-terminated one. */
	uint32_t flags = PCRE2_DOLLAR_ENDONLY;
	char *text = build_pattern(st, pat, &prefix);

	if (stage_flag(st, "ignore-case"))
		flags |= PCRE2_CASELESS;
	/* The subject leaves out the block's final terminator, so a subject
	 * ending in one means an empty last record: ALT_CIRCUMFLEX lets ^
	 * match there too. */
	if (!g->per_record)
		flags |= PCRE2_MULTILINE | PCRE2_ALT_CIRCUMFLEX;
	pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);

	if (stage_flag(st, "line"))
		pcre2_set_compile_extra_options(cctx, PCRE2_EXTRA_MATCH_LINE);
	rx->re = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED, flags, &errcode, &erroff, cctx);
	pcre2_compile_context_free(cctx);
	free(text);
	if (rx->re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof msg);
		erroff = erroff > prefix ? erroff - prefix : 0;
		if (erroff > strlen(pat))
			erroff = strlen(pat);
		*err = xasprintf("grep: invalid pattern '%s': %s at offset %zu", pat, (char *)msg, erroff);
		return -1;
	}
	rx->jit = pcre2_jit_compile(rx->re, PCRE2_JIT_COMPLETE) == 0;
	rx->md = pcre2_match_data_create_from_pattern(rx->re, NULL);
	return 0;
}

/* The match context all patterns share, with a JIT stack large enough
 * for some patterns (the default 32 KiB is not). */
static void match_context(struct grep *g)
{
	g->mctx = pcre2_match_context_create(NULL);
	g->stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
	pcre2_jit_stack_assign(g->mctx, NULL, g->stack);
}

/* How to match: the literal search, whole blocks, or record by record;
 * one pattern (several strings of -F are one) or one per pattern. */
static int plan_matching(struct stage *st, struct grep *g, char **err)
{
	bool fixed = stage_flag(st, "fixed");
	bool several = g->npats > 1 && (!fixed || g->only);
	char *one = several || g->npats == 0 ? NULL : fixed ? grep_joined_strings(g) : xstrdup(g->pat);
	int rc = 0;

	for (size_t i = 0; i < g->npats && !fixed; i++) {
		if (strchr(g->pats[i], '\n') != NULL) {
			*err = xasprintf("grep: a regular expression cannot contain a newline");
			free(one);
			return -1;
		}
	}
	/* -o and -n rewrite records, several expressions are tried in turn:
	 * both record by record. */
	g->rewrite = g->only || g->number || several || g->npats == 0;
	if (!g->rewrite && !g->csv && fixed && *one != '\0' && strchr(one, '\n') == NULL &&
	    !stage_flag(st, "ignore-case") && !stage_flag(st, "word") && !stage_flag(st, "line")) {
		g->literal = true;
		scan_lit_init(&g->lit, one, strlen(one));
		free(one);
		return 0;
	}
	g->per_record = g->rewrite || g->csv || st->term != '\n' ||
	    (!fixed && !pcre_block_safe(one));
	match_context(g);
	g->nrx = one != NULL ? 1 : g->npats;
	g->rx = xcalloc(g->nrx > 0 ? g->nrx : 1, sizeof *g->rx);
	for (size_t i = 0; i < g->nrx && rc == 0; i++)
		rc = compile(st, g, one != NULL ? one : g->pats[i], &g->rx[i], err);
	free(one);
	return rc;
}

static int grep_setup(struct stage *st, char **err)
{
	struct grep *g = xcalloc(1, sizeof *g);
	bool counting = stage_flag(st, "count");

	st->priv = g;
	g->invert = stage_flag(st, "invert");
	/* grep -c counts records: -o and -n change nothing. */
	g->only = stage_flag(st, "only-matching") && !counting;
	g->number = stage_flag(st, "line-number") && !counting;
	g->limit = g->left = stage_num(st, "max-count", -1) >= 0 ?
	    (uint64_t)stage_num(st, "max-count", 0) : UINT64_MAX;
	/* CSV records may hold newlines inside quotes: match record by record. */
	g->csv = st->fmt != NULL && st->fmt->kind == FORMAT_CSV;
	if (g->only && g->csv) {
		*err = xasprintf("grep: -o cannot cut --csv records into parts (they would not be "
		    "CSV records)");
		return -1;
	}
	if (grep_collect_patterns(st, g, err) < 0)
		return -1;
	return plan_matching(st, g, err);
}

static void grep_teardown(struct stage *st)
{
	struct grep *g = st->priv;

	if (g == NULL)
		return;
	if (g->literal)
		scan_lit_free(&g->lit);
	for (size_t i = 0; i < g->nrx; i++) {
		pcre2_match_data_free(g->rx[i].md);
		pcre2_code_free(g->rx[i].re);
	}
	free(g->rx);
	pcre2_match_context_free(g->mctx);
	pcre2_jit_stack_free(g->stack);
	for (size_t i = 0; i < g->npats; i++)
		free(g->pats[i]);
	free(g->pats);
	buf_free(&g->out);
	free(g);
	st->priv = NULL;
}

int grep_run(struct grep *g, struct grep_rx *rx, const char *subject, size_t len, size_t start)
{
	int rc;

	if (rx->jit)
		rc = pcre2_jit_match(rx->re, (PCRE2_SPTR)subject, len, start, 0, rx->md, g->mctx);
	else
		rc = pcre2_match(rx->re, (PCRE2_SPTR)subject, len, start, 0, rx->md, g->mctx);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
}

/* The whole-block paths have one pattern. */
static int run(struct grep *g, const char *subject, size_t len, size_t start)
{
	return grep_run(g, &g->rx[0], subject, len, start);
}

const char *grep_failed_pattern(const struct grep *g)
{
	return g->nrx > 1 && g->failed < g->npats ? g->pats[g->failed] : g->pat;
}

int grep_match_failed(const struct grep *g, const struct block *b, size_t pos, int rc,
    char **err)
{
	int code;

	*err = pcre_match_error(rc, "grep", grep_failed_pattern(g), b->offset != OFFSET_UNKNOWN,
	    b->offset + pos, &code);
	return code;
}

static int match_failed(const struct grep *g, const struct block *b, size_t pos, int rc,
    char **err)
{
	return grep_match_failed(g, b, pos, rc, err);
}

/*
 * The records a block keeps are moved down to a write cursor; since the
 * cursor never passes the read position, compaction is done in place.
 */
struct keeper {
	char *data;
	size_t w;	/* write cursor */
	size_t nrec;
};

static void keep(struct keeper *k, size_t from, size_t to)
{
	if (to <= from)
		return;
	if (k->w != from)
		memmove(k->data + k->w, k->data + from, to - from);
	k->w += to - from;
}

/* A record [ls, le] (le is its terminator) matched: keep it, or for -v
 * keep the unmatched records before it. */
static void matched(struct grep *g, struct keeper *k, size_t pos, size_t ls, size_t le)
{
	if (g->invert) {
		keep(k, pos, ls);
	} else {
		keep(k, ls, le + 1);
		k->nrec++;
	}
}

static void finish_block(struct grep *g, struct keeper *k, struct block *b, size_t pos)
{
	if (g->invert) {
		keep(k, pos, b->len);
		b->nrec = NREC_UNKNOWN;
	} else {
		b->nrec = k->nrec;
	}
	b->len = k->w;
}

static int map_literal(struct grep *g, struct block *b, char term)
{
	struct keeper k = { b->data, 0, 0 };
	const char *end = b->data + b->len;
	size_t pos = 0;

	while (pos < b->len) {
		const char *m = scan_lit_find(&g->lit, b->data + pos, end);

		if (m == NULL)
			break;
		size_t s = (size_t)(m - b->data);
		size_t ls = record_start_of(b->data, pos, s, term);
		size_t le = (size_t)((const char *)memchr(m, term, (size_t)(end - m)) - b->data);

		matched(g, &k, pos, ls, le);
		pos = le + 1;
	}
	finish_block(g, &k, b, pos);
	return 0;
}

static int records_from(struct stage *st, struct grep *g, struct block *b, struct keeper *k,
    size_t pos, char **err);

/* A limit hit over the block: the records from pos are matched alone,
 * to find the one that hits it (if one does). */
static int block_limit(struct stage *st, struct grep *g, struct block *b, struct keeper *k,
    size_t pos, char **err)
{
	int rc = records_from(st, g, b, k, pos, err);

	if (g->invert)
		b->nrec = NREC_UNKNOWN;	/* the block's kept records were not counted */
	return rc;
}

static int map_block(struct stage *st, struct grep *g, struct block *b, char term, char **err)
{
	struct keeper k = { b->data, 0, 0 };
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(g->rx[0].md);
	size_t sublen = b->len - 1;	/* the final terminator is left out */
	size_t pos = 0;

	while (pos < b->len) {
		int rc = run(g, b->data, sublen, pos);

		if (rc < 0 && pcre_limit_error(rc))
			return block_limit(st, g, b, &k, pos, err);
		if (rc < 0)
			return match_failed(g, b, pos, rc, err);
		if (rc == 0)
			break;
		size_t s = ov[0], e = ov[1];
		size_t ls = record_start_of(b->data, pos, s, term);
		size_t le = (size_t)((char *)memchr(b->data + s, term, b->len - s) - b->data);

		/* A match crossing the terminator says nothing about the
		 * record alone: ask again with the record as the subject. */
		if (e > le) {
			rc = run(g, b->data + ls, le - ls, 0);
			if (rc < 0 && pcre_limit_error(rc))
				return block_limit(st, g, b, &k, pos, err);
			if (rc < 0)
				return match_failed(g, b, ls, rc, err);
			if (rc == 0) {
				if (g->invert)
					keep(&k, pos, le + 1);
				pos = le + 1;
				continue;
			}
		}
		matched(g, &k, pos, ls, le);
		pos = le + 1;
	}
	finish_block(g, &k, b, pos);
	return 0;
}

/* The terminator of the record at pos; in CSV mode one iterator walks
 * the block, so the next quote is searched for once, not per record. */
static size_t record_end_at(struct stage *st, struct grep *g, struct csv_iter *it,
    const struct block *b, size_t pos)
{
	if (g->csv) {
		const char *e = csv_iter_next(it);

		return e != NULL ? (size_t)(e - b->data) - 1 : b->len - 1;
	}
	return (size_t)((char *)memchr(b->data + pos, st->term, b->len - pos) - b->data);
}

/* Match the records from pos (a record start) each alone. */
static int records_from(struct stage *st, struct grep *g, struct block *b, struct keeper *k,
    size_t pos, char **err)
{
	struct csv_iter it;

	if (g->csv)
		csv_iter_init(&it, b->data + pos, b->len - pos, st->fmt, st->term);
	while (pos < b->len) {
		size_t le = record_end_at(st, g, &it, b, pos);
		int rc = run(g, b->data + pos, le - pos, 0);

		if (rc < 0)
			return match_failed(g, b, pos, rc, err);
		if ((rc == 1) != g->invert) {
			keep(k, pos, le + 1);
			k->nrec++;
		}
		pos = le + 1;
	}
	b->len = k->w;
	b->nrec = k->nrec;
	return 0;
}

static int map_per_record(struct stage *st, struct grep *g, struct block *b, char **err)
{
	struct keeper k = { b->data, 0, 0 };

	return records_from(st, g, b, &k, 0, err);
}

/* -m: the block keeps no more than the records still wanted. */
static void cut_to_limit(struct stage *st, struct grep *g, struct block *b)
{
	uint64_t n = g->left;

	if (g->limit == UINT64_MAX)
		return;
	b->len = records_prefix(st->fmt, st->term, b->data, b->len, &n);
	if (b->nrec != NREC_UNKNOWN)
		b->nrec = b->nrec < g->left ? b->nrec : (size_t)g->left;
	g->left = n;
}

static int grep_map(struct stage *st, struct block *b, char **err)
{
	struct grep *g = st->priv;
	int rc;

	if (b->len == 0)
		return 0;
	if (g->rewrite)
		return grep_map_records(st, g, b, err);
	if (g->left == 0) {
		b->len = 0;
		b->nrec = 0;
		return 0;
	}
	if (g->literal)
		rc = map_literal(g, b, st->term);
	else if (g->per_record)
		rc = map_per_record(st, g, b, err);
	else
		rc = map_block(st, g, b, st->term, err);
	if (rc == 0)
		cut_to_limit(st, g, b);
	return rc;
}

static void grep_reset(struct stage *st)
{
	struct grep *g = st->priv;

	g->left = g->limit;
	g->seen = 0;
}

static bool grep_sated(const struct stage *st)
{
	const struct grep *g = st->priv;

	return g->left == 0;
}

uint64_t stage_grep_limit(const struct stage *st)
{
	const struct grep *g = st->priv;

	return g->limit;
}

bool stage_grep_numbers(const struct stage *st)
{
	const struct grep *g = st->priv;

	return g->number;
}

uint64_t stage_grep_seen(const struct stage *st)
{
	const struct grep *g = st->priv;

	return g->seen;
}

const struct stage_def stage_grep = {
	.name = "grep",
	.summary = "keep the records that match a pattern",
	.description =
		"Keeps the records in which PATTERN matches, exactly as "
		"LC_ALL=C grep -a -P (or grep -a -F with -F) selects lines with the same flags. "
		"Patterns are compiled once, before the workers start, with PCRE2 and its JIT; "
		"fixed strings use a vectorised search. "
		"With several patterns (-e, -f, or -F strings on lines) a record matches when one "
		"of them does; -o then writes, at each place, the longest of the matches that "
		"start leftmost, as grep -o does with several patterns. "
		"-m N stops the run once the first N selected records of the input are written; "
		"like head, grep -m and grep -n must be the last stage of a pipeline without a "
		"reducer (grep -m -c aside), or come after a reducer; grep -n is refused with "
		"--unordered and --shard. "
		"-c prints the number of selected records, as grep followed by count does "
		"(with -m N, at most N; with -m 0 nothing, as grep).",
	.kind = STAGE_MAP,
	.opts = grep_opts,
	.args = grep_args,
	.last_arg_instead = grep_pattern_options,
	.setup = grep_setup,
	.teardown = grep_teardown,
	.map = grep_map,
	.reset = grep_reset,
	.sated = grep_sated,
};
