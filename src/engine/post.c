/* post.c - the stages after the reducer, streamed piece by piece. */
#include "autoconfig.h"

#include <stdlib.h>

#include "meter.h"
#include "post.h"
#include "util.h"

struct post {
	const struct job *job;
	struct output *out;
	void **partials;	/* by stage index: the later reducers' states */
	struct meter *meter;
	uint64_t in_sink_ns;	/* CPU spent in sinks: a reducer's finish calls
				 * the later stages, whose time is their own */
	struct stage_out *outs;	/* by stage index: where exec hands its output */
};

static int chain_put(struct post *p, size_t from, char *data, size_t len, char **err);

/* exec hands its output on as it comes, through the stages after it
 * up to the next reducer; head among them may want no more. */
static int post_pass(struct stage_out *o, struct block *b, char **err)
{
	struct post *p = o->ctx;
	size_t to = o->next;
	int rc = chain_put(p, o->next, b->data, b->len, err);

	while (to < p->job->nstages && p->job->stages[to]->def->kind != STAGE_REDUCE)
		to++;
	if (rc == 0 && stages_sated(p->job->stages, o->next, to))
		return STAGE_ENOUGH;
	return rc;
}

/* A sink feeding the pipeline from stage `next` on. */
struct chain_sink {
	struct sink sink;
	struct post *p;
	size_t next;
};

struct post *post_new(const struct job *job, struct output *out, struct meter *meter)
{
	struct post *p = xcalloc(1, sizeof *p);

	p->job = job;
	p->out = out;
	p->meter = meter;
	p->partials = xcalloc(job->nstages + 1, sizeof *p->partials);
	p->outs = xcalloc(job->nstages + 1, sizeof *p->outs);
	for (size_t i = job->post; i < job->nstages; i++) {
		struct stage *st = job->stages[i];

		if (st->def->kind == STAGE_REDUCE)
			p->partials[i] = st->def->partial_new(st);
		p->outs[i] = (struct stage_out){ post_pass, p, i + 1 };
		st->out = &p->outs[i];
	}
	return p;
}

void post_free(struct post *p)
{
	if (p == NULL)
		return;
	for (size_t i = p->job->post; i < p->job->nstages; i++)
		if (p->partials[i] != NULL)
			p->job->stages[i]->def->partial_free(p->partials[i]);
	for (size_t i = p->job->post; i < p->job->nstages; i++)
		p->job->stages[i]->out = NULL;
	free(p->partials);
	free(p->outs);
	free(p);
}

/* One piece of whole records through stages[from..]: 0 or an exit code. */
static int chain_put(struct post *p, size_t from, char *data, size_t len, char **err)
{
	const struct job *job = p->job;
	struct block b = { .data = data, .len = len, .nrec = NREC_UNKNOWN, .offset = OFFSET_UNKNOWN };

	for (size_t i = from; i < job->nstages && b.len > 0; i++) {
		struct stage *st = job->stages[i];
		uint64_t t0 = meter_clock(p->meter, st);

		if (st->def->kind == STAGE_REDUCE) {
			st->def->fold(st, p->partials[i], &b);
			meter_stop(p->meter, i, st, t0);
			return 0;
		}
		int rc = st->def->map(st, &b, err);

		meter_stop(p->meter, i, st, t0);
		if (rc != 0)
			return rc > 0 ? rc : EXIT_SOFTWARE;
	}
	meter_out(p->meter, &b);
	if (b.len > 0 && output_write(p->out, b.data, b.len, err) < 0)
		return EXIT_IOERR;
	return 0;
}

static int sink_put(struct sink *s, char *data, size_t len)
{
	struct chain_sink *c = (struct chain_sink *)s;
	uint64_t t0 = meter_clock(c->p->meter, NULL);
	int rc = chain_put(c->p, c->next, data, len, &s->err);

	c->p->in_sink_ns += meter_clock(c->p->meter, NULL) - t0;
	return rc;
}

/* Finish the reducer at index i into the stages after it. */
static int finish_one(struct post *p, size_t i, void *partial, char **err)
{
	struct stage *st = p->job->stages[i];
	struct chain_sink c = { { sink_put, NULL, NULL }, p, i + 1 };
	char *own = NULL;
	uint64_t t0 = meter_clock(p->meter, st), sinks = p->in_sink_ns;
	int rc = st->def->finish(st, partial, &c.sink, &own);

	/* What the sinks cost is the later stages' and the output's. */
	meter_charge(p->meter, i, meter_clock(p->meter, st) - t0 - (p->in_sink_ns - sinks));
	if (rc == 0)
		return 0;
	if (c.sink.err != NULL) {
		*err = c.sink.err;
		free(own);
	} else {
		*err = own != NULL ? own : xasprintf("%s: failed", st->def->name);
	}
	return rc;
}

/* The stream from the reducer before stage from has ended: the map
 * stages up to the next reducer give up what they hold (exec), in order,
 * into the stages after each. */
static int end_maps(struct post *p, size_t from, char **err)
{
	const struct job *job = p->job;

	for (size_t i = from; i < job->nstages; i++) {
		struct stage *st = job->stages[i];
		struct block b = { .nrec = NREC_UNKNOWN, .offset = OFFSET_UNKNOWN };
		int rc;

		if (st->def->kind == STAGE_REDUCE)
			return 0;
		if (st->def->end == NULL)
			continue;
		uint64_t t0 = meter_clock(p->meter, st);

		rc = st->def->end(st, &b, err);
		meter_stop(p->meter, i, st, t0);
		if (rc == 0)
			rc = chain_put(p, i + 1, b.data, b.len, err);
		if (rc != 0)
			return rc > 0 ? rc : EXIT_SOFTWARE;
	}
	return 0;
}

int post_run(struct post *p, void *partial, char **err, int *code)
{
	const struct job *job = p->job;
	int rc = finish_one(p, job->post - 1, partial, err);

	if (rc == 0)
		rc = end_maps(p, job->post, err);
	for (size_t i = job->post; rc == 0 && i < job->nstages; i++)
		if (job->stages[i]->def->kind == STAGE_REDUCE) {
			rc = finish_one(p, i, p->partials[i], err);
			if (rc == 0)
				rc = end_maps(p, i + 1, err);
		}
	if (rc != 0) {
		*code = rc;
		return -1;
	}
	return 0;
}
