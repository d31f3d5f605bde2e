/* cli.c - the command line -> job. */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "report.h"
#include "stagedoc.h"
#include "util.h"

enum {
	OPT_UNORDERED = 256,
	OPT_STATS,
	OPT_HELP_STAGES,
	OPT_TSV,
	OPT_CSV,
	OPT_CSV_DELIM,
	OPT_CSV_LAX,
	OPT_MEMORY,
	OPT_TMPDIR,
	OPT_PARTIAL,
	OPT_GZIP,
	OPT_GZIP_INDEPENDENT,
	OPT_ZSTD,
	OPT_PROGRESS,
	OPT_STRICT_EPIPE,
	OPT_LINE_BUFFERED,
	OPT_KEEP_GOING,
	OPT_RETRIES,
	OPT_CHUNK_TIMEOUT,
	OPT_STALL_WARNING,
	OPT_TIMEOUT,
	OPT_WORKER_MEMORY,
	OPT_LOCK,
	OPT_LOCK_WAIT,
	OPT_STATS_JSON,
	OPT_STATS_INTERVAL,
	OPT_SHARD,
	OPT_MAX_RECORD,
};

static const struct option long_opts[] = {
	{ "stage", required_argument, NULL, 'e' },
	{ "config", required_argument, NULL, 'c' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "chunk-size", required_argument, NULL, 'b' },
	{ "null", no_argument, NULL, 'z' },
	{ "output", required_argument, NULL, 'o' },
	{ "delimiter", required_argument, NULL, 'd' },
	{ "tsv", no_argument, NULL, OPT_TSV },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "csv-delimiter", required_argument, NULL, OPT_CSV_DELIM },
	{ "csv-lax", no_argument, NULL, OPT_CSV_LAX },
	{ "header", no_argument, NULL, 'H' },
	{ "unordered", no_argument, NULL, OPT_UNORDERED },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "stats-json", required_argument, NULL, OPT_STATS_JSON },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
	{ "max-record", required_argument, NULL, OPT_MAX_RECORD },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "gzip", optional_argument, NULL, OPT_GZIP },
	{ "gzip-independent", no_argument, NULL, OPT_GZIP_INDEPENDENT },
	{ "zstd", optional_argument, NULL, OPT_ZSTD },
	{ "progress", optional_argument, NULL, OPT_PROGRESS },
	{ "strict-epipe", no_argument, NULL, OPT_STRICT_EPIPE },
	{ "line-buffered", no_argument, NULL, OPT_LINE_BUFFERED },
	{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "chunk-timeout", required_argument, NULL, OPT_CHUNK_TIMEOUT },
	{ "stall-warning", required_argument, NULL, OPT_STALL_WARNING },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-memory-per-worker", required_argument, NULL, OPT_WORKER_MEMORY },
	{ "lock", required_argument, NULL, OPT_LOCK },
	{ "lock-wait", required_argument, NULL, OPT_LOCK_WAIT },
	{ "help", no_argument, NULL, 'h' },
	{ "help-stages", required_argument, NULL, OPT_HELP_STAGES },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};
static const char short_opts[] = ":e:c:j:b:zo:d:HhV";

