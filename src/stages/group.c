/* group.c - the group stage: group records by key fields and compute
 * counts, sums, minimums, maximums, means, sample standard deviations,
 * distinct counts, first and last values, order statistics (median,
 * quartiles, percentiles, mode, MAD, trimmed mean), moments (skewness,
 * kurtosis, normality tests, geometric and harmonic means), value lists
 * (unique, collapse) and datamash's other fixed-state ops (pstdev, pvar,
 * svar, range, absmin, absmax, the two-field pcov, scov, ppearson,
 * spearson; with ms, rms, dotprod) per group, as
 * `datamash -s -g KEYS op F ...` does, with datamash's --full, --narm,
 * --header-out, -R, --format and --output-delimiter.
 *
 * A reducer.  Each worker folds its chunks into a hash table of groups
 * (src/reduce/keytab.c), one table for the chunks it takes until the
 * supervisor asks for it or it fills its share of memory
 * (src/engine/worker_table.c), whose states are mergeable: counts and exact sums add,
 * min and max compare, stdev combines (n, sums) exactly or (n, mean, M2)
 * by Chan et al.'s formula, distinct unites value sets, first and last
 * keep the value at the lowest or highest input position (chunk sequence
 * number, record index in the chunk), the order statistics and moments
 * keep the group's numbers (sent sorted, merged, computed from the
 * sorted list in one fixed order: src/reduce/aggvals.h, ostat.h), unique
 * shares distinct's value set, collapse keeps values with their
 * positions.  The merger merges the partials in
 * any order; merging is associative and commutative, so the output does
 * not depend on -j or the chunk size.
 *
 * Partial format (src/reduce/agg.h has the details), version 3: the magic
 * "FPA" 0x03, the long double size, the op kinds, the records folded per
 * chunk, the first bad value if any, then one entry per group: its
 * length, the key, the record count and each op's state.  A table that
 * outgrows the stage's memory budget is written to a temporary file as
 * a run of such entries sorted by key and started afresh; finish merges
 * the runs in key order, combining equal keys, and streams the output.
 *
 * Output: one record per group in key order (bytes, as LC_ALL=C sort),
 * the key fields (with --full: the fields of the group's first record,
 * kept by a last, hidden op) then one column per op, joined by the
 * input's delimiter or --output-delimiter (a tab for blank-separated
 * input, CSV quoting for --csv), each ending with the record
 * terminator; with --header-out a header line first (before the first
 * group, or at once when the input has a header). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "aggvals.h"
#include "fields.h"
#include "jsonl.h"
#include "stage.h"
#include "util.h"

struct group {
	struct agg_spec spec;	/* first: see agg_stage_teardown */
	bool full;		/* --full: the group's first record first */
	bool header_out;
	char delim;		/* --output-delimiter; 0: the input's */
	char **names;		/* the input header's fields, once bound */
	size_t nnames;
	const struct jpaths *paths;	/* --json: fields are named by these */
};

