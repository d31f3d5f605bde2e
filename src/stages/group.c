/* group.c - the group stage: group records by key fields and compute
 * counts, sums, minimums, maximums, means, sample standard deviations,
 * distinct counts and first and last values per group, as
 * `datamash -s -g KEYS op F ...` does.
 *
 * A reducer.  Each worker folds its chunks into a hash table of groups
 * (src/reduce/keytab.c), one table for the chunks it takes until the
 * supervisor asks for it or it fills its share of memory
 * (src/engine/worker_table.c), whose states are mergeable: counts and exact sums add,
 * min and max compare, stdev combines (n, sums) exactly or (n, mean, M2)
 * by Chan et al.'s formula, distinct unites value sets, first and last
 * keep the value at the lowest or highest input position (chunk sequence
 * number, record index in the chunk).  The merger merges the partials in
 * any order; merging is associative and commutative, so the output does
 * not depend on -j or the chunk size.
 *
 * Partial format (src/reduce/agg.h has the details), version 1: the magic
 * "FPA" 0x01, the long double size, the op kinds, the records folded per
 * chunk, the first bad value if any, then one entry per group: its
 * length, the key, the record count and each op's state.  A table that
 * outgrows the stage's memory budget is written to a temporary file as
 * a run of such entries sorted by key and started afresh; finish merges
 * the runs in key order, combining equal keys, and streams the output.
 *
 * Output: one record per group in key order (bytes, as LC_ALL=C sort),
 * the key fields then one column per op, joined by the input's
 * delimiter (a tab for blank-separated input, CSV quoting for --csv),
 * each ending with the record terminator. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "fields.h"
#include "stage.h"
#include "util.h"

struct group {
	struct agg_spec spec;	/* first: see agg_stage_teardown */
};

static const struct stage_opt group_opts[] = {
	{ "keys", 'k', OPT_STRING, "the fields to group by: numbers from 1, closed ranges (2-4) "
	  "and header names, separated by commas; without -k all records are one group", "LIST" },
	{ NULL, 0, 0, NULL, NULL },
};

static const struct stage_arg group_args[] = {
	{ "ops", "what to compute for each group, one output column each: count, sum:F, min:F, "
	  "max:F, mean:F, stdev:F (sample standard deviation), distinct:F (number of distinct "
	  "values), first:F, last:F (in input order); F is a field number or a header name", true },
	{ NULL, NULL, false },
};

static int group_setup(struct stage *st, char **err)
{
	struct group *g = xcalloc(1, sizeof *g);
	const char *keys = stage_str(st, "keys");
	size_t nops;
	char *const *ops = stage_list(st, "ops", &nops);

	st->priv = g;
	if (agg_spec_keys(&g->spec, "group", keys, false, err) < 0)
		return -1;
	for (size_t i = 0; i < nops; i++)
		if (agg_spec_op(&g->spec, ops[i], err) < 0)
			return -1;
	if (nops == 0) {
		*err = xasprintf("group: missing ops (count, sum:F, ...)");
		return -1;
	}
	return agg_spec_ready(&g->spec, err);
}

struct emit {
	const struct stage *st;
	const struct agg_spec *spec;
	struct format ofmt;
	struct agg_out out;
	struct buf vals, scratch;
	size_t *ends;
	struct field *fv;
};

static int group_emit(void *ctx, const struct agg_group *grp)
{
	struct emit *e = ctx;
	const struct agg_spec *s = e->spec;
	size_t nk = s->nkeys;

	agg_key_fields(s, grp->key, grp->klen, e->fv, &e->scratch);
	e->vals.len = 0;
	for (size_t i = 0; i < s->nops; i++) {
		agg_format(grp, i, &e->vals);
		e->ends[i] = e->vals.len;
	}
	for (size_t i = 0; i < s->nops; i++) {
		size_t from = i > 0 ? e->ends[i - 1] : 0;

		e->fv[nk + i].p = e->vals.data + from;
		e->fv[nk + i].len = e->ends[i] - from;
	}
	fields_join(&e->ofmt, e->fv, nk + s->nops, &e->out.b);
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
	e.ofmt = agg_out_format(st->fmt);
	e.out.sink = out;
	e.ends = xcalloc(g->spec.nops + 1, sizeof *e.ends);
	e.fv = xcalloc(g->spec.nkeys + g->spec.nops + 1, sizeof *e.fv);
	rc = agg_out_end(&e.out, agg_finish(partial, group_emit, &e, err));
	buf_free(&e.vals);
	buf_free(&e.scratch);
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
		"written); F is a field number or a header name (with --header; no header line is "
		"printed), and datamash's names sstdev and countunique are accepted too. "
		"The output is that of datamash -s -g KEYS with the same ops on the same input: "
		"numbers print as %.14Lg prints them, and a value is a number when strtold reads all "
		"of it (1e3, 0x10, inf and nan are numbers; an empty field is not). "
		"Plain decimals (and their squares, for stdev) are summed exactly, so results do "
		"not depend on -j or the chunk size; they can differ from datamash's, whose running "
		"long double sum rounds at every addition, only where the exact result is a tie at "
		"the 15th significant digit. Other values are summed in long double with Neumaier's "
		"compensation, and stdev then merges by Chan et al.'s formula. A value of a numeric op that is not a number, or a field a record lacks, "
		"ends the run with status 65 and a message naming the op, the value, the field and "
		"the record (counted from 1 at the first record that reaches the stage, after any "
		"header); the first such record in input order is reported. A key field a record lacks is empty, and so is "
		"the value of distinct, first and last. "
		"Groups beyond the memory budget (--memory) are spilled to temporary files as runs "
		"sorted by key and merged at the end, so the number of groups is not bounded by "
		"memory; the values of one group's distinct op must fit in it.",
	AGG_STAGE_CALLBACKS,
	.opts = group_opts,
	.args = group_args,
	.setup = group_setup,
	.finish = group_finish,
};
