/* check_config.c - YAML pipeline files. */
#include "autoconfig.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "config.h"
#include "job.h"
#include "options.h"
#include "stage.h"

static const char full_doc[] =
	"# A full pipeline.\n"
	"inputs:\n"
	"  - a.log\n"
	"  - \"b c.log\"\n"
	"jobs: 4\n"
	"chunk-size: 1K\n"
	"null: true\n"
	"output: out.txt\n"
	"unordered: yes\n"
	"stats: false\n"
	"stages:\n"
	"  - grep: {pattern: ERROR, fixed: true, ignore-case: false}\n"
	"  - grep:\n"
	"      pattern: \"a b\"\n"
	"      invert: on\n"
	"  - count: {}\n";

static struct job *load_ok(const char *name, const char *text)
{
	struct job *job = job_new();
	char *err = NULL;
	int code = -1;

	ck_assert_msg(config_load_string(job, name, text, strlen(text), &err, &code) == 0,
	    "%s: %s", name, err);
	ck_assert_ptr_null(err);
	return job;
}

static void check_full(const struct job *job, const char *name)
{
	char origin[256];

	ck_assert_uint_eq(job->ninputs, 2);
	ck_assert_str_eq(job->inputs[0], "a.log");
	ck_assert_str_eq(job->inputs[1], "b c.log");
	ck_assert_int_eq(job->jobs, 4);
	ck_assert_uint_eq(job->chunk_size, 1024);
	ck_assert(job->null);
	ck_assert_str_eq(job->output, "out.txt");
	ck_assert(job->unordered);
	ck_assert(!job->stats);
	ck_assert_uint_eq(job->nstages, 3);

	ck_assert_ptr_eq(job->stages[0]->def, &stage_grep);
	ck_assert_str_eq(stage_arg(job->stages[0], "pattern"), "ERROR");
	ck_assert(stage_flag(job->stages[0], "fixed"));
	ck_assert(!stage_flag(job->stages[0], "ignore-case"));
	ck_assert(!stage_flag(job->stages[0], "invert"));
	ck_assert(job->stages[0]->from_config);
	snprintf(origin, sizeof origin, "%s:12:5", name);
	ck_assert_str_eq(job->stages[0]->origin, origin);

	ck_assert_ptr_eq(job->stages[1]->def, &stage_grep);
	ck_assert_str_eq(stage_arg(job->stages[1], "pattern"), "a b");
	ck_assert(stage_flag(job->stages[1], "invert"));
	ck_assert(!stage_flag(job->stages[1], "fixed"));
	snprintf(origin, sizeof origin, "%s:13:5", name);
	ck_assert_str_eq(job->stages[1]->origin, origin);

	ck_assert_ptr_eq(job->stages[2]->def, &stage_count);
	ck_assert(!stage_flag(job->stages[2], "words"));
	snprintf(origin, sizeof origin, "%s:16:5", name);
	ck_assert_str_eq(job->stages[2]->origin, origin);
}

START_TEST(test_full_document)
{
	struct job *job = load_ok("full.yaml", full_doc);

	check_full(job, "full.yaml");
	job_free(job);
}
END_TEST

START_TEST(test_short_forms)
{
	struct job *job = load_ok("short.yaml",
	    "stages:\n"
	    "  - count:\n"
	    "inputs: one.log\n");

	ck_assert_uint_eq(job->ninputs, 1);
	ck_assert_str_eq(job->inputs[0], "one.log");
	ck_assert_uint_eq(job->nstages, 1);
	ck_assert_ptr_eq(job->stages[0]->def, &stage_count);
	/* Keys not given keep their defaults. */
	ck_assert_int_eq(job->jobs, 0);
	ck_assert_uint_eq(job->chunk_size, 0);
	ck_assert(!job->null);
	ck_assert_ptr_null(job->output);
	ck_assert(!job->unordered);
	job_free(job);

	job = load_ok("flags.yaml",
	    "stages:\n"
	    "  - count: {words: true, bytes: YES}\n"
	    "null: off\n"
	    "chunk-size: 1.5M\n"
	    "stats: y\n"
	    "stats-json: /var/log/run.json\n"
	    "stats-interval: 1.5m\n");
	ck_assert_str_eq(job->stats_json, "/var/log/run.json");
	ck_assert(job->stats_interval == 90);
	ck_assert(stage_flag(job->stages[0], "words"));
	ck_assert(stage_flag(job->stages[0], "bytes"));
	ck_assert(!job->null);
	ck_assert(job->stats);
	ck_assert_uint_eq(job->chunk_size, 3u << 19);
	job_free(job);
}
END_TEST

