/* cli.c - the command line -> job. */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "completion.h"
#include "config.h"
#include "options.h"
#include "report.h"
#include "util.h"

/* getopt_long's view of the table: a long option without a letter
 * returns GETOPT_BASE plus its index. */
#define GETOPT_BASE 256

static struct option *long_opts;
static char short_opts[2 * 64] = ":";

static void build_getopt(void)
{
	size_t n = 0, k = 1;

	if (long_opts != NULL)
		return;
	while (jobopts[n].name != NULL)
		n++;
	long_opts = xcalloc(n + 1, sizeof *long_opts);
	for (size_t i = 0; i < n; i++) {
		const struct jobopt *o = &jobopts[i];
		int has = o->optional ? optional_argument : o->arg != NULL ? required_argument :
		    no_argument;

		long_opts[i] = (struct option){ o->name, has, NULL,
		    o->letter ? o->letter : GETOPT_BASE + (int)i };
		if (o->letter != 0 && k + 2 < sizeof short_opts) {
			short_opts[k++] = o->letter;
			if (has == required_argument)
				short_opts[k++] = ':';
		}
	}
}

/* The entry getopt_long's c stands for. */
static const struct jobopt *entry(int c)
{
	for (const struct option *o = long_opts; o->name != NULL; o++)
		if (o->val == c)
			return &jobopts[o - long_opts];
	return NULL;
}

static void __attribute__((noreturn)) usage_error(const char *what, const char *arg)
{
	fatal(EXIT_USAGE, "%s '%s' (see --help)", what, arg);
}

/* --help, --version, --help-stages=man: print and exit. */
static void __attribute__((noreturn)) show(const struct jobopt *o, const char *arg)
{
	if (o->show(stdout, arg) < 0) {
		char *what = xasprintf("--%s: unknown format", o->name);

		usage_error(what, arg);
	}
	exit(EXIT_OK);
}

static void set_option(struct job *job, const struct jobopt *o, const char *arg,
    bool *cli_stages);

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

/*
 * A pass over argv that only looks: fn(ctx, o, optarg) for each option
 * of the table, then fn(ctx, NULL, operand) for each operand.  What does
 * not parse is skipped: the real pass reports it.  getopt permutes the
 * vector it scans: a copy is scanned, so that the real pass sees the
 * arguments in their original order.
 */
static void scan_options(int argc, char **argv,
    void (*fn)(void *ctx, const struct jobopt *o, const char *arg), void *ctx)
{
	char **copy = xcalloc((size_t)argc + 1, sizeof *copy);
	int c;

	for (int i = 0; i < argc; i++)
		copy[i] = argv[i];
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, copy, short_opts, long_opts, NULL)) != -1) {
		const struct jobopt *o = entry(c);

		if (o != NULL)
			fn(ctx, o, optarg);
	}
	for (int i = optind; i < argc; i++)
		fn(ctx, NULL, copy[i]);
	free(copy);
}

struct config_scan {
	const char *path, *stats_json;
	struct job *files;
};

static void config_option(void *ctx, const struct jobopt *o, const char *arg)
{
	struct config_scan *cs = ctx;

	if (o == NULL)
		job_add_input(cs->files, arg);
	else if (o->kind == JOBOPT_CONFIG)
		cs->path = arg;
	else if (strcmp(o->name, "stats-json") == 0)
		cs->stats_json = arg;
	else if (strcmp(o->name, "output") == 0 || strcmp(o->name, "lock") == 0)
		set_option(cs->files, o, arg, NULL);
}

/* The first pass only looks for -c, the file the rest of the command
 * line overrides, and for --stats-json, which is to report a file that
 * cannot be loaded too: it is checked at once against the files the
 * command line names. */
static const char *find_config(int argc, char **argv, const char **stats_json)
{
	struct config_scan cs = { .files = job_new() };

	scan_options(argc, argv, config_option, &cs);
	*stats_json = cs.stats_json;
	check_report(cs.files, cs.stats_json, cs.path);
	job_free(cs.files);
	return cs.path;
}

