/* sup_reject.c - --reject FILE and --max-rejects N: the records the
 * workers set aside (JSON Lines or CSV that does not parse, records a
 * reducer's ops cannot take: worker_reject.c) come in FRAME_REJECT
 * frames, one per chunk, and are written to FILE byte for byte in input order, as
 * the chunks are released; FILE is written atomically, as -o is, and
 * only when the run succeeds.  A chunk processed again (its worker died)
 * sends its frame again, which replaces the first. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "supervisor_int.h"
#include "util.h"

/* What a chunk's frame said, until the chunk is released. */
struct rslot {
	struct buf data;	/* FRAME_REJECT's payload */
	uint32_t file;
	bool set;
};

void sup_reject_open(struct sup *s)
{
	char *err = NULL;

	if (s->job->reject == NULL)
		return;
	s->rej.out = output_open(s->job->reject, &err);
	if (s->rej.out == NULL)
		fatal(EXIT_CANTCREAT, "%s", err);
	s->rej.slots = xcalloc(s->window, sizeof *s->rej.slots);
}

void sup_reject_take(struct sup *s, int w, const struct frame_reader *r)
{
	uint64_t seq = r->hdr.seq;
	struct rslot *sl;

	if (s->rej.slots == NULL || seq < s->rej.next || seq >= s->next_seq ||
	    s->tasks[seq % s->window].worker != w)
		fatal(EXIT_SOFTWARE, "worker %d sent rejected records for chunk %llu, which it was "
		    "not given (or without --reject)", w, (unsigned long long)seq);
	sl = &s->rej.slots[seq % s->window];
	sl->data.len = 0;
	buf_append(&sl->data, r->payload.data, r->payload.len);
	sl->file = s->tasks[seq % s->window].chunk.file;
	sl->set = true;
}

/* More than --max-rejects: the last at input offset off (not known once
 * a stage before a reducer rewrote the records). */
static void __attribute__((noreturn)) too_many(struct sup *s, uint32_t file, uint64_t off)
{
	char at[48] = "";

	if (off != OFFSET_UNKNOWN)
		snprintf(at, sizeof at, ", the last at byte offset %llu", (unsigned long long)off);
	fatal(EXIT_DATAERR, "%s: more than %ld records rejected (--max-rejects)%s",
	    chunker_path(s->chunker, file), s->job->max_rejects, at);
}

/* Write one chunk's records; count them against --max-rejects. */
static void write_slot(struct sup *s, struct rslot *sl)
{
	const char *p = sl->data.data, *end = p + sl->data.len;
	char *err = NULL;

	while (end - p >= 16) {
		uint64_t off = frame_get_u64(p), len = frame_get_u64(p + 8);

		p += 16;
		if (len > (uint64_t)(end - p))
			fatal(EXIT_SOFTWARE, "a worker sent a malformed list of rejected records");
		if (output_write(s->rej.out, p, (size_t)len, &err) < 0)
			fatal(EXIT_IOERR, "%s", err);
		p += len;
		stats_rejected(&s->stats, chunker_path(s->chunker, sl->file), off);
		if (s->job->max_rejects >= 0 && s->stats.rejected > (uint64_t)s->job->max_rejects)
			too_many(s, sl->file, off);
	}
	sl->data.len = 0;
	sl->set = false;
}

void sup_reject_flush(struct sup *s, uint64_t upto)
{
	if (s->rej.slots == NULL)
		return;
	for (; s->rej.next < upto; s->rej.next++) {
		struct rslot *sl = &s->rej.slots[s->rej.next % s->window];

		if (sl->set)
			write_slot(s, sl);
	}
}

void sup_reject_commit(struct sup *s)
{
	char *err = NULL;

	if (s->rej.out == NULL)
		return;
	sup_reject_flush(s, s->next_seq);
	if (output_commit(s->rej.out, &err) < 0)
		fatal(EXIT_IOERR, "%s", err);
}

void sup_reject_abort(struct sup *s)
{
	if (s->rej.out != NULL)
		output_abort(s->rej.out);
}

void sup_reject_free(struct sup *s)
{
	if (s->rej.slots != NULL)
		for (uint64_t i = 0; i < s->window; i++)
			buf_free(&s->rej.slots[i].data);
	free(s->rej.slots);
	output_free(s->rej.out);
	memset(&s->rej, 0, sizeof s->rej);
}
