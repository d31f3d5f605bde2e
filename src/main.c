/* main.c - forkpipe: run record-processing pipelines on every core. */
#include "autoconfig.h"

#include "cli.h"
#include "job.h"
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

	job = job_new();
	cli_parse(job, argc, argv);
	/* From here on, a failure is reported in --stats-json too. */
	report_open(job);
	if (job_plan(job, &err, &code) < 0)
		fatal(code, "%s", err);
	code = job->merge ? merge_run(job) : supervisor_run(job);
	job_free(job);
	return code;
}
