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
	fd = open(f->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		goto fail;
#endif
	if (fd < 0)
		fd = named_then_unlinked(f->dir);
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

int spillfile_write(struct spillfile *f, const void *p, size_t len)
{
	const char *c = p;

	if (f->err != NULL)
		return -1;
	if (f->mem_cap > 0 && mem_write(f, p, len))
		return 0;
	if (spill_open(f) < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(f->fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			spillfile_fail(f, xasprintf("cannot write a temporary file in %s: %s", f->dir,
			    n < 0 ? strerror(errno) : "no space"));
			return -1;
		}
		c += n;
		len -= (size_t)n;
		f->size += (uint64_t)n;
	}
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
	while (len > 0) {
		ssize_t n = pread(f->fd, c, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			spillfile_fail(f, xasprintf("cannot read a temporary file in %s: %s", f->dir,
			    n < 0 ? strerror(errno) : "file shrank"));
			return -1;
		}
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
