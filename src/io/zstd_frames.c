/* zstd_frames.c - multi-frame zstd: listing a file's frames from their
 * headers (and its seek table, if any), and writing the seek table.
 * The layouts are those of RFC 8878 (frames, blocks, skippable frames)
 * and of zstd's seekable format; see zstd_frames.h. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "bytes.h"
#include "util.h"
#include "zstd_codec.h"
#include "zstd_frames.h"

#define FRAME_MAGIC 0xFD2FB528u
#define SKIP_MAGIC_MASK 0xFFFFFFF0u
#define SKIP_MAGIC 0x184D2A50u
#define SEEK_SKIP_MAGIC 0x184D2A5Eu
#define SEEK_MAGIC 0x8F92EAB1u
#define SEEK_FOOTER 9
#define BLOCK_MAX (128 * 1024)
#define HEADER_MAX 18
#define ROOM (256 * 1024)	/* explain()'s output, thrown away */
/* The reference implementation's limits on a seekable file's frames. */
#define SEEK_DSIZE_MAX 0x40000000u
#define SEEK_FRAMES_MAX 0x8000000u

/* What walking one frame learnt. */
struct walked {
	uint64_t csize, dsize;
	bool data;		/* a data frame, not a skippable one */
	bool known;		/* dsize is stated by the frame's header */
};

/* len bytes at offset at; 1, 0 when the file ends before them, -1 on a
 * read error (with *err). */
static int read_at(int fd, void *p, size_t len, uint64_t at, char **err)
{
	ssize_t got = pread_full(fd, p, len, at);

	if (got < 0) {
		*err = xasprintf("read error: %s", strerror(errno));
		return -1;
	}
	return (size_t)got == len;
}

/* The size of a data frame's header from its descriptor byte, and the
 * content size it states (*known). */
static size_t header_size(const unsigned char *h, uint64_t *fcs, bool *known, bool *dict)
{
	unsigned fhd = h[4], fcs_flag = fhd >> 6, single = (fhd >> 5) & 1;
	static const size_t dict_len[4] = { 0, 1, 2, 4 };
	size_t fcs_len = fcs_flag == 0 ? single : (size_t)1 << fcs_flag;
	size_t at = 5 + !single + dict_len[fhd & 3];

	*dict = (fhd & 3) != 0;
	*known = fcs_len > 0;
	switch (fcs_len) {
	case 1:
		*fcs = h[at];
		break;
	case 2:
		*fcs = ((uint64_t)h[at] | (uint64_t)h[at + 1] << 8) + 256;
		break;
	case 4:
		*fcs = le_get32(h + at);
		break;
	case 8:
		*fcs = le_get64(h + at);
		break;
	default:
		*fcs = 0;
	}
	return at + fcs_len;
}

/*
 * Walk the data frame at off (its header read into h, hl bytes): its
 * blocks' headers up to the last block, and the checksum.  1, 0 when it
 * is not a whole frame inside the file, -1 on a read error.
 */
static int walk_blocks(int fd, uint64_t size, uint64_t off, const unsigned char *h, size_t hl,
    struct walked *f, char **err)
{
	bool dict;
	uint64_t at = off + header_size(h, &f->dsize, &f->known, &dict), estimate = 0;

	/* A reserved bit set, a dictionary to use: the stream decoder says
	 * what is wrong. */
	if ((h[4] & 0x08) || dict || at > off + hl)
		return 0;
	for (;;) {
		unsigned char b[3];
		int rc = at + 3 <= size ? read_at(fd, b, 3, at, err) : 0;
		uint32_t bh, bsize, type;

		if (rc <= 0)
			return rc;
		bh = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
		type = (bh >> 1) & 3;
		bsize = bh >> 3;
		if (type == 3 || bsize > BLOCK_MAX)
			return 0;
		at += 3 + (type == 1 ? 1 : bsize);
		estimate += type == 2 ? BLOCK_MAX : bsize;
		if (at > size)
			return 0;
		if (bh & 1)
			break;
	}
	at += (h[4] & 0x04) ? 4 : 0;	/* the content checksum */
	if (at > size)
		return 0;
	f->csize = at - off;
	if (!f->known)
		f->dsize = estimate;
	return 1;
}

