/* stream_cut.c - streams (pipes, terminals, inflated inputs): reading
 * without blocking the supervisor, and cutting the bytes into chunks of
 * whole records: when the target's worth is there, at once (eager:
 * --line-buffered, a terminal), or once the stream has gone quiet; and
 * the reuse of chunk buffers. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "chunker_int.h"
#include "clock.h"
#include "csv.h"
#include "record.h"
#include "util.h"

#define POOL_MAX 64

/*
 * Where to cut the pending stream bytes; -1 on malformed CSV.  As in
 * chunker_csv_boundary, the records before an error are cut off first, and the
 * error is reported once it is at the start of the pending bytes.
 */
static int stream_cut(struct chunker *c, size_t *cut, char **err, int *code)
{
	const char *why = NULL;
	size_t at = 0;

	if (!is_csv(c)) {
		*cut = c->eof ? c->pending.len : record_last_end(c->pending.data, c->pending.len, c->term);
		return 0;
	}
	struct csv_iter it;
	const char *e, *last = NULL;

	csv_iter_init(&it, c->pending.data, c->pending.len, c->fmt, c->term);
	it.at_eof = c->eof;
	while ((e = csv_iter_next(&it)) != NULL)
		last = e;
	why = it.why;
	if (why != NULL)
		at = (size_t)(it.err_at - c->pending.data);
	else if (c->eof && it.open_quote != NULL) {
		why = "unterminated quoted field";
		at = (size_t)(it.open_quote - c->pending.data);
	}
	if (why != NULL) {
		if (last == NULL)
			return chunker_csv_error(c, c->pos + at, why, err, code);
		*cut = (size_t)(last - c->pending.data);	/* the records before it */
		return 0;
	}
	*cut = c->eof ? c->pending.len : last == NULL ? 0 : (size_t)(last - c->pending.data);
	return 0;
}

/* Whether a cut before a full chunk may find a record end the last
 * one did not: bytes after it hold a terminator (CSV: scanned again). */
static bool new_record_end(const struct chunker *c)
{
	return is_csv(c) || memchr(c->pending.data + c->tried, c->term, c->pending.len - c->tried) != NULL;
}

/* Cut the pending stream bytes into a chunk, if enough are there.
 * 1 cut, 0 not yet, -1 error. */
int chunker_cut_stream(struct chunker *c, struct chunk *out, char **err, int *code)
{
	size_t cut = 0;	/* set unless stream_cut fails */
	bool early = c->eager || c->idle_cut;

	if (c->pending.len == 0)
		return 0;
	if (c->pending.len < c->target && !c->eof && !early)
		return 0;
	/* One record longer than the target: look for its end again only
	 * once the bytes have doubled (or pass --max-record), so that a long
	 * record is not scanned over and over as it comes in. */
	if (!c->eof && c->pending.len / 2 < c->tried && c->pending.len <= c->max_record &&
	    !(early && new_record_end(c)))
		return 0;
	if (stream_cut(c, &cut, err, code) < 0)
		return -1;
	if (cut == 0) {
		c->tried = c->pending.len;
		return chunker_check_record(c, c->pos, c->pending.len, err, code);
	}
	c->tried = 0;
	out->file = (uint32_t)c->cur;
	out->offset = c->pos;
	out->length = cut;
	/* The chunk takes the buffer; the unfinished record moves to a new one. */
	out->data = c->pending.data;
	out->cap = c->pending.cap;
	struct buf rest = { 0 };

	if (c->npool > 0)
		rest = c->pool[--c->npool];
	rest.len = 0;
	buf_reserve(&rest, c->pending.len - cut + (c->target > STREAM_READ_MIN ? c->target : STREAM_READ_MIN));
	buf_append(&rest, c->pending.data + cut, c->pending.len - cut);
	c->pending = rest;
	c->pos += cut;
	return 1;
}

/* Bytes that can be read from fd without blocking (0 at EOF). */
static size_t readable_bytes(int fd)
{
	int n = 0;

	if (ioctl(fd, FIONREAD, &n) < 0 || n < 0)
		return 0;
	return (size_t)n;
}

/*
 * Read what the stream has ready, up to the chunk target: the descriptor
 * was reported readable, so the first read cannot block, and later ones
 * are made only for bytes FIONREAD says are there.  (Setting O_NONBLOCK
 * instead would change the file description shared with other
 * processes, such as the shell.)
 */
int chunker_read_stream(struct chunker *c, struct input *in, char **err, int *code)
{
	bool first = true;

	for (;;) {
		size_t room = c->target > c->pending.len ? c->target - c->pending.len : 0;
		size_t avail = first ? 0 : readable_bytes(in->fd);
		ssize_t n;

		if (room < STREAM_READ_MIN)
			room = STREAM_READ_MIN;
		if (!first && (avail == 0 || c->pending.len >= c->target))
			return 0;
		if (!first && avail < room)
			room = avail;
		buf_reserve(&c->pending, room);
		do
			n = read(in->fd, c->pending.data + c->pending.len, room);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			*err = xasprintf("%s: read error at offset %llu: %s", chunker_path(c, (uint32_t)c->cur),
			    (unsigned long long)(c->pos + c->pending.len), strerror(errno));
			*code = EXIT_IOERR;
			return -1;
		}
		if (n == 0) {
			if (chunker_end_compressed(c, in, err, code) < 0)
				return -1;
			c->eof = true;
			return 0;
		}
		c->pending.len += (size_t)n;
		c->last_read = clock_now();
		c->idle_cut = false;
		first = false;
	}
}

void chunker_recycle(struct chunker *c, struct chunk *ch)
{
	if (ch->data == NULL)
		return;
	if (c->npool < POOL_MAX) {
		if (c->pool == NULL)
			c->pool = xcalloc(POOL_MAX, sizeof *c->pool);
		c->pool[c->npool].data = ch->data;
		c->pool[c->npool].cap = ch->cap;
		c->pool[c->npool++].len = 0;
	} else {
		free(ch->data);
	}
	ch->data = NULL;
}

void chunker_set_eager(struct chunker *c, bool on)
{
	c->eager = on;
}

double chunker_idle_deadline(const struct chunker *c, double idle)
{
	const struct input *in = c->cur < c->n ? &c->in[c->cur] : NULL;

	if (in == NULL || in->seekable || !begun(in) || c->eof || c->eager || c->idle_cut ||
	    c->pending.len == 0)
		return 0;
	return c->last_read + idle;
}

void chunker_flush(struct chunker *c)
{
	c->idle_cut = true;
}
