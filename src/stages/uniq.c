/* uniq.c - the uniq stage: the distinct records (or distinct keys) in
 * sorted order, optionally with how many times each occurs: the lines of
 * `LC_ALL=C sort | uniq -c` (or `sort -u`), without sorting the input.
 *
 * A reducer built on the grouping engine of src/reduce/agg.c with no ops: each
 * worker counts its chunk's distinct keys in a hash table, the merger
 * adds the counts (associative and commutative, so the output does not
 * depend on -j or the chunk size) and prints the keys in byte order.
 *
 * Partial format (src/reduce/agg.h has the details), version 4: the magic
 * "FPA" 0x04, the long double size, no op kinds, the records folded per
 * chunk, no error, then one entry per key: its length, the key and the
 * record count.  Tables beyond the memory budget spill to temporary
 * files as runs sorted by key, merged at the end.
 *
 * Output: one record per key, sorted by bytes as LC_ALL=C sort does.
 * The key is the whole record as read (CSV included), or with -k the
 * key fields joined as cut joins them (one space for blank-separated
 * input, the delimiter for -d/--tsv, CSV quoting for --csv).  With -c it
 * is preceded by the count as printf("%7lu ") writes it, as uniq -c
 * does.  Each ends with the record terminator. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "fields.h"
#include "stage.h"
#include "util.h"

struct uniq {
	struct agg_spec spec;	/* first: see agg_stage_teardown */
	bool count;
};

static const struct stage_opt uniq_opts[] = {
	{ "count", 'c', OPT_FLAG, "precede each record with the number of times it occurs, "
	  "right-aligned in 7 columns and a space, as uniq -c does", NULL },
	{ "keys", 'k', OPT_STRING, "compare and print only these fields: numbers from 1, "
	  "closed ranges (2-4) and header names, separated by commas", "LIST" },
	{ NULL, 0, 0, NULL, NULL },
};

static int uniq_setup(struct stage *st, char **err)
{
	struct uniq *u = xcalloc(1, sizeof *u);
	const char *keys = stage_str(st, "keys");

	st->priv = u;
	u->count = stage_flag(st, "count");
	if (agg_spec_keys(&u->spec, "uniq", keys, true, err) < 0)
		return -1;
	return agg_spec_ready(&u->spec, err);
}

struct emit {
	const struct stage *st;
	const struct uniq *u;
	struct agg_out out;
	struct buf scratch;
	struct field *fv;
};

static int uniq_emit(void *ctx, const struct agg_group *g)
{
	struct emit *e = ctx;
	const struct agg_spec *s = &e->u->spec;
	struct buf *b = &e->out.b;

	if (e->u->count) {
		size_t at = b->len, w;

		agg_put_u64(b, g->count);
		w = b->len - at;
		if (w < 7) {	/* right-align in 7 columns */
			buf_append(b, "       ", 7 - w);
			memmove(b->data + at + 7 - w, b->data + at, w);
			memset(b->data + at, ' ', 7 - w);
		}
		buf_putc(b, ' ');
	}
	if (s->whole) {
		buf_append(b, g->key, g->klen);
	} else {
		agg_key_fields(s, g->key, g->klen, e->fv, &e->scratch);
		fields_join(e->st->fmt, e->fv, s->nkeys, b);
	}
	buf_putc(b, e->st->term);
	return agg_out_flush(&e->out, false);
}

static int uniq_finish(struct stage *st, void *partial, struct sink *out, char **err)
{
	struct uniq *u = st->priv;
	struct emit e = { 0 };
	int rc;

	e.st = st;
	e.u = u;
	e.out.sink = out;
	e.fv = xcalloc(u->spec.nkeys + 1, sizeof *e.fv);
	rc = agg_out_end(&e.out, agg_finish_out(partial, uniq_emit, &e, &e.out, err));
	buf_free(&e.scratch);
	free(e.fv);
	return rc;
}

const struct stage_def stage_uniq = {
	.name = "uniq",
	.summary = "the distinct records or keys, sorted, with -c their counts, like sort | uniq -c",
	.description =
		"Prints each distinct record once, sorted by bytes: the lines of LC_ALL=C sort -u, "
		"or with -c those of LC_ALL=C sort | uniq -c, each preceded by its count "
		"right-aligned in 7 columns (wider when needed) and a space. With -k only the key "
		"fields are compared and printed, joined as cut joins them (one space for "
		"blank-separated input, the delimiter for -d and --tsv, CSV for --csv), and sorted "
		"field by field; a key field a record lacks is empty. Records are compared as "
		"read, so a CSV record keeps its quotes and a CR before the newline is part of the "
		"record. Keys beyond the memory budget (--memory) are spilled to temporary files "
		"as sorted runs and merged at the end.",
	AGG_STAGE_CALLBACKS,
	.opts = uniq_opts,
	.args = NULL,
	.setup = uniq_setup,
	.finish = uniq_finish,
};
