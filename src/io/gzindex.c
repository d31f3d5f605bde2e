/* gzindex.c - the gzip index's format: serialise, parse, read, write,
 * and the identity of the file an index belongs to.
 *
 * Everything is little-endian; forkpipe-gzindex(5) documents it.  The
 * parser trusts nothing: a CRC-32 covers the whole index, and every
 * field is checked against the others, so a damaged index is refused
 * before a worker could start inflating at a wrong place. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "gzindex.h"
#include "util.h"

static const unsigned char magic[8] = { 'F', 'P', 'G', 'Z', 'I', 'X', '\r', '\n' };

#define GZI_VERSION 3	/* 2: each point's running CRC-32; 3: its CSV quote state */
#define HEADER_LEN (8 + 4 + 4 + 8 + 8 + 4 + 4 + 8 + 8)
#define POINT_LEN (8 + 8 + 8 + 8 + 4 + 4 + 4 + 4)
#define SAMPLES 64
#define SAMPLE_LEN 64

void gzindex_free(struct gzindex *ix)
{
	for (size_t i = 0; i < ix->n; i++)
		free(ix->p[i].window);
	free(ix->p);
	memset(ix, 0, sizeof *ix);
}

void gzindex_add(struct gzindex *ix, const struct gzi_point *pt, const unsigned char *window)
{
	struct gzi_point *q;

	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 64;
		ix->p = xreallocarray(ix->p, ix->cap, sizeof *ix->p);
	}
	q = &ix->p[ix->n++];
	*q = *pt;
	q->window = NULL;
	if (pt->wlen > 0) {
		q->window = xmalloc(pt->wlen);
		memcpy(q->window, window, pt->wlen);
	}
}

int gzi_ident_of(int fd, struct gzi_ident *id, char **err)
{
	unsigned char b[SAMPLE_LEN];
	struct stat st;
	uLong crc = crc32(0L, Z_NULL, 0);

	if (fstat(fd, &st) < 0) {
		*err = xasprintf("cannot stat: %s", strerror(errno));
		return -1;
	}
	id->size = (uint64_t)st.st_size;
	id->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	/* Samples spread over the file, and its last bytes: an append, a
	 * truncation or a rewrite in place changes them. */
	for (int i = 0; i <= SAMPLES; i++) {
		uint64_t at = i < SAMPLES ? id->size / SAMPLES * (uint64_t)i :
		    id->size > SAMPLE_LEN ? id->size - SAMPLE_LEN : 0;
		size_t want = id->size - at < SAMPLE_LEN ? (size_t)(id->size - at) : SAMPLE_LEN;
		ssize_t n = pread_full(fd, b, want, at);

		if (n < 0) {
			*err = xasprintf("read error: %s", strerror(errno));
			return -1;
		}
		crc = crc32(crc, b, (uInt)n);
	}
	id->sample = (uint32_t)crc;
	return 0;
}

bool gzi_ident_eq(const struct gzi_ident *a, const struct gzi_ident *b)
{
	return a->size == b->size && a->mtime_ns == b->mtime_ns && a->sample == b->sample;
}

static void put32(struct buf *b, uint32_t v)
{
	unsigned char c[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
		(unsigned char)(v >> 24) };

	buf_append(b, c, 4);
}

static void put64(struct buf *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

void gzindex_serialise(const struct gzindex *ix, unsigned char **data, size_t *len)
{
	struct buf b = { 0 };
	unsigned char *z = xmalloc(compressBound(GZI_WINDOW));

	buf_append(&b, magic, sizeof magic);
	put32(&b, GZI_VERSION);
	put32(&b, (uint32_t)ix->n);
	put64(&b, ix->id.size);
	put64(&b, (uint64_t)ix->id.mtime_ns);
	put32(&b, ix->id.sample);
	put32(&b, 0);
	put64(&b, ix->usize);
	put64(&b, ix->spacing);
	for (size_t i = 0; i < ix->n; i++) {
		const struct gzi_point *p = &ix->p[i];
		uLongf zlen = compressBound(GZI_WINDOW);

		if (p->wlen > 0 && compress2(z, &zlen, p->window, p->wlen, 1) != Z_OK)
			lib_out_of_memory();	/* its only failure with room enough */
		if (p->wlen == 0)
			zlen = 0;
		put64(&b, p->cbit);
		put64(&b, p->uoff);
		put64(&b, p->line_end);
		put64(&b, p->csv_end);
		put32(&b, p->flags);
		put32(&b, p->wlen);
		put32(&b, p->crc);
		put32(&b, (uint32_t)zlen);
		buf_append(&b, z, zlen);
	}
	put32(&b, (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)b.data, (uInt)b.len));
	free(z);
	*data = (unsigned char *)b.data;
	*len = b.len;
}

static int damaged(struct gzindex *ix, char **err, const char *why)
{
	gzindex_free(ix);
	*err = xasprintf("damaged gzip index: %s", why);
	return -1;
}

