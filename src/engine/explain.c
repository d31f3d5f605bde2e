/* explain.c - --explain: the plan of a run, printed instead of running it.
 *
 * The plan is taken from the same code a run uses: the chunker opens
 * the inputs (a stream is not read: its kind shows when its bytes come),
 * the format and --shard are set on it in the supervisor's order, and
 * the chunk size, window and memory shares come from supervisor.c's and
 * job.c's own choices.  Nothing is forked but what chunker_open starts
 * for a compressed first file (its decompressor, stopped at once), and
 * no output file is made.  Each choice names the option that made it. */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "chunker.h"
#include "explain.h"
#include "json.h"
#include "supervisor.h"
#include "util.h"

/* What the user set, before job_plan fills in the defaults. */
static struct {
	bool jobs, memory, max_record, compress;
} given;

void explain_note_given(const struct job *job)
{
	given.jobs = job->jobs != 0;
	given.memory = job->memory != 0;
	given.max_record = job->max_record != 0;
	given.compress = job->compress.kind != COMPRESS_NONE;
}

struct in_plan {
	struct input_desc d;
	size_t segs;		/* CSV quote grid: segments, 0 for none */
	uint64_t seg;
	bool quote_state;	/* index points: CSV found from their quote state */
	const char *cut;	/* ranges, members, stream, quote-grid */
	char *how;		/* a sentence */
};

struct plan {
	struct in_plan *in;
	size_t nin;
	uint64_t chunk;
	const char *chunk_by;
	char *chunk_why;
	const char *output;	/* NULL: stdout */
	const char *out_mode;	/* placed, ordered, pieces, compressed */
	char *out_why;
	const char *out_by;
};

/* n bytes in the units -b and --memory take. */
static char *iec(uint64_t n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	return xasprintf(u == 0 || v == (double)(uint64_t)v ? "%.0f %s" : "%.1f %s", v, unit[u]);
}

static const char *format_name(const struct job *job)
{
	switch (job->format.kind) {
	case FORMAT_CSV:
		return job->format.lax ? "CSV (--csv-lax)" : "CSV";
	case FORMAT_JSON:
		return "JSON Lines (--json)";
	case FORMAT_DELIM:
		return "fields split at -d";
	default:
		return "fields split at blanks";
	}
}

static void plan_input(struct chunker *c, const struct job *job, uint32_t i, struct in_plan *p)
{
	bool csv = job->format.kind == FORMAT_CSV;

	const struct input_desc *d = &p->d;
	char *sz;

	chunker_describe(c, i, &p->d);
	p->segs = chunker_quote_grid(c, i, &p->seg);
	sz = iec(d->size);
	if (p->segs > 0) {
		char *seg = iec(p->seg);

		p->cut = "quote-grid";
		p->how = xasprintf("a plain file of %s, CSV cut on a quote grid: %zu segments of %s "
		    "whose quote counts the workers take first, then ranges the workers read",
		    sz, p->segs, seg);
		free(seg);
	} else if (d->points > 0) {
		char *u = iec(d->inflated);

		p->cut = "index-points";
		p->quote_state = csv;
		p->how = xasprintf("a gzip file read with its index: %s inflated, %zu access points, "
		    "cut between them; the workers inflate from them%s%s", u, d->points,
		    csv ? " and find the first CSV record end after each from the quote state the "
		    "index keeps there" : "", job->header ? "; the header read through the index" : "");
		free(u);
	} else if (d->ranges) {
		p->cut = "ranges";
		p->how = xasprintf("a plain file of %s, cut by offsets into ranges the workers read "
		    "themselves", sz);
	} else if (d->members > 0 && !d->streamed) {
		char *u = iec(d->inflated);

		p->cut = "members";
		p->how = xasprintf("%s, %zu %s (%s%s inflated), cut between them; the workers inflate "
		    "them", strcmp(d->kind, "bgzf") == 0 ? "BGZF" : "zstd in frames", d->members,
		    strcmp(d->kind, "bgzf") == 0 ? "members" : "frames",
		    d->inflated_estimated ? "about " : "", u);
		free(u);
	} else if (d->streamed) {
		p->cut = "stream";
		p->how = xasprintf("%s%s of %s, inflated by a decompressor process and cut as a "
		    "stream%s", d->members > 0 ? "" : "one ",
		    strcmp(d->kind, "gzip") == 0 ? "gzip stream" : d->members > 0 ?
		    (strcmp(d->kind, "bgzf") == 0 ? "BGZF file" : "zstd file in frames") :
		    "zstd stream", sz, d->members > 0 ? " (--csv or --header read it whole)" :
		    format_quotes_unreliable(&job->format) && strcmp(d->kind, "gzip") == 0 ?
		    " (no gzip index is used with --csv-lax or --reject: stray quotes leave the "
		    "quote state at an index point meaningless)" : "");
	} else {
		p->cut = "stream";
		p->how = xasprintf("%s, read by the supervisor and cut as a stream (gzip or zstd "
		    "known by its first bytes when they come); its size is not known",
		    d->is_stdin ? "standard input" : d->unsized ? "a file whose size says nothing" :
		    d->empty ? "an empty file" : "a stream");
	}
	free(sz);
}

