/* sub.c - the sub stage: replace what a pattern matches, in each record
 * or in one field of it.
 *
 * The semantics are those of `LC_ALL=C sed -E 's/PAT/REPL/'` (or .../g)
 * with a Perl-compatible pattern, and the replacement syntax of PCRE2's
 * pcre2_substitute() ($1 where sed writes \1, $0 where it writes &).
 * The replacement is parsed once, at setup, into literal pieces and
 * group references (pcre_repl.c); each record then costs one match per
 * replacement plus copying.  Like grep, the pattern runs over the whole
 * block when that finds the same matches as running it record by
 * record.
 *
 * One file, though about 630 lines: the --json path (sub_json, which
 * rewrites a string value at a path) uses the same match, substitution
 * and output helpers as the plain path; split apart, those helpers would
 * become an interface of their own with no other user. */
#include "autoconfig.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>	/* compile, JIT, match */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fieldlist.h"
#include "fields.h"
#include "json.h"
#include "jsonl.h"
#include "record.h"
#include "pcre_repl.h"
#include "pcre_util.h"
#include "stage.h"
#include "util.h"

struct sub {
	const char *pat;	/* as given, for messages */
	int fail;		/* PCRE2's error of the last failed match */
	bool global;
	bool per_record;	/* match each record alone (see map_block) */
	bool jit;
	bool adds_records;	/* a literal piece holds the terminator */
	size_t field;		/* 1-based; 0: the whole record */
	bool json;		/* --json: field is a path's (sub_json) */
	char *field_name;	/* a header name, until bound */
	struct pcre_repl repl;
	pcre2_code *re;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *stack;
	PCRE2_SIZE *ov;

	/* Per block. */
	struct buf out;		/* the block's new bytes, once something changed */
	bool changed;
	size_t copied;		/* input bytes before this are accounted for in out */
	struct buf fbuf;	/* the new value of the field */
	struct fieldvec fv;
	struct field *fields;	/* the record's fields with the new one */
	size_t fcap;
};

static const struct stage_opt sub_opts[] = {
	{ "global", 'g', OPT_FLAG, "replace every match, not only the first", NULL },
	{ "field", 'f', OPT_STRING, "replace only inside this field: a number from 1, a header name, or with --json a path (.a.b)", "FIELD" },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct stage_arg sub_args[] = {
	{ "pattern", "a Perl-compatible regular expression (PCRE2)", false },
	{ "replacement", "the text to put in place of a match: $1 or ${1} is a group, $0 the whole "
	  "match, $name a named group, $$ a dollar; everything else is literal", false },
	{ NULL, NULL, false },
};


static int compile(struct sub *g, const char *pat, char **err)
{
	size_t erroff;
	int errcode;
	/* As in sed: $ matches only at the end of a record, and . matches
	 * any byte, a newline inside a -z or CSV record included. */
	uint32_t flags = PCRE2_DOLLAR_ENDONLY | PCRE2_DOTALL;

	/* A JSON string is UTF-8 text matched as jq's sub matches it (Perl
	 * syntax): . is a character other than a newline, $ also matches
	 * before a final newline. */
	if (g->json)
		flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;

	/* Over a block, ^ and $ must match at record boundaries (and a
	 * newline never lies inside a record, so . is the same either way,
	 * but without DOTALL a failed match stops at the terminator). */
	if (!g->per_record)
		flags = PCRE2_MULTILINE | PCRE2_ALT_CIRCUMFLEX;
	g->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, flags, &errcode, &erroff, NULL);
	if (g->re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof msg);
		*err = xasprintf("sub: invalid pattern '%s': %s at offset %zu", pat, (char *)msg, erroff);
		return -1;
	}
	g->jit = pcre2_jit_compile(g->re, PCRE2_JIT_COMPLETE) == 0;
	g->md = pcre2_match_data_create_from_pattern(g->re, NULL);
	g->ov = pcre2_get_ovector_pointer(g->md);
	g->mctx = pcre2_match_context_create(NULL);
	if (g->jit) {
		g->stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
		pcre2_jit_stack_assign(g->mctx, NULL, g->stack);
	}
	return 0;
}

/* The input format; whitespace-separated when the job gave none. */
static const struct format *format_of(const struct stage *st)
{
	static const struct format blanks = { .kind = FORMAT_BLANKS };

	return st->fmt != NULL ? st->fmt : &blanks;
}

