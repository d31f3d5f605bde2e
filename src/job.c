/* job.c - what to run: inputs, stages, output and options. */
#include "autoconfig.h"

#include <stdlib.h>
#include <unistd.h>

#include "job.h"
#include "util.h"

struct job *job_new(void)
{
	return xcalloc(1, sizeof(struct job));
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
	if (job == NULL)
		return;
	job_clear_inputs(job);
	job_clear_stages(job);
	free(job->output);
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

static int stage_error(struct stage *st, char **err, int *code)
{
	*code = EXIT_USAGE;
	if (st->from_config) {
		char *why = *err;

		*err = xasprintf("%s: %s", st->origin, why);
		free(why);
		*code = EXIT_CONFIG;
	}
	return -1;
}

int job_bind(struct job *job, const struct header *h, char **err, int *code)
{
	for (size_t i = 0; i < job->nstages; i++) {
		struct stage *st = job->stages[i];

		if (st->def->bind != NULL && st->def->bind(st, h, err) < 0)
			return stage_error(st, err, code);
	}
	return 0;
}

void job_header_out(const struct job *job, const struct header *h, struct buf *out)
{
	struct fieldvec fv = { 0 };
	bool mapped = false;

	if (job->reducer != NULL || h->raw.len == 0)
		return;
	/* The header's fields, copied: stages may rearrange them. */
	for (size_t i = 0; i < h->fields.n; i++) {
		fv.v = xreallocarray(fv.v, i + 1, sizeof *fv.v);
		fv.v[i] = h->fields.v[i];
		fv.n = fv.cap = i + 1;
	}
	for (size_t i = 0; i < job->nmap; i++) {
		struct stage *st = job->stages[i];

		if (st->def->header != NULL) {
			st->def->header(st, &fv);
			mapped = true;
		}
	}
	if (mapped) {
		fields_join(&job->format, fv.v, fv.n, out);
		buf_putc(out, job->null ? '\0' : '\n');
	} else {
		buf_append(out, h->raw.data, h->raw.len);
		if (out->data[out->len - 1] != (job->null ? '\0' : '\n'))
			buf_putc(out, job->null ? '\0' : '\n');
	}
	free(fv.v);
}

int job_plan(struct job *job, char **err, int *code)
{
	if (job->ninputs == 0)
		job_add_input(job, "-");
	if (job->jobs <= 0)
		job->jobs = online_cpus();
	job->nmap = job->nstages;
	job->post = job->nstages;
	for (size_t i = 0; i < job->nstages; i++) {
		if (job->stages[i]->def->kind != STAGE_REDUCE)
			continue;
		if (job->reducer != NULL) {
			*err = xasprintf("stage '%s': only one reducing stage per pipeline (already have '%s')",
			    job->stages[i]->def->name, job->reducer->def->name);
			*code = EXIT_USAGE;
			return -1;
		}
		job->reducer = job->stages[i];
		job->nmap = i;
		job->post = i + 1;
	}
	for (size_t i = 0; i < job->nstages; i++) {
		struct stage *st = job->stages[i];

		st->term = job->null ? '\0' : '\n';
		st->fmt = &job->format;
		if (st->def->setup != NULL && st->def->setup(st, err) < 0)
			return stage_error(st, err, code);
	}
	return 0;
}
