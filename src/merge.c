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
	else if (job->header)
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
 * The order of merging.  Shards of the same inputs go by their byte
 * ranges, at the place of the first of them on the command line; other
 * partials (of runs without --shard) stay where they are given.
 */
static int part_cmp(const void *a, const void *b)
{
	const struct part *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->origin.start != y->origin.start)
		return x->origin.start < y->origin.start ? -1 : 1;
	if (x->origin.end != y->origin.end)
		return x->origin.end < y->origin.end ? -1 : 1;
	return x->arg < y->arg ? -1 : x->arg > y->arg;
}

static bool same_inputs(const struct partial_origin *a, const struct partial_origin *b)
{
	return a->known && b->known && a->inputs.len == b->inputs.len &&
	    memcmp(a->inputs.data, b->inputs.data, a->inputs.len) == 0;
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
			if (same_inputs(&parts[j].origin, &p->origin)) {
				p->group = parts[j].group;
				break;
			}
	}
	buf_free(&h);
	return parts;
}

/* Two shards of the same inputs must not share bytes: the same shard
 * twice, or shards of different counts, would count records twice. */
static void check_overlaps(const struct part *parts, size_t n)
{
	for (size_t i = 1, last = 0; i < n; i++) {
		const struct partial_origin *o = &parts[i].origin, *l = &parts[last].origin;

		if (o->start == o->end)
			continue;	/* no record: nothing to count twice */
		if (parts[i].group == parts[last].group && l->start < l->end && o->start < l->end)
			fatal(EXIT_DATAERR, "%s: its bytes %llu-%llu of the inputs overlap bytes "
			    "%llu-%llu of %s (the same shard twice, or shards of different counts)",
			    parts[i].path, (unsigned long long)o->start, (unsigned long long)o->end,
			    (unsigned long long)l->start, (unsigned long long)l->end, parts[last].path);
		if (parts[i].group != parts[last].group || o->end > l->end)
			last = i;
	}
}

/* What a merged partial file covers: the range of the shards merged when
 * they are all of the same inputs, else no known origin. */
static void merged_origin(const struct part *parts, size_t n, struct partial_origin *o)
{
	*o = (struct partial_origin){ 0 };
	for (size_t i = 0; i < n; i++)
		if (!parts[i].origin.known || parts[i].group != parts[0].group)
			return;
	o->known = true;
	o->start = parts[0].origin.start;
	for (size_t i = 0; i < n; i++)
		if (parts[i].origin.end > o->end)
			o->end = parts[i].origin.end;
	buf_append(&o->inputs, parts[0].origin.inputs.data, parts[0].origin.inputs.len);
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
	check_overlaps(parts, job->ninputs);
	current = output_open(job->output, &err);
	if (current == NULL)
		fatal(EXIT_CANTCREAT, "%s", err);
	if (job->compress.kind != COMPRESS_NONE)
		output_compress(current, &job->compress);
	fatal_cleanup(cleanup);
	m = merger_new(job, current, 1);
	merged_origin(parts, job->ninputs, &origin);
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
		fatal(code, "%s", err);
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
