/* compress.h - compressed output, gzip or zstd, one interface.
 *
 * The output is compressed in pieces: a worker compresses each chunk's
 * output into one piece (gzip: raw deflate ending with a sync flush,
 * primed with the 32 KiB that precede it when they are known; zstd: one
 * frame), and the output assembles the pieces in order into one stream
 * (gzip: a member header, the pieces, an empty final block and a trailer
 * whose CRC-32 is combined from the pieces'; zstd: frames back to back).
 * What the merger writes itself (a header record, a reducer's result)
 * is compressed the same way, into pieces of its own. */
#ifndef FORKPIPE_COMPRESS_H
#define FORKPIPE_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "zstd_frames.h"

enum compress_kind {
	COMPRESS_NONE,
	COMPRESS_GZIP,
	COMPRESS_ZSTD,
};

struct compress_opts {
	enum compress_kind kind;
	int level;		/* 0: the codec's default */
	bool independent;	/* gzip: no dictionary, pieces stand alone */
};

/* What assembling needs to know of a piece: its uncompressed bytes'
 * CRC-32 (gzip) and number. */
struct piece_info {
	uint32_t crc;
	uint64_t len;
};

#define PIECE_INFO_SIZE 12	/* u32 crc, u64 len, little-endian */
void piece_info_put(unsigned char out[PIECE_INFO_SIZE], struct piece_info p);
struct piece_info piece_info_get(const char *in);

/* The codec's default level, and whether level is valid for it. */
int compress_default_level(enum compress_kind kind);
bool compress_level_valid(enum compress_kind kind, int level);
int compress_max_level(enum compress_kind kind);
/* --gzip[=LEVEL], --zstd[=LEVEL] and their YAML keys: set the codec and
 * level (NULL: the default).  0, or -1 with *why ("invalid level ..."). */
int compress_choose(struct compress_opts *c, enum compress_kind kind, const char *level,
    char **why);
const char *compress_name(enum compress_kind kind);

/* A compression context, made once per process and reused.  A failure
 * of its set-up (other than memory) is reported by the first
 * compressor_piece(). */
struct compressor;

struct compressor *compressor_new(const struct compress_opts *o);
void compressor_free(struct compressor *c);
/* Whether pieces may be primed with the bytes before them. */
bool compressor_wants_dict(const struct compressor *c);

/* Compress data into one piece appended to out, described in *p.  dict:
 * the dictlen uncompressed bytes just before data in the stream (gzip
 * only), or NULL.  An empty data appends nothing.  0, or -1 with *err
 * (xmalloc'd) when the codec library fails: never the data's fault, an
 * internal failure (EXIT_SOFTWARE).  When memory runs out it exits as
 * xmalloc() does (lib_out_of_memory()). */
int compressor_piece(struct compressor *c, const void *dict, size_t dictlen,
    const void *data, size_t len, struct buf *out, struct piece_info *p, char **err);

/* The stream around the pieces. */
struct compress_stream {
	enum compress_kind kind;
	int level;
	uint32_t crc;
	uint64_t len;
	struct zstd_seek seek;	/* zstd: the frames, for the seek table */
};

void compress_stream_init(struct compress_stream *s, const struct compress_opts *o);
/* Append what comes before the first piece. */
void compress_stream_head(const struct compress_stream *s, struct buf *out);
/* A piece of csize compressed bytes was written after the others. */
void compress_stream_add(struct compress_stream *s, struct piece_info p, uint64_t csize);
/* Append what comes after the last piece: gzip's trailer; zstd's seek
 * table (the zstd seekable format, see zstd_frames.h), so that other
 * tools can seek in the output and forkpipe can cut it by frames. */
void compress_stream_end(struct compress_stream *s, struct buf *out);
void compress_stream_free(struct compress_stream *s);

#endif
