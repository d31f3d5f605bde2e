/* job.c - what to run: inputs, stages, output and options.
 *
 * About 650 lines, one file: job_plan and job_bind decide, in one pass
 * over the stages, where each runs (workers or merger), which limits
 * apply (head, grep -m and -n as the workers' last stage, --to as a last
 * stage, partials, shards, the run report) and which paths a JSON job
 * scans for; each plan_* check reads what the ones before it settled, so
 * they are kept in the order they run.  Option parsing is in options.c,
 * the YAML document in config.c. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "agg.h"
#include "job.h"
#include "jsonl.h"
#include "spill.h"
#include "sysmem.h"
#include "util.h"

struct job *job_new(void)
{
	struct job *job = xcalloc(1, sizeof(struct job));

	job->retries = JOB_DEFAULT_RETRIES;
	job->max_rejects = -1;
	job->stall_warning = JOB_DEFAULT_STALL_WARNING;
	return job;
}

int job_choose(struct job_choice *c, const char *by, const char *what)
{
	if (c->by != NULL && strcmp(c->by, by) != 0 && strcmp(c->what, what) != 0)
		return -1;
	c->by = by;
	snprintf(c->what, sizeof c->what, "%s", what);
	return 0;
}

void job_clear_inputs(struct job *job)
{
	for (size_t i = 0; i < job->ninputs; i++)
		free(job->inputs[i]);
	free(job->inputs);
	job->inputs = NULL;
	job->ninputs = 0;
}

void job_clear_stages(struct job *job)
{
	for (size_t i = 0; i < job->nstages; i++)
		stage_free(job->stages[i]);
	free(job->stages);
	job->stages = NULL;
	job->nstages = 0;
}

void job_free(struct job *job)
{
	if (job->format.paths != NULL) {
		jpaths_free(job->format.paths);
		free(job->format.paths);
	}
	if (job == NULL)
		return;
	job_clear_inputs(job);
	job_clear_stages(job);
	free(job->shard.prints);
	free(job->output);
	free(job->reject);
	free(job->tmpdir);
	free(job->lock);
	free(job->stats_json);
	free(job);
}

void job_add_input(struct job *job, const char *path)
{
	job->inputs = xreallocarray(job->inputs, job->ninputs + 1, sizeof *job->inputs);
	job->inputs[job->ninputs++] = xstrdup(path);
}

void job_add_stage(struct job *job, struct stage *st)
{
	job->stages = xreallocarray(job->stages, job->nstages + 1, sizeof *job->stages);
	job->stages[job->nstages++] = st;
}

static long online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n;
}

/* rc: -1 for a usage error, or the exit code a stage chose (join's
 * lookup file: 66, 65, 74), which a configuration keeps. */
static int stage_error(struct stage *st, int rc, char **err, int *code)
{
	*code = rc > 0 ? rc : EXIT_USAGE;
	if (st->from_config) {
		char *why = *err;

		*err = xasprintf("%s: %s", st->origin, why);
		free(why);
		if (rc <= 0)
			*code = EXIT_CONFIG;
	}
	return -1;
}

/* --to tsv|csv of --json records: the columns are the last cut's paths. */
static int bind_to(struct job *job, char **err, int *code)
{
	size_t *idx = NULL, n = 0;

	if (job->to_stage == NULL || job->to_stage->fmt->kind != FORMAT_JSON)
		return 0;
	for (size_t i = job->nstages; i-- > 0 && n == 0;)
		if (job->stages[i]->def == &stage_cut)
			n = stage_cut_paths(job->stages[i], &idx);
	if (n == 0) {
		*err = xasprintf("--to %s: --json records become columns by the paths of a cut -f "
		    "(add -e 'cut -f .a,.b')", to_kind_names[job->to]);
		*code = EXIT_USAGE;
		return -1;
	}
	stage_to_columns(job->to_stage, idx, n);
	stage_to_ready(job->to_stage);
	free(idx);
	return 0;
}

