/* merger.c - the reorder buffer and the merging of partial results.
 *
 * A chunk's output may come in several frames (a command's output, exec,
 * comes as the command writes it, in any amount).  The chunk at the
 * bottom of the window streams straight out; a later chunk's frames are
 * held until its turn, and the supervisor stops reading from a worker
 * whose chunk holds too much (supervisor.c, throttled): the worker then
 * waits, and its command with it, so memory stays bounded.
 *
 * A worker may die after some of its chunk's output was written.  The
 * chunk runs again, and the bytes already written are dropped from the
 * re-run's output as they come (merger_retry): nothing is written twice,
 * and nothing is held whole.  That is right when the re-run writes the
 * same bytes, as every stage but a command does; for a command the
 * bytes dropped are checked (a CRC-32 of what was written, against one
 * of what is dropped), and a command whose output changed fails the run
 * (70) rather than splice two different outputs together.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "merger.h"
#include "meter.h"
#include "partial.h"
#include "post.h"
#include "record.h"
#include "renumber.h"
#include "util.h"

struct slot {
	bool complete;
	struct buf data;	/* output held back until its turn */
	bool piece;		/* data is a compressed piece */
	struct piece_info info;
	bool sized;		/* placed output: its size is known */
	uint64_t size;
	bool placed;		/* placed output: its offset is handed out */
	uint64_t offset;
	uint64_t emitted;	/* bytes of its output already written */
	uint64_t skip;		/* a re-run's bytes written before: dropped */
	uint32_t crc;		/* of the bytes written (when checked) */
	uint32_t skipped_crc;	/* of the re-run's bytes dropped so far */
	uint64_t records;	/* grep -n: the records the chunk's grep read */
};

struct merger {
	const struct job *job;
	struct output *out;
	bool ordered;
	uint64_t window;
	uint64_t low;		/* lowest sequence not yet released */
	struct slot *slots;	/* ring indexed by seq % window */
	void *partial;		/* the reducer's merged state */
	bool placed;		/* workers write the output themselves */
	uint64_t place_next;	/* next chunk to place */
	uint64_t cursor;	/* where it goes */
	merger_place_fn place;
	void *place_arg;
	bool writing;		/* a worker is writing its placed output */
	uint64_t chunks;	/* --partial: chunk numbers seen, up to the highest */
	uint64_t pieces;	/* --partial: pieces written */
	uint64_t left;		/* records still to write (head), or UINT64_MAX */
	bool done;		/* head: every record wanted is out */
	struct meter *meter;	/* NULL: nothing measured */
	bool check;		/* a command's output may vary: retries check it */
	uint64_t numbered;	/* grep -n: records of the chunks written */
	struct buf renum;	/* grep -n: the bottom chunk's output renumbered */
	struct buf parts;	/* grep -o -m: the parts of what is written */
	int code;		/* the exit code of emit's failure, or 0 (I/O) */
};

void merger_set_placed(struct merger *m, uint64_t base, merger_place_fn place, void *arg)
{
	m->placed = true;
	m->cursor = base;
	m->place = place;
	m->place_arg = arg;
}

uint64_t merger_placed_end(const struct merger *m)
{
	return m->cursor;
}

void merger_set_meter(struct merger *m, struct meter *meter)
{
	m->meter = meter;
}

struct merger *merger_new(const struct job *job, struct output *out, uint64_t window)
{
	struct merger *m = xcalloc(1, sizeof *m);

	m->job = job;
	m->out = out;
	m->ordered = !job->unordered;
	m->window = window;
	m->slots = xcalloc(window, sizeof *m->slots);
	m->left = job->limit;
	m->done = job->limit == 0;
	m->check = job_runs_commands(job);
	if (job->reducer != NULL)
		m->partial = job->reducer->def->partial_new(job->reducer);
	return m;
}

void merger_free(struct merger *m)
{
	if (m == NULL)
		return;
	for (uint64_t i = 0; i < m->window; i++)
		buf_free(&m->slots[i].data);
	buf_free(&m->renum);
	buf_free(&m->parts);
	free(m->slots);
	if (m->partial != NULL)
		m->job->reducer->def->partial_free(m->partial);
	free(m);
}

uint64_t merger_low(const struct merger *m)
{
	return m->low;
}

bool merger_complete(const struct merger *m, uint64_t seq)
{
	return seq < m->low || m->slots[seq % m->window].complete;
}

uint64_t merger_held(const struct merger *m, uint64_t seq)
{
	return seq < m->low ? 0 : m->slots[seq % m->window].data.len;
}

static struct slot *slot_of(struct merger *m, uint64_t seq)
{
	return &m->slots[seq % m->window];
}