static void usage(FILE *fp)
{
	fputs("Usage: forkpipe [OPTION]... [FILE]...\n"
	    "  or:  forkpipe merge [OPTION]... PARTIAL...\n"
	    "Run a pipeline of record-processing stages over FILEs (or stdin) on every core;\n"
	    "merge the partial results of runs made with --partial and finish the pipeline.\n"
	    "\n"
	    "  -e, --stage=SPEC        add a stage, applied in order (repeatable)\n"
	    "  -c, --config=FILE       load a YAML pipeline; command-line options override it\n"
	    "  -j, --jobs=N            worker processes (default: online CPUs)\n"
	    "  -b, --chunk-size=SIZE   target chunk size, with K/M/G suffixes (default: from\n"
	    "                          the input size, 256K to 16M; 4M for streams)\n"
	    "  -z, --null              records end with NUL instead of newline\n"
	    "  -o, --output=FILE       write here (atomically, on success) instead of stdout;\n"
	    "                          NAME.gz and NAME.zst are compressed\n"
	    "      --gzip[=LEVEL]      compress the output with gzip, in parallel (level 1-9,\n"
	    "                          default 6): one gzip member, like pigz\n"
	    "      --gzip-independent  gzip pieces that do not share a dictionary\n"
	    "      --zstd[=LEVEL]      compress the output with zstd, a frame per chunk\n"
	    "                          (level 1-19, default 3)\n"
	    "  -d, --delimiter=C       fields are separated by the byte C (default for field\n"
	    "                          stages: runs of blanks, like awk)\n"
	    "      --tsv               fields are separated by tabs\n"
	    "      --csv               records are CSV (RFC 4180): quoted fields may hold\n"
	    "                          delimiters, quotes (doubled) and newlines\n"
	    "      --csv-delimiter=C   CSV with C instead of a comma (e.g. ';' or '|')\n"
	    "      --csv-lax           CSV that tolerates stray quotes, as common parsers do\n"
	    "  -H, --header            the first record is a header: written once, never\n"
	    "                          processed; stages may name fields by it\n"
	    "      --unordered         emit chunk results as they finish\n"
	    "      --memory=SIZE       memory for the whole run (all processes); reducers\n"
	    "                          spill to temporary files beyond it (default: half\n"
	    "                          of RAM or of the cgroup's limit, whichever is less)\n"
	    "      --tmpdir=DIR        where spill files go (default: $TMPDIR, else /tmp)\n"
	    "      --max-record=SIZE   the longest record accepted, terminator included; a\n"
	    "                          longer one fails the run (default: a quarter of\n"
	    "                          --memory over -j + 1 processes, at least 1M)\n"
	    "      --partial           write the reducer's partial results (a partial file,\n"
	    "                          see forkpipe-partials(5)) instead of the result\n"
	    "      --shard=K/N         process only shard K of N (0-based): the records\n"
	    "                          that start in the K-th of N equal byte ranges of\n"
	    "                          the input files; auto: K and N from the task of a\n"
	    "                          Slurm job array (SLURM_ARRAY_TASK_ID, ...)\n"
	    "      --stats             print what the run did and cost on stderr at the end:\n"
	    "                          records, bytes, CPU and memory of each process, CPU\n"
	    "                          of each stage\n"
	    "      --stats-json=FILE   write the same as one JSON object to FILE (- for\n"
	    "                          stderr), atomically, also when the run fails\n"
	    "      --stats-interval=SECONDS  every SECONDS, a JSON line with the figures\n"
	    "                          so far, to the --stats-json file (else stderr)\n"
	    "      --progress[=always] a progress bar on stderr when it is a terminal\n"
	    "                          (always: also when it is not)\n"
	    "      --line-buffered     hand a stream's records to a worker as they come and\n"
	    "                          write each chunk's output as soon as it is released\n"
	    "      --strict-epipe      exit 141 when the output's reader goes away (default:\n"
	    "                          stop quietly with status 0)\n"
	    "      --keep-going        an exec command that fails skips its chunk's output;\n"
	    "                          the run goes on and exits 70 at the end\n"
	    "      --retries=N         process a chunk again up to N times when its worker\n"
	    "                          dies or times out (default 2), then exit 70\n"
	    "      --chunk-timeout=DURATION  kill a worker that spends longer on one chunk\n"
	    "                          (30, 1.5s, 500ms, 10m, 2h): the chunk is retried\n"
	    "      --stall-warning=DURATION  warn when a worker sends nothing for that long\n"
	    "                          on a chunk (default 30s; 0: never)\n"
	    "      --timeout=DURATION  end the whole run with exit 124 when it takes longer\n"
	    "      --max-memory-per-worker=SIZE  address-space limit of each worker; a\n"
	    "                          worker that reaches it is retried like one that died\n"
	    "      --lock=FILE         hold an exclusive lock on FILE for the run; if another\n"
	    "                          run holds it, exit 75 at once\n"
	    "      --lock-wait=DURATION  wait that long for the lock before exit 75\n"
	    "  -h, --help              show this help\n"
	    "      --help-stages=man   print the man page's STAGES section (roff)\n"
	    "  -V, --version           show the version\n"
	    "\n"
	    "With no FILE, or when FILE is -, read stdin.  Several FILEs are one stream.\n"
	    "With no stage, copy the input.\n", fp);
	stagedoc_help(fp);
	fputs("\nExit status: 0 ok, 64 usage, 65 bad data, 66 cannot open input, 70 worker failure,\n"
	    "73 cannot create output, 74 I/O error, 75 lock held, 78 bad configuration, 124 --timeout,\n"
	    "128+N killed by signal N\n"
	    "(141 with --strict-epipe when the output's reader goes away).\n"
	    "See forkpipe(1) and forkpipe.yaml(5).\n", fp);
}

