/* zstd_frames.h - multi-frame zstd: a file's frames listed without
 * decompressing them, and the seek table of the zstd seekable format.
 *
 * A .zst file of several frames (pzstd's output, forkpipe's own --zstd
 * output, the seekable format) is cut between frames, as a BGZF file is
 * between members, and the workers decompress their frames themselves.
 * Listing walks the frame headers and block headers (a small pread
 * each, no decompressing), so a frame's compressed size is known
 * exactly; its decompressed size is known when its header states it
 * (zstd and forkpipe write it; pzstd does not) or when the file ends in
 * a seek table that agrees with the frames.
 *
 * The seek table (contrib/seekable_format in zstd's sources) is a
 * skippable frame (magic 0x184D2A5E) at the end of the file: one entry
 * per frame before it (compressed size, decompressed size, both u32
 * little-endian, and a u32 checksum when the descriptor says so), then
 * a 9-byte footer: the number of frames (u32), a descriptor byte (bit 7:
 * checksums; bits 6-2 reserved, zero) and the magic 0x8F92EAB1.
 * forkpipe's --zstd output ends in one, without checksums. */
#ifndef FORKPIPE_ZSTD_FRAMES_H
#define FORKPIPE_ZSTD_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "gzip_in.h"	/* struct gz_member: a frame is listed as a member is */

/*
 * List the frames of the zstd file at fd (size bytes): every frame,
 * skippable ones included (their decompressed size is 0), back to back
 * from offset 0 to the end.  *exact says whether every decompressed size
 * is known; when not, the unknown ones are estimates (128 KiB per
 * compressed block), good for sizing chunks only.
 *
 * Returns 1 with *members (malloc'd) and *n when the file is at least
 * two data frames, whole, with nothing else; 0 when it is not (one
 * frame, a truncated or damaged frame, trailing bytes, a frame or size
 * beyond 4 GiB, a frame that needs a dictionary): decompress the file as
 * one stream, which reports any error; -1 on a read error, with *err.
 */
int zstd_list_frames(int fd, uint64_t size, struct gz_member **members, size_t *n, bool *exact,
    char **err);

/*
 * Decompress the one frame of len bytes at in (m's, at compressed
 * offset base of its file) onto out, whose room is made for cap bytes
 * (the frame's size, or the upper bound zstd_list_frames() estimates:
 * a compressed block never holds more than 128 KiB).  All at once, so
 * that the frame is decoded straight into out; a damaged frame is then
 * decoded again as a stream by z, for the very message (and offsets)
 * that decompressing the file as one stream gives.  *made: the bytes
 * appended.  0, or GZ_ERROR or GZ_FAILED with *err (gzip_in.h).
 */
struct zstd_decoder;
struct zstd_frame_decoder;
struct zstd_frame_decoder *zstd_frame_decoder_new(void);
int zstd_decode_frame(struct zstd_frame_decoder *d, const void *in, size_t len, uint64_t base,
    size_t cap, struct buf *out, size_t *made, char **err);

/* The message of a frame that holds other than the said bytes its seek
 * table gives (only a seek table can be wrong and the frame good). */
char *zstd_frame_size_error(uint64_t base, uint64_t held, uint64_t said);

/* A seek table being written: one entry per frame, in order. */
struct zstd_seek {
	struct buf entries;	/* 8 bytes each: compressed, decompressed size */
	uint64_t n;
	bool off;		/* a frame did not fit an entry: no table */
};

/* A frame of csize compressed and dsize decompressed bytes was written
 * after the others (an empty piece, csize 0, is no frame). */
void zstd_seek_add(struct zstd_seek *t, uint64_t csize, uint64_t dsize);
/* Append the seek table's skippable frame for the frames added, unless
 * one could not be described (over 1 GiB decompressed, as the format's
 * reference implementation limits frames, or too many frames). */
void zstd_seek_table(const struct zstd_seek *t, struct buf *out);
void zstd_seek_free(struct zstd_seek *t);

#endif
