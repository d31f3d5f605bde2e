/* crosstab.c - the crosstab stage: two key fields into a matrix, as
 * `datamash -s crosstab ROW,COL [op F]` prints it.
 *
 * A reducer on the grouping engine (src/reduce/agg.h): the groups are
 * the (row, column) pairs, each with the op's state (count by default),
 * so the cells merge exactly as group's results do and do not depend on
 * -j, the chunk size or spilling.  Finish walks the groups in key order
 * (rows, then columns, as LC_ALL=C sort orders bytes), keeps the cells,
 * and prints the matrix: a first line of the column values after an
 * empty corner (an empty line for no input, as datamash), then one line
 * per row value with its cells, N/A (or --filler) where a pair never
 * occurs; with --header-out datamash's header line before it
 * (GroupBy(ROW), GroupBy(COL), OP(F)).  The cells are held in memory for
 * that (a matrix is as large as its output).
 *
 * Partial format: group's (src/reduce/agg.h), with one op.
 *
 * A record that lacks a key field is an error (exit 65), as in datamash. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "fields.h"
#include "stage.h"
#include "util.h"

struct crosstab {
	struct agg_spec spec;	/* first: see agg_stage_teardown */
	struct agg_names names;	/* the input header's fields, once bound */
	const char *filler;	/* a missing cell; the stage owns it */
	char delim;		/* --output-delimiter; 0: the input's */
	bool header_out;
};

static const struct stage_opt crosstab_opts[] = {
	{ "narm", 0, OPT_FLAG, "skip missing values: NA, N/A and NaN in any case, and the markers "
	  "of --na (datamash --narm)", NULL },
	{ "na", 0, OPT_STRING, "more markers of a missing value, separated by commas; implies "
	  "--narm", "LIST" },
	{ "round", 'R', OPT_INT, "print numeric cells with N decimal places (datamash --round; "
	  "with --format, the later given wins)", NULL },
	{ "format", 0, OPT_STRING, "print numeric cells with the printf format FMT, one "
	  "floating-point conversion (datamash --format)", "FMT" },
	{ "header-out", 0, OPT_FLAG, "print datamash's header line first: GroupBy(ROW), "
	  "GroupBy(COL) and OP(F), each NAME the input header's or field-N (not turned on "
	  "by --to jsonl: the matrix has no names)", NULL },
	{ "filler", 0, OPT_STRING, "print X for a pair that never occurs instead of N/A "
	  "(datamash --filler)", "X" },
	{ "output-delimiter", 0, OPT_STRING, "separate output fields with CHAR instead of the "
	  "input's delimiter", "CHAR" },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct stage_arg crosstab_args[] = {
	{ "fields", "ROW,COL, the two key fields (numbers from 1 or header names), then "
	  "optionally one op as group takes it (sum:F, first:F, ...; count by default)", true },
	{ NULL, NULL, false },
};

/* Key fields a list names: two are needed. */
static size_t key_count(const struct fieldlist *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].name != NULL ? 1 : l->v[i].hi - l->v[i].lo + 1;
	return n;
}

static int crosstab_setup(struct stage *st, char **err)
{
	struct crosstab *c = xcalloc(1, sizeof *c);
	size_t n;
	char *const *words = stage_list(st, "fields", &n);
	const char *na = stage_str(st, "na"), *d = stage_str(st, "output-delimiter");

	st->priv = c;
	c->filler = stage_str(st, "filler") != NULL ? stage_str(st, "filler") : "N/A";
	c->header_out = stage_flag(st, "header-out");
	if (d != NULL && !format_delimiter(d, &c->delim)) {
		*err = xasprintf("crosstab: --output-delimiter '%s': one byte is needed (or \\t)", d);
		return -1;
	}
	if (n == 0 || n > 2) {
		*err = xasprintf("crosstab: ROW,COL and at most one op are needed (got %zu words)", n);
		return -1;
	}
	if (agg_spec_keys(&c->spec, "crosstab", words[0], false, err) < 0)
		return -1;
	if (key_count(&c->spec.keylist) != 2) {
		*err = xasprintf("crosstab: '%s': two key fields are needed, ROW,COL", words[0]);
		return -1;
	}
	c->spec.keys_strict = true;
	if ((stage_flag(st, "narm") || na != NULL) && agg_spec_narm(&c->spec, na, err) < 0)
		return -1;
	if (agg_stage_numfmt(&c->spec, st, err) < 0)
		return -1;
	if (agg_spec_op(&c->spec, n == 2 ? words[1] : "count", err) < 0)
		return -1;
	return agg_spec_ready(&c->spec, err);
}