static void plan_chunk(struct chunker *c, const struct job *job, struct plan *p, bool sharded)
{
	p->chunk = chunker_target(c);
	if (job->chunk_size != 0) {
		p->chunk_by = "-b";
		p->chunk_why = xstrdup("set by -b");
	} else if (p->nin > 0 && chunker_total_size(c) == 0) {
		p->chunk_by = "automatic";
		p->chunk_why = xstrdup("a stream's size is not known: a fixed size");
	} else {
		char *max = iec(job->reducer != NULL ? supervisor_reduce_chunk_max(job) :
		    CHUNK_MAX);

		p->chunk_by = "automatic";
		p->chunk_why = xasprintf("the %s bytes / (16 x %ld workers), between 256 KiB and %s%s",
		    sharded ? "shard's" : "inputs'", job->jobs, max,
		    job->reducer != NULL ? " (a reducer's chunks, by --memory)" : "");
		free(max);
	}
}

/* Whether the output would be a regular file not opened to append:
 * the workers may then write it in place. */
static bool output_regular(const char *path)
{
	struct stat sb;

	if (path == NULL) {
		int fl = fcntl(STDOUT_FILENO, F_GETFL);

		return fl >= 0 && !(fl & O_APPEND) && fstat(STDOUT_FILENO, &sb) == 0 &&
		    S_ISREG(sb.st_mode);
	}
	/* A new file, or one replaced by a temporary file beside it. */
	return stat(path, &sb) < 0 || S_ISREG(sb.st_mode);
}

static void plan_output(const struct job *job, struct plan *p)
{
	const char *kind = compress_name(job->compress.kind);
	const char *why = NULL;

	p->output = job->output != NULL && strcmp(job->output, "-") != 0 ? job->output : NULL;
	p->out_by = p->output != NULL ? "-o" : "stdout";
	if (job->compress.kind != COMPRESS_NONE) {
		p->out_by = !given.compress ? "-o NAME's suffix" :
		    job->compress.kind == COMPRESS_GZIP ? "--gzip" : "--zstd";
		p->out_mode = job->compress_workers ? "pieces" : "compressed";
		p->out_why = job->compress_workers ?
		    xasprintf("%s pieces: each worker compresses its chunks' output, the supervisor "
		    "writes the pieces in order as one %s stream", kind, kind) :
		    xasprintf("one %s stream compressed by the supervisor as it writes in order", kind);
		return;
	}
	if (job->reducer != NULL)
		why = "the reducer's partials are merged";
	else if (job->unordered)
		why = "--unordered";
	else if (job->limit != UINT64_MAX)
		why = "a limit of records (head, grep -m) is kept by the supervisor";
	else if (job->numbered != NULL)
		why = "grep -n numbers records across chunks";
	else if (job_runs_commands(job))
		why = "exec's commands stream their output";
	else if (!output_regular(p->output))
		why = "the output is not a regular file";
	if (why == NULL) {
		p->out_mode = "placed";
		p->out_why = xstrdup(p->output != NULL ?
		    "placed: the workers write their chunks' output at its offsets in a temporary "
		    "file, renamed to the name at the end" :
		    "placed: the workers write their chunks' output at its offsets in the file");
	} else {
		p->out_mode = "ordered";
		p->out_why = xasprintf("ordered through the supervisor (%s)", why);
	}
}

static void stage_text(struct buf *b, const struct job *job, size_t from, size_t to)
{
	if (from >= to) {
		buf_printf(b, "none");
		return;
	}
	for (size_t i = from; i < to; i++) {
		const struct stage *st = job->stages[i];

		if (i > from)
			buf_printf(b, " | ");
		buf_printf(b, "%s", st->from_config ? st->def->name : st->origin);
	}
}