int job_bind(struct job *job, const struct header *h, char **err, int *code)
{
	/* JSON Lines names fields by paths: binding them makes the job's
	 * list of paths, which every stage's records are scanned for. */
	struct header jh = { 0 };

	if (job->format.kind == FORMAT_JSON) {
		if (job->format.paths == NULL)
			job->format.paths = xcalloc(1, sizeof *job->format.paths);
		jh.paths = job->format.paths;
	}
	for (size_t i = 0; i < job->nstages; i++) {
		struct stage *st = job->stages[i];
		const struct header *sh = st->fmt != NULL && st->fmt->kind == FORMAT_JSON ? &jh : h;

		int rc = st->def->bind != NULL ? st->def->bind(st, sh, err) : 0;

		if (rc != 0)
			return stage_error(st, rc, err, code);
	}
	return bind_to(job, err, code);
}

int job_header_fields(const struct job *job, struct header *h, const char **why)
{
	size_t n = h->raw.len;

	if (n > 0 && h->raw.data[n - 1] == (job->null ? '\0' : '\n'))
		n--;
	return fields_split(&job->format, h->raw.data, n, &h->fields, why);
}

void job_header_out(const struct job *job, const struct header *h, struct buf *out)
{
	struct fieldvec fv = { 0 };
	bool mapped = false;

	/* Shards' outputs are concatenated in shard order: the header is
	 * the first shard's. */
	if (job->shard.k > 0)
		return;
	if (job->to_stage != NULL && job->to_stage->fmt->kind == FORMAT_JSON &&
	    job->reducer == NULL) {
		size_t before = out->len;

		if (stage_to_header_line(job->to_stage, NULL, 0, out) == 0 && out->len > before)
			buf_putc(out, job->null ? '\0' : '\n');
		out->len = out->len < before ? before : out->len;
		return;
	}
	if (h->raw.len == 0)
		return;
	/* A reducer makes new records (counts, groups): no header, unless it
	 * only reorders or selects records (sort, head after it). */
	for (size_t i = 0; i < job->nstages; i++)
		if (job->stages[i]->def->kind == STAGE_REDUCE && !job->stages[i]->def->keeps_header)
			return;
	/* The header's fields, copied: stages may rearrange them. */
	for (size_t i = 0; i < h->fields.n; i++) {
		fv.v = xreallocarray(fv.v, i + 1, sizeof *fv.v);
		fv.v[i] = h->fields.v[i];
		fv.n = fv.cap = i + 1;
	}
	for (size_t i = 0; i < job->nstages; i++) {
		struct stage *st = job->stages[i];

		if (st->def->header != NULL) {
			st->def->header(st, &fv);
			mapped = true;
		}
	}
	if (job->to_stage != NULL) {
		size_t before = out->len;

		if (stage_to_header_line(job->to_stage, fv.v, fv.n, out) < 0)
			out->len = before;	/* the records fail the same way */
		else if (out->len > before || job->to != TO_JSONL)
			buf_putc(out, job->null ? '\0' : '\n');
	} else if (mapped) {
		fields_join(&job->format, fv.v, fv.n, out);
		buf_putc(out, job->null ? '\0' : '\n');
	} else {
		buf_append(out, h->raw.data, h->raw.len);
		if (out->data[out->len - 1] != (job->null ? '\0' : '\n'))
			buf_putc(out, job->null ? '\0' : '\n');
	}
	free(fv.v);
}

/* Split the pipeline at its first reducer: the workers run what comes
 * before it, the merger what comes after (further reducers included). */
static void split_at_reducer(struct job *job)
{
	job->nmap = job->nstages;
	job->post = job->nstages;
	job->reducer = NULL;
	for (size_t i = 0; i < job->nstages; i++) {
		if (job->stages[i]->def->kind == STAGE_REDUCE) {
			job->reducer = job->stages[i];
			job->nmap = i;
			job->post = i + 1;
			return;
		}
	}
}

