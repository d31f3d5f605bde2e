/* head.c - the head stage: the first N records.
 *
 * In the merger (after a reducer) the count runs over the whole stream.
 * In the workers each chunk keeps its own first N records, and the merger
 * cuts the ordered output after N records and ends the run early (see
 * job_plan, which only allows head last among the workers' stages). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "stage.h"
#include "util.h"

struct head {
	uint64_t limit;
	uint64_t left;		/* records still to pass in this chunk or stream */
};

static const struct stage_opt head_opts[] = {
	{ NULL, 0, 0, NULL, NULL },
};

static const struct stage_arg head_args[] = {
	{ "count", "how many records to keep (0 or more)", false },
	{ NULL, NULL, false },
};

static int head_setup(struct stage *st, char **err)
{
	struct head *h = xcalloc(1, sizeof *h);
	const char *arg = stage_arg(st, "count");
	long n;

	st->priv = h;
	if (!parse_long(arg, 0, 1L << 62, &n)) {
		*err = xasprintf("head: the count must be a number of records, not '%s'", arg);
		return -1;
	}
	h->limit = h->left = (uint64_t)n;
	return 0;
}

uint64_t stage_head_limit(const struct stage *st)
{
	const struct head *h = st->priv;

	return h->limit;
}

static void head_teardown(struct stage *st)
{
	free(st->priv);
	st->priv = NULL;
}

static void head_reset(struct stage *st)
{
	struct head *h = st->priv;

	h->left = h->limit;
}

static int head_map(struct stage *st, struct block *b, char **err)
{
	struct head *h = st->priv;
	uint64_t n = h->left;

	(void)err;
	b->len = records_prefix(st->fmt, st->term, b->data, b->len, &n);
	if (b->nrec != NREC_UNKNOWN)
		b->nrec = b->nrec < h->left ? b->nrec : (size_t)h->left;
	h->left = n;
	return 0;
}

static bool head_sated(const struct stage *st)
{
	const struct head *h = st->priv;

	return h->left == 0;
}

const struct stage_def stage_head = {
	.name = "head",
	.summary = "keep the first N records",
	.description =
		"Keeps the first COUNT records, like head -n COUNT. "
		"As the last stage of a pipeline without a reducer, the run stops as soon as the "
		"first COUNT records are written, without reading the rest of the input. "
		"After a reducer it keeps the first COUNT records of the reducer's result "
		"(group, then sort, then head: the top of a table). "
		"Elsewhere (before a reducer, or before other stages in the workers) it is refused.",
	.kind = STAGE_MAP,
	.opts = head_opts,
	.args = head_args,
	.setup = head_setup,
	.teardown = head_teardown,
	.map = head_map,
	.reset = head_reset,
	.sated = head_sated,
};
