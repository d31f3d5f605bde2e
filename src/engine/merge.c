/* merge.c - `forkpipe merge`: merge partial files written by --partial
 * runs (here or on other machines) and finish the pipeline.
 *
 * One process: the partial files are read one piece at a time and each
 * piece is merged into the reducer's state, which spills beyond the
 * memory budget as it does in a run; the stages after the reducer then
 * run on the result.  With --partial the pieces are copied into one
 * partial file instead, for merging in several rounds. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "merger.h"
#include "output.h"
#include "partial.h"
#include "util.h"

static struct output *current;

static void cleanup(void)
{
	output_abort(current);
}

/* Every part must come from inputs with the same header, or the field
 * names the stages resolved would not mean the same in each. */
static void check_header(const char *path, const struct header *first, const struct buf *h)
{
	if (h->len != first->raw.len || (h->len > 0 && memcmp(h->data, first->raw.data, h->len) != 0))
		fatal(EXIT_DATAERR, "%s: the header record differs from the first partial's", path);
}

static void bind_header(struct job *job, struct header *h)
{
	const char *why = NULL;
	char *err = NULL;
	int code;

	if (job->header && job_header_fields(job, h, &why) < 0)
		fatal(EXIT_DATAERR, "%s: malformed CSV header: %s", job->inputs[0], why);
	if (job_bind(job, job->header ? h : NULL, &err, &code) < 0)
		fatal(code, "%s", err);
}

/* The chunks of each file come after those of the files before it
 * (first, last and ties between records go by chunk order): *base is
 * where this file's chunk numbers start, and where the next file's do
 * on return. */
static void merge_file(struct merger *m, struct partial_reader *r, const char *path,
    uint64_t *base)
{
	struct buf piece = { 0 };
	uint64_t pbase, n = 0;
	char *err = NULL;
	int code, rc;

	while ((rc = partial_next(r, &piece, &pbase, &err, &code)) > 0) {
		n++;
		if (merger_piece(m, 0, *base + pbase, piece.data, piece.len, &err, &code) < 0) {
			if (code == EXIT_DATAERR)
				fatal(code, "%s: piece %llu: not a partial result of this "
				    "pipeline's reducer", path, (unsigned long long)n);
			fatal(code, "%s", err);
		}
	}
	buf_free(&piece);
	if (rc != 0)
		fatal(code, "%s", err);
	*base += pbase;
	merger_chunks_seen(m, *base);
}

/* The start of the output: a partial file's head with --partial, else
 * the header record where the pipeline keeps it (sort -H). */
static void write_head(struct job *job, const struct header *header,
    const struct partial_origin *origin)
{
	struct buf head = { 0 };
	char *err = NULL;

	if (job->partial_out)
		partial_put_head_origin(job, &header->raw, origin, &head);
	else if (job->header || job->to_stage != NULL)
		job_header_out(job, header, &head);
	if (head.len > 0 && output_write(current, head.data, head.len, &err) < 0)
		fatal(EXIT_IOERR, "%s", err);
	buf_free(&head);
}

/* A partial file to merge, and its place in the order of merging. */
struct part {
	const char *path;
	size_t arg;		/* its place on the command line */
	size_t group;		/* the first part of the same inputs, or arg */
	struct partial_origin origin;
	struct partial_reader *r;	/* stdin's, kept open: it is read once */
};

/*
 * The order of merging.  Shards of the same inputs go in shard order, at
 * the place of the first of them on the command line; other partials
 * (of runs without --shard) stay where they are given.
 */
static int part_cmp(const void *a, const void *b)
{
	const struct part *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->origin.first != y->origin.first)
		return x->origin.first < y->origin.first ? -1 : 1;
	return x->arg < y->arg ? -1 : x->arg > y->arg;
}

/* Shards of the same inputs: the same names, in the same order. */
static bool same_names(const struct partial_origin *a, const struct partial_origin *b)
{
	if (!a->known || !b->known || a->ninputs != b->ninputs)
		return false;
	for (size_t i = 0; i < a->ninputs; i++)
		if (strcmp(a->inputs[i].name, b->inputs[i].name) != 0)
			return false;
	return true;
}