/* Write chunk output; with head last in the workers, only up to its
 * count of records in all (each chunk kept its own first records). */
static int emit(struct merger *m, const char *p, size_t len, char **err)
{
	/* grep -n: the output is the bottom chunk's, whose numbers start
	 * after the records of the chunks written. */
	if (m->job->numbered != NULL) {
		if (renumber(&m->job->format, m->job->null ? '\0' : '\n', m->numbered, p, len,
		    &m->renum) < 0) {
			*err = xasprintf("chunk %llu: malformed numbered output (grep -n)",
			    (unsigned long long)m->low);
			return -1;
		}
		p = m->renum.data;
		len = m->renum.len;
	}
	if (m->left != UINT64_MAX) {
		uint64_t before = m->left;

		if (m->done)
			return 0;
		len = records_prefix(&m->job->format, m->job->null ? '\0' : '\n', p, len, &m->left);
		m->done = m->left == 0;
		meter_out_n(m->meter, before - m->left);
	}
	if (m->job->parts != NULL && len > 0) {
		int code = stage_grep_parts(m->job->parts, p, len, &m->parts, err);

		if (code != 0) {
			m->code = code;
			return -1;
		}
		p = m->parts.data;
		len = m->parts.len;
	}
	return len > 0 ? output_write(m->out, p, len, err) : 0;
}

bool merger_done(const struct merger *m)
{
	return m->done;
}

/* Bytes of slot s's output are written: counted, and checksummed when a
 * re-run must be checked against them. */
static void written(struct merger *m, struct slot *s, const char *p, size_t len)
{
	s->emitted += len;
	if (m->check && len > 0)
		s->crc = (uint32_t)crc32(s->crc, (const unsigned char *)p, (uInt)len);
}

/*
 * Release complete chunks from the bottom of the window, writing their
 * held-back output in order.  The first incomplete chunk's output so far
 * is written too: it is now at the bottom, so the rest of it will stream
 * straight out as it arrives.
 */
static int release(struct merger *m, char **err)
{
	for (;;) {
		struct slot *s = slot_of(m, m->low);

		if (s->piece) {
			if (output_write_piece(m->out, s->data.data, s->data.len, s->info, err) < 0)
				return -1;
			s->piece = false;
		} else if (s->data.len > 0 && emit(m, s->data.data, s->data.len, err) < 0) {
			return -1;
		}
		written(m, s, s->data.data, s->data.len);
		s->data.len = 0;
		if (!s->complete)
			return 0;
		s->complete = false;
		s->placed = false;
		m->numbered += s->records;
		s->records = 0;
		s->emitted = s->skip = 0;
		s->crc = s->skipped_crc = 0;
		m->low++;
	}
}

/*
 * A re-run's first bytes were written before its worker died: dropped,
 * and (for a command's output) checked to be the same bytes.  0, or -1
 * with *err when they differ.
 */
static int drop_written(struct merger *m, struct slot *s, const struct frame_hdr *h,
    struct buf *payload, char **err)
{
	size_t k = s->skip < payload->len ? (size_t)s->skip : payload->len;

	if (m->check && k > 0)
		s->skipped_crc = (uint32_t)crc32(s->skipped_crc, (const unsigned char *)payload->data,
		    (uInt)k);
	memmove(payload->data, payload->data + k, payload->len - k);
	payload->len -= k;
	s->skip -= k;
	if (!m->check || (s->skip > 0 && h->aux != 0) || s->skipped_crc == s->crc)
		return 0;
	*err = xasprintf("chunk %llu: its output changed when it was processed again after its "
	    "worker died (a command whose output varies?)", (unsigned long long)h->seq);
	return -1;
}

static int take_result(struct merger *m, const struct frame_hdr *h, struct buf *payload,
    char **err, int *code)
{
	struct slot *s = slot_of(m, h->seq);
	bool last = h->aux == 0;

	if (s->skip > 0 && drop_written(m, s, h, payload, err) < 0) {
		*code = EXIT_SOFTWARE;
		return -1;
	}
	/* The chunk at the bottom of the window streams straight out. */
	if (!m->ordered || h->seq == m->low) {
		if (payload->len > 0 && emit(m, payload->data, payload->len, err) < 0)
			return -1;
		written(m, s, payload->data, payload->len);
	} else if (s->data.len == 0 && s->data.cap < payload->cap) {
		struct buf old = s->data;	/* steal the payload: no copy */

		s->data = *payload;
		*payload = old;
	} else {
		buf_append(&s->data, payload->data, payload->len);
	}
	if (!last)
		return 0;
	s->complete = true;
	return 1;
}

/* --partial: the piece goes out as it is (pieces merge in any order).
 * It is merged here too, only so that an error it carries (bad data)
 * fails this run, reported as a run without --partial reports it. */
