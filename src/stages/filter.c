/* filter.c - the filter stage: keep the records whose fields satisfy an
 * expression (see expr.h), awk's pattern semantics for comparisons. */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "expr.h"
#include "stage.h"
#include "util.h"

struct filter {
	struct expr *e;
	bool fields;		/* the expression reads $1.. or $name */
	size_t max_field;	/* the highest of them */
	struct fieldvec fv;
};

static const struct stage_opt filter_opts[] = {
	{ NULL, 0, 0, NULL, NULL },
};

static const struct stage_arg filter_args[] = {
	{ "expression", "comparisons of fields ($3, $name, ${any name}, $0) with numbers, "
	  "\"strings\" and other fields, ~ \"regex\", joined with && || ! and parentheses; "
	  "one word (quote it)", false },
	{ NULL, NULL, false },
};

/* Whitespace-separated fields when the job names no format. */
static const struct format default_format = { .kind = FORMAT_BLANKS, .delim = '\t' };

static int filter_setup(struct stage *st, char **err)
{
	struct filter *f = xcalloc(1, sizeof *f);
	char *why = NULL;

	st->priv = f;
	f->e = expr_parse(stage_arg(st, "expression"), &why);
	if (f->e == NULL) {
		*err = xasprintf("filter: %s", why);
		free(why);
		return -1;
	}
	f->fields = expr_needs_fields(f->e);
	f->max_field = expr_max_field(f->e);	/* numbers now, names at bind */
	return 0;
}

static int filter_bind(struct stage *st, const struct header *h, char **err)
{
	struct filter *f = st->priv;
	char *why = NULL;

	if (expr_bind(f->e, h, &why) < 0) {
		*err = xasprintf("filter: %s", why);
		free(why);
		return -1;
	}
	f->max_field = expr_max_field(f->e);
	return 0;
}

static void filter_teardown(struct stage *st)
{
	struct filter *f = st->priv;

	if (f == NULL)
		return;
	expr_free(f->e);
	fieldvec_free(&f->fv);
	free(f);
	st->priv = NULL;
}

static int bad_csv(const struct format *fmt, const struct block *b, size_t at, const char *why,
    char **err)
{
	if (b->offset != OFFSET_UNKNOWN)
		*err = xasprintf("%s at byte offset %" PRIu64 ": %s", format_malformed(fmt),
		    b->offset + at, why);
	else
		*err = xasprintf("%s: %s", format_malformed(fmt), why);
	return EXIT_DATAERR;
}

static int filter_map(struct stage *st, struct block *b, char **err)
{
	struct filter *f = st->priv;
	const struct format *fmt = st->fmt != NULL ? st->fmt : &default_format;
	bool csv = fmt->kind == FORMAT_CSV;
	char *d = b->data;
	size_t w = 0, nrec = 0, pos = 0, k = 0;
	struct csv_iter it;

	/* One iterator for the block: it keeps the next quote's position,
	 * so records are found at memchr speed. */
	if (csv)
		csv_iter_init(&it, d, b->len, fmt, st->term);
	while (pos < b->len) {
		const char *t;

		if (csv) {
			t = csv_iter_next(&it);
			if (t == NULL && it.why != NULL)
				return bad_csv(fmt, b, (size_t)(it.err_at - d), it.why, err);
			t = t != NULL ? t - 1 : NULL;	/* NULL: the rest is one record */
		} else {
			t = memchr(d + pos, st->term, b->len - pos);
		}
		size_t le = t != NULL ? (size_t)(t - d) : b->len;
		size_t next = le < b->len ? le + 1 : b->len;
		const struct field *fv = NULL;
		size_t nf = 0;

		if (f->fields) {
			const char *why = "malformed record";

			if (fields_split_block(fmt, b->jv, k, d + pos, le - pos, f->max_field, &f->fv,
			    &why) < 0)
				return bad_csv(fmt, b, pos, why, err);
			fv = f->fv.v;
			nf = f->fv.n;
		}
		k++;
		bool keep = expr_eval(f->e, d + pos, le - pos, fv, nf);

		if (expr_failed(f->e) != NULL) {
			int code;

			*err = expr_failure(f->e, b->offset != OFFSET_UNKNOWN, b->offset + pos, &code);
			return code;
		}
		if (keep) {
			if (w != pos)
				memmove(d + w, d + pos, next - pos);
			w += next - pos;
			nrec++;
		}
		pos = next;
	}
	b->len = w;
	b->nrec = nrec;
	return 0;
}

const struct stage_def stage_filter = {
	.name = "filter",
	.summary = "keep the records whose fields satisfy an expression",
	.description =
		"Keeps the records for which EXPRESSION is true, as awk 'EXPRESSION' selects lines. "
		"Fields are split as the input format says (runs of blanks by default, like awk; "
		"-d, --tsv or --csv): $1 is the first field, $0 the whole record without its "
		"terminator, $name and ${any name} the field of that name in the header (-H). "
		"Operands are fields, numbers (-1.5e3) and double-quoted strings with the escapes "
		"\\\" \\\\ \\n \\t (another backslash stays, so \"\\d\" is the pattern \\d). "
		"The operators, loosest first: ||; &&; == != < <= > >= and ~ !~ (the right side "
		"a string holding a PCRE2 pattern, no UTF, as grep -P), which do not chain; ! "
		"(tighter, as in awk: !$1 == 0 is (!$1) == 0); parentheses group. "
		"As in awk, a field whose whole text is a decimal number, optionally with white "
		"space around it, is a number; a comparison is numeric when both sides are numbers, "
		"so $1 == 10 holds for 10.0 and 1e1 while $1 == \"10\" compares bytes. "
		"Otherwise the bytes are compared (a prefix sorts first), a number reading as awk "
		"prints it; an empty or missing field is an empty string, so $9 < 1 holds when "
		"there is no ninth field. Hexadecimal, inf and nan are not numbers. "
		"A comparison is worth 1 or 0, and a bare operand is true when it is a non-zero "
		"number or a non-empty string. An expression starting with - needs -- before it.",
	.kind = STAGE_MAP,
	.opts = filter_opts,
	.args = filter_args,
	.setup = filter_setup,
	.bind = filter_bind,
	.teardown = filter_teardown,
	.map = filter_map,
};