static const struct stage_opt group_opts[] = {
	{ "keys", 'k', OPT_STRING, "the fields to group by: numbers from 1, closed ranges (2-4) "
	  "and header names, separated by commas; without -k all records are one group", "LIST" },
	{ "full", 'f', OPT_FLAG, "print each group's first record (in input order) before the "
	  "results, instead of the key fields (datamash --full)", NULL },
	{ "narm", 0, OPT_FLAG, "skip missing values: NA, N/A and NaN in any case, and the markers "
	  "of --na (datamash --narm)", NULL },
	{ "na", 0, OPT_STRING, "more markers of a missing value, separated by commas (such as - "
	  "for a web log's bytes); implies --narm", "LIST" },
	{ "header-out", 0, OPT_FLAG, "print a header line first, as datamash --header-out: "
	  "GroupBy(NAME) per key field, then OP(NAME) per op, NAME the input header's or "
	  "field-N", NULL },
	{ "round", 'R', OPT_INT, "print numeric results with N decimal places (datamash "
	  "--round)", NULL },
	{ "format", 0, OPT_STRING, "print numeric results with the printf format FMT, one "
	  "floating-point conversion such as %.3f or %08.2e (datamash --format)", "FMT" },
	{ "output-delimiter", 0, OPT_STRING, "separate output fields with CHAR instead of the "
	  "input's delimiter", "CHAR" },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct stage_arg group_args[] = {
	{ "ops", "what to compute for each group, one output column each: count, sum:F, min:F, "
	  "max:F, absmin:F, absmax:F, range:F, mean:F, ms:F (mean square), rms:F, stdev:F or "
	  "sstdev:F (sample standard deviation), pstdev:F (population), svar:F, pvar:F, "
	  "distinct:F or countunique:F (number of distinct values), first:F, last:F (in input "
	  "order); of two fields pcov:F1:F2, scov:F1:F2 (covariance), ppearson:F1:F2, "
	  "spearson:F1:F2 (Pearson's correlation), dotprod:F1:F2; the order statistics "
	  "median:F, q1:F, q3:F, iqr:F, perc:F[:P] (percentile P, an integer from 1 to 100, "
	  "default 95), mode:F, antimode:F, mad:F (scaled by 1.4826), madraw:F, trimmean:F[:P] "
	  "(P the fraction trimmed from each end, 0 to 0.5, default 0); the moments sskew:F, "
	  "pskew:F, skurt:F, pkurt:F (sample and population skewness and excess kurtosis), "
	  "dpo:F, jarque:F (p-values of the D'Agostino-Pearson and Jarque-Bera tests), "
	  "geomean:F, harmmean:F; unique:F (the sorted distinct values) and collapse:F (all "
	  "values in input order), joined by commas; F is a field number or a header name.  "
	  "The order statistics, moments and collapse keep every value of a group: they spill "
	  "beyond --memory with their groups, but the end holds one group's values at once "
	  "(about 32 bytes a number), whatever --memory says", true },
	{ NULL, NULL, false },
};

/* The options beyond the keys and the ops. */
static int group_options(struct stage *st, struct group *g, char **err)
{
	const char *d = stage_str(st, "output-delimiter");

	if ((stage_flag(st, "narm") || stage_str(st, "na") != NULL) &&
	    agg_spec_narm(&g->spec, stage_str(st, "na"), err) < 0)
		return -1;
	if (agg_spec_numfmt(&g->spec, stage_str(st, "format"), stage_num(st, "round", -1), err) < 0)
		return -1;
	if (d != NULL && !format_delimiter(d, &g->delim)) {
		*err = xasprintf("group: --output-delimiter '%s': one byte is needed (or \\t)", d);
		return -1;
	}
	g->full = stage_flag(st, "full");
	g->header_out = stage_flag(st, "header-out");
	return 0;
}

static int group_setup(struct stage *st, char **err)
{
	struct group *g = xcalloc(1, sizeof *g);
	const char *keys = stage_str(st, "keys");
	size_t nops;
	char *const *ops = stage_list(st, "ops", &nops);

	st->priv = g;
	if (agg_spec_keys(&g->spec, "group", keys, false, err) < 0)
		return -1;
	if (group_options(st, g, err) < 0)
		return -1;
	for (size_t i = 0; i < nops; i++)
		if (agg_spec_op(&g->spec, ops[i], err) < 0)
			return -1;
	if (nops == 0) {
		*err = xasprintf("group: missing ops (count, sum:F, ...)");
		return -1;
	}
	if (g->full)
		agg_spec_full(&g->spec);	/* the last op: not a column */
	return agg_spec_ready(&g->spec, err);
}

static void free_names(struct group *g)
{
	for (size_t i = 0; i < g->nnames; i++)
		free(g->names[i]);
	free(g->names);
	g->names = NULL;
	g->nnames = 0;
}

static int group_bind(struct stage *st, const struct header *h, char **err)
{
	struct group *g = st->priv;

	free_names(g);
	g->paths = h != NULL ? h->paths : NULL;
	if (h != NULL) {
		g->nnames = h->fields.n;
		g->names = xcalloc(g->nnames + 1, sizeof *g->names);
		for (size_t i = 0; i < g->nnames; i++)
			g->names[i] = xstrndup(h->fields.v[i].p, h->fields.v[i].len);
	}
	return agg_stage_bind(st, h, err);
}

static void group_teardown(struct stage *st)
{
	if (st->priv != NULL)
		free_names(st->priv);
	agg_stage_teardown(st);
}

struct emit {
	const struct stage *st;
	const struct agg_spec *spec;
	const struct group *g;
	struct format ofmt;
	struct agg_out out;
	struct buf vals, scratch;
	size_t *ends;
	struct field *fv;
	struct fieldvec full;	/* --full: the first record's fields */
	bool header_due;
};

/* Field f's (1-based) name in the header line: the input header's, else
 * datamash's field-N. */
static void put_name(const struct group *g, size_t f, struct buf *b)
{
	if (f >= 1 && f <= g->nnames)
		buf_append(b, g->names[f - 1], strlen(g->names[f - 1]));
	else if (g->paths != NULL && f >= 1 && f <= g->paths->n)
		buf_append(b, g->paths->v[f - 1].text, strlen(g->paths->v[f - 1].text));
	else
		buf_printf(b, "field-%zu", f);
}

/* The header line as datamash --header-out prints it; nfull: the fields
 * --full prints. */
static void put_header(struct emit *e, size_t nfull)
{
	const struct agg_spec *s = e->spec;
	size_t nops = s->nops - e->g->full, ncol = 0, n = (e->g->full ? nfull : s->nkeys) + nops;
	size_t *ends = xcalloc(n + 1, sizeof *ends);
	struct field *v = xcalloc(n + 1, sizeof *v);

	e->vals.len = 0;
	for (size_t i = 0; i < (e->g->full ? nfull : s->nkeys); i++) {
		if (!e->g->full)
			buf_append(&e->vals, "GroupBy(", 8);
		put_name(e->g, e->g->full ? i + 1 : s->keys[i] + 1, &e->vals);
		if (!e->g->full)
			buf_putc(&e->vals, ')');
		ends[ncol++] = e->vals.len;
	}
	for (size_t i = 0; i < nops; i++) {
		const struct agg_op *op = &s->ops[i];

		buf_printf(&e->vals, "%s", agg_op_name(op->kind));
		/* perc and trimmean show their parameter, given or not, as datamash */
		if (agg_kind_param(op->kind))
			buf_printf(&e->vals, ":%Lg", op->param);
		/* a two-field op is named by its second field, as datamash does */
		if (op->field > 0) {
			buf_putc(&e->vals, '(');
			put_name(e->g, op->field2 > 0 ? op->field2 : op->field, &e->vals);
			buf_putc(&e->vals, ')');
		}
		ends[ncol++] = e->vals.len;
	}
	for (size_t i = 0; i < ncol; i++) {
		v[i].p = e->vals.data + (i > 0 ? ends[i - 1] : 0);
		v[i].len = ends[i] - (i > 0 ? ends[i - 1] : 0);
	}
	fields_join(&e->ofmt, v, ncol, &e->out.b);
	buf_putc(&e->out.b, e->st->term);
	free(ends);
	free(v);
	e->header_due = false;
}

/* --full: the fields of the group's first record (the last op's value)
 * into e->full; a record that does not split (malformed CSV cannot
 * reach here: the fold checked it) is one field. */
static void full_fields(struct emit *e, const struct agg_group *grp)
{
	const struct agg_spec *s = e->spec;
	struct buf one;
	const char *why = NULL;

	agg_format(grp, s->nops - 1, &e->scratch);
	one = e->scratch;
	if (fields_split(e->st->fmt, one.data, one.len, &e->full, &why) < 0) {
		e->full.n = 1;
		e->full.v[0].p = one.data;
		e->full.v[0].len = one.len;
	}
}

static int group_emit(void *ctx, const struct agg_group *grp)
{
	struct emit *e = ctx;
	const struct agg_spec *s = e->spec;
	size_t nops = s->nops - e->g->full, nk;
	struct field *fv;

	e->scratch.len = 0;
	if (e->g->full) {
		full_fields(e, grp);
		nk = e->full.n;
		e->fv = xreallocarray(e->fv, nk + nops + 1, sizeof *e->fv);
		memcpy(e->fv, e->full.v, nk * sizeof *e->fv);
	} else {
		nk = s->nkeys;
		agg_key_fields(s, grp->key, grp->klen, e->fv, &e->scratch);
	}
	if (e->header_due)
		put_header(e, nk);
	fv = e->fv;
	e->vals.len = 0;
	for (size_t i = 0; i < nops; i++) {
		agg_format(grp, i, &e->vals);
		e->ends[i] = e->vals.len;
	}
	for (size_t i = 0; i < nops; i++) {
		size_t from = i > 0 ? e->ends[i - 1] : 0;

		fv[nk + i].p = e->vals.data + from;
		fv[nk + i].len = e->ends[i] - from;
	}
	fields_join(&e->ofmt, fv, nk + nops, &e->out.b);
	buf_putc(&e->out.b, e->st->term);
	return agg_out_flush(&e->out, false);
}

static int group_finish(struct stage *st, void *partial, struct sink *out, char **err)
{
	struct group *g = st->priv;
	struct emit e = { 0 };
	int rc;

	e.st = st;
	e.spec = &g->spec;
	e.g = g;
	e.ofmt = agg_out_format(st->fmt);
	if (g->delim != 0)
		e.ofmt.delim = g->delim;
	e.out.sink = out;
	e.ends = xcalloc(g->spec.nops + 1, sizeof *e.ends);
	e.fv = xcalloc(g->spec.nkeys + g->spec.nops + 1, sizeof *e.fv);
	e.header_due = g->header_out;
	/* With an input header the line comes even without groups; else
	 * before the first (datamash: --full names its record's fields). */
	if (e.header_due && g->names != NULL && !g->full)
		put_header(&e, 0);
	if (e.header_due && g->names != NULL && g->full)
		put_header(&e, g->nnames);
	/* A header still due comes before the first group: the groups'
	 * output depends on which comes first, so they are printed in turn. */
	rc = agg_finish_out(partial, group_emit, &e, e.header_due ? NULL : &e.out, err);
	rc = agg_out_end(&e.out, rc);
	buf_free(&e.vals);
	buf_free(&e.scratch);
	fieldvec_free(&e.full);
	free(e.ends);
	free(e.fv);
	return rc;
}

const struct stage_def stage_group = {
	.name = "group",
	.summary = "group records by key fields and compute counts, sums, means... per group, like datamash",
	.description =
		"Groups the records by the fields listed with -k and prints one record per group: "
		"the key fields, then one column per op, in the order given, joined by the input's "
		"delimiter (a tab for blank-separated input; CSV with quotes where needed for --csv) "
		"and sorted by key as LC_ALL=C sort orders bytes, the first key field first. "
		"The ops are count (records in the group), sum:F, min:F, max:F, mean:F, stdev:F "
		"(the sample standard deviation), distinct:F (how many different values), first:F "
		"and last:F (the value of the group's first and last record in input order, as "
		"written); F is a field number or a header name (with --header), and datamash's "
		"names sstdev and countunique are accepted too. "
		"Datamash's pstdev:F, pvar:F, svar:F, range:F, absmin:F and absmax:F (the value of "
		"least or greatest magnitude, the earliest of equals), with ms:F (mean square) and "
		"rms:F, come from the same exact states; pcov:F1:F2, scov:F1:F2, ppearson:F1:F2, "
		"spearson:F1:F2 and dotprod:F1:F2 read two fields, summing x, y, xy, x^2 and y^2 "
		"exactly for plain decimals (else by Chan et al.'s formulas). "
		"As datamash: --full prints each group's first record (in input order) instead of "
		"the key fields (datamash prints the record where a min, max, absmin, absmax or "
		"last op last took its value, where there is one), "
		"--narm skips missing values (NA, N/A, NaN in any case, and the markers of --na; a "
		"two-field op skips the pair), --header-out prints a header line (GroupBy(NAME), "
		"OP(NAME), a two-field op named by its second field, NAME the header's or field-N), "
		"-R N and --format FMT print numeric results (all but first and last) with %.NLf or "
		"FMT, and --output-delimiter sets the output's delimiter. A group whose values are "
		"all missing prints datamash's results for none: 0 for count and sum, nan for mean "
		"and the spreads, -inf and inf for min and max, N/A for first and last. "
		"The output is that of datamash -s -g KEYS with the same ops on the same input: "
		"numbers print as %.14Lg prints them, and a value is a number when strtold reads all "
		"of it without a range error (1e3, 0x10, inf and nan are numbers; an empty field, "
		"1e99999 and 1e-20000 are not). "
		"Plain decimals (and their squares, for stdev) are summed exactly, so results do "
		"not depend on -j or the chunk size; they can differ from datamash's, whose running "
		"long double sum rounds at every addition, only where the exact result is a tie at "
		"the 15th significant digit. Other values are summed in long double with Neumaier's "
		"compensation, and stdev then merges by Chan et al.'s formula. A value of a numeric op that is not a number, or a field a record lacks, "
		"ends the run with status 65 and a message naming the input file (stdin for standard "
		"input), the op, the record, the field and the value, as in \"forkpipe: data.tsv: "
		"group: sum:2: invalid numeric value in record 7 at byte offset 120, field 2: 'x'\"; "
		"the record is counted from 1 at the first record of that file that reaches the stage "
		"(after any header), and its byte offset (in the decompressed stream of a compressed "
		"file) is given unless a stage before the reducer rewrote the records. The first such "
		"record in input order is reported. A key field a record lacks is empty, and so is "
		"the value of distinct, first and last. "
		"Groups beyond the memory budget (--memory) are spilled to temporary files as runs "
		"sorted by key and merged at the end, so the number of groups is not bounded by "
		"memory; the values of one group's distinct op must fit in it.",
	/* its own bind and teardown (the header's names) */
	.bind = group_bind,
	.teardown = group_teardown,
	AGG_PARTIAL_CALLBACKS,
	.opts = group_opts,
	.args = group_args,
	.setup = group_setup,
	.finish = group_finish,
};
