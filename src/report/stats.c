/* stats.c - what a run did and cost. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "clock.h"
#include "frame.h"
#include "stats.h"
#include "util.h"

bool stats_wanted(const struct job *job)
{
	return job->stats || job->stats_json != NULL || job->stats_interval > 0;
}

void stats_init(struct stats *s, const struct job *job)
{
	memset(s, 0, sizeof *s);
	s->start = clock_now();
	getrusage(RUSAGE_SELF, &s->startup);
	s->job = job;
	s->stage_ns = xcalloc(job->nstages + 1, sizeof *s->stage_ns);
	stats_measure(s, false);
	s->nslots = (int)job->jobs;
	s->slots = xcalloc((size_t)s->nslots, sizeof *s->slots);
	s->pending = xcalloc((size_t)s->nslots, sizeof *s->pending);
	for (int i = 0; i < s->nslots; i++)
		s->pending[i].stage_ns = xcalloc(job->nstages + 1, sizeof *s->pending[i].stage_ns);
}

void stats_measure(struct stats *s, bool on)
{
	const struct job *job = s->job;

	s->on = on;
	meter_free(&s->local);
	/* The merger writes the output records when they are a reducer's
	 * result or head's cut; else the workers count them.  A partial
	 * file holds no records. */
	meter_init(&s->local, job, on, (job->reducer != NULL || job->limit != UINT64_MAX) &&
	    !job->partial_out);
}

void stats_free(struct stats *s)
{
	for (int i = 0; s->pending != NULL && i < s->nslots; i++)
		free(s->pending[i].stage_ns);
	free(s->pending);
	free(s->slots);
	free(s->stage_ns);
	meter_free(&s->local);
	memset(s, 0, sizeof *s);
}

void stats_stop(struct stats *s)
{
	if (s->end == 0)
		s->end = clock_now();
}

double stats_elapsed(const struct stats *s)
{
	return (s->end != 0 ? s->end : clock_now()) - s->start;
}

int stats_take(struct stats *s, int slot, uint64_t seq, const char *payload, uint64_t len)
{
	size_t n = s->job->post;	/* the stages a worker runs */
	struct stats_pending *p;

	if (!s->on || slot < 0 || slot >= s->nslots || len != METER_PAYLOAD(n))
		return -1;
	p = &s->pending[slot];
	p->set = true;
	p->seq = seq;
	p->records_in = frame_get_u64(payload);
	p->records_out = frame_get_u64(payload + 8);
	for (size_t i = 0; i < n; i++)
		p->stage_ns[i] = frame_get_u64(payload + 16 + 8 * i);
	return 0;
}

uint64_t stats_chunk_done(struct stats *s, int slot, uint64_t seq)
{
	struct stats_pending *p;

	if (!s->on || slot < 0 || slot >= s->nslots)
		return 0;
	p = &s->pending[slot];
	if (!p->set || p->seq != seq)
		return 0;
	p->set = false;
	s->chunks_done++;
	s->slots[slot].chunks++;
	s->records_in += p->records_in;
	s->records_out += p->records_out;
	for (size_t i = 0; i < s->job->post; i++)
		s->stage_ns[i] += p->stage_ns[i];
	return p->records_in;
}

void stats_extra_done(struct stats *s, int slot, uint64_t seq)
{
	struct stats_pending *p;

	if (!s->on || slot < 0 || slot >= s->nslots)
		return;
	p = &s->pending[slot];
	if (!p->set || p->seq != seq)
		return;
	p->set = false;
	for (size_t i = 0; i < s->job->post; i++)
		s->stage_ns[i] += p->stage_ns[i];
}

void stats_chunk_undone(struct stats *s, int slot, uint64_t records)
{
	if (!s->on || slot < 0 || slot >= s->nslots)
		return;
	s->chunks_done--;
	s->slots[slot].chunks--;
	s->records_in -= records;
}

static uint64_t tv_us(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000000u + (uint64_t)tv->tv_usec;
}

void stats_worker_reaped(struct stats *s, int slot, const struct rusage *ru)
{
	struct stats_slot *w;

	if (slot < 0 || slot >= s->nslots)
		return;
	w = &s->slots[slot];
	w->user_us += tv_us(&ru->ru_utime);
	w->sys_us += tv_us(&ru->ru_stime);
	if (ru->ru_maxrss > w->max_rss_kb)
		w->max_rss_kb = ru->ru_maxrss;
	w->processes++;
	/* A chunk whose result never came whole is run again elsewhere. */
	s->pending[slot].set = false;
}

void stats_header(struct stats *s, uint64_t read_bytes, bool written)
{
	s->header_bytes = read_bytes;
	s->records_in += read_bytes > 0;
	s->records_out += written;
}

uint64_t stats_records_in(const struct stats *s)
{
	return s->records_in + s->local.records_in;
}

uint64_t stats_records_out(const struct stats *s)
{
	return s->records_out + s->local.records_out;
}

double stats_stage_seconds(const struct stats *s, size_t stage, bool merger)
{
	if (stage >= s->job->nstages)
		return 0;
	return (double)(merger ? s->local.stage_ns[stage] : s->stage_ns[stage]) / 1e9;
}

