/* partial.c - fuzz what `forkpipe merge` reads: the partial file reader
 * (src/io/partial.c) and the decoder of every reducer's partial state
 * (count, sort, and group, uniq and top in src/reduce/agg.c), then the reducer's
 * finish on what was merged, as merge does (src/engine/merge.c).
 *
 * Input: a byte choosing the pipeline (and a tiny memory budget, so that
 * reducers spill), then a partial file; the seeds are partial files that
 * forkpipe --partial wrote for these pipelines.  (This build ignores
 * the checksums: see fuzz.mk.)  Any file is merged or refused with exit
 * 65 naming it. */
#include "autoconfig.h"

#include "fuzz.h"
#include "job.h"
#include "partial.h"
#include "stage.h"
#include "util.h"

/* Each with the options tests/fuzz/seeds.sh makes its seeds with. */
static const struct {
	const char *spec;
	enum format_kind kind;
	bool header;
} pipelines[] = {
	{ "count -w -c", FORMAT_DELIM, false },
	{ "sort -k3,3n -k1,1r", FORMAT_DELIM, false },
	{ "sort -s -u -k2,2n", FORMAT_DELIM, false },
	{ "group -k 1 count sum:2 min:3 max:3 mean:3 stdev:2 distinct:4 first:4 last:4",
	    FORMAT_DELIM, false },
	{ "uniq -c -k 1,4", FORMAT_DELIM, false },
	{ "top -k 4 7", FORMAT_DELIM, false },
	{ "top -k 1 5 sum:2", FORMAT_DELIM, false },
	{ "group -k city count sum:amount", FORMAT_CSV, true },
	{ "group -k 1 median:2 q1:3 perc:3:90 mode:2 trimmean:3:0.2 sskew:3 jarque:2 "
	  "geomean:3 unique:4 collapse:4 countunique:4", FORMAT_DELIM, false },
	{ "group -k 1 pstdev:2 range:3 absmax:3 pcov:2:3 dotprod:3:2 ms:2", FORMAT_DELIM, false },
	{ "group -k 1 --narm --full count:2 mean:3 sstdev:2 min:3 last:2", FORMAT_DELIM, false },
	{ "rmdup 1", FORMAT_DELIM, false },
	{ "crosstab 1,4 sum:2", FORMAT_DELIM, false },
	{ "count -m -L", FORMAT_DELIM, false },
};
#define NPIPELINES (sizeof pipelines / sizeof pipelines[0])

static struct job *make_job(uint8_t b, const char *path)
{
	struct job *job = job_new();
	size_t i = (b & 0x7f) % NPIPELINES;
	char *err = NULL;
	int code;
	struct stage *st = stage_from_spec(pipelines[i].spec, &err);

	FUZZ_CHECK(st != NULL, "%s", err);
	job_add_stage(job, st);
	job_add_input(job, path);
	job->format.kind = pipelines[i].kind;
	job->format.delim = pipelines[i].kind == FORMAT_CSV ? ',' : '\t';
	job->header = pipelines[i].header;
	job->merge = true;
	job->jobs = 1;
	job->memory = b & 0x80 ? 4096 : 64 << 20;
	FUZZ_CHECK(job_plan(job, &err, &code) == 0, "%s", err);
	return job;
}

static int discard(struct sink *s, char *data, size_t len)
{
	(void)s, (void)data, (void)len;
	return 0;
}

/* The header the file carries, bound as merge binds it. */
static int bind(struct job *job, struct header *h, const struct buf *raw, char **err)
{
	const char *why;
	int code;

	buf_append(&h->raw, raw->data, raw->len);
	if (job->header && job_header_fields(job, h, &why) < 0) {
		*err = xstrdup(why);
		return -1;
	}
	return job_bind(job, job->header ? h : NULL, err, &code);
}

static void merge_pieces(struct job *job, struct partial_reader *r)
{
	struct stage *red = job->reducer;
	void *state = red->def->partial_new(red);
	struct buf piece = { 0 };
	struct sink sink = { .put = discard };
	uint64_t base;
	char *err = NULL;
	int code = 0, rc;

	while ((rc = partial_next(r, &piece, &base, &err, &code)) > 0) {
		red->seq_base = base;
		if (red->def->merge(red, state, piece.data, piece.len) < 0)
			break;
	}
	if (rc < 0)
		FUZZ_CHECK(code == EXIT_DATAERR && strstr(err, job->inputs[0]) != NULL,
		    "exit %d: %s", code, err);
	else if (rc == 0 && (rc = red->def->finish(red, state, &sink, &err)) != 0)
		FUZZ_CHECK(rc == EXIT_DATAERR && err != NULL, "finish: exit %d: %s", rc, err);
	free(err);
	buf_free(&piece);
	red->def->partial_free(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *err = NULL;
	struct buf raw = { 0 };
	struct partial_origin origin = { 0 };
	struct header h = { 0 };
	struct partial_reader *r;
	struct job *job;
	int fd, code = 0;

	if (size < 1)
		return 0;
	fd = fuzz_file(data + 1, size - 1, path);
	job = make_job(data[0], path);
	r = partial_open(path, job, &raw, &origin, &err, &code);
	if (r == NULL)
		FUZZ_CHECK(code == EXIT_DATAERR && strstr(err, path) != NULL, "exit %d: %s", code, err);
	else if (bind(job, &h, &raw, &err) == 0)
		merge_pieces(job, r);
	partial_close(r);
	partial_origin_free(&origin);
	free(err);
	buf_free(&raw);
	buf_free(&h.raw);
	fieldvec_free(&h.fields);
	job_free(job);
	close(fd);
	return 0;
}