static int to_refused(const struct job *job, const char *what, char **err, int *code)
{
	*err = xasprintf("--to %s: not with %s", to_kind_names[job->to], what);
	*code = EXIT_USAGE;
	return -1;
}

/* A reducer whose results the stage after it gets: its --header-out
 * line is the names of --to jsonl's keys. */
static bool names_first(struct stage *r)
{
	for (size_t i = 0; r->def->opts != NULL && r->def->opts[i].name != NULL; i++) {
		if (strcmp(r->def->opts[i].name, "header-out") == 0) {
			r->opts[i].set = true;
			r->opts[i].num = 1;
			return true;
		}
	}
	return false;
}

/*
 * --to: the hidden stage that writes the output format, last, in the
 * workers or after the reducer in the merger.  It splits records as the
 * stage before it wrote them: a reducer that makes records writes the
 * input's format's results (tabs for blanks and JSON).
 */
static int plan_to(struct job *job, bool first, char **err, int *code)
{
	struct format in = job->format;
	const struct format *f = &job->format;
	struct stage *st;

	if (job->to == TO_NONE || (job->to == TO_JSONL && job->format.kind == FORMAT_JSON &&
	    job->reducer == NULL))
		return 0;
	if (job->partial_out || job->merge)
		return to_refused(job, "--partial or merge (partials have no output format)", err, code);
	if (job->numbered != NULL || job->parts != NULL)
		return to_refused(job, "grep -n or grep -o -m as the workers' last stage", err, code);
	for (size_t i = 0; i < job->nstages; i++) {
		st = job->stages[i];
		if (st->def == &stage_group && stage_str(st, "output-delimiter") != NULL)
			return to_refused(job, "group --output-delimiter", err, code);
		if (st->def == &stage_crosstab && stage_str(st, "output-delimiter") != NULL)
			return to_refused(job, "crosstab --output-delimiter", err, code);
		if (st->def->kind == STAGE_REDUCE && !st->def->keeps_header)
			in = agg_out_format(&job->format);
	}
	if (in.kind != job->format.kind || in.delim != job->format.delim) {
		job->made_format = in;
		f = &job->made_format;
	}
	st = stage_to_new(job->to, f, first);
	st->term = job->null ? '\0' : '\n';
	st->fmt = f;
	job_add_stage(job, st);
	job->to_stage = st;
	if (job->reducer == NULL)
		job->nmap = job->post = job->nstages;
	return 0;
}

/* --to jsonl after a reducer that has --header-out: turn it on, before
 * the reducer is set up, for its names. */
static bool plan_to_names(struct job *job)
{
	struct stage *last = job->nstages > 0 ? job->stages[job->nstages - 1] : NULL;

	/* crosstab's matrix is not named by its header line */
	if (job->to != TO_JSONL || last == NULL || last->def->kind != STAGE_REDUCE ||
	    last->def->keeps_header || last->def == &stage_crosstab)
		return false;
	return names_first(last);
}

/*
 * head in the workers counts per chunk, and the merger cuts the ordered
 * output: right only when head is the workers' last stage and nothing
 * reduces after it.
 */
static int plan_head(struct job *job, char **err, int *code)
{
	job->limit = UINT64_MAX;
	for (size_t i = 0; i < job->nmap; i++) {
		struct stage *st = job->stages[i];

		if (st->def != &stage_head)
			continue;
		if (i + 1 != job->nmap || job->reducer != NULL) {
			*err = xasprintf("stage '%s': head must be the last stage, or come after a "
			    "reducer (group, uniq, top, sort, count)", st->origin);
			*code = EXIT_USAGE;
			return -1;
		}
		job->limit = stage_head_limit(st);
	}
	return 0;
}

