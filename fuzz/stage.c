/* stage.c - fuzz the stage-spec parser: shell words (src/front/shellwords.c),
 * stage options (src/front/stage.c) and every stage's set-up, which parses
 * its values (patterns, sort keys, group ops, filter expressions).  The
 * input is one -e SPEC per NUL-separated part; its first byte picks the
 * input format.  Any spec gives stages or a usage error (64), or for a
 * stage that reads a side file at set-up (join's lookup) that file's
 * verdict: 66 (cannot open), 65 (bad data), 74 (read error). */
#include "autoconfig.h"

#include "fuzz.h"
#include "job.h"
#include "stage.h"
#include "util.h"

static void set_format(struct job *job, uint8_t b)
{
	static const enum format_kind kinds[] = { FORMAT_BLANKS, FORMAT_DELIM, FORMAT_CSV };

	job->format.kind = kinds[b % 3];
	job->format.delim = job->format.kind == FORMAT_CSV ? ',' : '\t';
	job->format.lax = b & 4;
	job->null = b & 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job *job;
	char *text, *err = NULL;
	int code = 0;

	if (size == 0)
		return 0;
	job = job_new();
	job->memory = 1 << 20;
	job->jobs = 2;
	set_format(job, data[0]);
	text = fuzz_string(data + 1, size - 1);
	for (char *spec = text; spec < text + size - 1; spec += strlen(spec) + 1) {
		struct stage *st = stage_from_spec(spec, &err);

		if (st == NULL) {
			FUZZ_CHECK(err != NULL, "no message for a bad spec");
			goto out;
		}
		job_add_stage(job, st);
	}
	if (job_plan(job, &err, &code) < 0 || job_bind(job, NULL, &err, &code) < 0)
		FUZZ_CHECK((code == EXIT_USAGE || code == EXIT_NOINPUT || code == EXIT_DATAERR ||
		    code == EXIT_IOERR) && err != NULL, "exit %d for: %s", code, err);
out:
	free(err);
	free(text);
	job_free(job);
	return 0;
}
