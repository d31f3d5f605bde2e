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
 * number, record index in the chunk), the order statistics keep the
 * group's numbers (sent sorted by value, merged, computed from the sorted
 * list), the moments keep them with their input positions (computed in
 * input order, as datamash sums them: src/reduce/aggvals.h, ostat.h), unique
 * shares distinct's value set, collapse keeps values with their
 * positions; a group too big for memory has them sorted on disk where
 * runs are merged (src/reduce/ostat_stream.h, set_stream.h) and its
 * unique and collapse text written as it is read.  The merger merges the partials in
 * any order; merging is associative and commutative, so the output does
 * not depend on -j or the chunk size.
 *
 * Partial format (src/reduce/agg.h has the details), version 4: the magic
 * "FPA" 0x04, the long double size, the op kinds, the records folded per
 * chunk, the first bad value if any, then one entry per group: its
 * length, the key, the record count and each op's state.  A table that
 * outgrows the stage's memory budget is written to a temporary file as
 * a run of such entries sorted by key and started afresh; finish merges
 * the runs in key order, combining equal keys, and streams the output.
 *
 * Output: one record per group in key order (bytes, as LC_ALL=C sort),
 * the key fields (with --full: the fields of the record datamash keeps,
 * the group's first or where a min, max, absmin, absmax, first or last
 * op took its value: src/reduce/aggfull.c, a last, hidden op) then one
 * column per op, joined by the
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
#include "stage.h"
#include "util.h"

struct group {
	struct agg_spec spec;	/* first: see agg_stage_teardown */
	bool full;		/* --full: the group's first record first */
	bool header_out;
	char delim;		/* --output-delimiter; 0: the input's */
	struct agg_names names;	/* the input header's fields, once bound */
};

static const struct stage_opt group_opts[] = {
	{ "keys", 'k', OPT_STRING, "the fields to group by: numbers from 1, closed ranges (2-4) "
	  "and header names, separated by commas; without -k all records are one group", "LIST" },
	{ "full", 'f', OPT_FLAG, "print a whole record of each group before the results, "
	  "instead of the key fields: the record datamash --full prints (the latest where a "
	  "min, max, absmin, absmax, first or last op took its value, else the group's first)",
	  NULL },
	{ "narm", 0, OPT_FLAG, "skip missing values: NA, N/A and NaN in any case, and the markers "
	  "of --na (datamash --narm)", NULL },
	{ "na", 0, OPT_STRING, "more markers of a missing value, separated by commas (such as - "
	  "for a web log's bytes); implies --narm", "LIST" },
	{ "header-out", 0, OPT_FLAG, "print a header line first, as datamash --header-out: "
	  "GroupBy(NAME) per key field, then OP(NAME) per op, NAME the input header's or "
	  "field-N", NULL },
	{ "round", 'R', OPT_INT, "print numeric results with N decimal places (datamash "
	  "--round; with --format, the later given wins)", NULL },
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
	  "beyond --memory with their groups, and at the end a group's numbers too many for "
	  "memory are sorted on disk and the results computed in passes over them, the same "
	  "as in memory; so are a group's distinct values (distinct, countunique, unique) and "
	  "collapse's values, and a unique or collapse list too long for memory is written out "
	  "as it is read", true },
	{ NULL, NULL, false },
};