static void stage_json(struct buf *b, const char *key, const struct job *job, size_t from, size_t to)
{
	json_open(b, key, '[');
	for (size_t i = from; i < to; i++) {
		json_open(b, NULL, '{');
		json_str(b, "name", job->stages[i]->def->name);
		json_str(b, "spec", job->stages[i]->origin);
		json_close(b, '}');
	}
	json_close(b, ']');
}

static void print_text(FILE *fp, const struct job *job, const struct plan *p)
{
	struct buf b = { 0 };
	char *chunk = iec(p->chunk), *mem = iec(job->memory),
	    *share = iec(job_worker_share(job)), *mshare = iec(job_merger_share(job)),
	    *hold = iec(supervisor_hold_max(job)), *rec = iec(job->max_record);

	fprintf(fp, "plan (--explain: nothing is run)\n");
	fprintf(fp, "inputs (%s):\n", format_name(job));
	if (p->nin == 0)
		fprintf(fp, "  none: the run reads nothing\n");
	for (size_t i = 0; i < p->nin; i++)
		fprintf(fp, "  %s: %s\n", p->in[i].d.is_stdin ? "-" : p->in[i].d.path, p->in[i].how);
	if (job->shard.n > 0)
		fprintf(fp, "shard: %u of %u: bytes %llu-%llu of the inputs (--shard)\n",
		    (unsigned)job->shard.k, (unsigned)job->shard.n,
		    (unsigned long long)job->shard.start, (unsigned long long)job->shard.end);
	fprintf(fp, "chunks: %s (%s)\n", chunk, p->chunk_why);
	fprintf(fp, "workers: %ld (%s)\n", job->jobs, given.jobs ? "-j" : "one per online CPU");
	stage_text(&b, job, 0, job->nmap + (job->reducer != NULL));
	fprintf(fp, "in the workers: %.*s%s\n", (int)b.len, b.data,
	    job->reducer != NULL ? " (partials)" : "");
	b.len = 0;
	if (job->reducer != NULL) {
		stage_text(&b, job, job->post, job->nstages);
		fprintf(fp, "in the merger: merge of %s's partials%s%.*s\n", job->reducer->def->name,
		    job->post < job->nstages ? ", then " : "",
		    job->post < job->nstages ? (int)b.len : 0, b.data);
	} else {
		fprintf(fp, "in the merger: none (chunks' output in input order)\n");
	}
	fprintf(fp, "memory: %s (%s): %s of reducer state in each of the %ld workers and %s in the "
	    "merger, output held per chunk up to %s, at most %llu chunks in flight, records up to "
	    "%s (%s)", mem, given.memory ? "--memory" : "default: half of RAM or the cgroup's limit",
	    share, job->jobs, mshare, hold, (unsigned long long)supervisor_window(job), rec,
	    given.max_record ? "--max-record" : "a quarter of a process's part of --memory");
	if (job->worker_memory > 0) {
		char *w = iec(job->worker_memory);

		fprintf(fp, ", each worker limited to %s (--max-memory-per-worker)", w);
		free(w);
	}
	fprintf(fp, "\noutput: %s (%s): %s\n", p->output != NULL ? p->output : "stdout", p->out_by,
	    p->out_why);
	free(b.data);
	free(chunk);
	free(mem);
	free(share);
	free(mshare);
	free(hold);
	free(rec);
}