static int sub_setup(struct stage *st, char **err)
{
	struct sub *g = xcalloc(1, sizeof *g);
	const char *pat = stage_arg(st, "pattern");
	const char *rep = stage_arg(st, "replacement");
	const char *field = stage_str(st, "field");
	size_t at = 0;
	int rc;

	st->priv = g;
	g->pat = pat;
	g->global = stage_flag(st, "global");
	if (field != NULL) {
		long n;

		if (*field >= '0' && *field <= '9') {
			if (!parse_long(field, 1, 1L << 30, &n)) {
				*err = xasprintf("sub: bad field '%s' (fields are numbered from 1)", field);
				return -1;
			}
			g->field = (size_t)n;
		} else if (*field == '\0') {
			*err = xasprintf("sub: -f needs a field number or name");
			return -1;
		} else {
			g->field_name = xstrdup(field);
		}
	}
	g->json = field != NULL && format_of(st)->kind == FORMAT_JSON;
	g->per_record = st->term != '\n' || g->field > 0 || g->field_name != NULL ||
	    format_of(st)->kind == FORMAT_CSV || !pcre_block_safe(pat);
	if (compile(g, pat, err) < 0)
		return -1;
	rc = pcre_repl_parse(&g->repl, g->re, rep, &at);
	if (rc < 0) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(rc, msg, sizeof msg);
		*err = xasprintf("sub: invalid replacement '%s': %s at offset %zu", rep, (char *)msg, at);
		return -1;
	}
	g->adds_records = pcre_repl_holds(&g->repl, st->term);
	return 0;
}

static int sub_bind(struct stage *st, const struct header *h, char **err)
{
	struct sub *g = st->priv;

	if (g->json && g->field > 0) {
		*err = header_numbered(h, "sub: -f");
		return -1;
	}
	if (g->field_name == NULL)
		return 0;
	if (h == NULL) {
		*err = xasprintf("sub: field '%s' needs a header (--header)", g->field_name);
		return -1;
	}
	g->field = header_index(h, g->field_name);
	if (g->field == 0 && g->json) {
		*err = header_miss(h, "sub: -f", g->field_name);
		return -1;
	}
	if (g->field == 0) {
		*err = xasprintf("sub: field '%s' is not in the header", g->field_name);
		return -1;
	}
	free(g->field_name);
	g->field_name = NULL;
	return 0;
}

static void sub_teardown(struct stage *st)
{
	struct sub *g = st->priv;

	if (g == NULL)
		return;
	free(g->field_name);
	pcre_repl_free(&g->repl);
	pcre2_match_data_free(g->md);
	pcre2_match_context_free(g->mctx);
	pcre2_jit_stack_free(g->stack);
	pcre2_code_free(g->re);
	buf_free(&g->out);
	buf_free(&g->fbuf);
	fieldvec_free(&g->fv);
	free(g->fields);
	free(g);
	st->priv = NULL;
}

/* Match subject[0..len) from start; 1 match, 0 none, -1 error. */
static int run(struct sub *g, const char *subject, size_t len, size_t start, uint32_t opts,
    char **err)
{
	int rc;

	if (g->jit)
		rc = pcre2_jit_match(g->re, (PCRE2_SPTR)subject, len, start, opts, g->md, g->mctx);
	else
		rc = pcre2_match(g->re, (PCRE2_SPTR)subject, len, start, opts, g->md, g->mctx);
	if (rc >= 0) {
		/* \K can move the start past the end; pcre2_substitute
		 * refuses such a match too. */
		if (g->ov[0] > g->ov[1]) {
			*err = xasprintf("sub: a match ended before it started (\\K in a lookaround?)");
			return -1;
		}
		return 1;
	}
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	int code;

	g->fail = rc;
	*err = pcre_match_error(rc, "sub", g->pat, false, 0, &code);
	return -1;
}

/* A match over the block hit a limit: it may be one record's fault. */
static bool hit_limit(const struct sub *g, int rc)
{
	return rc < 0 && pcre_limit_error(g->fail);
}

/* The record at pos made the pattern hit a limit: 65, with its offset. */
static int record_limit(struct sub *g, const struct block *b, size_t pos, char **err)
{
	int code;

	free(*err);
	*err = pcre_match_error(g->fail, "sub", g->pat, b->offset != OFFSET_UNKNOWN, b->offset + pos,
	    &code);
	return code;
}

/*
 * The next match after one that ended at e, as sed finds it: the search
 * resumes at e, where an empty match is not taken (so s/x*\/-/g turns
 * "abc" into "-a-b-c-", and "hello" with l* into "-h-e-o-").
 */
static int run_next(struct sub *g, const char *subject, size_t len, size_t e, char **err)
{
	if (e > len)
		return 0;
	return run(g, subject, len, e, PCRE2_NOTEMPTY_ATSTART, err);
}

