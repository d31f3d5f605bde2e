/* merge.c - `forkpipe merge`: merge partial files written by --partial
 * runs (here or on other machines) and finish the pipeline.
 *
 * One process: the partial files are read one piece at a time and each
 * piece is merged into the reducer's state, which spills beyond the
 * memory budget as it does in a run; the stages after the reducer then
 * run on the result.  With --partial the pieces are copied into one
 * partial file instead, for merging in several rounds. */
#include "autoconfig.h"

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
static void write_head(struct job *job, const struct header *header)
{
	struct buf head = { 0 };
	char *err = NULL;

	if (job->partial_out)
		partial_put_head(job, &header->raw, &head);
	else if (job->header)
		job_header_out(job, header, &head);
	if (head.len > 0 && output_write(current, head.data, head.len, &err) < 0)
		fatal(EXIT_IOERR, "%s", err);
	buf_free(&head);
}

int merge_run(struct job *job)
{
	struct header header = { 0 };
	struct buf h = { 0 };
	struct merger *m = NULL;
	uint64_t base = 0;
	char *err = NULL;
	int code;

	for (size_t i = 0; i < job->ninputs; i++) {
		struct partial_reader *r = partial_open(job->inputs[i], job, &h, &err, &code);

		if (r == NULL)
			fatal(code, "%s", err);
		if (i == 0) {
			buf_append(&header.raw, h.data, h.len);
			bind_header(job, &header);
			current = output_open(job->output, &err);
			if (current == NULL)
				fatal(EXIT_CANTCREAT, "%s", err);
			if (job->compress.kind != COMPRESS_NONE)
				output_compress(current, &job->compress);
			fatal_cleanup(cleanup);
			m = merger_new(job, current, 1);
			write_head(job, &header);
		} else {
			check_header(job->inputs[i], &header, &h);
		}
		merge_file(m, r, job->inputs[i], &base);
		partial_close(r);
	}
	if (merger_finish(m, &err, &code) < 0)
		fatal(code, "%s", err);
	if (output_commit(current, &err) < 0)
		fatal(EXIT_IOERR, "%s", err);
	merger_free(m);
	output_free(current);
	current = NULL;
	buf_free(&h);
	buf_free(&header.raw);
	fieldvec_free(&header.fields);
	return EXIT_OK;
}