static void __attribute__((noreturn)) usage_error(const char *what, const char *arg)
{
	fatal(EXIT_USAGE, "%s '%s' (see --help)", what, arg);
}

static void set_option(struct job *job, int c, const char *arg, bool *cli_stages);

/* A report that would replace a file the run uses is refused (before
 * the report is armed, or disarming it: fatal() would write it). */
static void check_report(const struct job *job, const char *report, const char *config)
{
	char *why = job_report_clash(job, report, config);

	if (why != NULL) {
		report_disarm();
		fatal(EXIT_USAGE, "%s", why);
	}
}

/* The first pass only looks for -c, the file the rest of the command
 * line overrides, and for --stats-json, which is to report a file that
 * cannot be loaded too: it is checked at once against the files the
 * command line names. */
static const char *find_config(int argc, char **argv, const char **stats_json)
{
	/* getopt permutes the vector it scans: scan a copy, so that the
	 * second pass sees the arguments in their original order. */
	char **copy = xcalloc((size_t)argc + 1, sizeof *copy);
	struct job *files = job_new();
	const char *path = NULL;
	int c;

	for (int i = 0; i < argc; i++)
		copy[i] = argv[i];
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, copy, short_opts, long_opts, NULL)) != -1) {
		if (c == 'c')
			path = optarg;
		if (c == OPT_STATS_JSON)
			*stats_json = optarg;
		if (c == 'o' || c == OPT_LOCK)
			set_option(files, c, optarg, NULL);
	}
	for (int i = optind; i < argc; i++)
		job_add_input(files, copy[i]);
	check_report(files, *stats_json, path);
	job_free(files);
	free(copy);
	return path;
}

static void set_compress(struct job *job, int c, const char *arg)
{
	enum compress_kind kind = c == OPT_ZSTD ? COMPRESS_ZSTD : COMPRESS_GZIP;
	char *why = NULL;

	if (c == OPT_GZIP_INDEPENDENT) {
		if (job->compress.kind != COMPRESS_GZIP)
			job->compress.level = 0;
		job->compress.kind = COMPRESS_GZIP;
		job->compress.independent = true;
		return;
	}
	if (compress_choose(&job->compress, kind, arg, &why) < 0)
		fatal(EXIT_USAGE, "--%s: %s", compress_name(kind), why);
}

/* a duration option's value, or a usage error naming the option */
static double duration(const char *opt, const char *arg)
{
	double secs;

	if (!parse_duration(arg, &secs) || secs <= 0)
		fatal(EXIT_USAGE, "%s: invalid duration '%s' (expected e.g. 30, 1.5s, 500ms, 10m, 2h)",
		    opt, arg);
	return secs;
}

/* What keeps a run safe to leave unattended. */
static void set_reliability(struct job *job, int c, const char *arg)
{
	long n;
	uint64_t size;

	switch (c) {
	case OPT_RETRIES:
		if (!parse_long(arg, 0, 100, &n))
			fatal(EXIT_USAGE, "--retries: invalid number '%s' (expected 0 to 100)", arg);
		job->retries = (unsigned)n;
		break;
	case OPT_CHUNK_TIMEOUT:
		job->chunk_timeout = duration("--chunk-timeout", arg);
		break;
	case OPT_STALL_WARNING:
		/* 0 turns the warning off */
		job->stall_warning = strcmp(arg, "0") == 0 ? 0 : duration("--stall-warning", arg);
		break;
	case OPT_TIMEOUT:
		job->timeout = duration("--timeout", arg);
		break;
	case OPT_LOCK_WAIT:
		job->lock_wait = duration("--lock-wait", arg);
		break;
	case OPT_WORKER_MEMORY:
		if (!parse_size(arg, &size) || size < JOB_MIN_WORKER_MEMORY)
			fatal(EXIT_USAGE, "--max-memory-per-worker: invalid size '%s' (expected 16M or "
			    "more, e.g. 512M, 2G)", arg);
		job->worker_memory = size;
		break;
	case OPT_LOCK:
		free(job->lock);
		job->lock = xstrdup(arg);
		break;
	}
}