/* An option of a command line being completed, into a scratch job: its
 * format, -H, its inputs (errors ignored: the line may be half typed;
 * stages, -c and --help... are left out). */
static void completion_option(void *ctx, const struct jobopt *o, const char *arg)
{
	struct job *job = ctx;
	char *err = NULL;

	if (o == NULL)
		job_add_input(job, arg);
	else if (o->kind != JOBOPT_STAGE && o->kind != JOBOPT_SHOW && o->kind != JOBOPT_CONFIG &&
	    jobopt_set(job, o, arg, JOBOPT_CLI, &err) < 0)
		free(err);
}

/*
 * forkpipe --help-completion=fields -- WORD...: the shells' completions
 * pass the words of the line being completed; the header's field names
 * of the file they name go out one a line (completion_fields).  argv[0]
 * is the option, argv[1] "--".
 */
static void __attribute__((noreturn)) complete_fields(int argc, char **argv)
{
	struct job *job = job_new();

	build_getopt();
	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argv[1] = argv[0];	/* the scan's program name */
		scan_options(argc - 1, argv + 1, completion_option, job);
	}
	completion_fields(stdout, job);
	job_free(job);
	exit(EXIT_OK);
}

static void set_option(struct job *job, const struct jobopt *o, const char *arg,
    bool *cli_stages)
{
	char *err = NULL;

	if (o->kind == JOBOPT_STAGE) {
		struct stage *st = stage_from_spec(arg, &err);

		if (st == NULL)
			fatal(EXIT_USAGE, "-e: %s", err);
		if (!*cli_stages)
			job_clear_stages(job);
		*cli_stages = true;
		job_add_stage(job, st);
		return;
	}
	if (jobopt_set(job, o, arg, JOBOPT_CLI, &err) < 0)
		fatal(EXIT_USAGE, "%s", err);
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

/*
 * --gzip --zstd, --csv --tsv, --tsv -d ',': the later option would
 * silently win; refused instead (a repeated option still replaces its
 * earlier value).
 */
static void check_choices(struct choices *ch, const struct jobopt *o, const char *arg)
{
	struct job_choice *failed = NULL;
	char d[2] = { 0, 0 };
	const char *delim = o->delim;

	if (delim == JOBOPT_DELIM_ARG)
		delim = format_delimiter(arg, &d[0]) ? (d[0] == '\t' ? "\t" : d) : NULL;
	if (o->codec != NULL && job_choose(&ch->codec, o->name, o->codec) < 0)
		failed = &ch->codec;
	else if (o->format != NULL && job_choose(&ch->format, o->name, o->format) < 0)
		failed = &ch->format;
	else if (delim != NULL && job_choose(&ch->delim, o->name, delim) < 0)
		failed = &ch->delim;
	if (failed != NULL)
		fatal(EXIT_USAGE, "--%s and --%s contradict each other (choose one)", failed->by,
		    o->name);
}

void cli_parse(struct job *job, int argc, char **argv)
{
	struct choices choices = { 0 };
	const char *config, *stats_json = NULL;
	bool cli_stages = false;
	int c;

	if (argc > 1 && strcmp(argv[1], "--help-completion=fields") == 0)
		complete_fields(argc - 1, argv + 1);
	/* "forkpipe merge ...": the rest is an ordinary command line. */
	if (argc > 1 && strcmp(argv[1], "merge") == 0) {
		job->merge = true;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	build_getopt();
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
		const struct jobopt *o = entry(c);

		if (c == ':')
			usage_error("missing value for option", argv[optind - 1]);
		/* optopt: a short option, or a long one given a value it does
		 * not take (which the argument names better) */
		if (o == NULL && optopt != 0 && optopt < GETOPT_BASE) {
			char s[3] = { '-', (char)optopt, '\0' };

			usage_error("unknown option", s);
		}
		if (o == NULL)
			usage_error("unknown option", argv[optind - 1]);
		if (o->kind == JOBOPT_SHOW)
			show(o, optarg);
		if (o->kind != JOBOPT_CONFIG) {
			check_choices(&choices, o, optarg);
			set_option(job, o, optarg, &cli_stages);
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
