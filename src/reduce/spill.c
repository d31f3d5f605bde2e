/* spill.c - the anonymous spill file of a reducer (its memory prefix
 * included), and runs written to it. */
#include "autoconfig.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spill.h"
#include "util.h"

const char *spill_dir(const char *dir)
{
	const char *t;

	if (dir != NULL && *dir != '\0')
		return dir;
	t = getenv("TMPDIR");
	return t != NULL && *t != '\0' ? t : "/tmp";
}

/* A piece of the memory prefix: offsets [off, off + len). */
struct spill_seg {
	uint64_t off;
	size_t len, cap;
	char *data;
};

/* Small writes (a run written piece by piece) share segments of this size. */
#define SEG_MIN (4u << 20)

/* O_DIRECT's alignment of offsets, lengths and buffers: 4096 covers the
 * logical block of every disk (512 or 4096 bytes) and the page. */
#define BLOCK 4096

void spillfile_init(struct spillfile *f, const char *stage, const char *dir)
{
	memset(f, 0, sizeof *f);
	f->stage = stage;
	f->dir = dir;
	f->fd = -1;
}

void spillfile_memory(struct spillfile *f, uint64_t cap)
{
	if (f->size == 0)
		f->mem_cap = cap;
}

void spillfile_direct(struct spillfile *f, size_t bufsize)
{
	if (f->size > 0 || f->fd >= 0)
		return;
	if (bufsize < 2 * BLOCK)
		bufsize = 2 * BLOCK;
	f->blk = (bufsize + BLOCK - 1) / BLOCK * BLOCK;
}

void spillfile_close(struct spillfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	free(f->err);
	f->err = NULL;
	for (size_t i = 0; i < f->nsegs; i++)
		free(f->segs[i].data);
	free(f->segs);
	f->segs = NULL;
	f->nsegs = 0;
	f->mem = f->mem_cap = f->mem_alloc = 0;
	free(f->wbuf);
	free(f->rbuf);
	f->wbuf = f->rbuf = NULL;
	f->blk = f->wlen = 0;
	f->wat = 0;
}

/* Keep p[0..len) in memory if it fits in the budget (and nothing went to
 * the file yet): whether it did.  A write is kept in one segment (fewer
 * segments to look through). */
static bool mem_write(struct spillfile *f, const void *p, size_t len)
{
	struct spill_seg *last = f->nsegs > 0 ? &f->segs[f->nsegs - 1] : NULL;

	if (f->size != f->mem || len == 0)
		return f->size == f->mem && len == 0;
	if (last != NULL && last->cap - last->len >= len) {
		memcpy(last->data + last->len, p, len);
		last->len += len;
		f->mem += len;
		f->size += len;
		return true;
	}
	size_t cap = len < SEG_MIN ? SEG_MIN : len;

	if (f->mem_alloc + cap > f->mem_cap)
		return false;
	f->segs = xreallocarray(f->segs, f->nsegs + 1, sizeof *f->segs);
	last = &f->segs[f->nsegs++];
	*last = (struct spill_seg){ f->mem, len, cap, xmalloc(cap) };
	memcpy(last->data, p, len);
	f->mem_alloc += cap;
	f->mem += len;
	f->size += len;
	return true;
}