/* grep -c is grep followed by count: the count stage is added here. */
static int plan_grep_count(struct job *job, char **err, int *code)
{
	for (size_t i = 0; i < job->nstages; i++) {
		struct stage *st = job->stages[i], *count;

		if (st->def != &stage_grep || !stage_flag(st, "count"))
			continue;
		count = stage_from_spec("count", err);
		if (count == NULL) {
			*code = EXIT_SOFTWARE;
			return -1;
		}
		count->from_config = st->from_config;
		job->stages = xreallocarray(job->stages, job->nstages + 1, sizeof *job->stages);
		memmove(job->stages + i + 2, job->stages + i + 1,
		    (job->nstages - i - 1) * sizeof *job->stages);
		job->stages[i + 1] = count;
		job->nstages++;
		i++;
	}
	return 0;
}

/* A grep -m or -n in the workers: where the merger can finish its work. */
static int grep_misplaced(struct stage *st, const char *what, char **err, int *code)
{
	*err = xasprintf("stage '%s': grep %s must be the last stage, or come after a "
	    "reducer (group, uniq, top, sort, count)", st->origin, what);
	*code = EXIT_USAGE;
	return -1;
}

/*
 * grep -m in the workers keeps each chunk's first N records, and the
 * merger cuts the ordered output after N, as for head (or, for grep -c,
 * count stops at N).  grep -n numbers each chunk's records from 1, and
 * the merger adds the records of the chunks before.  After a reducer
 * both see the whole stream and need nothing.
 */
static int plan_grep(struct job *job, char **err, int *code)
{
	job->numbered = job->parts = NULL;
	for (size_t i = 0; i < job->nmap; i++) {
		struct stage *st = job->stages[i];
		bool last = i + 1 == job->nmap && job->reducer == NULL;
		uint64_t limit;

		if (st->def != &stage_grep)
			continue;
		limit = stage_grep_limit(st);
		if (limit != UINT64_MAX && stage_flag(st, "count") && i + 1 == job->nmap)
			stage_count_cap(job->reducer, limit);
		else if (limit != UINT64_MAX && !last)
			return grep_misplaced(st, "-m", err, code);
		else if (limit != UINT64_MAX)
			job->limit = limit < job->limit ? limit : job->limit;
		/* The cut after N counts records, not -o's parts. */
		if (limit != UINT64_MAX && last && stage_flag(st, "only-matching") &&
		    !stage_flag(st, "count")) {
			stage_grep_defer_parts(st);
			job->parts = st;
		}
		if (!stage_grep_numbers(st))
			continue;
		if (!last)
			return grep_misplaced(st, "-n", err, code);
		if (job->unordered || job->shard.n > 0 || job->shard.from_env) {
			*err = xasprintf("stage '%s': grep -n numbers the records of the whole input "
			    "in order: not with %s", st->origin, job->unordered ? "--unordered" :
			    "--shard (a shard's numbers would start at 1)");
			*code = EXIT_USAGE;
			return -1;
		}
		job->numbered = st;
	}
	return 0;
}

/*
 * --memory bounds the whole process tree.  With a reducer, three quarters
 * of it go to reducer state, shared by the workers and the merger
 * (job_reducer_share; a reducer whose workers keep their tables across
 * chunks gives them three quarters of the merger's share while they
 * fold, and its finish, once they are gone, all of theirs).  The rest
 * covers the chunks (a reducer's are cut to a 32nd of a process's part
 * of the budget, and at most 5 x jobs of them are held: 4 x jobs in
 * flight from a stream, one in each worker; so under a sixth of
 * --memory), pipes, frames and code.  Without one, half: map output held
 * per chunk takes up to a quarter.  merge runs in one process.
 *
 * A record longer than a block is held whole, by the worker and, from a
 * stream, by the supervisor too, and a stage may copy it once more: the
 * default --max-record is a quarter of each process's part of the
 * budget, so that a record and a copy take half of it; at least a
 * block (1M), which is held anyway.
 */