START_TEST(test_reload_replaces)
{
	struct job *job = job_new();
	char *err = NULL;
	int code = 0;
	const char *doc = "inputs: [x, y]\nstages:\n  - grep: {pattern: p}\n";

	job_add_input(job, "old");
	ck_assert_int_eq(config_load_string(job, "r.yaml", doc, strlen(doc), &err, &code), 0);
	ck_assert_int_eq(config_load_string(job, "r.yaml", doc, strlen(doc), &err, &code), 0);
	ck_assert_uint_eq(job->ninputs, 2);
	ck_assert_str_eq(job->inputs[0], "x");
	ck_assert_str_eq(job->inputs[1], "y");
	ck_assert_uint_eq(job->nstages, 1);
	job_free(job);
}
END_TEST

START_TEST(test_load_file)
{
	char path[] = "/tmp/check_config.XXXXXX";
	int fd = mkstemp(path);
	struct job *job = job_new();
	char *err = NULL, want[64];
	int code = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, full_doc, strlen(full_doc)), (ssize_t)strlen(full_doc));
	ck_assert_int_eq(config_load(job, path, &err, &code), 0);
	check_full(job, path);
	job_free(job);

	/* Errors name the file by its path. */
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(pwrite(fd, "jobs: 0\n", 8, 0), 8);
	job = job_new();
	ck_assert_int_eq(config_load(job, path, &err, &code), -1);
	ck_assert_int_eq(code, 78);
	snprintf(want, sizeof want, "%s:1:7: ", path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "message: %s", err);
	free(err);
	job_free(job);
	close(fd);
	unlink(path);
}
END_TEST

/* Every shipped example loads; every bad example fails with a position. */
START_TEST(test_shipped_files)
{
	glob_t g;
	size_t nbad = 0;

	memset(&g, 0, sizeof g);
	glob(TEST_SRCDIR "/conf/*.yaml", 0, NULL, &g);
	glob(TEST_SRCDIR "/conf/*.yml", GLOB_APPEND, NULL, &g);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct job *job = job_new();
		char *err = NULL;
		int code = 0;

		ck_assert_msg(config_load(job, g.gl_pathv[i], &err, &code) == 0, "%s", err);
		ck_assert_msg(job->nstages > 0, "%s has no stages", g.gl_pathv[i]);
		job_free(job);
	}
	globfree(&g);

	memset(&g, 0, sizeof g);
	glob(TEST_SRCDIR "/tests/yaml/bad-*.yaml", 0, NULL, &g);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct job *job = job_new();
		char *err = NULL;
		int code = 0;
		unsigned line, col;
		size_t plen = strlen(g.gl_pathv[i]);

		ck_assert_msg(config_load(job, g.gl_pathv[i], &err, &code) == -1,
		    "%s loaded", g.gl_pathv[i]);
		ck_assert_int_eq(code, 78);
		ck_assert_msg(strncmp(err, g.gl_pathv[i], plen) == 0 &&
		    sscanf(err + plen, ":%u:%u: ", &line, &col) == 2 && line > 0 && col > 0,
		    "message: %s", err);
		free(err);
		job_free(job);
		nbad++;
	}
	globfree(&g);
	ck_assert_uint_gt(nbad, 0);
}
END_TEST

/* --- errors ------------------------------------------------------------ */

/* text must fail with code 78 and a message "t.yaml:POS: ...WHY...". */
static void config_error(const char *text, const char *pos, const char *why)
{
	struct job *job = job_new();
	char *err = NULL, prefix[64];
	int code = 0;

	snprintf(prefix, sizeof prefix, "t.yaml:%s: ", pos);
	ck_assert_msg(config_load_string(job, "t.yaml", text, strlen(text), &err, &code) == -1,
	    "[%s] loaded", text);
	ck_assert_int_eq(code, 78);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
	    "[%s]: message [%s] does not start with [%s]", text, err, prefix);
	ck_assert_msg(strstr(err, why) != NULL, "[%s]: message [%s] lacks [%s]", text, err, why);
	free(err);
	job_free(job);
}

/*
 * The option table's YAML keys are the file's keys: each is known (a list
 * is refused as its value, by its name), and the unknown-key message
 * lists them all.
 */
START_TEST(test_table_keys)
{
	struct job *job = job_new();
	char *err = NULL, text[128], why[128], pos[32];
	int code = 0;

	for (const struct jobopt *o = jobopts; o->name != NULL; o++) {
		if (o->yaml == NULL || o->kind == JOBOPT_STAGE)
			continue;
		snprintf(text, sizeof text, "%s: [1]\n", o->yaml);
		snprintf(why, sizeof why, "'%s' needs a single value", o->yaml);
		snprintf(pos, sizeof pos, "1:%zu", strlen(o->yaml) + 3);
		config_error(text, pos, why);
	}
	ck_assert_int_eq(config_load_string(job, "t.yaml", "bogus: 1\n", 9, &err, &code), -1);
	for (const struct jobopt *o = jobopts; o->name != NULL; o++) {
		if (o->yaml == NULL)
			continue;
		char more[64], last[64];

		snprintf(more, sizeof more, ", %s,", o->yaml);
		snprintf(last, sizeof last, ", %s)", o->yaml);
		ck_assert_msg(strstr(err, more) != NULL || strstr(err, last) != NULL,
		    "[%s] lacks '%s'", err, o->yaml);
	}
	free(err);
	job_free(job);
}
END_TEST

