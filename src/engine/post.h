/* post.h - the stages after the reducer, run in the merger.
 *
 * The reducer's finish streams its result in pieces of whole records;
 * each piece runs through the map stages after it and is written out,
 * or is folded into the next reducer (group, then sort), which is
 * finished in turn when the one before it is done.  Nothing holds the
 * whole result in memory unless a stage must (sort, by its nature, and
 * then within its memory budget). */
#ifndef FORKPIPE_POST_H
#define FORKPIPE_POST_H

#include "job.h"
#include "output.h"

struct post;

/* meter: where the stages' CPU and the output records are counted, or
 * NULL. */
struct meter;
struct post *post_new(const struct job *job, struct output *out, struct meter *meter);
void post_free(struct post *p);

/*
 * Finish the job's reducer from its merged partial and run the rest of
 * the pipeline into the output.  0, or -1 with *err and *code: a stage's
 * own exit code, or 74 when the output cannot be written.
 */
int post_run(struct post *p, void *partial, char **err, int *code);

#endif
