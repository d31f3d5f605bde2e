/* gzip_out.h - gzip output compressed in parallel pieces, as pigz does.
 *
 * Each chunk's output is compressed on its own (by a worker) into a piece
 * of raw deflate data that ends with a sync flush: no final block, byte
 * aligned, so pieces concatenate into one deflate stream.  A piece may be
 * primed with the last 32 KiB of uncompressed bytes that precede it in the
 * stream (a preset dictionary), which keeps the ratio within a fraction of
 * a percent of compressing the whole stream at once; without one the
 * pieces are independent.  The merger writes one gzip member:
 *
 *     gzip_header()  piece 0  piece 1  ...  piece n-1  gzip_trailer()
 *
 * and the trailer carries the CRC-32 and length of the whole stream,
 * combined from the pieces' own by a gz_writer, in input order.  The
 * result is a plain single-member .gz file, byte for byte decompressible
 * by gzip, zlib, or anything else. */
#ifndef FORKPIPE_GZIP_OUT_H
#define FORKPIPE_GZIP_OUT_H

#include <stdint.h>
#include <stddef.h>

#include "buf.h"

#define GZ_LEVEL_DEFAULT 6
/* A deflate window: a longer dictionary is cut to its last GZ_DICT_MAX
 * bytes, a shorter one still helps. */
#define GZ_DICT_MAX 32768

/* What the merger needs to know about a compressed piece. */
struct gz_piece {
	uint32_t crc;		/* CRC-32 of the piece's uncompressed bytes */
	uint64_t len;		/* number of uncompressed bytes */
};

/* One deflate state, allocated once (per worker) and reused for every
 * piece: about 270 KiB at any level. */
struct gz_deflater;

/* level is 1 (fastest) to 9 (smallest); anything else is a bug, which
 * the first gz_deflate_piece() reports, as it does a failure of zlib's
 * set-up.  Exits like xmalloc() when memory runs out (see
 * lib_out_of_memory()). */
struct gz_deflater *gz_deflater_new(int level);
void gz_deflater_free(struct gz_deflater *d);

/*
 * Compress len bytes of data into a piece and append it to out.  dict
 * holds the dictlen uncompressed bytes that come just before data in the
 * stream (only the last GZ_DICT_MAX count), or is NULL (dictlen 0) for an
 * independent piece.  The dictionary must be the stream's real preceding
 * bytes: the decompressor reads back-references into the output it has
 * already produced.  An empty piece appends nothing.  *p gets the
 * piece's CRC-32 and length.  0, or -1 with *err (xmalloc'd) when zlib
 * itself fails, which bad data never makes it do: the caller reports it
 * as an internal failure.  Exits like xmalloc() when memory runs out.
 */
int gz_deflate_piece(struct gz_deflater *d, const void *dict, size_t dictlen,
    const void *data, size_t len, struct buf *out, struct gz_piece *p, char **err);

/* Append the 10-byte gzip member header: no name, no time stamp, OS Unix,
 * the XFL byte gzip writes for level (2 for 9, 4 for 1, else 0). */
void gzip_header(struct buf *out, int level);

/* Append the end of the member: an empty final deflate block (2 bytes),
 * then the CRC-32 and the length modulo 2^32 of all the uncompressed
 * bytes.  gzip_header() + gzip_trailer(out, 0, 0) is a valid empty .gz. */
void gzip_trailer(struct buf *out, uint32_t crc, uint64_t total_len);

/* The merger's running CRC-32 and length over the pieces, added in input
 * order (an empty piece may be skipped or added). */
struct gz_writer {
	uint32_t crc;
	uint64_t len;
};

void gz_writer_init(struct gz_writer *w);
void gz_writer_add(struct gz_writer *w, struct gz_piece p);
/* gzip_trailer() with the writer's totals. */
void gz_writer_finish(const struct gz_writer *w, struct buf *out);

#endif