/*
 * Substitute in subj[0..len), matched alone; g->ov holds its first
 * match.  Appends the new subject to out.
 */
static int substitute(struct sub *g, const char *subj, size_t len, struct buf *out, char **err)
{
	size_t c = 0;

	for (;;) {
		size_t s = g->ov[0], e = g->ov[1];
		int rc;

		buf_append(out, subj + c, s - c);
		pcre_repl_expand(&g->repl, g->md, g->ov, subj, out);
		c = e;
		if (!g->global)
			break;
		rc = run_next(g, subj, len, e, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
	}
	buf_append(out, subj + c, len - c);
	return 0;
}

/* The block's bytes before upto are unchanged: account for them in out. */
static void keep_to(struct sub *g, const struct block *b, size_t upto)
{
	if (!g->changed) {
		g->changed = true;
		g->out.len = 0;
		buf_reserve(&g->out, b->len + b->len / 8 + 64);
	}
	buf_append(&g->out, b->data + g->copied, upto - g->copied);
	g->copied = upto;
}

static char *bad_record(const struct block *b, size_t pos, const char *why)
{
	if (b->offset != OFFSET_UNKNOWN)
		return xasprintf("record at byte offset %llu: %s",
		    (unsigned long long)(b->offset + pos), why);
	return xasprintf("record at an unknown offset: %s", why);
}

/*
 * The records of a block from a record start: the terminator of each in
 * turn.  A CSV record may hold the terminator inside quotes; the CSV
 * walk keeps its place (and the next quote) from record to record.
 */
struct walk {
	bool csv;
	struct csv_iter it;
};

static void walk_init(struct walk *w, const struct stage *st, const struct block *b, size_t pos)
{
	w->csv = format_of(st)->kind == FORMAT_CSV;
	if (w->csv)
		csv_iter_init(&w->it, b->data + pos, b->len - pos, format_of(st), st->term);
}

/* The terminator of the record at pos: 0, or -1 with *err for malformed
 * CSV (exit 65). */
static int walk_next(struct walk *w, const struct stage *st, const struct block *b, size_t pos,
    size_t *le, char **err)
{
	if (w->csv) {
		const char *e = csv_iter_next(&w->it);

		if (e == NULL) {
			*err = bad_record(b, pos, w->it.why != NULL ? w->it.why : "unterminated quoted field");
			return -1;
		}
		*le = (size_t)(e - b->data) - 1;
		return 0;
	}
	*le = (size_t)((const char *)memchr(b->data + pos, st->term, b->len - pos) - b->data);
	return 0;
}

/* Substitute in the record [pos, le) matched alone. */
static int sub_record(struct sub *g, struct block *b, size_t pos, size_t le, char **err)
{
	int rc = run(g, b->data + pos, le - pos, 0, 0, err);

	if (rc <= 0)
		return rc;
	keep_to(g, b, pos);
	if (substitute(g, b->data + pos, le - pos, &g->out, err) < 0)
		return -1;
	g->copied = le;
	return 0;
}

/*
 * Substitute in field g->field of the record [pos, le).  A record with
 * fewer fields, or in which the field does not match, is left as it is;
 * one that changes is rebuilt in the input format.
 */
static int sub_field(struct stage *st, struct sub *g, struct block *b, size_t pos, size_t le,
    char **err)
{
	const struct format *fmt = format_of(st);
	const char *rec = b->data + pos, *why = NULL;
	size_t len = le - pos, k = g->field - 1;
	int rc;

	if (fields_split(fmt, rec, len, &g->fv, &why) < 0) {
		*err = bad_record(b, pos, why);
		return EXIT_DATAERR;
	}
	if (g->fv.n <= k)
		return 0;
	const char *val = g->fv.v[k].p != NULL ? g->fv.v[k].p : "";
	size_t vlen = g->fv.v[k].len;

	rc = run(g, val, vlen, 0, 0, err);
	if (rc <= 0)
		return rc;
	g->fbuf.len = 0;
	buf_reserve(&g->fbuf, 1);	/* an address even when empty */
	if (substitute(g, val, vlen, &g->fbuf, err) < 0)
		return -1;
	if (g->fcap < g->fv.n) {
		g->fcap = g->fv.n;
		g->fields = xreallocarray(g->fields, g->fcap, sizeof *g->fields);
	}
	for (size_t i = 0; i < g->fv.n; i++) {
		g->fields[i] = g->fv.v[i];
		if (g->fields[i].p == NULL)
			g->fields[i].p = "";
	}
	g->fields[k].p = g->fbuf.data;
	g->fields[k].len = g->fbuf.len;
	keep_to(g, b, pos);
	fields_join(fmt, g->fields, g->fv.n, &g->out);
	/* fields_split drops the CR of a CSV record's CRLF: put it back. */
	if (fmt->kind == FORMAT_CSV && len > 0 && rec[len - 1] == '\r')
		buf_putc(&g->out, '\r');
	g->copied = le;
	return 0;
}

/*
 * --json: substitute inside the string at the path g->field names (its
 * unescaped text), and write it back escaped as jq writes strings; the
 * rest of the record stays byte for byte.  A record that lacks the path
 * is left as it is, as a record with fewer fields is; another value than
 * a string is an error (65), as in jq.  jv: the block's scanned values
 * (record k), or NULL.
 */
static int sub_json(struct stage *st, struct sub *g, struct block *b, size_t pos, size_t le,
    const struct jval *jv, size_t k, char **err)
{
	static const char *const types[] = { "missing", "null", "a boolean", "a boolean",
		"a number", "a string", "an object", "an array" };
	const char *rec = b->data + pos, *why = NULL;
	size_t len = le - pos, f = g->field - 1;
	int rc;

	if (fields_split_block(format_of(st), jv, k, rec, len, SIZE_MAX, &g->fv, &why) < 0) {
		*err = bad_record(b, pos, why);
		return EXIT_DATAERR;
	}
	const struct jval *v = &g->fv.jv[f];
	char what[160];

	if (v->type == J_MISSING)
		return 0;
	if (v->type != J_STRING) {
		snprintf(what, sizeof what, "sub -f %s: the value is %s, not a string",
		    format_of(st)->paths->v[f].text, types[v->type]);
		*err = bad_record(b, pos, what);
		return EXIT_DATAERR;
	}
	rc = run(g, g->fv.v[f].p, g->fv.v[f].len, 0, 0, err);
	if (rc <= 0)
		return rc;
	g->fbuf.len = 0;
	buf_reserve(&g->fbuf, 1);	/* an address even when empty */
	if (substitute(g, g->fv.v[f].p, g->fv.v[f].len, &g->fbuf, err) < 0)
		return -1;
	keep_to(g, b, pos);
	buf_append(&g->out, rec, (size_t)(v->p - rec));
	json_string(&g->out, g->fbuf.data, g->fbuf.len);
	buf_append(&g->out, v->p + v->len, (size_t)(rec + len - (v->p + v->len)));
	g->copied = le;
	return 0;
}

static int map_per_record(struct stage *st, struct sub *g, struct block *b, size_t pos,
    char **err)
{
	struct walk w;
	/* The worker's values of the block's records, counted from its start. */
	const struct jval *jv = pos == 0 ? b->jv : NULL;

	walk_init(&w, st, b, pos);
	for (size_t k = 0; pos < b->len; k++) {
		size_t le;
		int rc;

		if (walk_next(&w, st, b, pos, &le, err) < 0)
			return EXIT_DATAERR;
		g->fail = 0;
		if (g->json)
			rc = sub_json(st, g, b, pos, le, jv, k, err);
		else if (g->field > 0)
			rc = sub_field(st, g, b, pos, le, err);
		else
			rc = sub_record(g, b, pos, le, err);
		if (hit_limit(g, rc))
			return record_limit(g, b, pos, err);
		if (rc != 0)
			return rc;
		pos = le + 1;
	}
	return 0;
}

/*
 * Run the pattern over the whole block (PCRE2_MULTILINE, so ^ and $
 * match at record boundaries) and substitute inside the records where
 * it matches.  For a pattern accepted by pcre_block_safe() a match that
 * stays inside its record is the match the record alone would give (see
 * grep.c).  A match that crosses a terminator proves nothing: that
 * record is redone alone, and so is the rest of the block, since such a
 * pattern may cross often and each crossing can cost a long scan.
 */
static int map_block(struct stage *st, struct sub *g, struct block *b, char **err)
{
	const char *data = b->data;
	size_t sublen = b->len - 1;	/* the final terminator is left out */
	size_t pos = 0;
	int rc = run(g, data, sublen, 0, 0, err);

	while (rc > 0) {
		size_t s = g->ov[0], e = g->ov[1];
		size_t ls = record_start_of(data, pos, s, st->term);
		size_t le = (size_t)((const char *)memchr(data + s, st->term, b->len - s) - data);
		size_t mark, c;

		if (e > le)
			return map_per_record(st, g, b, ls, err);
		keep_to(g, b, ls);
		mark = g->out.len;
		c = ls;
		for (;;) {
			buf_append(&g->out, data + c, s - c);
			pcre_repl_expand(&g->repl, g->md, g->ov, data, &g->out);
			c = e;
			if (!g->global) {
				rc = 0;
				break;
			}
			rc = run_next(g, data, sublen, e, err);
			if (rc <= 0)
				break;
			s = g->ov[0];
			e = g->ov[1];
			if (s > le)
				break;	/* a match in a later record */
			if (e > le) {
				g->out.len = mark;
				g->copied = ls;
				return map_per_record(st, g, b, ls, err);
			}
		}
		if (hit_limit(g, rc)) {	/* find the record alone */
			free(*err);
			g->out.len = mark;
			g->copied = ls;
			return map_per_record(st, g, b, ls, err);
		}
		if (rc < 0)
			return -1;
		g->copied = c;
		pos = le + 1;
		if (!g->global && pos < b->len)
			rc = run(g, data, sublen, pos, 0, err);
		else if (rc == 0)
			break;
	}
	if (hit_limit(g, rc)) {	/* at the record from pos: find it alone */
		free(*err);
		return map_per_record(st, g, b, pos, err);
	}
	return rc < 0 ? -1 : 0;
}

static int sub_map(struct stage *st, struct block *b, char **err)
{
	struct sub *g = st->priv;
	int rc;

	if (b->len == 0)
		return 0;
	if (g->field_name != NULL) {
		*err = xasprintf("sub: field '%s' was never resolved", g->field_name);
		return -1;
	}
	g->changed = false;
	g->copied = 0;
	if (g->per_record)
		rc = map_per_record(st, g, b, 0, err);
	else
		rc = map_block(st, g, b, err);
	if (rc != 0 || !g->changed)
		return rc;
	keep_to(g, b, b->len);
	b->data = g->out.data;
	b->len = g->out.len;
	if (g->adds_records || (g->field == 0 && format_of(st)->kind == FORMAT_CSV))
		b->nrec = NREC_UNKNOWN;
	return 0;
}

const struct stage_def stage_sub = {
	.name = "sub",
	.summary = "replace what a pattern matches, in each record or in one field",
	.description =
		"Replaces the first match of PATTERN in each record (every match with -g) by "
		"REPLACEMENT, as LC_ALL=C sed -E 's/PATTERN/REPLACEMENT/' (or .../g) does, with a "
		"PCRE2 pattern matched byte by byte and run over whole blocks with its JIT. "
		"A record is matched without its terminator. "
		"The replacement follows PCRE2's substitution syntax (not its extended one): "
		"$1 or ${1} is group 1 where sed writes \\1, $0 is the whole match where sed writes &, "
		"$name or ${name} a named group, $*MARK the last (*MARK) name, $$ a dollar, "
		"and every other byte, backslash and & included, stands for itself; "
		"a group that did not take part in the match is empty, and a reference to a group "
		"the pattern lacks is an error at start-up. "
		"With -g, after each match the search resumes where the match ended and an empty "
		"match there is not taken, as in sed: s/l*/-/g turns hello into -h-e-o- "
		"(Perl and pcre2_substitute give -h-e--o-). "
		"As in sed, $ matches only at the end of a record and . matches any byte, a newline "
		"inside a -z or CSV record included; unlike sed's POSIX matching, an alternation "
		"takes its first alternative that matches, not the longest. "
		"A replacement holding the terminator splits the record, as sed's \\n does. "
		"With -f the substitution is made inside one field, named by number or, with "
		"--header, by name: a record where that field changes is rebuilt in the input "
		"format (joined by single spaces for whitespace-separated input, as awk does when a "
		"field is assigned; re-quoted as needed for CSV, keeping a CRLF ending); a record "
		"with fewer fields, or whose field does not match, is left as it is. A malformed CSV "
		"record is an error (status 65). "
		"With --json, -f names a path (.a.b, .tags[0]): the pattern runs over the string's "
		"unescaped text as UTF-8 and as jq's sub and gsub run it (. is a character other "
		"than a newline, $ also matches before a final newline), and a record "
		"where it matches gets the new string escaped as jq writes strings, the rest of the "
		"record byte for byte (with a duplicate key, the last one's value is rewritten and "
		"the others stay); a record that lacks the path is left as it is, and one where "
		"the path holds another value than a string (null, a number, a boolean, an object, "
		"an array) is an error (status 65) naming the record's offset, the path and the "
		"value's type, as jq's sub fails on a non-string.",
	.kind = STAGE_MAP,
	.opts = sub_opts,
	.args = sub_args,
	.setup = sub_setup,
	.bind = sub_bind,
	.teardown = sub_teardown,
	.map = sub_map,
};
