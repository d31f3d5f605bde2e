/* merge.h - `forkpipe merge`: partial files in, the pipeline's result
 * (or one merged partial file) out. */
#ifndef FORKPIPE_MERGE_H
#define FORKPIPE_MERGE_H

#include "job.h"

/* Merge job->inputs (partial files) and finish the pipeline; returns
 * the exit status (errors exit through fatal()). */
int merge_run(struct job *job);

#endif
