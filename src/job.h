/* job.h - what to run: inputs, stages, output and options. */
#ifndef FORKPIPE_JOB_H
#define FORKPIPE_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage.h"

#define JOB_MAX_JOBS 1024

struct job {
	char **inputs;		/* "-" is stdin */
	size_t ninputs;
	struct stage **stages;
	size_t nstages;
	long jobs;		/* worker processes; 0: online CPUs */
	uint64_t chunk_size;	/* 0: chosen from the input size (chunker.c) */
	bool null;		/* records end with NUL */
	char *output;		/* NULL: stdout */
	bool unordered;
	bool stats;

	/* The pipeline split around its reducer (filled by job_plan). */
	size_t nmap;		/* stages before the reducer (or all) */
	struct stage *reducer;	/* NULL when map-only */
	size_t post;		/* index of the first stage after the reducer */
};

struct job *job_new(void);
void job_free(struct job *job);
void job_add_input(struct job *job, const char *path);
void job_clear_inputs(struct job *job);
void job_add_stage(struct job *job, struct stage *st);
void job_clear_stages(struct job *job);

/*
 * Fill in defaults, split the pipeline around its reducer and set up
 * every stage (compile patterns).  Runs once, before fork.  Returns 0 or
 * -1 with *err; *code says which exit code the error deserves.
 */
int job_plan(struct job *job, char **err, int *code);

#endif