/* The cells, in key order: row and column values and the result. */
struct cells {
	const struct agg_spec *spec;
	struct buf data;
	struct { size_t row, rlen, col, clen, val, vlen; } *v;
	size_t n, cap;
	struct buf scratch;
};

static size_t keep(struct buf *b, const char *p, size_t len)
{
	size_t at = b->len;

	buf_append(b, p, len);
	return at;
}

static int crosstab_cell(void *ctx, const struct agg_group *g)
{
	struct cells *c = ctx;
	struct field f[2];
	size_t val;

	agg_key_fields(c->spec, g->key, g->klen, f, &c->scratch);
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->v = xreallocarray(c->v, c->cap, sizeof *c->v);
	}
	c->v[c->n].row = keep(&c->data, f[0].p, f[0].len);
	c->v[c->n].rlen = f[0].len;
	c->v[c->n].col = keep(&c->data, f[1].p, f[1].len);
	c->v[c->n].clen = f[1].len;
	val = c->data.len;
	agg_format(g, 0, &c->data);
	c->v[c->n].val = val;
	c->v[c->n].vlen = c->data.len - val;
	c->n++;
	return 0;
}

static const char *cmp_base;

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	return r != 0 ? r : (alen > blen) - (alen < blen);
}

/* Columns as (offset, length) pairs into cmp_base (qsort has no context). */
static int col_cmp(const void *x, const void *y)
{
	const size_t *a = x, *b = y;

	return bytes_cmp(cmp_base + a[0], a[1], cmp_base + b[0], b[1]);
}

/* datamash's --header-out line: GroupBy(ROW), GroupBy(COL), OP(F). */
static void put_header(const struct crosstab *x, const struct format *of, char term,
    struct buf *out)
{
	struct buf b = { 0 };
	size_t ends[3];
	struct field f[3];

	for (size_t i = 0; i < 2; i++) {
		buf_append(&b, "GroupBy(", 8);
		agg_put_name(&x->names, x->spec.keys[i] + 1, &b);
		buf_putc(&b, ')');
		ends[i] = b.len;
	}
	agg_put_op_name(&x->names, &x->spec.ops[0], &b);
	/* the default count is datamash's count of the ROW field */
	if (x->spec.ops[0].kind == AGG_COUNT && x->spec.ops[0].field == 0) {
		buf_putc(&b, '(');
		agg_put_name(&x->names, x->spec.keys[0] + 1, &b);
		buf_putc(&b, ')');
	}
	ends[2] = b.len;
	for (size_t i = 0; i < 3; i++) {
		f[i].p = b.data + (i > 0 ? ends[i - 1] : 0);
		f[i].len = ends[i] - (i > 0 ? ends[i - 1] : 0);
	}
	fields_join(of, f, 3, out);
	buf_putc(out, term);
	buf_free(&b);
}

/* Print the matrix: cols are the distinct columns, sorted. */
static int print_matrix(struct stage *st, struct cells *c, size_t (*cols)[2], size_t ncols,
    struct sink *out)
{
	const struct crosstab *x = st->priv;
	struct format of = agg_out_format(st->fmt);
	struct agg_out o = { 0 };
	struct field *f = xcalloc(ncols + 1, sizeof *f);
	int rc = 0;

