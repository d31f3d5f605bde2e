/* explain.h - --explain: print the plan of a run instead of running it. */
#ifndef FORKPIPE_EXPLAIN_H
#define FORKPIPE_EXPLAIN_H

#include "job.h"

/* Before job_plan: remember which choices the user made (-j, --memory,
 * --max-record, a codec), so the plan can say what set each one. */
void explain_note_given(const struct job *job);

/* After job_plan: print the plan (job->explain: text or JSON) on stdout.
 * Returns the exit code; a bad input exits as a run would. */
int explain_run(struct job *job);

#endif