#define MAX_RECORD_MIN (1 << 20)

/* --memory over the processes: the workers and the merger. */
static uint64_t process_part(const struct job *job)
{
	return job->memory / (job->merge ? 1 : (uint64_t)job->jobs + 1);
}

uint64_t job_reducer_share(const struct job *job)
{
	uint64_t part = process_part(job);

	return job->reducer != NULL ? part / 4 * 3 : part / 2;
}

/* Whether the reducer's workers keep their tables across chunks: the
 * merger then keeps their big tables as runs, and a quarter of a share
 * holds what it folds itself (a million keys under --memory 256M at -j2:
 * 4.8 to 5.5 s with the workers' tables at 88 MiB, 6.1 to 7.6 s at 64). */
static bool skewed(const struct job *job)
{
	return job->reducer != NULL && job->reducer->def->lasting && !job->merge;
}

uint64_t job_worker_share(const struct job *job)
{
	uint64_t share = job_reducer_share(job);

	return skewed(job) ? share + (share - share / 4) / (uint64_t)job->jobs : share;
}

uint64_t job_merger_share(const struct job *job)
{
	uint64_t share = job_reducer_share(job);

	return skewed(job) ? share / 4 : share;
}

/* The reducer's finish runs in the merger after the workers have exited:
 * their shares are its too, unless a stage after it keeps state of its
 * own in the merger (a sort after a group). */
static uint64_t finish_share(const struct job *job, uint64_t share)
{
	for (size_t i = job->post; i < job->nstages; i++)
		if (job->stages[i]->def->kind == STAGE_REDUCE)
			return share;
	return share * (job->merge ? 1 : (uint64_t)job->jobs + 1);
}

static void plan_memory(struct job *job)
{
	uint64_t share, rec, fin;

	if (job->memory == 0)
		job->memory = sysmem_default_budget();
	share = job_reducer_share(job);
	fin = finish_share(job, share);
	rec = process_part(job) / 4;
	if (job->max_record == 0)
		job->max_record = rec > MAX_RECORD_MIN ? rec : MAX_RECORD_MIN;
	for (size_t i = 0; i < job->nstages; i++) {
		job->stages[i]->memory = share > 0 ? share : 1;
		if (job->stages[i] == job->reducer) {
			uint64_t m = job_merger_share(job), w = job_worker_share(job);

			job->stages[i]->memory = m > 0 ? m : 1;
			job->stages[i]->memory_worker = w > 0 ? w : 1;
		}
		job->stages[i]->memory_total = job->memory;
		job->stages[i]->memory_finish = fin > 0 ? fin : 1;
		job->stages[i]->procs = job->merge ? 1 : (unsigned)job->jobs;
		job->stages[i]->tmpdir = spill_dir(job->tmpdir);
		job->stages[i]->max_record = job->max_record;
	}
}

/* Partials exist only where there is a reducer to make them. */
static int plan_partials(struct job *job, char **err, int *code)
{
	if (job->reducer != NULL || (!job->partial_out && !job->merge))
		return 0;
	*err = xasprintf("%s: the pipeline has no reducer (group, uniq, top, sort, count) "
	    "whose partial results could be %s", job->merge ? "merge" : "--partial",
	    job->merge ? "merged" : "written");
	*code = EXIT_USAGE;
	return -1;
}

char *job_report_clash(const struct job *job, const char *report, const char *config)
{
	const char *what = NULL;

	if (report == NULL || strcmp(report, "-") == 0)
		return NULL;
	for (size_t i = 0; i < job->ninputs && what == NULL; i++)
		if (strcmp(job->inputs[i], "-") != 0 && same_file(report, job->inputs[i]))
			what = "an input";
	if (what == NULL && job->output != NULL && same_file(report, job->output))
		what = "the output (-o)";
	if (what == NULL && job->lock != NULL && same_file(report, job->lock))
		what = "the lock file (--lock)";
	if (what == NULL && config != NULL && same_file(report, config))
		what = "the configuration file (-c)";
	if (what == NULL)
		return NULL;
	return xasprintf("--stats-json: %s: is also %s, which the report would replace", report, what);
}

