/* config.c - fuzz the YAML pipeline loader (src/front/config.c) and the stage
 * set-up it leads to: any bytes give a job or an error naming the file
 * with exit 78, never a crash. */
#include "autoconfig.h"

#include "config.h"
#include "fuzz.h"
#include "job.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job *job = job_new();
	char *err = NULL;
	int code = 0;

	job->memory = 1 << 20;	/* not read from /proc at every input */
	if (config_load_string(job, "f.yaml", (const char *)data, size, &err, &code) < 0) {
		FUZZ_CHECK(code == EXIT_CONFIG, "exit %d for: %s", code, err);
		FUZZ_CHECK(strncmp(err, "f.yaml:", 7) == 0, "message without the file: %s", err);
	} else if (job_plan(job, &err, &code) < 0) {
		/* The stages' own errors: 78 when declared in the file. */
		FUZZ_CHECK(code == EXIT_CONFIG || code == EXIT_USAGE, "exit %d for: %s", code, err);
	}
	free(err);
	job_free(job);
	return 0;
}