static void set_option(struct job *job, int c, const char *arg, bool *cli_stages)
{
	char *err = NULL;
	uint64_t size;

	switch (c) {
	case 'e': {
		struct stage *st = stage_from_spec(arg, &err);

		if (st == NULL)
			fatal(EXIT_USAGE, "-e: %s", err);
		if (!*cli_stages)
			job_clear_stages(job);
		*cli_stages = true;
		job_add_stage(job, st);
		break;
	}
	case 'j':
		if (!parse_long(arg, 1, JOB_MAX_JOBS, &job->jobs))
			fatal(EXIT_USAGE, "-j: invalid number of jobs '%s' (expected 1 to %d)", arg, JOB_MAX_JOBS);
		break;
	case 'b':
		if (!parse_size(arg, &size) || size == 0 || size > JOB_MAX_CHUNK_SIZE)
			fatal(EXIT_USAGE, "-b: invalid chunk size '%s' (expected e.g. 512K, 4M; at most 1G)",
			    arg);
		job->chunk_size = size;
		break;
	case 'z':
		job->null = true;
		break;
	case 'o':
		free(job->output);
		job->output = xstrdup(arg);
		break;
	case 'd':
	case OPT_CSV_DELIM:
		if (!format_delimiter(arg, &job->format.delim))
			fatal(EXIT_USAGE, "%s: the delimiter must be one byte (or \\t), not '%s'",
			    c == 'd' ? "-d" : "--csv-delimiter", arg);
		if (c == 'd' && job->format.kind != FORMAT_CSV)
			job->format.kind = FORMAT_DELIM;
		if (c == OPT_CSV_DELIM)
			job->format.kind = FORMAT_CSV;
		break;
	case OPT_TSV:
		job->format.kind = FORMAT_DELIM;
		job->format.delim = '\t';
		break;
	case OPT_CSV:
	case OPT_CSV_LAX:
		if (job->format.kind != FORMAT_CSV)
			job->format.delim = ',';
		job->format.kind = FORMAT_CSV;
		job->format.lax |= c == OPT_CSV_LAX;
		break;
	case 'H':
		job->header = true;
		break;
	case OPT_UNORDERED:
		job->unordered = true;
		break;
	case OPT_STATS:
		job->stats = true;
		break;
	case OPT_STATS_JSON:
		free(job->stats_json);
		job->stats_json = xstrdup(arg);
		break;
	case OPT_STATS_INTERVAL:
		if (!parse_duration(arg, &job->stats_interval) ||
		    job->stats_interval < JOB_MIN_STATS_INTERVAL)
			fatal(EXIT_USAGE, "--stats-interval: invalid interval '%s' (expected seconds, "
			    "such as 10 or 0.5, at least %g)", arg, JOB_MIN_STATS_INTERVAL);
		break;
	case OPT_MEMORY:
		if (!parse_size(arg, &size) || size == 0)
			fatal(EXIT_USAGE, "--memory: invalid size '%s' (expected e.g. 512M, 2G)", arg);
		job->memory = size;
		break;
	case OPT_MAX_RECORD:
		if (!parse_size(arg, &size) || size == 0)
			fatal(EXIT_USAGE, "--max-record: invalid size '%s' (expected e.g. 64K, 1G)", arg);
		job->max_record = size;
		break;
	case OPT_TMPDIR:
		free(job->tmpdir);
		job->tmpdir = xstrdup(arg);
		break;
	case OPT_GZIP:
	case OPT_ZSTD:
	case OPT_GZIP_INDEPENDENT:
		set_compress(job, c, arg);
		break;
	case OPT_PROGRESS:
		if (arg == NULL || strcmp(arg, "auto") == 0)
			job->progress = PROGRESS_AUTO;
		else if (strcmp(arg, "always") == 0)
			job->progress = PROGRESS_ALWAYS;
		else
			fatal(EXIT_USAGE, "--progress: expected 'always' or 'auto', not '%s'", arg);
		break;
	case OPT_STRICT_EPIPE:
		job->strict_epipe = true;
		break;
	case OPT_LINE_BUFFERED:
		job->line_buffered = true;
		break;
	case OPT_KEEP_GOING:
		job->keep_going = true;
		break;
	case OPT_PARTIAL:
		job->partial_out = true;
		break;
	case OPT_SHARD:
		if (shard_parse(&job->shard, arg, &err) < 0)
			fatal(EXIT_USAGE, "--shard: %s", err);
		break;
	default:
		set_reliability(job, c, arg);
	}
}