static void print_json(FILE *fp, const struct job *job, const struct plan *p)
{
	struct buf b = { 0 };

	json_open(&b, NULL, '{');
	json_str(&b, "format", job->format.kind == FORMAT_CSV ? "csv" :
	    job->format.kind == FORMAT_JSON ? "json" : "text");
	json_open(&b, "inputs", '[');
	for (size_t i = 0; i < p->nin; i++) {
		const struct in_plan *in = &p->in[i];

		json_open(&b, NULL, '{');
		json_str(&b, "path", in->d.path);
		json_str(&b, "kind", in->d.kind);
		json_str(&b, "cut", in->cut);
		if (strcmp(in->d.kind, "stream") != 0)
			json_u64(&b, "size", in->d.size);
		if (in->d.points > 0) {
			json_u64(&b, "index_points", in->d.points);
			json_u64(&b, "inflated", in->d.inflated);
			if (in->quote_state)
				json_bool(&b, "csv_quote_state", true);
		}
		if (in->d.members > 0) {
			json_u64(&b, "members", in->d.members);
			json_u64(&b, "inflated", in->d.inflated);
		}
		if (in->segs > 0) {
			json_open(&b, "quote_grid", '{');
			json_u64(&b, "segments", in->segs);
			json_u64(&b, "segment_size", in->seg);
			json_close(&b, '}');
		}
		json_str(&b, "how", in->how);
		json_close(&b, '}');
	}
	json_close(&b, ']');
	json_open(&b, "chunk_size", '{');
	json_u64(&b, "bytes", p->chunk);
	json_str(&b, "set_by", p->chunk_by);
	json_str(&b, "why", p->chunk_why);
	json_close(&b, '}');
	json_open(&b, "workers", '{');
	json_int(&b, "count", job->jobs);
	json_str(&b, "set_by", given.jobs ? "-j" : "online CPUs");
	json_close(&b, '}');
	json_open(&b, "stages", '{');
	stage_json(&b, "workers", job, 0, job->nmap + (job->reducer != NULL));
	json_str(&b, "reducer", job->reducer != NULL ? job->reducer->def->name : NULL);
	stage_json(&b, "merger", job, job->reducer != NULL ? job->post : job->nstages, job->nstages);
	json_close(&b, '}');
	json_open(&b, "memory", '{');
	json_u64(&b, "budget", job->memory);
	json_str(&b, "set_by", given.memory ? "--memory" : "default");
	json_u64(&b, "processes", (uint64_t)job->jobs + 1);
	json_u64(&b, "reducer_share", job_reducer_share(job));
	json_u64(&b, "worker_share", job_worker_share(job));
	json_u64(&b, "merger_share", job_merger_share(job));
	json_u64(&b, "output_hold", supervisor_hold_max(job));
	json_u64(&b, "chunks_in_flight", supervisor_window(job));
	json_u64(&b, "max_record", job->max_record);
	json_str(&b, "max_record_set_by", given.max_record ? "--max-record" : "default");
	json_u64(&b, "worker_limit", job->worker_memory);
	json_close(&b, '}');
	json_open(&b, "output", '{');
	json_str(&b, "path", p->output);
	json_str(&b, "mode", p->out_mode);
	json_str(&b, "compression", compress_name(job->compress.kind));
	json_str(&b, "set_by", p->out_by);
	json_str(&b, "why", p->out_why);
	json_close(&b, '}');
	json_close(&b, '}');
	fprintf(fp, "%.*s\n", (int)b.len, b.data);
	free(b.data);
}

int explain_run(struct job *job)
{
	struct plan p = { 0 };
	char *err = NULL;
	int code = EXIT_SOFTWARE;
	struct chunker *c = chunker_open(job->inputs, job->ninputs, job->null ? '\0' : '\n',
	    job->chunk_size, job->jobs, &err, &code);

	if (c == NULL)
		fatal(code, "%s", err);
	chunker_set_format(c, &job->format, job->header);
	/* A gzip index as a run takes it (never written by the plan). */
	if (chunker_use_indexes(c, job->index, format_quotes_unreliable(&job->format), false, &err, &code) < 0)
		fatal(code, "%s", err);
	if (job->shard.n > 0 && chunker_set_shard(c, &job->shard, &err, &code) < 0)
		fatal(code, "%s", err);
	if (job->chunk_size == 0 && job->reducer != NULL)
		chunker_auto_target(c, job->jobs, supervisor_reduce_chunk_max(job));
	p.nin = chunker_count(c);
	p.in = xcalloc(p.nin + 1, sizeof *p.in);
	for (size_t i = 0; i < p.nin; i++)
		plan_input(c, job, (uint32_t)i, &p.in[i]);
	plan_chunk(c, job, &p, job->shard.n > 0);
	plan_output(job, &p);
	if (job->explain == EXPLAIN_JSON)
		print_json(stdout, job, &p);
	else
		print_text(stdout, job, &p);
	chunker_close(c);
	for (size_t i = 0; i < p.nin; i++)
		free(p.in[i].how);
	free(p.in);
	free(p.chunk_why);
	free(p.out_why);
	if (fflush(stdout) != 0 || ferror(stdout))
		fatal(EXIT_IOERR, "stdout: write error");
	return EXIT_OK;
}
