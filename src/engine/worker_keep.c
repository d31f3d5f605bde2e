/* worker_keep.c - --keep-going: a chunk's output waits for its
 * commands' exit status (a failed command's is dropped), in memory up to
 * KEEP_MEM, the rest in a temporary file (unlinked: it goes with the
 * worker however it ends), so that a command may write any amount. */
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
	const char *dir = spill_dir(w->job->tmpdir);
	char *err = NULL;

	if (w->keep_fd < 0 && (w->keep_fd = spill_open(dir, &err)) < 0)
		worker_fail(w, EXIT_IOERR, "--keep-going: %s", err);
	if (spill_write(w->keep_fd, dir, data, len, &err) < 0)
		worker_fail(w, EXIT_IOERR, "--keep-going: %s", err);
	w->kept += len;
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

/* The chunk's held output is sent or dropped: the file is emptied. */
void worker_keep_reset(struct worker *w)
{
	w->out.len = 0;
	if (w->kept == 0)
		return;
	w->kept = 0;
	if (ftruncate(w->keep_fd, 0) < 0 || lseek(w->keep_fd, 0, SEEK_SET) < 0)
		worker_fail(w, EXIT_IOERR, "--keep-going: cannot empty a temporary file in %s: %s",
		    spill_dir(w->job->tmpdir), strerror(errno));
}

/* The commands succeeded: the chunk's held output goes on, from the
 * file a block at a time, then from memory. */
void worker_send_kept(struct worker *w)
{
	char *err = NULL;

	for (uint64_t off = 0; off < w->kept;) {
		size_t n = w->kept - off < BLOCK_SIZE ? (size_t)(w->kept - off) : BLOCK_SIZE;

		buf_reserve(&w->piece, n);
		if (spill_pread(w->keep_fd, spill_dir(w->job->tmpdir), w->piece.data, n, off, &err) < 0)
			worker_fail(w, EXIT_IOERR, "--keep-going: %s", err);
		worker_flush(w, w->piece.data, n, 1);
		off += n;
	}
	worker_flush(w, w->out.data, w->out.len, 0);
	worker_keep_reset(w);
}
