/* progress.h - --progress: a one-line bar on standard error.
 *
 * Bytes done of the total (when every input is a regular file), the
 * rate and the time left, redrawn a few times a second in place and
 * erased at the end, so that it never mixes with the output on a
 * terminal. */
#ifndef FORKPIPE_PROGRESS_H
#define FORKPIPE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

enum progress_mode {
	PROGRESS_OFF,
	PROGRESS_AUTO,		/* --progress: only when stderr is a terminal
				 * and the output is not */
	PROGRESS_ALWAYS,	/* --progress=always */
};

struct progress {
	bool on;
	uint64_t total;		/* 0: unknown */
	uint64_t done;
	uint64_t records;	/* input records done, when the workers count them */
	double start, drawn;	/* monotonic seconds */
	int width;		/* of the last line drawn, to erase it */
};

/* total: the input's size in bytes, 0 when unknown; output_tty: the
 * output goes to a terminal. */
void progress_init(struct progress *p, enum progress_mode mode, uint64_t total, bool output_tty);
/* n more bytes of input are done; redraws at most every PROGRESS_EVERY. */
void progress_add(struct progress *p, uint64_t n);
/* n more input records are done (shown with the next redraw). */
void progress_records(struct progress *p, uint64_t n);
/* Erase the bar. */
void progress_end(struct progress *p);

#endif
