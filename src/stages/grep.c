/* grep.c - the grep stage: keep (or drop) the records a pattern matches.
 *
 * The semantics are those of `LC_ALL=C grep -a -P` (or -F): a record
 * matches when the pattern matches inside it.  For speed the pattern is
 * run over the whole block at once rather than record by record; see
 * pcre_block_safe() for why that gives the same answer. */
#include "autoconfig.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>	/* compile, JIT, match */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "record.h"
#include "scan.h"
#include "pcre_util.h"
#include "stage.h"
#include "util.h"

struct grep {
	const char *pat;	/* as given, for messages */
	bool invert;
	bool literal;		/* plain -F: the vectorised literal search */
	bool per_record;	/* match each record alone (see pcre_block_safe) */
	bool csv;		/* records end at terminators outside quotes */
	bool jit;
	struct scan_lit lit;
	pcre2_code *re;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack;
};

static const struct stage_opt grep_opts[] = {
	{ "fixed", 'F', OPT_FLAG, "PATTERN is a fixed string, not a regular expression", NULL },
	{ "ignore-case", 'i', OPT_FLAG, "ignore ASCII case", NULL },
	{ "invert", 'v', OPT_FLAG, "keep the records that do not match", NULL },
	{ "word", 'w', OPT_FLAG, "match whole words only", NULL },
	{ "line", 'x', OPT_FLAG, "match whole records only", NULL },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct stage_arg grep_args[] = {
	{ "pattern", "a Perl-compatible regular expression (PCRE2), or a string with -F; "
	  "with -F, a newline separates several strings", false },
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

static int compile(struct stage *st, struct grep *g, const char *pat, char **err)
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
	g->re = pcre2_compile((PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED, flags, &errcode, &erroff, cctx);
	pcre2_compile_context_free(cctx);
	free(text);
	if (g->re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof msg);
		erroff = erroff > prefix ? erroff - prefix : 0;
		if (erroff > strlen(pat))
			erroff = strlen(pat);
		*err = xasprintf("grep: invalid pattern '%s': %s at offset %zu", pat, (char *)msg, erroff);
		return -1;
	}
	g->jit = pcre2_jit_compile(g->re, PCRE2_JIT_COMPLETE) == 0;
	g->md = pcre2_match_data_create_from_pattern(g->re, NULL);
	g->mctx = pcre2_match_context_create(NULL);
	if (g->jit) {
		/* The default 32 KiB JIT stack is too small for some patterns. */
		g->stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
		pcre2_jit_stack_assign(g->mctx, NULL, g->stack);
	}
	return 0;
}

static int grep_setup(struct stage *st, char **err)
{
	struct grep *g = xcalloc(1, sizeof *g);
	const char *pat = stage_arg(st, "pattern");
	bool fixed = stage_flag(st, "fixed");

	st->priv = g;
	g->pat = pat;
	g->invert = stage_flag(st, "invert");
	/* CSV records may hold newlines inside quotes: match record by record. */
	g->csv = st->fmt != NULL && st->fmt->kind == FORMAT_CSV;
	if (!fixed && strchr(pat, '\n') != NULL) {
		*err = xasprintf("grep: a regular expression cannot contain a newline");
		return -1;
	}
	if (!g->csv && fixed && *pat != '\0' && strchr(pat, '\n') == NULL && !stage_flag(st, "ignore-case") &&
	    !stage_flag(st, "word") && !stage_flag(st, "line")) {
		g->literal = true;
		scan_lit_init(&g->lit, pat, strlen(pat));
		return 0;
	}
	g->per_record = g->csv || st->term != '\n' || (!fixed && !pcre_block_safe(pat));
	return compile(st, g, pat, err);
}

static void grep_teardown(struct stage *st)
{
	struct grep *g = st->priv;

	if (g == NULL)
		return;
	if (g->literal)
		scan_lit_free(&g->lit);
	pcre2_match_data_free(g->md);
	pcre2_match_context_free(g->mctx);
	pcre2_jit_stack_free(g->stack);
	pcre2_code_free(g->re);
	free(g);
	st->priv = NULL;
}

/* Match subject[0..len) from start; 1 match, 0 none, else PCRE2's
 * error (negative). */
static int run(struct grep *g, const char *subject, size_t len, size_t start)
{
	int rc;

	if (g->jit)
		rc = pcre2_jit_match(g->re, (PCRE2_SPTR)subject, len, start, 0, g->md, g->mctx);
	else
		rc = pcre2_match(g->re, (PCRE2_SPTR)subject, len, start, 0, g->md, g->mctx);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
}

/* Matching the record at pos failed with rc: the map's return value,
 * 65 when the record made the pattern hit a limit. */
static int match_failed(const struct grep *g, const struct block *b, size_t pos, int rc,
    char **err)
{
	int code;

	*err = pcre_match_error(rc, "grep", g->pat, b->offset != OFFSET_UNKNOWN, b->offset + pos,
	    &code);
	return code;
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
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(g->md);
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

static int grep_map(struct stage *st, struct block *b, char **err)
{
	struct grep *g = st->priv;

	if (b->len == 0)
		return 0;
	if (g->literal)
		return map_literal(g, b, st->term);
	if (g->per_record)
		return map_per_record(st, g, b, err);
	return map_block(st, g, b, st->term, err);
}

const struct stage_def stage_grep = {
	.name = "grep",
	.summary = "keep the records that match a pattern",
	.description =
		"Keeps the records in which PATTERN matches, exactly as "
		"LC_ALL=C grep -a -P (or grep -a -F with -F) selects lines with the same flags. "
		"Patterns are compiled once, before the workers start, with PCRE2 and its JIT; "
		"fixed strings use a vectorised search.",
	.kind = STAGE_MAP,
	.opts = grep_opts,
	.args = grep_args,
	.setup = grep_setup,
	.teardown = grep_teardown,
	.map = grep_map,
};
