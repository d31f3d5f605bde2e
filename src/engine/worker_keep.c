/* worker_keep.c - --keep-going: a chunk's output waits for its
 * commands' exit status (a failed command's is dropped), in memory up to
 * KEEP_MEM, the rest in a spill file (unlinked: it goes with the worker
 * however it ends), so that a command may write any amount. */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "spill.h"
#include "util.h"
#include "worker_int.h"

#define KEEP_MEM (4 << 20)	/* a chunk's output held in memory */

static void keep_write(struct worker *w, const char *data, size_t len)
{
	if (spillfile_write(&w->keep, data, len) < 0)
		worker_fail(w, EXIT_IOERR, "%s", w->keep.err);
}

void worker_keep(struct worker *w, const char *data, size_t len)
{
	if (w->out.len + len <= KEEP_MEM) {
		buf_append(&w->out, data, len);
		return;
	}
	keep_write(w, w->out.data, w->out.len);
	keep_write(w, data, len);
	w->out.len = 0;
}

/* The chunk's held output is sent or dropped: the file is emptied (its
 * writes append at its size: the descriptor is moved back too). */
void worker_keep_reset(struct worker *w)
{
	w->out.len = 0;
	if (w->keep.size == 0)
		return;
	w->keep.size = 0;
	if (ftruncate(w->keep.fd, 0) < 0 || lseek(w->keep.fd, 0, SEEK_SET) < 0)
		worker_fail(w, EXIT_IOERR, "--keep-going: cannot empty a temporary file in %s: %s",
		    w->keep.dir, strerror(errno));
}

/* The commands succeeded: the chunk's held output goes on, from the
 * file a block at a time, then from memory. */
void worker_send_kept(struct worker *w)
{
	for (uint64_t off = 0; off < w->keep.size;) {
		size_t n = w->keep.size - off < BLOCK_SIZE ? (size_t)(w->keep.size - off) : BLOCK_SIZE;

		buf_reserve(&w->piece, n);
		if (spillfile_pread(&w->keep, w->piece.data, n, off) < 0)
			worker_fail(w, EXIT_IOERR, "%s", w->keep.err);
		worker_flush(w, w->piece.data, n, 1);
		off += n;
	}
	worker_flush(w, w->out.data, w->out.len, 0);
	worker_keep_reset(w);
}