/* "shard K/N" or "shards F-L of N", for messages. */
static char *shards_text(const struct partial_origin *o)
{
	if (o->first == o->last)
		return xasprintf("shard %llu/%llu", (unsigned long long)o->first,
		    (unsigned long long)o->n);
	return xasprintf("shards %llu-%llu of %llu", (unsigned long long)o->first,
	    (unsigned long long)o->last, (unsigned long long)o->n);
}

/* How input a differs from input b, or NULL when it does not. */
static char *print_diff(const struct partial_input *a, const struct partial_input *b)
{
	const struct shard_print *x = &a->print, *y = &b->print;
	int len = (int)strlen(a->name) - 2;	/* without its quotes */

	if (x->size != y->size)
		return xasprintf("%.*s: size %llu vs %llu", len, a->name + 1,
		    (unsigned long long)y->size, (unsigned long long)x->size);
	if (x->sec != y->sec || x->nsec != y->nsec)
		return xasprintf("%.*s: modification time %lld.%09u vs %lld.%09u", len, a->name + 1,
		    (long long)y->sec, (unsigned)y->nsec, (long long)x->sec, (unsigned)x->nsec);
	if (x->sum != y->sum)
		return xasprintf("%.*s: sampled bytes differ", len, a->name + 1);
	return NULL;
}

/* A shard p of the same inputs as the first of its group, g, must be of
 * the same count and made of the inputs as they were then. */
static void check_kin(const struct part *p, const struct part *g)
{
	char *mine = shards_text(&p->origin), *theirs = shards_text(&g->origin);

	if (p->origin.n != g->origin.n)
		fatal(EXIT_DATAERR, "%s: %s does not belong with %s of %s", p->path, mine, theirs,
		    g->path);
	for (size_t i = 0; i < p->origin.ninputs; i++) {
		char *why = print_diff(&p->origin.inputs[i], &g->origin.inputs[i]);

		if (why != NULL)
			fatal(EXIT_DATAERR, "%s: %s was made from other inputs than %s (%s)", p->path,
			    mine, g->path, why);
	}
	free(mine);
	free(theirs);
}

/* Read every file's head (identity, origin, header): a bad file fails
 * the merge before any output is written. */
static struct part *read_heads(struct job *job, struct header *header)
{
	struct part *parts = xcalloc(job->ninputs, sizeof *parts);
	struct buf h = { 0 };
	char *err = NULL;
	int code;

	for (size_t i = 0; i < job->ninputs; i++) {
		struct part *p = &parts[i];

		p->path = job->inputs[i];
		p->arg = p->group = i;
		p->r = partial_open(p->path, job, &h, &p->origin, &err, &code);
		if (p->r == NULL)
			fatal(code, "%s", err);
		if (i == 0) {
			buf_append(&header->raw, h.data, h.len);
			bind_header(job, header);
		} else {
			check_header(p->path, header, &h);
		}
		if (strcmp(p->path, "-") != 0) {
			partial_close(p->r);	/* reopened in its turn */
			p->r = NULL;
		}
		for (size_t j = 0; j < i; j++)
			if (same_names(&parts[j].origin, &p->origin)) {
				p->group = parts[j].group;
				check_kin(p, &parts[p->group]);
				break;
			}
	}
	buf_free(&h);
	return parts;
}

/* Whether the merged partial can say what it covers: one round of
 * shards of the same inputs, which need not be all of them yet. */
static bool one_round(const struct job *job, const struct part *parts, size_t n)
{
	if (!job->partial_out)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!parts[i].origin.known || parts[i].group != parts[0].group)
			return false;
	return true;
}