static int put_piece(struct merger *m, uint64_t seq, uint64_t base, const char *data,
    size_t len, char **err, int *code)
{
	struct buf b = { 0 };
	int rc;

	partial_put_piece(&b, data, len, base);
	rc = output_write(m->out, b.data, b.len, err);
	if (rc == 0)
		rc = output_write(m->out, data, len, err);
	buf_free(&b);
	if (rc < 0) {
		*code = EXIT_IOERR;
		return -1;
	}
	m->pieces++;
	merger_chunks_seen(m, base + seq + 1);
	return 0;
}

void merger_chunks_seen(struct merger *m, uint64_t n)
{
	if (n > m->chunks)
		m->chunks = n;
}

int merger_piece(struct merger *m, uint64_t seq, uint64_t base, const char *data, size_t len,
    char **err, int *code)
{
	struct stage *r = m->job->reducer;

	if (m->job->partial_out && put_piece(m, seq, base, data, len, err, code) < 0)
		return -1;
	if (r != NULL)
		r->seq_base = base;
	uint64_t t0 = meter_clock(m->meter, r);
	int rc = r != NULL ? r->def->merge(r, m->partial, data, len) : -1;

	meter_stop(m->meter, m->job->nmap, r, t0);
	if (rc < 0) {
		*err = xasprintf("chunk %llu: malformed partial result", (unsigned long long)seq);
		*code = m->job->merge ? EXIT_DATAERR : EXIT_SOFTWARE;
		return -1;
	}
	return 0;
}

/* A chunk's compressed output, whole: written at its turn. */
static int take_piece(struct merger *m, const struct frame_hdr *h, struct buf *payload,
    char **err)
{
	struct slot *s = slot_of(m, h->seq);
	struct piece_info info;
	struct buf old = s->data;

	if (payload->len < PIECE_INFO_SIZE) {
		*err = xasprintf("chunk %llu: malformed compressed piece", (unsigned long long)h->seq);
		return -1;
	}
	info = piece_info_get(payload->data);
	s->complete = true;
	if (!m->ordered || h->seq == m->low)
		return output_write_piece(m->out, payload->data + PIECE_INFO_SIZE,
		    payload->len - PIECE_INFO_SIZE, info, err) < 0 ? -1 : 1;
	s->data = *payload;	/* steal the payload: no copy */
	*payload = old;
	memmove(s->data.data, s->data.data + PIECE_INFO_SIZE, s->data.len - PIECE_INFO_SIZE);
	s->data.len -= PIECE_INFO_SIZE;
	s->piece = true;
	s->info = info;
	return 1;
}

static int take_partial(struct merger *m, const struct frame_hdr *h, struct buf *payload,
    char **err, int *code)
{
	if (merger_piece(m, h->seq, 0, payload->data, payload->len, err, code) < 0)
		return -1;
	slot_of(m, h->seq)->complete = true;
	return 1;
}

/* Hand out offsets, in order, to every chunk whose size is known. */
static void place_ready(struct merger *m)
{
	for (;;) {
		struct slot *s = slot_of(m, m->place_next);

		if (m->place_next >= m->low + m->window || !s->sized || m->writing)
			return;
		s->sized = false;
		s->placed = true;
		s->offset = m->cursor;
		if (s->size == 0) {
			s->complete = true;	/* nothing to write */
		} else {
			/* One writer at a time: writes to one file serialise on
			 * its inode lock anyway, and concurrent ones spin on it;
			 * the other workers go on computing meanwhile. */
			m->writing = true;
			m->place(m->place_arg, m->place_next, m->cursor);
		}
		m->cursor += s->size;
		m->place_next++;
	}
}

/* --keep-going: a chunk whose command failed has no output. */
static void take_skip(struct merger *m, const struct frame_hdr *h)
{
	struct slot *s = slot_of(m, h->seq);

	s->data.len = 0;
	s->piece = false;
	if (m->placed) {
		s->size = 0;
		s->sized = true;
		place_ready(m);
	} else {
		s->complete = true;
	}
}

static int take_placed(struct merger *m, const struct frame_hdr *h, const struct buf *payload)
{
	struct slot *s = slot_of(m, h->seq);

	if (h->type == FRAME_WRITTEN) {
		s->complete = true;
		m->writing = false;
		place_ready(m);
		return 1;
	}
	if (payload->len != 8 || !m->placed)
		return -1;
	if (s->placed) {
		/* A re-run of a chunk placed before its worker died: the
		 * same output goes to the same place. */
		if (frame_get_u64(payload->data) != s->size)
			return -2;
		m->place(m->place_arg, h->seq, s->offset);
		return 0;
	}
	s->size = frame_get_u64(payload->data);
	s->sized = true;
	place_ready(m);
	return 0;
}