/* A value below its option's minimum fails in both places alike. */
START_TEST(test_table_checks)
{
	struct job *job = job_new();
	char *cli = NULL, *yaml = NULL;

	for (const struct jobopt *o = jobopts; o->name != NULL; o++) {
		if (o->kind != JOBOPT_COUNT && o->kind != JOBOPT_SIZE && o->kind != JOBOPT_SECONDS)
			continue;
		ck_assert_int_eq(jobopt_set(job, o, "-1", JOBOPT_CLI, &cli), -1);
		ck_assert_int_eq(jobopt_set(job, o, "-1", JOBOPT_YAML, &yaml), -1);
		ck_assert_msg(strstr(cli, "'-1'") != NULL && strstr(yaml, "'-1'") != NULL,
		    "%s: [%s] [%s]", o->name, cli, yaml);
		free(cli);
		free(yaml);
	}
	job_free(job);
}
END_TEST

START_TEST(test_error_syntax)
{
	config_error("a: b: c\n", "1:5", "mapping values are not allowed");
	config_error("jobs: 2\nstages:\n  - grep: {pattern: \"ERROR\", fixed: true\n  - count: {}\n",
	    "4:10", "did not find expected ',' or '}'");
	config_error("stages:\n  - grep: {pattern: \"unterminated}\n", "3:1", "");
}
END_TEST

START_TEST(test_error_top_level)
{
	config_error("jobs: 2\nfoo: 1\n", "2:1", "unknown key 'foo'");
	config_error("", "1:1", "empty");
	config_error("- a\n- b\n", "1:1", "must be a mapping");
	config_error("inputs: {a: b}\n", "1:9", "'inputs' must be a list");
	config_error("inputs: [a, [b]]\n", "1:13", "'inputs' needs a single value");
	config_error("output: [a]\n", "1:9", "'output' needs a single value");
}
END_TEST

START_TEST(test_error_values)
{
	config_error("jobs: 0\n", "1:7", "'jobs' must be a number from 1 to 1024, not '0'");
	config_error("jobs: abc\n", "1:7", "not 'abc'");
	config_error("jobs: 1025\n", "1:7", "not '1025'");
	config_error("chunk-size: 4K\njobs: many\n", "2:7", "not 'many'");
	config_error("chunk-size: 12Q\n", "1:13", "'chunk-size' must be a size");
	config_error("chunk-size: 0\n", "1:13", "'chunk-size' must be a size");
	config_error("null: maybe\n", "1:7", "'null' must be true or false, not 'maybe'");
	config_error("null: [true]\n", "1:7", "'null' needs a single value");
	config_error("stats-interval: 0\n", "1:17", "'stats-interval' must be a number of seconds");
	config_error("stats-interval: -1\n", "1:17", "not '-1'");
	config_error("stats-interval: 5x\n", "1:17", "not '5x'");
	config_error("stats-json: [a, b]\n", "1:13", "'stats-json' needs a single value");
}
END_TEST

START_TEST(test_error_stages)
{
	config_error("jobs: 1\nstages: grep\n", "2:9", "'stages' must be a list");
	config_error("stages:\n  - grep: {pattern: a}\n    count: {}\n", "2:5",
	    "a stage is a mapping with one key");
	config_error("stages:\n  - grep\n", "2:5", "a stage is a mapping with one key");
	config_error("stages:\n  - grep: {pattern: a}\n  - sortx: {}\n", "3:5", "unknown stage 'sortx'");
	config_error("stages:\n  - grep: {pattern: a, colour: red}\n", "2:24",
	    "grep: unknown option 'colour'");
	config_error("stages:\n  - grep: {pattern: a, fixed: maybe}\n", "2:31",
	    "'fixed' must be true or false, not 'maybe'");
	config_error("stages:\n  - grep: {fixed: true}\n", "2:5", "grep: missing pattern");
	config_error("stages:\n  - grep:\n", "2:5", "grep: missing pattern");
	config_error("stages:\n  - grep: [a]\n", "2:11", "must be a mapping");
	config_error("stages:\n  - grep: {pattern: [a]}\n", "2:21", "'pattern' needs a single value");
}
END_TEST