/* The run report describes a run's workers and chunks: merge has none. */
static int plan_report(struct job *job, char **err, int *code)
{
	if (!job->merge || (job->stats_json == NULL && job->stats_interval == 0))
		return 0;
	*err = xasprintf("merge: --%s reports on runs, not on merges",
	    job->stats_json != NULL ? "stats-json" : "stats-interval");
	*code = EXIT_USAGE;
	return -1;
}

/* --shard auto becomes K/N now, so that a task outside a job array
 * fails before any input is opened. */
static int plan_shard(struct job *job, char **err, int *code)
{
	char *why = NULL;

	*code = EXIT_USAGE;
	if (job->shard.n == 0 && !job->shard.from_env)
		return 0;
	if (job->merge) {
		*err = xasprintf("--shard: merge reads whole partial files (shard the runs that "
		    "write them)");
		return -1;
	}
	if (shard_resolve(&job->shard, &why) < 0) {
		*err = xasprintf("--shard: %s", why);
		free(why);
		return -1;
	}
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

bool job_runs_commands(const struct job *job)
{
	for (size_t i = 0; i < job->nmap; i++)
		if (job->stages[i]->def->end != NULL)
			return true;
	return false;
}

/*
 * -o NAME.gz and NAME.zst choose the codec when no option did.  Workers
 * compress their own chunks' output when it is the run's output as it
 * is; otherwise (a reducer's result, head's cut) the output compresses
 * what the merger writes.
 */
static int plan_compress(struct job *job, char **err, int *code)
{
	struct compress_opts *c = &job->compress;

	if (c->kind == COMPRESS_NONE && job->output != NULL) {
		if (ends_with(job->output, ".gz"))
			c->kind = COMPRESS_GZIP;
		else if (ends_with(job->output, ".zst"))
			c->kind = COMPRESS_ZSTD;
	}
	if (c->kind != COMPRESS_NONE && job->partial_out) {
		*err = xasprintf("--partial: partial files are not compressed (drop --%s, or "
		    "the -o name's suffix)", compress_name(c->kind));
		*code = EXIT_USAGE;
		return -1;
	}
	job->compress_workers = c->kind != COMPRESS_NONE && job->reducer == NULL &&
	    job->limit == UINT64_MAX && job->numbered == NULL && !job_runs_commands(job);
	return 0;
}

/*
 * The supervisor holds two pipe ends per worker, and a few descriptors
 * more (standard ones, output, lock, report, an input, a decompressor,
 * a worker being started): a -j the descriptor limit cannot hold is
 * refused now rather than failing half-way through starting workers.
 * The default -j is only lowered to fit.
 */
#define FDS_PER_WORKER 2
#define FDS_RESERVE 16

static int plan_descriptors(struct job *job, bool chosen, char **err, int *code)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)job->jobs * FDS_PER_WORKER + FDS_RESERVE;

	if (job->merge || getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= need)
		return 0;
	if (!chosen && rl.rlim_cur >= FDS_PER_WORKER + FDS_RESERVE) {
		job->jobs = (long)((rl.rlim_cur - FDS_RESERVE) / FDS_PER_WORKER);
		return 0;
	}
	*err = xasprintf("-j %ld: needs at least %llu open files, the limit is %llu (ulimit -n)",
	    job->jobs, (unsigned long long)need, (unsigned long long)rl.rlim_cur);
	*code = EXIT_USAGE;
	return -1;
}

/* A delimiter that suits the record format: " is a plain byte outside
 * CSV, a newline separates fields of NUL-terminated records. */
