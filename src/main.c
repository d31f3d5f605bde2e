/* main.c - forkpipe: run record-processing pipelines on every core. */
#include "autoconfig.h"

#include "cli.h"
#include "job.h"
#include "supervisor.h"
#include "util.h"

int main(int argc, char **argv)
{
	struct job *job = cli_parse(argc, argv);
	char *err = NULL;
	int code;

	if (job_plan(job, &err, &code) < 0)
		fatal(code, "%s", err);
	code = supervisor_run(job);
	job_free(job);
	return code;
}