static double us_seconds(uint64_t us)
{
	return (double)us / 1e6;
}

static double tv_diff(const struct timeval *a, const struct timeval *b)
{
	return us_seconds(tv_us(a)) - us_seconds(tv_us(b));
}

void stats_self(const struct stats *s, double *user, double *sys, long *max_rss_kb)
{
	struct rusage self;

	uint64_t hu, hs;

	getrusage(RUSAGE_SELF, &self);
	/* with the helpers a reducer's finish forks (reduce/agg_rangefinish.c) */
	agg_rangefinish_cpu(&hu, &hs);
	*user = tv_diff(&self.ru_utime, &s->startup.ru_utime) + us_seconds(hu);
	*sys = tv_diff(&self.ru_stime, &s->startup.ru_stime) + us_seconds(hs);
	*max_rss_kb = self.ru_maxrss;
}

double stats_cpu_seconds(const struct stats *s)
{
	double user, sys;
	long rss;

	stats_self(s, &user, &sys, &rss);
	for (int i = 0; i < s->nslots; i++)
		user += us_seconds(s->slots[i].user_us + s->slots[i].sys_us);
	return user + sys;
}

static double rate(double n, double secs)
{
	return secs > 0 ? n / secs : 0;
}

static void print_processes(FILE *fp, const struct stats *s)
{
	double user, sys;
	long rss;

	stats_self(s, &user, &sys, &rss);
	fprintf(fp, "  %-12s %8s %9s %9s %12s\n", "process", "chunks", "user s", "system s",
	    "max RSS KiB");
	fprintf(fp, "  %-12s %8s %9.3f %9.3f %12ld\n", "supervisor", "-", user, sys, rss);
	for (int i = 0; i < s->nslots; i++) {
		const struct stats_slot *w = &s->slots[i];
		char name[32];

		snprintf(name, sizeof name, "worker %d", i);
		fprintf(fp, "  %-12s %8llu %9.3f %9.3f %12ld\n", name, (unsigned long long)w->chunks,
		    us_seconds(w->user_us), us_seconds(w->sys_us), w->max_rss_kb);
	}
}

/* The profiler view: each stage's CPU, and its share of all the CPU
 * the run's processes used. */
static void print_stages(FILE *fp, const struct stats *s, double cpu)
{
	const struct job *job = s->job;

	if (job->nstages == 0)
		return;
	fprintf(fp, "  %-20s %9s %9s %9s %7s\n", "stage", "workers s", "merger s", "total s",
	    "of CPU");
	for (size_t i = 0; i < job->nstages; i++) {
		double wk = stats_stage_seconds(s, i, false), mg = stats_stage_seconds(s, i, true);
		char name[64];

		snprintf(name, sizeof name, "%zu %s", i + 1, job->stages[i]->def->name);
		fprintf(fp, "  %-20s %9.3f %9.3f %9.3f %6.1f%%\n", name, wk, mg, wk + mg,
		    cpu > 0 ? 100 * (wk + mg) / cpu : 0.0);
	}
}

void stats_print(FILE *fp, const struct stats *s)
{
	double wall = stats_elapsed(s), cpu = stats_cpu_seconds(s);
	uint64_t rin = stats_records_in(s), rout = stats_records_out(s);

	fprintf(fp, PROGNAME ": stats:\n");
	fprintf(fp, "  %-12s %.3f s\n", "wall time", wall);
	fprintf(fp, "  %-12s %llu bytes, %llu records\n", "input", (unsigned long long)s->bytes_in,
	    (unsigned long long)rin);
	fprintf(fp, "  %-12s %llu bytes, %llu records\n", "output", (unsigned long long)s->bytes_out,
	    (unsigned long long)rout);
	fprintf(fp, "  %-12s %llu (%llu retries)\n", "chunks", (unsigned long long)s->chunks_done,
	    (unsigned long long)s->retries);
	if (s->job != NULL && s->job->reject != NULL) {
		fprintf(fp, "  %-12s %llu records", "rejected", (unsigned long long)s->rejected);
		for (uint64_t i = 0; i < s->rejected && i < STATS_REJECTED_FIRST; i++)
			fprintf(fp, s->rejected_first[i].offset == UINT64_MAX ? "%s%s" : "%s%s:%llu",
			    i == 0 ? " (" : ", ", s->rejected_first[i].input,
			    (unsigned long long)s->rejected_first[i].offset);
		fprintf(fp, "%s\n", s->rejected > 0 ? (s->rejected > STATS_REJECTED_FIRST ?
		    ", ...)" : ")") : "");
	}
	fprintf(fp, "  %-12s %.1f MB/s, %.0f records/s\n", "throughput",
	    rate((double)s->bytes_in / 1e6, wall), rate((double)rin, wall));
	print_processes(fp, s);
	fprintf(fp, "  %-12s %.3f s\n", "all CPU", cpu);
	print_stages(fp, s, cpu);
}

void stats_rejected(struct stats *s, const char *input, uint64_t offset)
{
	if (s->rejected < STATS_REJECTED_FIRST) {
		s->rejected_first[s->rejected].input = input;
		s->rejected_first[s->rejected].offset = offset;
	}
	s->rejected++;
}
