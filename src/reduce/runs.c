/* runs.c - sorted runs read back from a spill file (see runs.h). */
#include "autoconfig.h"

#include <string.h>

#include "bytes.h"
#include "runs.h"

void run_reader_open(struct run_reader *r, struct spillfile *f, uint64_t off, uint64_t len,
    size_t bufsize)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->end = off + len;
	r->pos = off;
	r->cap = bufsize;
	r->buf = xmalloc(bufsize);
}

void run_reader_close(struct run_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

int spillfile_corrupt(struct spillfile *f)
{
	spillfile_fail(f, xasprintf("a temporary file in %s is corrupt", f->dir));
	return -1;
}

/* Make n bytes available at lo: 0, 1 when the run has fewer left, -1 on
 * a read error. */
static int fill(struct run_reader *r, size_t n)
{
	size_t want;

	if (r->hi - r->lo >= n)
		return 0;
	if (r->lo > 0) {
		memmove(r->buf, r->buf + r->lo, r->hi - r->lo);
		r->hi -= r->lo;
		r->lo = 0;
	}
	if (n > r->cap) {
		r->cap = n;
		r->buf = xrealloc(r->buf, r->cap);
	}
	want = r->cap - r->hi;
	if (want > r->end - r->pos)
		want = (size_t)(r->end - r->pos);
	if (want > 0) {
		if (spillfile_pread(r->f, r->buf + r->hi, want, r->pos) < 0)
			return -1;
		r->hi += want;
		r->pos += want;
	}
	return r->hi - r->lo >= n ? 0 : 1;
}

/* Make the n bytes of an item whose length was read available: 0, or -1
 * (a read error, or the run ends inside the item: corrupt). */
static int fill_item(struct run_reader *r, size_t n)
{
	switch (fill(r, n)) {
	case 0:
		return 0;
	case 1:
		return spillfile_corrupt(r->f);
	default:
		return -1;
	}
}

int run_reader_next(struct run_reader *r, const char **p, size_t *len)
{
	const char *q;
	uint64_t n;

	if (r->hi == r->lo && r->pos == r->end)
		return 1;
	if (fill(r, VARINT_MAX) < 0)
		return -1;
	q = r->buf + r->lo;
	if (!varint_get(&q, r->buf + r->hi, &n) || n > SIZE_MAX / 2)
		return spillfile_corrupt(r->f);
	r->lo = (size_t)(q - r->buf);
	if (fill_item(r, (size_t)n) < 0)
		return -1;
	*p = r->buf + r->lo;
	*len = (size_t)n;
	r->lo += (size_t)n;
	return 0;
}

int run_reader_peek_slow(struct run_reader *r, const char **p, size_t *len)
{
	if (r->hi == r->lo && r->pos == r->end)
		return 1;
	/* The first item ahead is the next one. */
	return run_reader_ahead(r, 0, p, len);
}

int run_reader_ahead(struct run_reader *r, size_t bytes, const char **p, size_t *len)
{
	size_t at = 0;	/* from lo */

	for (;;) {
		const char *q;
		uint64_t n;
		size_t hdr;

		switch (fill(r, at + VARINT_MAX)) {
		case 0:
			break;
		case 1:
			if (r->lo + at == r->hi)
				return 1;	/* the run ends before */
			break;	/* a short varint at the very end: checked below */
		default:
			return -1;
		}
		q = r->buf + r->lo + at;
		if (!varint_get(&q, r->buf + r->hi, &n) || n > SIZE_MAX / 2)
			return spillfile_corrupt(r->f);
		hdr = (size_t)(q - (r->buf + r->lo + at));
		if (fill_item(r, at + hdr + (size_t)n) < 0)
			return -1;
		if (at >= bytes) {
			*p = r->buf + r->lo + at + hdr;
			*len = (size_t)n;
			return 0;
		}
		at += hdr + (size_t)n;
	}
}