	if (x->delim != 0)
		of.delim = x->delim;
	o.sink = out;
	/* datamash: with an input header the line comes even without data;
	 * else with the first record. */
	if (x->header_out && (x->names.v != NULL || c->n > 0))
		put_header(x, &of, st->term, &o.b);
	f[0].p = "";
	for (size_t k = 0; k < ncols; k++) {
		f[k + 1].p = c->data.data + cols[k][0];
		f[k + 1].len = cols[k][1];
	}
	fields_join(&of, f, ncols + 1, &o.b);
	buf_putc(&o.b, st->term);
	for (size_t i = 0; i < c->n && rc == 0;) {
		size_t j = i;

		f[0].p = c->data.data + c->v[i].row;
		f[0].len = c->v[i].rlen;
		for (size_t k = 0; k < ncols; k++) {
			const char *col = c->data.data + cols[k][0];
			bool here = j < c->n && c->v[j].rlen == c->v[i].rlen &&
			    memcmp(c->data.data + c->v[j].row, f[0].p, f[0].len) == 0 &&
			    bytes_cmp(c->data.data + c->v[j].col, c->v[j].clen, col, cols[k][1]) == 0;

			f[k + 1].p = here ? c->data.data + c->v[j].val : x->filler;
			f[k + 1].len = here ? c->v[j].vlen : strlen(x->filler);
			j += here;
		}
		fields_join(&of, f, ncols + 1, &o.b);
		buf_putc(&o.b, st->term);
		rc = agg_out_flush(&o, false);
		i = j;
	}
	free(f);
	return agg_out_end(&o, rc);
}

static int crosstab_bind(struct stage *st, const struct header *h, char **err)
{
	agg_names_bind(&((struct crosstab *)st->priv)->names, h);
	return agg_stage_bind(st, h, err);
}

static void crosstab_teardown(struct stage *st)
{
	if (st->priv != NULL)
		agg_names_free(&((struct crosstab *)st->priv)->names);
	agg_stage_teardown(st);
}

static int crosstab_finish(struct stage *st, void *partial, struct sink *out, char **err)
{
	struct crosstab *x = st->priv;
	struct cells c = { 0 };
	size_t (*cols)[2] = NULL, ncols = 0;
	int rc;

	c.spec = &x->spec;
	rc = agg_finish(partial, crosstab_cell, &c, err);
	if (rc == 0) {
		cols = xreallocarray(NULL, c.n ? c.n : 1, sizeof *cols);
		for (size_t i = 0; i < c.n; i++) {
			cols[i][0] = c.v[i].col;
			cols[i][1] = c.v[i].clen;
		}
		cmp_base = c.data.data;
		qsort(cols, c.n, sizeof *cols, col_cmp);
		for (size_t i = 0; i < c.n; i++)
			if (ncols == 0 || col_cmp(cols[ncols - 1], cols[i]) != 0)
				memmove(cols[ncols++], cols[i], sizeof *cols);
		rc = print_matrix(st, &c, cols, ncols, out);
	}
	free(cols);
	free(c.v);
	buf_free(&c.data);
	buf_free(&c.scratch);
	return rc;
}

const struct stage_def stage_crosstab = {
	.name = "crosstab",
	.summary = "two key fields into a matrix of counts (or an op's results), like datamash crosstab",
	.description =
		"Groups the records by the two fields ROW,COL and prints a matrix, as datamash -s "
		"crosstab ROW,COL [op F] does: a first line of the column values (sorted as "
		"LC_ALL=C sort orders bytes) after an empty corner, then one line per row value, "
		"sorted, with the cell of each column: the number of records of the pair, or the "
		"result of the op given after ROW,COL (any op of group, such as sum:3 or first:3), "
		"and N/A where the pair never occurs. Fields are joined by the input's delimiter "
		"(a tab for blank-separated input) or --output-delimiter; --filler X prints X instead "
		"of N/A; --header-out prints datamash's header line first (GroupBy(ROW), "
		"GroupBy(COL), OP(F)); with no input the matrix is one empty line, as datamash's. "
		"-R, --format, --narm and --na work as group's. "
		"A record that lacks a key field ends the run with status 65 (with --reject, it goes "
		"to the reject file and is in no cell). The cells merge "
		"exactly, so the output does not depend on -j or the chunk size; they are held in "
		"memory at the end to print the matrix.",
	/* its own bind and teardown (the header's names) */
	.bind = crosstab_bind,
	.teardown = crosstab_teardown,
	AGG_PARTIAL_CALLBACKS,
	.opts = crosstab_opts,
	.args = crosstab_args,
	.setup = crosstab_setup,
	.finish = crosstab_finish,
};
