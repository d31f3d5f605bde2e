/* clock.c - monotonic time, CPU time, deadlines. */
#include "autoconfig.h"

#include "clock.h"

double clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t clock_thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double deadline_min(double a, double b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

const struct timespec *deadline_timeout(double deadline, struct timespec *ts)
{
	double left;

	if (deadline == 0)
		return NULL;
	/* A millisecond late rather than a hair early: waking before the
	 * deadline would only go round the loop to sleep again. */
	left = deadline - clock_now() + 0.001;
	if (left < 0)
		left = 0;
	ts->tv_sec = (time_t)left;
	ts->tv_nsec = (long)((left - (double)ts->tv_sec) * 1e9);
	if (ts->tv_nsec > 999999999L)
		ts->tv_nsec = 999999999L;
	return ts;
}
