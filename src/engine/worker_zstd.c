/* worker_zstd.c - one frame of a multi-frame zstd file, decompressed by
 * the worker whose range holds it (the ranges and their records are
 * worker_bgzf.c's, as for BGZF members). */
#include "autoconfig.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "util.h"
#include "worker_int.h"
#include "zstd_codec.h"
#include "zstd_frames.h"

/*
 * Decompress frame m, whose compressed bytes are at in, onto w->read,
 * straight into its room (m->usize is the frame's size or a bound on
 * it).  A damaged frame fails the chunk with the message that
 * decompressing the file as one stream gives.  exact: the frame's size
 * is known (its header or the seek table), and must be what it holds.
 */
void worker_zstd_frame(struct worker *w, const struct gz_member *m, const char *in, bool exact)
{
	char *err = NULL;
	size_t made;
	int rc;

	if (w->zd == NULL)
		w->zd = zstd_frame_decoder_new();
	rc = zstd_decode_frame(w->zd, in, m->csize, m->offset, m->usize, &w->read, &made, &err);
	if (rc < 0)
		worker_fail(w, rc == GZ_FAILED ? EXIT_SOFTWARE : EXIT_DATAERR, "%s: %s", w->name, err);
	if (exact && made != m->usize)
		worker_fail(w, EXIT_DATAERR, "%s: %s", w->name,
		    zstd_frame_size_error(m->offset, made, m->usize));
}

#define HEAD_IN (64 * 1024)	/* compressed bytes read at a time */
#define HEAD_OUT (256 * 1024)	/* room made at a time */

/*
 * Frame m lies past the worker's range: only its records up to the first
 * record end are the range's (the next range's worker decodes the whole
 * frame).  So it is decoded as a stream, a little at a time, onto
 * w->read, until a record end is there or the frame ends: a frame of
 * megabytes costs its first few kilobytes, not a second full decoding.
 */
void worker_zstd_head(struct worker *w, int fd, const struct gz_member *m)
{
	uint64_t at = m->offset, end = m->offset + m->csize;
	size_t scanned = w->read.len;
	char *err = NULL;
	int rc = GZ_MORE;

	if (w->zs == NULL)
		w->zs = zstd_decoder_new();
	zstd_decoder_reset_at(w->zs, m->offset);
	while (rc == GZ_MORE) {
		size_t want = end - at < HEAD_IN ? (size_t)(end - at) : HEAD_IN, pos = 0, made;

		buf_reserve(&w->comp, want);
		ssize_t got = pread_full(fd, w->comp.data, want, at);

		if (got < 0)
			worker_fail(w, EXIT_IOERR, "%s: read error at offset %llu: %s", w->name,
			    (unsigned long long)at, strerror(errno));
		if ((size_t)got < want)
			worker_fail(w, EXIT_IOERR, "%s: file shrank while being read (offset %llu)", w->name,
			    (unsigned long long)(at + (uint64_t)got));
		w->comp.len = 0;	/* no longer the members read ahead */
		w->comp_at = UINT64_MAX;
		at += want;
		do {
			size_t used;

			buf_reserve(&w->read, HEAD_OUT);
			rc = zstd_decode(w->zs, w->comp.data + pos, want - pos, &used,
			    w->read.data + w->read.len, HEAD_OUT, &made, at == end, &err);
			pos += used;
			w->read.len += made;
			if (rc < 0)
				worker_fail(w, rc == GZ_FAILED ? EXIT_SOFTWARE : EXIT_DATAERR, "%s: %s",
				    w->name, err);
			if (memchr(w->read.data + scanned, w->term, w->read.len - scanned) != NULL)
				return;
			scanned = w->read.len;
		} while (rc == GZ_MORE && (pos < want || made > 0));
	}
}