/* The frame at off, data or skippable: 1, 0 (not a whole frame), -1. */
static int walk_frame(int fd, uint64_t size, uint64_t off, struct walked *f, char **err)
{
	unsigned char h[HEADER_MAX];
	size_t hl = size - off < HEADER_MAX ? (size_t)(size - off) : HEADER_MAX;
	int rc;

	if (hl < 8)
		return 0;
	if ((rc = read_at(fd, h, hl, off, err)) <= 0)
		return rc;
	uint32_t magic = le_get32(h);

	f->data = magic == FRAME_MAGIC;
	if (f->data)
		return walk_blocks(fd, size, off, h, hl, f, err);
	if ((magic & SKIP_MAGIC_MASK) != SKIP_MAGIC)
		return 0;
	f->csize = 8 + (uint64_t)le_get32(h + 4);
	f->dsize = 0;
	f->known = true;
	return f->csize <= size - off;
}

/*
 * The last frame m[n - 1] may be a seek table: if it describes exactly
 * the frames before it, the decompressed sizes their headers leave
 * unknown are its.  true when every size is then known.
 */
static bool use_seek_table(int fd, struct gz_member *m, size_t n, bool *known, char **err)
{
	const struct gz_member *t = &m[n - 1];
	unsigned char *b;
	size_t esz;
	bool ok = false;

	if (t->csize < 8 + SEEK_FOOTER)
		return false;
	b = xmalloc(t->csize);
	if (read_at(fd, b, t->csize, t->offset, err) <= 0)
		goto out;
	const unsigned char *foot = b + t->csize - SEEK_FOOTER;

	esz = (foot[4] & 0x80) ? 12 : 8;
	if (le_get32(b) != SEEK_SKIP_MAGIC || le_get32(foot + 5) != SEEK_MAGIC ||
	    (foot[4] & 0x7c) || le_get32(foot) != n - 1 ||
	    (uint64_t)t->csize != 8 + (uint64_t)(n - 1) * esz + SEEK_FOOTER)
		goto out;
	for (size_t i = 0; i + 1 < n; i++) {
		const unsigned char *e = b + 8 + i * esz;

		if (le_get32(e) != m[i].csize || (known[i] && le_get32(e + 4) != m[i].usize))
			goto out;
	}
	for (size_t i = 0; i + 1 < n; i++)
		m[i].usize = le_get32(b + 8 + i * esz + 4);
	ok = true;
out:
	free(b);
	return ok;
}

int zstd_list_frames(int fd, uint64_t size, struct gz_member **members, size_t *n, bool *exact,
    char **err)
{
	struct gz_member *m = NULL;
	bool *known = NULL;
	size_t count = 0, cap = 0, data = 0;
	uint64_t off = 0;
	bool all_known = true;
	int ret = 0;

	*members = NULL;
	*n = 0;
	*err = NULL;
	while (off < size) {
		struct walked f;
		int rc = walk_frame(fd, size, off, &f, err);

		if (rc < 0)
			ret = -1;
		if (rc <= 0 || f.csize > UINT32_MAX || f.dsize > UINT32_MAX)
			goto out;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			m = xreallocarray(m, cap, sizeof *m);
			known = xreallocarray(known, cap, sizeof *known);
		}
		m[count] = (struct gz_member){ off, (uint32_t)f.csize, (uint32_t)f.dsize };
		known[count++] = f.known;
		all_known = all_known && f.known;
		data += f.data;
		off += f.csize;
	}
	if (data < 2)
		goto out;	/* one frame: the stream decoder is as fast */
	if (!all_known && count > 1) {
		char *why = NULL;

		all_known = use_seek_table(fd, m, count, known, &why);
		if (why != NULL) {
			*err = why;
			ret = -1;
			goto out;
		}
	}
	ret = 1;
	*exact = all_known;
	*members = m;
	*n = count;
	m = NULL;
