/* supervisor.h - policy: the event loop, scheduling, shutdown. */
#ifndef FORKPIPE_SUPERVISOR_H
#define FORKPIPE_SUPERVISOR_H

#include "job.h"

/*
 * Run a planned job: open inputs and output, fork the workers, feed them
 * chunks, merge their results.  Returns the exit code; on failure the
 * message has been printed and nothing is left half-written.
 */
int supervisor_run(struct job *job);

/* Choices of a run, shared with --explain (explain.c): the chunks in
 * flight at most, the output a chunk may hold before its turn, and the
 * largest automatic chunk of a pipeline with a reducer. */
uint64_t supervisor_window(const struct job *job);
uint64_t supervisor_hold_max(const struct job *job);
uint64_t supervisor_reduce_chunk_max(const struct job *job);

#endif
