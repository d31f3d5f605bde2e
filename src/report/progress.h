/* progress.h - --progress: a one-line bar on standard error.
 *
 * Bytes done of the total (when every input is a regular file), the
 * rate and the time left, redrawn a few times a second in place and
 * erased at the end.  When the output goes to the same terminal, the
 * bar is erased before each write and drawn again after it
 * (progress_around), so that it never mixes with the output. */
#ifndef FORKPIPE_PROGRESS_H
#define FORKPIPE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

enum progress_mode {
	PROGRESS_OFF,
	PROGRESS_AUTO,		/* --progress: only when stderr is a terminal */
	PROGRESS_ALWAYS,	/* --progress=always */
};

struct progress {
	bool on;
	uint64_t total;		/* 0: unknown */
	uint64_t done;
	uint64_t records;	/* input records done, when the workers count them */
	double start, drawn;	/* monotonic seconds */
	int width;		/* of the last line drawn, to erase it */
	bool hidden;		/* erased for a write, to be drawn again */
	bool mid_line;		/* output on the terminal ended inside a line */
};

/* total: the input's size in bytes, 0 when unknown (then the bar shows
 * bytes, records and rates, without an ETA). */
void progress_init(struct progress *p, enum progress_mode mode, uint64_t total);
/* n more bytes of input are done; redraws at most every PROGRESS_EVERY. */
void progress_add(struct progress *p, uint64_t n);
/* n more input records are done (shown with the next redraw). */
void progress_records(struct progress *p, uint64_t n);
/* Erase the bar. */
void progress_end(struct progress *p);
/* An output hook (output_around): before a write to the terminal the
 * bar is erased, after it drawn again, unless the output stopped inside
 * a line (the bar then waits for a write that ends one).  arg: the
 * struct progress. */
void progress_around(void *arg, bool before, bool line_end);

#endif