out:
	free(m);
	free(known);
	return ret;
}

struct zstd_frame_decoder {
	ZSTD_DCtx *dctx;
	struct zstd_decoder *stream;	/* for the messages of bad frames */
};

struct zstd_frame_decoder *zstd_frame_decoder_new(void)
{
	struct zstd_frame_decoder *d = xcalloc(1, sizeof *d);

	d->dctx = ZSTD_createDCtx();
	if (d->dctx == NULL)
		lib_out_of_memory();	/* its only failure */
	return d;
}

/* Decode the frame as a stream into a scratch buffer, for its message. */
static int explain(struct zstd_frame_decoder *d, const void *in, size_t len, uint64_t base,
    size_t cap, size_t r, char **err)
{
	unsigned char *scratch = xmalloc(ROOM);
	size_t at = 0;
	uint64_t held = 0;
	int rc;

	if (d->stream == NULL)
		d->stream = zstd_decoder_new();
	zstd_decoder_reset_at(d->stream, base);
	do {
		size_t used, made;

		rc = zstd_decode(d->stream, (const char *)in + at, len - at, &used, scratch, ROOM,
		    &made, true, err);
		at += used;
		held += made;
	} while (rc == GZ_MORE);
	free(scratch);
	if (rc < 0)
		return rc;
	/* The stream decoder took it: the one-shot failure was not the
	 * data's, unless the frame is larger than the seek table said. */
	if (ZSTD_getErrorCode(r) != ZSTD_error_dstSize_tooSmall) {
		*err = xasprintf("zstd: %s", ZSTD_getErrorName(r));
		return GZ_FAILED;
	}
	*err = zstd_frame_size_error(base, held, cap);
	return GZ_ERROR;
}

char *zstd_frame_size_error(uint64_t base, uint64_t held, uint64_t said)
{
	return xasprintf("corrupt zstd data at compressed byte offset %llu: the frame holds %llu "
	    "bytes, not the %llu its seek table gives", (unsigned long long)base,
	    (unsigned long long)held, (unsigned long long)said);
}

int zstd_decode_frame(struct zstd_frame_decoder *d, const void *in, size_t len, uint64_t base,
    size_t cap, struct buf *out, size_t *made, char **err)
{
	size_t r;

	*made = 0;
	buf_reserve(out, cap + 1);
	r = ZSTD_decompressDCtx(d->dctx, out->data + out->len, cap + 1, in, len);
	if (ZSTD_isError(r)) {
		if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
			lib_out_of_memory();
		return explain(d, in, len, base, cap, r, err);
	}
	out->len += r;
	*made = r;
	return 0;
}

void zstd_seek_add(struct zstd_seek *t, uint64_t csize, uint64_t dsize)
{
	unsigned char e[8];

	if (csize == 0)
		return;
	if (csize > UINT32_MAX || dsize > SEEK_DSIZE_MAX || t->n >= SEEK_FRAMES_MAX) {
		t->off = true;
		return;
	}
	le_put32(e, (uint32_t)csize);
	le_put32(e + 4, (uint32_t)dsize);
	buf_append(&t->entries, e, sizeof e);
	t->n++;
}

void zstd_seek_table(const struct zstd_seek *t, struct buf *out)
{
	unsigned char h[8], foot[SEEK_FOOTER];

	if (t->off || t->n == 0)
		return;
	le_put32(h, SEEK_SKIP_MAGIC);
	le_put32(h + 4, (uint32_t)(t->entries.len + SEEK_FOOTER));
	le_put32(foot, (uint32_t)t->n);
	foot[4] = 0;	/* no checksums */
	le_put32(foot + 5, SEEK_MAGIC);
	buf_append(out, h, sizeof h);
	buf_append(out, t->entries.data, t->entries.len);
	buf_append(out, foot, sizeof foot);
}

void zstd_seek_free(struct zstd_seek *t)
{
	buf_free(&t->entries);
	t->n = 0;
}
