/* main.c - forkpipe: run record-processing pipelines on every core. */
#include "autoconfig.h"

#include <string.h>

#include "cli.h"
#include "explain.h"
#include "indexcmd.h"
#include "job.h"
#include "lock.h"
#include "merge.h"
#include "report.h"
#include "supervisor.h"
#include "util.h"

/* File scope, so that the job stays reachable (not a leak) when an
 * error exits from deep inside parsing or planning. */
static struct job *job;

int main(int argc, char **argv)
{
	char *err = NULL;
	int code;

	/* `forkpipe index FILE.gz...` is a command of its own. */
	if (argc > 1 && strcmp(argv[1], "index") == 0)
		return indexcmd_run(argc - 1, argv + 1);
	job = job_new();
	cli_parse(job, argc, argv);
	/* From here on, a failure is reported in --stats-json too. */
	report_open(job);
	/* Before anything but the report, so that a run that finds the
	 * lock held changes nothing, not even an output file. */
	if (job->lock != NULL && lock_take(job->lock, job->lock_wait, &err, &code) < 0)
		fatal(code, "%s", err);
	explain_note_given(job);
	if (job_plan(job, &err, &code) < 0)
		fatal(code, "%s", err);
	/* merge has no plan to show: one process reads whole partial files. */
	if (job->explain != EXPLAIN_NONE && job->merge)
		fatal(EXIT_USAGE, "--explain: forkpipe merge reads whole partial files in one process: "
		    "there is no plan to explain");
	if (job->explain != EXPLAIN_NONE) {
		code = explain_run(job);
		job_free(job);
		return code;
	}
	code = job->merge ? merge_run(job) : supervisor_run(job);
	job_free(job);
	return code;
}