static void missing(const struct part *g, uint64_t k, bool several, bool round)
{
	fatal(EXIT_DATAERR, "merge: shard %llu/%llu%s%s is missing%s", (unsigned long long)k,
	    (unsigned long long)g->origin.n, several ? " of the inputs of " : "",
	    several ? g->path : "", round ? " (a round of merge --partial merges adjacent "
	    "shards)" : "");
}

/*
 * The shards of each inputs, in shard order, must hold each shard once
 * and, unless this is one round (which may leave shards to later rounds
 * at either end), all of them: a shard twice counts records twice, a
 * missing one not at all.
 */
static void check_cover(const struct job *job, const struct part *parts, size_t n)
{
	bool round = one_round(job, parts, n), several = false;
	const struct part *one = NULL;	/* a shard: are all of the same inputs? */

	for (size_t i = 0; i < n; i++)
		if (parts[i].origin.known) {
			several |= one != NULL && parts[i].group != one->group;
			one = &parts[i];
		}
	for (size_t i = 0; i < n; i++) {
		const struct part *p = &parts[i], *prev = i > 0 ? &parts[i - 1] : NULL;
		bool starts = prev == NULL || prev->group != p->group;
		uint64_t next = starts ? 0 : prev->origin.last + 1;

		if (!p->origin.known)
			continue;
		if (!starts && p->origin.first < next)
			fatal(EXIT_DATAERR, "merge: shard %llu/%llu given twice (%s, %s)",
			    (unsigned long long)p->origin.first, (unsigned long long)p->origin.n,
			    parts[prev->arg < p->arg ? i - 1 : i].path,
			    parts[prev->arg < p->arg ? i : i - 1].path);
		if (p->origin.first > next && (!starts || !round))
			missing(p, next, several, round);
		if ((i + 1 == n || parts[i + 1].group != p->group) && p->origin.last + 1 < p->origin.n &&
		    !round)
			missing(p, p->origin.last + 1, several, false);
	}
}

/* What a merged partial file covers: the shards of one round, else no
 * known origin (whole inputs, complete covers, partials of stdin). */
static void merged_origin(const struct job *job, const struct part *parts, size_t n,
    struct partial_origin *o)
{
	*o = (struct partial_origin){ 0 };
	if (!one_round(job, parts, n))
		return;
	partial_origin_copy(o, &parts[0].origin);
	o->last = parts[n - 1].origin.last;
}

int merge_run(struct job *job)
{
	struct header header = { 0 };
	struct partial_origin origin;
	struct buf h = { 0 };
	struct merger *m = NULL;
	uint64_t base = 0;
	char *err = NULL;
	int code;
	struct part *parts = read_heads(job, &header);

	qsort(parts, job->ninputs, sizeof *parts, part_cmp);
	check_cover(job, parts, job->ninputs);
	current = output_open(job->output, &err);
	if (current == NULL)
		fatal(EXIT_CANTCREAT, "%s", err);
	if (job->compress.kind != COMPRESS_NONE)
		output_compress(current, &job->compress);
	fatal_cleanup(cleanup);
	m = merger_new(job, current, 1);
	merged_origin(job, parts, job->ninputs, &origin);
	write_head(job, &header, &origin);
	partial_origin_free(&origin);
	for (size_t i = 0; i < job->ninputs; i++) {
		struct part *p = &parts[i];
		struct partial_origin again = { 0 };

		if (p->r == NULL && (p->r = partial_open(p->path, job, &h, &again, &err, &code)) == NULL)
			fatal(code, "%s", err);
		partial_origin_free(&again);
		merge_file(m, p->r, p->path, &base);
		partial_close(p->r);
		p->r = NULL;
		partial_origin_free(&p->origin);
	}
	if (merger_finish(m, &err, &code) < 0)
		fatal_stage(code, err);
	if (output_commit(current, &err) < 0)
		fatal(EXIT_IOERR, "%s", err);
	merger_free(m);
	output_free(current);
	current = NULL;
	free(parts);
	buf_free(&h);
	buf_free(&header.raw);
	fieldvec_free(&header.fields);
	return EXIT_OK;
}
