/* frame.c - fuzz the frame decoder (src/engine/frame.c) on what a worker could
 * send: the incremental non-blocking reader the supervisor uses, fed
 * through a pipe in pieces whose sizes the input chooses, must return
 * the same frames as the blocking reader on the whole, then stop at the
 * same place; the payload decoders must take any bytes.
 *
 * Input: a byte n, then n bytes of piece sizes, then the stream. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>

#include "frame.h"
#include "fuzz.h"
#include "util.h"

#define MAX_FRAMES 4096

struct seen {
	struct frame_hdr h[MAX_FRAMES];
	size_t n;
	bool broken;	/* it ended inside a frame or at a bad header */
};

/* A pipe that holds n bytes (a larger one costs time at every input). */
static void pipe_of(int fds[2], size_t n)
{
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		perror("fuzz: pipe");
		abort();
	}
	if (n > 65536 && fcntl(fds[1], F_SETPIPE_SZ, (int)n) < 0) {
		perror("fuzz: F_SETPIPE_SZ");
		abort();
	}
}

/* The payload decoders see every frame's bytes. */
static void decode_payload(const struct frame_hdr *h, const struct buf *p)
{
	struct frame_range r;

	if (frame_decode_range(p->data, p->len, &r) == 0)
		FUZZ_CHECK(r.offset + r.length >= r.offset, "range overflows");
	if (p->len >= 8)
		(void)frame_get_u64(p->data);
	FUZZ_CHECK(p->len == h->len, "payload of %zu bytes for a length of %llu", p->len,
	    (unsigned long long)h->len);
}

/* The blocking reader over the whole stream. */
static void read_blocking(const uint8_t *d, size_t n, struct seen *s)
{
	static struct buf payload;	/* reused, as the worker reuses it */
	int fds[2], flags;
	struct frame_hdr h;
	int rc;

	pipe_of(fds, n);
	if (n > 0 && write(fds[1], d, n) != (ssize_t)n)
		abort();
	close(fds[1]);
	flags = fcntl(fds[0], F_GETFL);
	fcntl(fds[0], F_SETFL, flags & ~O_NONBLOCK);
	while (s->n < MAX_FRAMES && (rc = frame_read(fds[0], &h, &payload)) > 0) {
		decode_payload(&h, &payload);
		s->h[s->n++] = h;
	}
	s->broken = s->n < MAX_FRAMES && rc < 0;
	close(fds[0]);
}

/* The incremental reader, the stream written piece by piece. */
static void read_pieces(const uint8_t *sizes, size_t nsizes, const uint8_t *d, size_t n,
    const struct seen *want)
{
	static struct frame_reader r;	/* reused, as the supervisor reuses it */
	int fds[2], rc = FRAME_AGAIN;
	size_t off = 0, k = 0, got = 0;

	frame_reader_reset(&r);
	r.stage_len = r.stage_pos = 0;	/* a new stream */

	pipe_of(fds, n);
	for (;;) {
		if (rc == FRAME_AGAIN && off < n) {
			size_t piece = nsizes > 0 ? 1 + (size_t)sizes[k++ % nsizes] * 17 : n;

			piece = piece < n - off ? piece : n - off;
			if (write(fds[1], d + off, piece) != (ssize_t)piece)
				abort();
			off += piece;
		} else if (rc == FRAME_AGAIN && fds[1] >= 0) {
			close(fds[1]);
			fds[1] = -1;
		}
		rc = frame_reader_read(fds[0], &r);
		if (rc == FRAME_READY) {
			FUZZ_CHECK(got < want->n, "frame %zu the blocking reader did not see", got);
			FUZZ_CHECK(memcmp(&r.hdr, &want->h[got], sizeof r.hdr) == 0,
			    "frame %zu differs", got);
			decode_payload(&r.hdr, &r.payload);
			got++;
			frame_reader_reset(&r);
			if (got == MAX_FRAMES)
				break;
			continue;
		}
		if (rc != FRAME_AGAIN)
			break;
	}
	if (got < MAX_FRAMES) {
		FUZZ_CHECK(got == want->n, "%zu frames, the blocking reader saw %zu", got, want->n);
		FUZZ_CHECK((rc == FRAME_BROKEN) == want->broken, "ended with %d", rc);
		FUZZ_CHECK(rc == FRAME_EOF || rc == FRAME_BROKEN, "ended with %d", rc);
	}
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen want;
	size_t nsizes;

	if (size < 1)
		return 0;
	nsizes = data[0] < size - 1 ? data[0] : size - 1;
	want.n = 0;
	read_blocking(data + 1 + nsizes, size - 1 - nsizes, &want);
	read_pieces(data + 1, nsizes, data + 1 + nsizes, size - 1 - nsizes, &want);
	return 0;
}