/* A NUL, a repeated key, a second document: refused, never dropped. */
START_TEST(test_error_lost_values)
{
	static const char nul[] = "stages:\n  - grep: {pattern: \"GET\\0zzz\"}\n";

	config_error(nul, "2:21", "'GET...' contains a NUL byte");
	config_error("stages:\n  - grep: {pattern: 'GET\\0zzz'}\n  - count: {}\n  - count: {}\n"
	    "jobs: 2\njobs: 3\n", "6:1", "duplicate key 'jobs' (first given at line 5, column 1)");
	config_error("jobs: 3\nstages:\n  - grep: {pattern: a, fixed: true, pattern: b}\njobs: 2\n",
	    "3:37", "duplicate key 'pattern' (first given at line 3, column 12)");
	config_error("input: {header: true, header: false}\n", "1:23", "duplicate key 'header'");
	config_error("jobs: 2\n---\njobs: 3\n", "2:1", "a second YAML document");
	config_error("jobs: 2\n...\n---\n", "3:1", "a second YAML document");
	config_error("jobs: 2\n---\n[\n", "4:1", "");
}
END_TEST

/* The keys of --gzip, --zstd, --keep-going, --lock and --lock-wait. */
START_TEST(test_run_keys)
{
	struct job *job = load_ok("t.yaml", "gzip: true\nkeep-going: yes\nlock: /tmp/x.lock\n"
	    "lock-wait: 1.5s\n");

	ck_assert_int_eq(job->compress.kind, COMPRESS_GZIP);
	ck_assert_int_eq(job->compress.level, 0);
	ck_assert(job->keep_going);
	ck_assert_str_eq(job->lock, "/tmp/x.lock");
	ck_assert(job->lock_wait > 1.49 && job->lock_wait < 1.51);
	job_free(job);
	job = load_ok("t.yaml", "zstd: 19\ngzip: false\n");
	ck_assert_int_eq(job->compress.kind, COMPRESS_ZSTD);
	ck_assert_int_eq(job->compress.level, 19);
	job_free(job);
	job = load_ok("t.yaml", "gzip: 9\n");
	ck_assert_int_eq(job->compress.kind, COMPRESS_GZIP);
	ck_assert_int_eq(job->compress.level, 9);
	job_free(job);
}
END_TEST

START_TEST(test_error_ranges)
{
	config_error("zstd: 20\n", "1:7", "'zstd': invalid level '20' (expected 1 to 19)");
	config_error("gzip: 0\n", "1:7", "'gzip': invalid level '0' (expected 1 to 9)");
	config_error("gzip: fast\n", "1:7", "'gzip' must be true, false or a level from 1 to 9");
	config_error("gzip: 6\nzstd: 3\n", "2:1", "'gzip' and 'zstd' contradict each other");
	config_error("keep-going: 2\n", "1:13", "'keep-going' must be true or false");
	config_error("lock: [a]\n", "1:7", "'lock' needs a single value");
	config_error("lock-wait: 0\n", "1:12", "'lock-wait' must be a number of seconds");
	config_error("chunk-size: 2G\n", "1:13", "'chunk-size' must be a size such as 4M, at most 1G");
	config_error("max-memory-per-worker: 1M\n", "1:24", "at least 16M");
	config_error("input: {format: tsv, delimiter: \",\"}\n", "1:33",
	    "'format: tsv' and 'delimiter' contradict each other");
}
END_TEST

START_TEST(test_error_missing_file)
{
	struct job *job = job_new();
	char *err = NULL;
	int code = 0;

	ck_assert_int_eq(config_load(job, "/nonexistent/pipeline.yaml", &err, &code), -1);
	ck_assert_int_eq(code, 66);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/pipeline.yaml"));
	free(err);
	err = NULL;
	/* A directory opens but cannot be read. */
	ck_assert_int_eq(config_load(job, "/tmp", &err, &code), -1);
	ck_assert_int_eq(code, 66);
	ck_assert_ptr_nonnull(strstr(err, "/tmp"));
	free(err);
	job_free(job);
}
END_TEST

Suite *suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_full_document);
	tcase_add_test(tc, test_short_forms);
	tcase_add_test(tc, test_reload_replaces);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_shipped_files);
	tcase_add_test(tc, test_run_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_error_syntax);
	tcase_add_test(tc, test_table_keys);
	tcase_add_test(tc, test_table_checks);
	tcase_add_test(tc, test_error_top_level);
	tcase_add_test(tc, test_error_values);
	tcase_add_test(tc, test_error_stages);
	tcase_add_test(tc, test_error_lost_values);
	tcase_add_test(tc, test_error_ranges);
	tcase_add_test(tc, test_error_missing_file);
	suite_add_tcase(s, tc);
	return s;
}