static int plan_format(struct job *job, char **err, int *code)
{
	const char *why = format_check(&job->format, job->null ? '\0' : '\n');

	if (why == NULL)
		return 0;
	*err = xasprintf("%s: %s", job->format.kind == FORMAT_CSV ? "--csv" : "-d", why);
	*code = EXIT_USAGE;
	return -1;
}

/* --reject has records to reject: ones that do not parse (JSON Lines,
 * CSV) or that a grouping reducer's ops cannot take. */
static bool rejects_records(const struct job *job)
{
	static const char *const agg[] = { "group", "top", "crosstab" };
	const struct stage *r = job->reducer;	/* split_at_reducer's */

	if (job->format.kind == FORMAT_JSON || job->format.kind == FORMAT_CSV)
		return true;
	for (size_t i = 0; r != NULL && i < sizeof agg / sizeof *agg; i++)
		if (strcmp(r->def->name, agg[i]) == 0)
			return true;
	return false;
}

int job_plan(struct job *job, char **err, int *code)
{
	bool chosen = job->jobs > 0;

	if (job->ninputs == 0)
		job_add_input(job, "-");
	if (job->jobs <= 0)
		job->jobs = online_cpus();
	if (plan_descriptors(job, chosen, err, code) < 0)
		return -1;
	if (plan_format(job, err, code) < 0 || plan_grep_count(job, err, code) < 0)
		return -1;
	split_at_reducer(job);
	plan_memory(job);
	if (job->format.kind == FORMAT_JSON && job->header) {
		*err = xasprintf("--header: JSON Lines have no header record (fields are named by "
		    "paths)");
		*code = EXIT_USAGE;
		return -1;
	}
	job->made_format = (struct format){ .kind = FORMAT_DELIM, .delim = '\t' };
	if (job->reject != NULL && (!rejects_records(job) || job->merge)) {
		*err = job->merge ? xasprintf("--reject: not with merge (partials hold no records)") :
		    xasprintf("--reject: records are rejected only when they do not parse (--json, "
		    "--csv) or a reducer's op cannot take them (group, top, crosstab)");
		*code = EXIT_USAGE;
		return -1;
	}
	/* Every reader of the CSV input then steps over a malformed record. */
	job->format.resync = job->reject != NULL && job->format.kind == FORMAT_CSV;
	if (job->max_rejects >= 0 && job->reject == NULL) {
		*err = xasprintf("--max-rejects: needs --reject FILE");
		*code = EXIT_USAGE;
		return -1;
	}
	const struct format *fmt = &job->format;
	bool first = plan_to_names(job);

	for (size_t i = 0; i < job->nstages; i++) {
		struct stage *st = job->stages[i];

		st->term = job->null ? '\0' : '\n';
		st->fmt = fmt;
		/* A reducer that makes records writes them tab-separated. */
		if (fmt->kind == FORMAT_JSON && st->def->kind == STAGE_REDUCE && !st->def->keeps_header)
			fmt = &job->made_format;
		st->from_files = job->merge;
		st->inputs = job->inputs;
		st->ninputs = job->ninputs;
		if (st->def->setup != NULL && st->def->setup(st, err) < 0)
			return stage_error(st, -1, err, code);
	}
	if (plan_head(job, err, code) < 0 || plan_grep(job, err, code) < 0 ||
	    plan_to(job, first, err, code) < 0 || plan_partials(job, err, code) < 0 ||
	    plan_report(job, err, code) < 0 ||
	    plan_shard(job, err, code) < 0)
		return -1;
	/* Past a limit the workers read on, as far as their chunks go: what
	 * they would reject there depends on the chunks. */
	if (job->reject != NULL && job->limit != UINT64_MAX) {
		*err = xasprintf("--reject: not with head or grep -m as the last stage (the "
		    "records read past the limit depend on the chunks)");
		*code = EXIT_USAGE;
		return -1;
	}
	return plan_compress(job, err, code);
}