/* The options beyond the keys and the ops. */
static int group_options(struct stage *st, struct group *g, char **err)
{
	const char *d = stage_str(st, "output-delimiter");

	if ((stage_flag(st, "narm") || stage_str(st, "na") != NULL) &&
	    agg_spec_narm(&g->spec, stage_str(st, "na"), err) < 0)
		return -1;
	if (agg_stage_numfmt(&g->spec, st, err) < 0)
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

static int group_bind(struct stage *st, const struct header *h, char **err)
{
	struct group *g = st->priv;

	agg_names_bind(&g->names, h);
	return agg_stage_bind(st, h, err);
}

static void group_teardown(struct stage *st)
{
	if (st->priv != NULL)
		agg_names_free(&((struct group *)st->priv)->names);
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
		agg_put_name(&e->g->names, e->g->full ? i + 1 : s->keys[i] + 1, &e->vals);
		if (!e->g->full)
			buf_putc(&e->vals, ')');
		ends[ncol++] = e->vals.len;
	}
	for (size_t i = 0; i < nops; i++) {
		agg_put_op_name(&e->g->names, &s->ops[i], &e->vals);
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

/* A line with a result too big for memory (unique, collapse of a huge
 * group): written field by field, that result as it is read, so the
 * line is never whole in memory.  fv holds the nk key fields. */
static int emit_streamed(struct emit *e, const struct agg_group *grp, struct field *fv, size_t nk)
{
	size_t nops = e->spec->nops - e->g->full;
	char sep = e->ofmt.kind == FORMAT_BLANKS ? ' ' : e->ofmt.delim;
	int rc = 0;

	fields_join(&e->ofmt, fv, nk, &e->out.b);
	for (size_t i = 0; i < nops && rc == 0; i++) {
		if (nk + i > 0)
			buf_putc(&e->out.b, sep);
		if (agg_format_streams(grp, i)) {
			rc = agg_format_stream(grp, i, &e->ofmt, &e->out);
			continue;
		}
		e->vals.len = 0;
		agg_format(grp, i, &e->vals);
		fv[nk].p = e->vals.data;
		fv[nk].len = e->vals.len;
		fields_join(&e->ofmt, fv + nk, 1, &e->out.b);
		rc = agg_out_flush(&e->out, false);
	}
	if (rc != 0)
		return rc;
	buf_putc(&e->out.b, e->st->term);
	return agg_out_flush(&e->out, false);
}

/* Whether an op of grp streams its text (agg_format_streams). */
static bool any_streams(const struct emit *e, const struct agg_group *grp)
{
	for (size_t i = 0; i < e->spec->nops - e->g->full; i++)
		if (agg_format_streams(grp, i))
			return true;
	return false;
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
	if (any_streams(e, grp))
		return emit_streamed(e, grp, fv, nk);
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
	if (e.header_due && g->names.v != NULL && !g->full)
		put_header(&e, 0);
	if (e.header_due && g->names.v != NULL && g->full)
		put_header(&e, g->names.n);
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
		"As datamash: --full prints a whole record of the group instead of the key fields, "
		"the one datamash 1.7 keeps: the group's first record, replaced by the current one "
		"whenever a min, max, absmin or absmax op's value changes (strictly smaller or "
		"larger; never after a first value that is NaN), at a first op's first value and "
		"at each of a last op's values, "
		"--narm skips missing values (NA, N/A, NaN in any case, and the markers of --na; a "
		"two-field op skips the pair), --header-out prints a header line (GroupBy(NAME), "
		"OP(NAME), a two-field op named by its second field, NAME the header's or field-N), "
		"-R N and --format FMT print numeric results (all but first and last) with %.NLf or "
		"FMT (both given: each is checked and the later wins), and --output-delimiter sets the output's delimiter. A group whose values are "
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
		"compensation, and stdev then merges by Chan et al.'s formula. The spreads and "
		"two-field ops of plain decimals are exact too, where datamash computes from each "
		"value rounded to a long double: where the result cancels (values many times larger "
		"than their spread, beyond about 10^5 times, as 1e9 plus decimals; fields that barely "
		"correlate) that rounding shows in datamash's last printed digits (from the 10th to "
		"the 14th) and not in forkpipe's. The moments are computed as datamash computes them, "
		"in input order, and agree byte for byte. A value of a numeric op that is not a number, or a field a record lacks, "
		"ends the run with status 65 and a message naming the input file (stdin for standard "
		"input), the op, the record, the field and the value, as in \"forkpipe: data.tsv: "
		"group: sum:2: invalid numeric value in record 7 at byte offset 120, field 2: 'x'\"; "
		"the record is counted from 1 at the first record of that file that reaches the stage "
		"(after any header), and its byte offset (in the decompressed stream of a compressed "
		"file) is given unless a stage before the reducer rewrote the records. The first such "
		"record in input order is reported; with --reject it is written to the reject file "
		"instead, whole, and left out of the reducer entirely: in no group and not in count. A key field a record lacks is empty, and so is "
		"the value of distinct, first and last. "
		"Groups beyond the memory budget (--memory) are spilled to temporary files as runs "
		"sorted by key and merged at the end, so the number of groups is not bounded by "
		"memory; nor is the number of values of one group's order statistics and moments "
		"(sorted on disk at the end); the values of one group's distinct, unique and "
		"collapse ops must fit in it.",
	/* its own bind and teardown (the header's names) */
	.bind = group_bind,
	.teardown = group_teardown,
	AGG_PARTIAL_CALLBACKS,
	.opts = group_opts,
	.args = group_args,
	.setup = group_setup,
	.finish = group_finish,
};