/* The segment holding offset off (< f->mem). */
static const struct spill_seg *seg_at(const struct spillfile *f, uint64_t off)
{
	size_t lo = 0, hi = f->nsegs;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->segs[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return &f->segs[lo];
}

void spillfile_fail(struct spillfile *f, char *msg)
{
	if (f->err == NULL)
		f->err = xasprintf("%s: %s", f->stage, msg);
	free(msg);
}

/* Without O_TMPFILE (or where the file system refuses it): a named file,
 * unlinked at once. */
static int named_then_unlinked(const char *dir)
{
	char *path = xasprintf("%s/forkpipe-spill.XXXXXX", dir);
	int fd = mkstemp(path);

	if (fd >= 0) {
		(void)unlink(path);
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	free(path);
	return fd;
}

/* The file, created on first use: 0, or -1 with f->err. */
static int spill_open(struct spillfile *f)
{
	int fd = -1;

	if (f->fd >= 0)
		return 0;
#ifdef O_TMPFILE
	/* Where the file system refuses O_DIRECT, the file is opened as
	 * usual below, and the buffers write through the page cache. */
	if (f->blk > 0)
		fd = open(f->dir, O_TMPFILE | O_RDWR | O_CLOEXEC | O_DIRECT, 0600);
	if (fd < 0)
		fd = open(f->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		goto fail;
#endif
	if (fd < 0) {
		fd = named_then_unlinked(f->dir);
		if (fd >= 0 && f->blk > 0)
			(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_DIRECT);
	}
	if (fd >= 0) {
		f->fd = fd;
		return 0;
	}
#ifdef O_TMPFILE
fail:
#endif
	spillfile_fail(f, xasprintf("cannot create a temporary file in %s: %s", f->dir,
	    strerror(errno)));
	return -1;
}

static int write_failed(struct spillfile *f, ssize_t n)
{
	spillfile_fail(f, xasprintf("cannot write a temporary file in %s: %s", f->dir,
	    n < 0 ? strerror(errno) : "no space"));
	return -1;
}

/* The write buffer's whole blocks to the file at wat. */
static int blocks_write(struct spillfile *f)
{
	size_t done = 0;

	while (done < f->blk) {
		ssize_t n = pwrite(f->fd, f->wbuf + done, f->blk - done, (off_t)(f->wat + done));

		if (n < 0 && errno == EINTR)
			continue;
		/* O_DIRECT refused after all (a short write left the offset
		 * unaligned, or the file system says so only now): the
		 * cache takes the rest. */
		if (n < 0 && errno == EINVAL && (fcntl(f->fd, F_GETFL) & O_DIRECT) &&
		    fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) & ~O_DIRECT) == 0)
			continue;
		if (n <= 0)
			return write_failed(f, n);
		done += (size_t)n;
	}
	f->wat += f->blk;
	f->wlen = 0;
	return 0;
}

/* Append through the write buffer. */
static int buffered_write(struct spillfile *f, const char *c, size_t len)
{
	if (f->wbuf == NULL)
		f->wbuf = xaligned_alloc(BLOCK, f->blk);
	while (len > 0) {
		size_t n = f->blk - f->wlen < len ? f->blk - f->wlen : len;

		memcpy(f->wbuf + f->wlen, c, n);
		f->wlen += n;
		f->size += n;
		c += n;
		len -= n;
		if (f->wlen == f->blk && blocks_write(f) < 0)
			return -1;
	}
	return 0;
}

int spillfile_write(struct spillfile *f, const void *p, size_t len)
{
	const char *c = p;

	if (f->err != NULL)
		return -1;
	if (f->mem_cap > 0 && mem_write(f, p, len))
		return 0;
	if (spill_open(f) < 0)
		return -1;
	if (f->blk > 0)
		return buffered_write(f, c, len);
	while (len > 0) {
		ssize_t n = write(f->fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return write_failed(f, n);
		c += n;
		len -= (size_t)n;
		f->size += (uint64_t)n;
	}
	return 0;
}

static int read_failed(struct spillfile *f, ssize_t n)
{
	spillfile_fail(f, xasprintf("cannot read a temporary file in %s: %s", f->dir,
	    n < 0 ? strerror(errno) : "file shrank"));
	return -1;
}

/* Read [off, off + len) of the file part through the read buffer (whole
 * blocks below wat) and the write buffer (from wat on). */
static int buffered_read(struct spillfile *f, char *c, size_t len, uint64_t off)
{
	while (len > 0 && off < f->wat) {
		uint64_t at = off / BLOCK * BLOCK;
		uint64_t end = off + len < f->wat ? off + len : f->wat;
		uint64_t to = (end + BLOCK - 1) / BLOCK * BLOCK;	/* <= wat */
		size_t want = to - at < f->blk ? (size_t)(to - at) : f->blk, got = 0;
		size_t n;

		if (f->rbuf == NULL)
			f->rbuf = xaligned_alloc(BLOCK, f->blk);
		while (got < want) {
			ssize_t r = pread(f->fd, f->rbuf + got, want - got, (off_t)(at + got));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return read_failed(f, r);
			got += (size_t)r;
		}
		n = (size_t)(at + want - off) < len ? (size_t)(at + want - off) : len;
		memcpy(c, f->rbuf + (off - at), n);
		c += n;
		len -= n;
		off += n;
	}
	if (len == 0)
		return 0;
	if (len > f->wlen || off - f->wat > f->wlen - len)
		return read_failed(f, 0);
	memcpy(c, f->wbuf + (off - f->wat), len);
	return 0;
}

int spillfile_pread(struct spillfile *f, void *p, size_t len, uint64_t off)
{
	char *c = p;

	while (len > 0 && off < f->mem) {
		const struct spill_seg *s = seg_at(f, off);
		size_t n = (size_t)(s->off + s->len - off);

		if (n > len)
			n = len;
		memcpy(c, s->data + (off - s->off), n);
		c += n;
		len -= n;
		off += n;
	}
	off -= f->mem;		/* the file holds what follows the memory */
	if (f->blk > 0 && len > 0)
		return buffered_read(f, c, len, off);
	while (len > 0) {
		ssize_t n = pread(f->fd, c, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return read_failed(f, n);
		c += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

void run_writer_begin(struct run_writer *w, struct spillfile *f, size_t flush_at)
{
	w->f = f;
	w->b = (struct buf){ 0 };
	w->off = f->size;
	w->flush_at = flush_at;
}

int run_writer_flush(struct run_writer *w)
{
	int rc = w->b.len > 0 ? spillfile_write(w->f, w->b.data, w->b.len) : 0;

	w->b.len = 0;
	return rc;
}

int64_t run_writer_end(struct run_writer *w)
{
	int rc = run_writer_flush(w);

	buf_free(&w->b);
	return rc < 0 || w->f->err != NULL ? -1 : (int64_t)(w->f->size - w->off);
}
