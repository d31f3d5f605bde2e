/* worker_placed.c - placed output (-o a regular file, in order): the
 * worker holds a chunk's whole output, sends its size, and writes it
 * itself with pwrite() at the offset the supervisor then hands out. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "util.h"
#include "worker_int.h"

/* A chunk's output waiting for the supervisor to say where it goes. */
struct held {
	uint64_t seq;
	struct buf out;
};

/*
 * Placed output: with a regular output file, a worker keeps a chunk's
 * whole output, tells the supervisor its size, and writes it itself with
 * pwrite() at the offset the supervisor hands out once every earlier
 * chunk's size is known.  The output bytes never cross a pipe, and the
 * copy into the page cache is spread over the workers.
 */
void worker_hold_output(struct worker *w)
{
	unsigned char size[8];
	struct iovec iov = { size, sizeof size };

	frame_put_u64(size, w->out.len);
	w->held = xreallocarray(w->held, w->nheld + 1, sizeof *w->held);
	w->held[w->nheld].seq = w->seq;
	w->held[w->nheld++].out = w->out;
	w->out = w->spare;
	w->out.len = 0;
	memset(&w->spare, 0, sizeof w->spare);
	worker_send_frame(w, FRAME_SIZE, 0, &iov, 1);
}

void worker_write_held(struct worker *w, uint64_t seq, const struct buf *payload)
{
	for (size_t i = 0; i < w->nheld; i++) {
		struct held *hd = &w->held[i];

		if (hd->seq != seq)
			continue;
		uint64_t off = payload->len == 8 ? frame_get_u64(payload->data) : 0;
		const char *p = hd->out.data;
		size_t left = hd->out.len;

		while (left > 0) {
			ssize_t n = pwrite(w->out_fd, p, left, (off_t)off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				w->seq = seq;
				worker_fail(w, EXIT_IOERR, "%s: write error: %s", w->out_name,
				    n < 0 ? strerror(errno) : "no progress");
			}
			p += n;
			left -= (size_t)n;
			off += (uint64_t)n;
		}
		if (w->spare.cap == 0)
			w->spare = hd->out;
		else
			buf_free(&hd->out);
		w->held[i] = w->held[--w->nheld];
		w->seq = seq;
		worker_send_frame(w, FRAME_WRITTEN, 0, NULL, 0);
		return;
	}
	worker_fail(w, EXIT_SOFTWARE, "worker: no output held for chunk %llu", (unsigned long long)seq);
}
