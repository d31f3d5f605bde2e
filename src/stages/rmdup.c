/* rmdup.c - the rmdup stage: the first record of each key, in input
 * order, as `datamash rmdup F` prints them.
 *
 * A reducer on the grouping engine (src/reduce/agg.h): the key is the
 * field F, and each group keeps its first record with its input
 * position (chunk sequence number, record index in the chunk), the
 * state of --full (agg.h: "full"), which merges by keeping the lower
 * position.  So the kept record of a key does not depend on -j, the
 * chunk size or spilling.  Finish walks the groups (in key order),
 * collects each kept record with its position, sorts them by position
 * and prints them as they were read: the output is input order.  The
 * kept records are held in memory for that sort (one per distinct key);
 * the table before it spills beyond --memory as group's does.
 *
 * Partial format: group's (src/reduce/agg.h), with one op, kind 24.
 *
 * A record that lacks the field F is an error (exit 65), as in datamash;
 * with --header the header stays on top. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "stage.h"
#include "util.h"

struct rmdup {
	struct agg_spec spec;	/* first: see agg_stage_teardown */
};

static const struct stage_arg rmdup_args[] = {
	{ "field", "the key: a field number from 1 or a header name", false },
	{ NULL, NULL, false },
};

static int rmdup_setup(struct stage *st, char **err)
{
	struct rmdup *r = xcalloc(1, sizeof *r);
	const char *f = stage_arg(st, "field");

	st->priv = r;
	if (agg_spec_keys(&r->spec, "rmdup", f, false, err) < 0)
		return -1;
	if (r->spec.keylist.n != 1 ||
	    (r->spec.keylist.v[0].name == NULL && r->spec.keylist.v[0].lo != r->spec.keylist.v[0].hi)) {
		*err = xasprintf("rmdup: '%s': one field is needed (a number from 1 or a header "
		    "name)", f);
		return -1;
	}
	r->spec.keys_strict = true;
	agg_spec_full(&r->spec);
	return agg_spec_ready(&r->spec, err);
}

/* A kept record: its position and its bytes in the collection. */
struct kept {
	uint64_t seq, idx;
	size_t off, len;
};

struct collect {
	struct kept *v;
	size_t n, cap;
	struct buf data;
};

static int rmdup_collect(void *ctx, const struct agg_group *g)
{
	struct collect *c = ctx;
	uint64_t seq, idx;
	size_t at = c->data.len;

	agg_pos(g, 0, &seq, &idx);
	agg_format(g, 0, &c->data);
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 1024;
		c->v = xreallocarray(c->v, c->cap, sizeof *c->v);
	}
	c->v[c->n++] = (struct kept){ seq, idx, at, c->data.len - at };
	return 0;
}

static int by_position(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int rmdup_finish(struct stage *st, void *partial, struct sink *out, char **err)
{
	struct collect c = { 0 };
	struct agg_out o = { 0 };
	int rc = agg_finish(partial, rmdup_collect, &c, err);

	o.sink = out;
	if (rc == 0) {
		qsort(c.v, c.n, sizeof *c.v, by_position);
		for (size_t i = 0; i < c.n && rc == 0; i++) {
			buf_append(&o.b, c.data.data + c.v[i].off, c.v[i].len);
			buf_putc(&o.b, st->term);
			rc = agg_out_flush(&o, false);
		}
	}
	rc = agg_out_end(&o, rc);
	free(c.v);
	buf_free(&c.data);
	return rc;
}

const struct stage_def stage_rmdup = {
	.name = "rmdup",
	.summary = "the first record of each key, in input order, like datamash rmdup",
	.description =
		"Prints the first record (in input order) of each distinct value of the field "
		"FIELD, as read, in input order: the output of datamash rmdup FIELD. The result "
		"does not depend on -j or the chunk size. A record that lacks the field ends the "
		"run with status 65; with --header the header stays on top. Keys beyond the "
		"memory budget (--memory) spill to temporary files as group's do; the kept "
		"records, one per key, are sorted back into input order in memory at the end.",
	AGG_STAGE_CALLBACKS,
	.keeps_header = true,
	.args = rmdup_args,
	.setup = rmdup_setup,
	.finish = rmdup_finish,
};
