/* worker_piece.c - compressed output made by the workers: a chunk's
 * output is compressed into one piece (primed, for a copy of a file,
 * with the input bytes before the chunk), which the output assembles. */
#include "autoconfig.h"

#include "compress.h"
#include "frame.h"
#include "gzip_out.h"
#include "util.h"
#include "worker_int.h"

/*
 * The 32 KiB before the chunk primes its piece when they are the bytes
 * the output has just before it: a copy of a regular file, from a
 * chunk that does not start the file.  Otherwise the piece stands alone
 * (a few hundred bytes more per chunk).
 */
static const struct buf *dictionary(struct worker *w)
{
	uint64_t start;
	ssize_t n;

	w->dict.len = 0;
	if (!w->dict_known || w->offset == 0 || !compressor_wants_dict(w->z))
		return &w->dict;
	start = w->offset > GZ_DICT_MAX ? w->offset - GZ_DICT_MAX : 0;
	buf_reserve(&w->dict, (size_t)(w->offset - start));
	n = pread_full(worker_input_fd(w, w->file), w->dict.data, (size_t)(w->offset - start),
	    start);
	w->dict.len = n == (ssize_t)(w->offset - start) ? (size_t)n : 0;
	return &w->dict;
}

/* Compress the chunk's output into one piece, sent with its CRC-32 and
 * length for the output to assemble. */
void worker_send_piece(struct worker *w)
{
	const struct buf *d = dictionary(w);
	unsigned char info[PIECE_INFO_SIZE];
	struct piece_info p;
	char *err;

	w->piece.len = 0;
	if (compressor_piece(w->z, d->data, d->len, w->out.data, w->out.len, &w->piece, &p,
	    &err) < 0)
		worker_fail(w, EXIT_SOFTWARE, "%s", err);
	piece_info_put(info, p);
	struct iovec iov[2] = {
		{ info, sizeof info },
		{ w->piece.data, w->piece.len },
	};
	worker_send_frame(w, FRAME_PIECE, 0, iov, 2);
	w->out.len = 0;
}