int merger_records(struct merger *m, uint64_t seq, uint64_t n)
{
	if (seq < m->low || seq >= m->low + m->window || m->job->numbered == NULL)
		return -1;
	slot_of(m, seq)->records = n;
	return 0;
}

void merger_retry(struct merger *m, uint64_t seq)
{
	struct slot *s = slot_of(m, seq);

	/* What was written of it stays; the re-run's copy of those bytes
	 * is dropped as it comes (stages are deterministic). */
	s->skip = s->emitted;
	s->skipped_crc = 0;
	s->data.len = 0;
	s->piece = false;
	s->sized = false;
}

int merger_settle(struct merger *m, uint64_t seq, char **err)
{
	if (seq < m->low || seq >= m->low + m->window)
		return 0;
	slot_of(m, seq)->complete = true;
	merger_chunks_seen(m, seq + 1);
	return release(m, err);
}

int merger_take(struct merger *m, const struct frame_hdr *h, struct buf *payload,
    char **err, int *code)
{
	int rc;

	if (h->type == FRAME_SKIP) {
		if (h->seq < m->low || h->seq >= m->low + m->window) {
			*err = xasprintf("worker skipped chunk %llu outside the window",
			    (unsigned long long)h->seq);
			*code = EXIT_SOFTWARE;
			return -1;
		}
		take_skip(m, h);
		*code = EXIT_IOERR;
		return release(m, err) < 0 ? -1 : 1;
	}
	if (h->type == FRAME_SIZE || h->type == FRAME_WRITTEN) {
		rc = h->seq < m->low || h->seq >= m->low + m->window ? -1 : take_placed(m, h, payload);
		if (rc == -2) {
			*err = xasprintf("chunk %llu: its output changed size when it was "
			    "processed again (a command whose output varies?)", (unsigned long long)h->seq);
			*code = EXIT_SOFTWARE;
			return -1;
		}
		if (rc < 0) {
			*err = xasprintf("worker sent a malformed placement for chunk %llu",
			    (unsigned long long)h->seq);
			*code = EXIT_SOFTWARE;
			return -1;
		}
		return release(m, err) < 0 ? -1 : 0;
	}

	if (h->seq < m->low || h->seq >= m->low + m->window) {
		*err = xasprintf("worker sent chunk %llu outside the window",
		    (unsigned long long)h->seq);
		*code = EXIT_SOFTWARE;
		return -1;
	}
	*code = EXIT_IOERR;
	if (h->type == FRAME_FOLDED)
		return 0;	/* whole when its worker's table comes */
	if (h->type == FRAME_RESULT)
		rc = take_result(m, h, payload, err, code);
	else if (h->type == FRAME_PIECE)
		rc = take_piece(m, h, payload, err);
	else
		rc = take_partial(m, h, payload, err, code);
	if (rc < 0) {
		*code = m->code != 0 ? m->code : *code;
		return -1;
	}
	if (rc == 1 && release(m, err) < 0) {
		*code = m->code != 0 ? m->code : EXIT_IOERR;
		return -1;
	}
	return rc;
}

/* Where the check below sends the result: nowhere, stopping at once. */
#define SINK_STOP 1000

static int stop_put(struct sink *s, char *data, size_t len)
{
	(void)s, (void)data, (void)len;
	return SINK_STOP;
}

/* --partial: the run fails as it would without it when a piece carried
 * an error.  Reducers report errors before their first output, so
 * finishing into a sink that stops at once finds them, cheaply. */
static int partial_failure(struct merger *m, char **err, int *code)
{
	struct stage *r = m->job->reducer;
	struct sink stop = { .put = stop_put };
	int rc = r->def->finish(r, m->partial, &stop, err);

	if (rc == 0 || rc == SINK_STOP)
		return 0;
	*code = rc;
	return -1;
}

/* The stages after the reducer run in post.c, piece by piece.  A stage's
 * error keeps the stage's exit code, as it would in a worker; only a
 * failed write of the output is an I/O error. */
int merger_finish(struct merger *m, char **err, int *code)
{
	struct post *p;
	int rc;

	if (m->job->reducer == NULL)
		return 0;
	if (m->job->partial_out) {
		struct buf b = { 0 };

		if (partial_failure(m, err, code) < 0)
			return -1;
		partial_put_end(&b, m->chunks, m->pieces);
		rc = output_write(m->out, b.data, b.len, err);
		buf_free(&b);
		*code = EXIT_IOERR;
		return rc;
	}
	p = post_new(m->job, m->out, m->meter);
	rc = post_run(p, m->partial, err, code);
	post_free(p);
	return rc;
}
