/* header.c - the header record (-H): read from each input before its
 * records (a file's by pread, a stream's from its first bytes), without
 * a UTF-8 byte-order mark, and compared with the first input's. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chunker_int.h"
#include "record.h"
#include "util.h"

/* A UTF-8 byte-order mark, which Excel writes at the start of CSV: at
 * the start of a header it is no part of the first field's name. */
#define BOM "\xEF\xBB\xBF"

/* Drop a byte-order mark from the start of the pending stream bytes. */
static void drop_bom(struct chunker *c)
{
	size_t k = sizeof BOM - 1;

	c->bom_checked = true;
	if (c->pending.len < k || memcmp(c->pending.data, BOM, k) != 0)
		return;
	memmove(c->pending.data, c->pending.data + k, c->pending.len - k);
	c->pending.len -= k;
	c->pos += k;
}

/* Bytes of a file input at off: an indexed gzip file's through its
 * index.  -1 with *err and *code. */
static ssize_t read_at(struct chunker *c, struct input *in, void *buf, size_t n, uint64_t off,
    char **err, int *code)
{
	ssize_t k;

	if (in->gzix != NULL)
		return chunker_gzix_pread(in, buf, n, off, err, code);
	k = pread_full(in->fd, buf, n, off);
	if (k < 0) {
		*err = xasprintf("%s: read error: %s", chunker_path(c, (uint32_t)c->cur), strerror(errno));
		*code = EXIT_IOERR;
	}
	return k;
}

/*
 * The first record of the current input, into raw (terminator and all),
 * without a byte-order mark before it.
 * Returns 1 when it is complete (or the input ended), 0 when a stream
 * needs more data, -1 on error.
 */
static int read_header(struct chunker *c, struct input *in, bool readable, struct buf *raw,
    char **err, int *code)
{
	const char *why;
	size_t at, n;

	if (in->seekable) {
		char b[sizeof BOM - 1];
		ssize_t k = read_at(c, in, b, sizeof b, c->pos, err, code);

		if (k < 0)
			return -1;
		if (k == (ssize_t)sizeof b && memcmp(b, BOM, sizeof b) == 0)
			c->pos += sizeof b;
		c->pending.len = 0;
		for (;;) {
			buf_reserve(&c->pending, PROBE_SIZE);
			k = read_at(c, in, c->pending.data + c->pending.len, PROBE_SIZE,
			    c->pos + c->pending.len, err, code);
			if (k < 0)
				return -1;
			c->pending.len += (size_t)k;
			n = records_first_end(c->fmt, c->term, c->pending.data, c->pending.len, &why, &at);
			if (why != NULL)
				return chunker_csv_error(c, c->pos + at, why, err, code);
			if (n > 0 || k == 0)
				break;
			if (chunker_check_record(c, c->pos, c->pending.len, err, code) < 0)
				return -1;
		}
		if (n == 0)
			n = c->pending.len;
		if (chunker_check_record(c, c->pos, n, err, code) < 0)
			return -1;
		buf_append(raw, c->pending.data, n);
		c->pos += n;
		c->pending.len = 0;
		return 1;
	}
	for (;;) {
		if (!c->bom_checked && (c->pending.len >= sizeof BOM - 1 || c->eof))
			drop_bom(c);
		n = records_first_end(c->fmt, c->term, c->pending.data, c->pending.len, &why, &at);
		if (why != NULL)
			return chunker_csv_error(c, c->pos + at, why, err, code);
		if (c->bom_checked && (n > 0 || c->eof))
			break;
		if (chunker_check_record(c, c->pos, c->pending.len, err, code) < 0)
			return -1;
		if (!readable)
			return 0;
		if (chunker_read_stream(c, in, err, code) < 0)
			return -1;
		readable = false;
	}
	if (n == 0)
		n = c->pending.len;
	if (chunker_check_record(c, c->pos, n, err, code) < 0)
		return -1;
	buf_append(raw, c->pending.data, n);
	memmove(c->pending.data, c->pending.data + n, c->pending.len - n);
	c->pending.len -= n;
	c->pos += n;
	return 1;
}

/* A header record without its terminator (and CR before it). */
static size_t header_len(const struct chunker *c, const struct buf *h)
{
	size_t n = h->len;

	if (n > 0 && h->data[n - 1] == c->term)
		n--;
	if (n > 0 && h->data[n - 1] == '\r' && c->term == '\n')
		n--;
	return n;
}

/* Consume the current input's header; every input after the first must
 * repeat the first one's.  An empty input has none (and no records).
 * 1 done, 0 wait for data, -1 error. */
int chunker_take_header(struct chunker *c, struct input *in, bool readable, char **err, int *code)
{
	struct buf h = { 0 };
	bool first = !c->have_header;
	int rc = read_header(c, in, readable, &h, err, code);

	if (rc <= 0) {
		buf_free(&h);
		return rc;
	}
	c->header_read = true;
	if (h.len == 0) {
		buf_free(&h);
		return 1;
	}
	if (first) {
		buf_free(&c->first_header);
		c->first_header = h;
		c->have_header = true;
		c->header_file = (uint32_t)c->cur;
		return 1;
	}
	if (header_len(c, &h) != header_len(c, &c->first_header) ||
	    memcmp(h.data, c->first_header.data, header_len(c, &h)) != 0) {
		buf_free(&h);
		*err = xasprintf("%s: header differs from that of %s", chunker_path(c, (uint32_t)c->cur),
		    chunker_path(c, c->header_file));
		*code = EXIT_DATAERR;
		return -1;
	}
	buf_free(&h);
	return 1;
}

int chunker_header(struct chunker *c, bool readable, struct buf *raw, char **err, int *code)
{
	int rc;

	if (c->cur >= c->n)
		return 1;
	readable = readable || never_waits(&c->in[c->cur]);
	if (!begun(&c->in[c->cur])) {
		rc = chunker_begin_input(c, readable, err, code);
		if (rc <= 0)
			return rc;
		readable = false;
	}
	rc = chunker_take_header(c, &c->in[c->cur], readable, err, code);
	if (rc == 1 && !c->have_header && c->cur + 1 < c->n) {
		chunker_next_input(c);	/* an empty input: the header is the next one's */
		return 0;
	}
	if (rc == 1 && c->have_header)
		buf_append(raw, c->first_header.data, c->first_header.len);
	return rc;
}
