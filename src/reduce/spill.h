/* spill.h - the spill file of a reducer whose state outgrows its memory
 * budget: sorted runs (of sort and the grouping reducers) appended one
 * after another, read back by runs.h.
 *
 * A spill file is unlinked as soon as it is created (O_TMPFILE where the
 * file system has it), so it disappears with the process on every exit
 * path, a signal or SIGKILL included, and no name is ever left behind.
 * It is opened on the first write.
 *
 * A spill file may keep its first bytes in memory (spillfile_memory):
 * where the budget holds what would be spilled (a merger holding the
 * workers' tables as runs, with a generous --memory), writing it to the
 * file and reading it back were a good part of the merger's work, and
 * the merger shares the cores with the workers.  The memory is a prefix
 * of the file's offsets: writes go to memory while they fit in its
 * budget, and to the file from the first one that does not.
 *
 * A spill file may go around the page cache (spillfile_direct): its
 * bytes gather in a buffer of whole blocks written at block offsets with
 * O_DIRECT, and reads go through a second buffer of whole blocks.  A run
 * spilled is read back once, soon, by the same process: the page cache
 * only costs there, as fresh pages filled by a copy (on a virtual
 * machine their first touch is the slow part: 580 MB of runs written
 * through the cache took 2 to 4 s of the merger's CPU, and 0.05 s
 * directly).  Where the file system refuses O_DIRECT the same buffers
 * write through the cache.
 *
 * Errors stick: the first failure is kept as "STAGE: why" and every later
 * write fails at once, so a caller may go on and look once at the end.
 * The messages, one set for every reducer:
 *   STAGE: cannot create a temporary file in DIR: why
 *   STAGE: cannot write a temporary file in DIR: why
 *   STAGE: cannot read a temporary file in DIR: why
 *   STAGE: a temporary file in DIR is corrupt */
#ifndef FORKPIPE_SPILL_H
#define FORKPIPE_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The directory spills go to: dir if given, else $TMPDIR, else /tmp. */
const char *spill_dir(const char *dir);

struct spill_seg;

struct spillfile {
	const char *stage;	/* for messages */
	const char *dir;
	int fd;			/* -1 until the first write to the file */
	uint64_t size;		/* bytes written: where the next run starts */
	char *err;		/* the first failure, or NULL */
	/* the memory prefix: offsets [0, mem) in segs */
	struct spill_seg *segs;
	size_t nsegs;
	uint64_t mem, mem_cap;	/* bytes held in memory, and the most it may hold */
	uint64_t mem_alloc;	/* bytes allocated for them */
	/* spillfile_direct: the bytes past wat (a block offset in the
	 * file) not yet written, and the buffer of whole blocks reads use */
	size_t blk;		/* their size; 0: plain writes and reads */
	char *wbuf, *rbuf;
	size_t wlen;
	uint64_t wat;
};

void spillfile_init(struct spillfile *f, const char *stage, const char *dir);
/* Keep up to cap bytes in memory (0: none, the default) before using the
 * file; only before the first write. */
void spillfile_memory(struct spillfile *f, uint64_t cap);
/* Write and read the file in buffers of bufsize bytes (rounded to whole
 * blocks), around the page cache where the file system can; only before
 * the first write. */
void spillfile_direct(struct spillfile *f, size_t bufsize);
/* The memory the file holds (part of its owner's budget). */
static inline uint64_t spillfile_mem_bytes(const struct spillfile *f)
{
	return f->mem_alloc + (f->wbuf != NULL ? f->blk : 0) + (f->rbuf != NULL ? f->blk : 0);
}
/* Close the file, free its memory and forget the error. */
void spillfile_close(struct spillfile *f);

/* Append p[0..len).  0, or -1 with f->err set (now or before). */
int spillfile_write(struct spillfile *f, const void *p, size_t len);

/* Read exactly len bytes at offset off.  0, or -1 with f->err set (a
 * short read is an error: spills never shrink). */
int spillfile_pread(struct spillfile *f, void *p, size_t len, uint64_t off);

/* Keep msg ("why", without the stage) as the error unless there is one. */
void spillfile_fail(struct spillfile *f, char *msg);

/* A run being written: its bytes gather in b and go to the file in
 * pieces of flush_at bytes. */
struct run_writer {
	struct spillfile *f;
	struct buf b;
	uint64_t off;		/* where the run starts in the file */
	size_t flush_at;
};

void run_writer_begin(struct run_writer *w, struct spillfile *f, size_t flush_at);
/* Write what b holds.  0, or -1 (f->err). */
int run_writer_flush(struct run_writer *w);
/* Write b out when it holds flush_at bytes.  0, or -1 (f->err). */
static inline int run_writer_step(struct run_writer *w)
{
	return w->b.len >= w->flush_at ? run_writer_flush(w) : 0;
}
/* Write the rest and free the buffer: the run's length, or -1 (f->err). */
int64_t run_writer_end(struct run_writer *w);

#endif
