/* clock.h - monotonic time, CPU time, and the deadlines of the event loop.
 *
 * A deadline is a point in monotonic seconds; 0 means none.  The event
 * loop sleeps until the nearest of its timers' deadlines (deadline_min
 * combines them) or until an event comes. */
#ifndef FORKPIPE_CLOCK_H
#define FORKPIPE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic seconds. */
double clock_now(void);
/* CPU time of the calling thread, in nanoseconds. */
uint64_t clock_thread_ns(void);

/* The earlier of two deadlines, either of which may be 0 (none). */
double deadline_min(double a, double b);
/*
 * ppoll's timeout for a deadline: NULL (sleep until an event) when there
 * is none, else the time left from now, at least 0, in *ts.
 */
const struct timespec *deadline_timeout(double deadline, struct timespec *ts);

#endif
