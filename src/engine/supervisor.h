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

#endif
