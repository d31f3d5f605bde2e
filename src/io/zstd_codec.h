/* zstd_codec.h - zstd output in independent frames, zstd input streaming.
 *
 * Output: each chunk's output is compressed by its worker into one zstd
 * frame, with the content size and a checksum (as the zstd program writes
 * by default); frames written back to back are one valid zstd stream.
 *
 * Input: zstd_decode() decompresses a stream of frames (skippable frames
 * skipped) in pieces, as the gzip inflater does, with the same calling
 * convention and return values (GZ_MORE, GZ_END, GZ_ERROR of gzip_in.h).
 * Errors are xmalloc'd strings without the file name:
 *
 *   - "not in zstd format": the stream does not start with a frame;
 *   - "unexpected end of zstd data at compressed byte offset N";
 *   - "trailing garbage after zstd data at compressed byte offset N";
 *   - "corrupt zstd data at compressed byte offset N: REASON", REASON
 *     being libzstd's ("Data corruption detected", "Restored data doesn't
 *     match checksum"...).  zstd reads whole blocks (up to 128 KiB) before
 *     it checks them, so N is where the decoder was, at or after the bad
 *     byte, within the frame that starts at the offset also reported. */
#ifndef FORKPIPE_ZSTD_CODEC_H
#define FORKPIPE_ZSTD_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define ZSTD_LEVEL_DEFAULT 3

/* Whether the len bytes at p start like zstd data: a frame (28 b5 2f fd)
 * or a skippable frame (5X 2a 4d 18, as pzstd writes first). */
bool zstd_detect(const void *p, size_t len);

/* Whether level is one libzstd accepts (negative ones are faster still;
 * 1 to 19, and to 22 at a large memory cost). */
bool zstd_level_valid(int level);

/* One compression context, allocated once per worker and reused. */
struct zstd_compressor;

/* Exits like xmalloc() when memory runs out (see lib_out_of_memory());
 * an invalid level is a bug, which the first zstd_compress_frame()
 * reports, as it does any other failure of the set-up. */
struct zstd_compressor *zstd_compressor_new(int level);
void zstd_compressor_free(struct zstd_compressor *c);

/* Compress len bytes of data into one frame appended to out.  An empty
 * chunk appends nothing (see zstd_finish()).  0, or -1 with *err
 * (xmalloc'd) when libzstd fails, which no data makes it do: an internal
 * failure.  Exits like xmalloc() when memory runs out. */
int zstd_compress_frame(struct zstd_compressor *c, const void *data, size_t len,
    struct buf *out, char **err);

/* After the last frame: when the whole output was empty (total_len 0, so
 * no frame was written), append one empty frame, so that an empty output
 * is still a valid .zst file. */
void zstd_finish(struct buf *out, uint64_t total_len);

/* A decompression context, reused. */
struct zstd_decoder;

struct zstd_decoder *zstd_decoder_new(void);
void zstd_decoder_free(struct zstd_decoder *z);
void zstd_decoder_reset(struct zstd_decoder *z);
/* Reset z to decode one frame (or several) that start at compressed
 * offset base of a file, as one of a multi-frame file's: its messages
 * give file offsets, and the bytes before it were good frames. */
void zstd_decoder_reset_at(struct zstd_decoder *z, uint64_t base);

/* Exactly gz_inflate()'s contract (see gzip_in.h), GZ_FAILED included;
 * exits like xmalloc() when memory runs out. */
int zstd_decode(struct zstd_decoder *z, const void *in, size_t inlen, size_t *used,
    void *out, size_t outcap, size_t *made, bool eof, char **err);

uint64_t zstd_decoder_total_in(const struct zstd_decoder *z);
uint64_t zstd_decoder_total_out(const struct zstd_decoder *z);

#endif
