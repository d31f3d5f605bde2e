/* gzip_out.c - gzip output compressed in parallel pieces. */
#include "autoconfig.h"

#include <limits.h>
#include <stdlib.h>
#include <zlib.h>

#include "gzip_out.h"
#include "util.h"

struct gz_deflater {
	z_stream zs;
	int level;
	char *broken;	/* why deflateInit2() failed, or NULL */
};

/* deflate() takes at most UINT_MAX bytes at a time. */
#define STEP ((size_t)1 << 30)

/* zlib's failures here are never the data's: a bug, or memory. */
static int zlib_failed(const char *what, int rc, char **err)
{
	if (rc == Z_MEM_ERROR)
		lib_out_of_memory();
	*err = xasprintf("%s: %s", what, zError(rc));
	return -1;
}

struct gz_deflater *gz_deflater_new(int level)
{
	struct gz_deflater *d = xcalloc(1, sizeof *d);
	int rc;

	d->level = level;
	if (level < 1 || level > 9) {
		d->broken = xasprintf("gzip level %d out of range 1-9", level);
		return d;
	}
	/* Negative window bits: raw deflate, no zlib header or trailer. */
	rc = deflateInit2(&d->zs, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	if (rc != Z_OK)
		(void)zlib_failed("deflateInit2", rc, &d->broken);
	return d;
}

void gz_deflater_free(struct gz_deflater *d)
{
	if (d == NULL)
		return;
	deflateEnd(&d->zs);	/* harmless on a stream whose set-up failed */
	free(d->broken);
	free(d);
}

/* Start a piece: a fresh stream, primed with dict when there is one. */
static int piece_begin(struct gz_deflater *d, const void *dict, size_t dictlen, char **err)
{
	int rc;

	if (d->broken != NULL) {
		*err = xstrdup(d->broken);
		return -1;
	}
	rc = deflateReset(&d->zs);
	if (rc != Z_OK)
		return zlib_failed("deflateReset", rc, err);
	if (dict != NULL && dictlen > 0) {
		if (dictlen > GZ_DICT_MAX) {
			dict = (const unsigned char *)dict + (dictlen - GZ_DICT_MAX);
			dictlen = GZ_DICT_MAX;
		}
		rc = deflateSetDictionary(&d->zs, dict, (uInt)dictlen);
		if (rc != Z_OK)
			return zlib_failed("deflateSetDictionary", rc, err);
	}
	return 0;
}

int gz_deflate_piece(struct gz_deflater *d, const void *dict, size_t dictlen,
    const void *data, size_t len, struct buf *out, struct gz_piece *p, char **err)
{
	const unsigned char *in = data;
	size_t left = len;
	int rc;

	p->crc = 0;
	p->len = len;
	if (len == 0)
		return 0;
	p->crc = (uint32_t)crc32_z(0, in, len);
	if (piece_begin(d, dict, dictlen, err) < 0)
		return -1;

	/* Reserve the worst case once; the sync flush adds at most a few
	 * bytes (an empty stored block and the bits before it). */
	buf_reserve(out, deflateBound(&d->zs, len) + 16);
	do {
		size_t step = left < STEP ? left : STEP;
		int flush = step == left ? Z_SYNC_FLUSH : Z_NO_FLUSH;

		d->zs.next_in = (Bytef *)(uintptr_t)in;
		d->zs.avail_in = (uInt)step;
		do {
			size_t room;

			if (out->cap - out->len < 64)
				buf_reserve(out, out->cap / 2 + 64);
			room = out->cap - out->len;
			if (room > UINT_MAX)
				room = UINT_MAX;
			d->zs.next_out = (Bytef *)out->data + out->len;
			d->zs.avail_out = (uInt)room;
			rc = deflate(&d->zs, flush);
			if (rc != Z_OK && rc != Z_BUF_ERROR)
				return zlib_failed("deflate", rc, err);
			out->len += room - d->zs.avail_out;
			/* All input taken and, for the flush, all output
			 * written once deflate leaves room unused. */
		} while (d->zs.avail_in > 0 || d->zs.avail_out == 0);
		in += step;
		left -= step;
	} while (left > 0);
	return 0;
}

static void put32le(struct buf *out, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
		(unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	buf_append(out, b, 4);
}

void gzip_header(struct buf *out, int level)
{
	/* ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL OS=3 (Unix), as gzip writes
	 * for standard input. */
	unsigned char h[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

	h[8] = level >= 9 ? 2 : level == 1 ? 4 : 0;
	buf_append(out, h, sizeof h);
}

void gzip_trailer(struct buf *out, uint32_t crc, uint64_t total_len)
{
	/* A final fixed-Huffman block holding only end-of-block: BFINAL=1,
	 * BTYPE=01, then the 7-bit code 0, padded to the byte. */
	static const unsigned char last[2] = { 0x03, 0x00 };

	buf_append(out, last, sizeof last);
	put32le(out, crc);
	put32le(out, (uint32_t)total_len);
}

void gz_writer_init(struct gz_writer *w)
{
	w->crc = 0;
	w->len = 0;
}

void gz_writer_add(struct gz_writer *w, struct gz_piece p)
{
	if (p.len == 0)
		return;
	w->crc = (uint32_t)crc32_combine(w->crc, p.crc, (z_off_t)p.len);
	w->len += p.len;
}

void gz_writer_finish(const struct gz_writer *w, struct buf *out)
{
	gzip_trailer(out, w->crc, w->len);
}