/* -c - has read stdin to its end: it cannot be an input as well (with
 * no FILE, stdin is the input). */
static void check_stdin(const struct job *job, const char *config)
{
	bool reads_stdin = job->ninputs == 0;

	if (config == NULL || strcmp(config, "-") != 0)
		return;
	for (size_t i = 0; i < job->ninputs; i++)
		reads_stdin |= strcmp(job->inputs[i], "-") == 0;
	if (reads_stdin)
		fatal(EXIT_USAGE, "-c -: stdin holds the pipeline, so it cannot be an input too "
		    "(name the input files)");
}

/* The choices options make that others may contradict. */
struct choices {
	struct job_choice codec, format, delim;
};

static const char *long_name(int c)
{
	for (const struct option *o = long_opts; o->name != NULL; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

/*
 * --gzip --zstd, --csv --tsv, --tsv -d ',': the later option would
 * silently win; refused instead (a repeated option still replaces its
 * earlier value).
 */
static void check_choices(struct choices *ch, int c, const char *arg)
{
	const char *by = long_name(c);
	struct job_choice *failed = NULL;
	char d[2] = { 0, 0 };

	switch (c) {
	case OPT_GZIP:
	case OPT_GZIP_INDEPENDENT:
	case OPT_ZSTD:
		if (job_choose(&ch->codec, by, c == OPT_ZSTD ? "zstd" : "gzip") < 0)
			failed = &ch->codec;
		break;
	case OPT_TSV:
		if (job_choose(&ch->format, by, "tsv") < 0)
			failed = &ch->format;
		else if (job_choose(&ch->delim, by, "\t") < 0)
			failed = &ch->delim;
		break;
	case OPT_CSV:
	case OPT_CSV_LAX:
	case OPT_CSV_DELIM:
	case 'd':
		if (c != 'd' && job_choose(&ch->format, by, "csv") < 0)
			failed = &ch->format;
		else if ((c == 'd' || c == OPT_CSV_DELIM) && format_delimiter(arg, &d[0]) &&
		    job_choose(&ch->delim, by, d[0] == '\t' ? "\t" : d) < 0)
			failed = &ch->delim;
		break;
	}
	if (failed != NULL)
		fatal(EXIT_USAGE, "--%s and --%s contradict each other (choose one)", failed->by, by);
}

void cli_parse(struct job *job, int argc, char **argv)
{
	struct choices choices = { 0 };
	const char *config, *stats_json = NULL;
	bool cli_stages = false;
	int c;

	/* "forkpipe merge ...": the rest is an ordinary command line. */
	if (argc > 1 && strcmp(argv[1], "merge") == 0) {
		job->merge = true;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	config = find_config(argc, argv, &stats_json);
	if (stats_json != NULL)
		report_early(stats_json);

	if (config != NULL) {
		char *err = NULL;
		int code;

		int rc = config_load(job, config, &err, &code);

		/* The inputs it names (even if it then fails) may not be
		 * the report; those it did not reach are not known. */
		check_report(job, stats_json, config);
		if (rc < 0) {
			report_careful(true);
			fatal(code, "%s", err);
		}
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case 'V':
			printf("forkpipe %s\n", PACKAGE_VERSION);
			exit(EXIT_OK);
		case OPT_HELP_STAGES:
			if (strcmp(optarg, "man") != 0)
				usage_error("--help-stages: unknown format", optarg);
			stagedoc_man(stdout);
			exit(EXIT_OK);
		case ':':
			usage_error("missing value for option", argv[optind - 1]);
		case '?':
			if (optopt != 0) {
				char s[3] = { '-', (char)optopt, '\0' };

				usage_error("unknown option", s);
			}
			usage_error("unknown option", argv[optind - 1]);
		case 'c':
			break;
		default:
			check_choices(&choices, c, optarg);
			set_option(job, c, optarg, &cli_stages);
		}
	}
	if (optind < argc) {
		job_clear_inputs(job);
		for (int i = optind; i < argc; i++)
			job_add_input(job, argv[i]);
	}
	check_stdin(job, config);
	check_report(job, job->stats_json, config);
}