/* One point at p (room bytes left): its checks against the one before. */
static const char *parse_point(const unsigned char **pp, size_t room, struct gzindex *ix,
    unsigned char *win)
{
	const unsigned char *p = *pp;
	struct gzi_point pt;
	uint32_t zlen;
	uLongf wlen = GZI_WINDOW;
	const struct gzi_point *prev = ix->n ? &ix->p[ix->n - 1] : NULL;

	if (room < POINT_LEN)
		return "truncated";
	pt.cbit = get64(p);
	pt.uoff = get64(p + 8);
	pt.line_end = get64(p + 16);
	pt.csv_end = get64(p + 24);
	pt.flags = get32(p + 32);
	pt.wlen = get32(p + 36);
	pt.crc = get32(p + 40);
	zlen = get32(p + 44);
	p += POINT_LEN;
	if (zlen > room - POINT_LEN)
		return "truncated";
	if (pt.flags & ~(uint32_t)(GZI_MEMBER | GZI_QUOTED))
		return "unknown point flags";
	if (prev == NULL ? pt.cbit != 0 || pt.uoff != 0 || pt.flags != GZI_MEMBER :
	    pt.cbit <= prev->cbit || pt.uoff < prev->uoff)
		return "points out of order";
	if ((pt.flags & GZI_MEMBER) ? pt.wlen != 0 || pt.cbit % 8 != 0 :
	    pt.wlen == 0 || pt.wlen > GZI_WINDOW || pt.wlen > pt.uoff)
		return "bad window length";
	if ((pt.flags & GZI_MEMBER) && pt.crc != 0)
		return "bad CRC-32 at a member start";
	if (pt.cbit / 8 >= ix->id.size || pt.uoff > ix->usize)	/* empty members may end the file */
		return "point beyond the end";
	if (pt.line_end != GZI_NONE && (pt.line_end < pt.uoff || pt.line_end >= ix->usize))
		return "bad line end";
	if (prev != NULL && prev->line_end != GZI_NONE && pt.line_end != GZI_NONE &&
	    pt.line_end < prev->line_end)
		return "bad line end";
	if (pt.csv_end != GZI_NONE && (pt.csv_end < pt.uoff || pt.csv_end >= ix->usize))
		return "bad CSV record end";
	/* A record end is a line end: the first line end comes no later. */
	if (pt.csv_end != GZI_NONE && (pt.line_end == GZI_NONE || pt.csv_end < pt.line_end))
		return "bad CSV record end";
	if (prev != NULL && prev->csv_end != GZI_NONE && pt.csv_end != GZI_NONE &&
	    pt.csv_end < prev->csv_end)
		return "bad CSV record end";
	if (prev != NULL && pt.uoff == prev->uoff && (pt.flags & GZI_QUOTED) != (prev->flags & GZI_QUOTED))
		return "bad quote state";
	if ((pt.wlen == 0) != (zlen == 0))
		return "bad window length";
	if (pt.wlen > 0 && (uncompress(win, &wlen, p, zlen) != Z_OK || wlen != pt.wlen))
		return "bad window";
	gzindex_add(ix, &pt, win);
	*pp = p + zlen;
	return NULL;
}

int gzindex_parse(const unsigned char *data, size_t len, struct gzindex *ix, char **err)
{
	const unsigned char *p = data, *end;
	unsigned char *win;
	uint32_t n;
	const char *why = NULL;

	memset(ix, 0, sizeof *ix);
	if (len < sizeof magic || memcmp(data, magic, sizeof magic) != 0) {
		*err = xstrdup("not a forkpipe gzip index");
		return -1;
	}
	if (len < HEADER_LEN + 4)
		return damaged(ix, err, "truncated");
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION	/* fuzz.mk: reach the field checks */
	if (get32(data + len - 4) != (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)(len - 4)))
		return damaged(ix, err, "checksum mismatch");
#endif
	if (get32(p + 8) != GZI_VERSION)
		return damaged(ix, err, "unknown version");
	n = get32(p + 12);
	ix->id.size = get64(p + 16);
	ix->id.mtime_ns = (int64_t)get64(p + 24);
	ix->id.sample = get32(p + 32);
	ix->usize = get64(p + 40);
	ix->spacing = get64(p + 48);
	if (get32(p + 36) != 0 || n == 0 || n > (len - HEADER_LEN) / POINT_LEN)
		return damaged(ix, err, "bad header");
	p += HEADER_LEN;
	end = data + len - 4;
	win = xmalloc(GZI_WINDOW);
	for (uint32_t i = 0; i < n && why == NULL; i++)
		why = parse_point(&p, (size_t)(end - p), ix, win);
	free(win);
	if (why == NULL && p != end)
		why = "trailing bytes";
	if (why != NULL)
		return damaged(ix, err, why);
	return 0;
}

int gzindex_write(const struct gzindex *ix, const char *path, char **err)
{
	unsigned char *data;
	size_t len;
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc = 0;

	if (fd < 0) {
		*err = xasprintf("cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	gzindex_serialise(ix, &data, &len);
	if (write_all(fd, data, len) < 0 || close(fd) < 0) {
		*err = xasprintf("write error on %s: %s", tmp, strerror(errno));
		rc = -1;
	} else if (rename(tmp, path) < 0) {
		*err = xasprintf("cannot rename %s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(tmp);
	free(data);
	free(tmp);
	return rc;
}

int gzindex_read(const char *path, struct gzindex *ix, char **err)
{
	struct buf b = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	memset(ix, 0, sizeof *ix);
	if (fd < 0) {
		int e = errno;

		*err = xasprintf("cannot open: %s", strerror(e));
		errno = e;
		return -1;
	}
	for (;;) {
		ssize_t n;

		buf_reserve(&b, 1 << 16);
		n = read(fd, b.data + b.len, b.cap - b.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err = xasprintf("read error: %s", strerror(errno));
			close(fd);
			buf_free(&b);
			return -1;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	close(fd);
	rc = gzindex_parse((const unsigned char *)b.data, b.len, ix, err) < 0 ? -2 : 0;
	buf_free(&b);
	return rc;
}

char *gzindex_path(const char *file)
{
	return xasprintf("%s.fpi", file);
}
