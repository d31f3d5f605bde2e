/* meter.c - what the stages cost, measured where they run. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "clock.h"
#include "frame.h"
#include "meter.h"
#include "record.h"
#include "util.h"

void meter_init(struct meter *m, const struct job *job, bool on, bool count_out)
{
	memset(m, 0, sizeof *m);
	m->on = on;
	m->count_out = on && count_out;
	m->fmt = &job->format;
	m->term = job->null ? '\0' : '\n';
	m->nstages = job->nstages;
	m->stage_ns = xcalloc(job->nstages + 1, sizeof *m->stage_ns);
}

void meter_free(struct meter *m)
{
	free(m->stage_ns);
	m->stage_ns = NULL;
}

void meter_reset(struct meter *m)
{
	m->records_in = m->records_out = 0;
	memset(m->stage_ns, 0, m->nstages * sizeof *m->stage_ns);
}

static uint64_t tv_ns(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)tv->tv_usec * 1000u;
}

uint64_t meter_clock(const struct meter *m, const struct stage *st)
{
	uint64_t ns;

	if (m == NULL || !m->on)
		return 0;
	ns = clock_thread_ns();
	/* A command's CPU shows up when the stage waits for it: only exec
	 * pays for the system call. */
	if (st != NULL && st->def->end != NULL) {
		struct rusage ru;

		if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
			ns += tv_ns(&ru.ru_utime) + tv_ns(&ru.ru_stime);
	}
	return ns;
}

void meter_charge(struct meter *m, size_t stage, uint64_t ns)
{
	if (m != NULL && m->on && stage < m->nstages)
		m->stage_ns[stage] += ns;
}

void meter_in(struct meter *m, struct block *b)
{
	if (m == NULL || !m->on)
		return;
	if (b->nrec == NREC_UNKNOWN)
		b->nrec = records_count(m->fmt, m->term, b->data, b->len);
	m->records_in += b->nrec;
}

void meter_out(struct meter *m, const struct block *b)
{
	if (m == NULL || !m->count_out || b->len == 0)
		return;
	/* Blocks hold whole records (exec terminates its last one). */
	m->records_out += b->nrec != NREC_UNKNOWN ? b->nrec :
	    records_count(m->fmt, m->term, b->data, b->len);
}

void meter_out_n(struct meter *m, uint64_t n)
{
	if (m != NULL && m->count_out)
		m->records_out += n;
}

void meter_encode(const struct meter *m, size_t n, unsigned char *out)
{
	frame_put_u64(out, m->records_in);
	frame_put_u64(out + 8, m->records_out);
	for (size_t i = 0; i < n; i++)
		frame_put_u64(out + 16 + 8 * i, i < m->nstages ? m->stage_ns[i] : 0);
}
