/* chunker.h - record-aligned chunks from files and streams.
 *
 * A regular file is cut by offsets: the supervisor reads only a few bytes
 * around each boundary and workers read their ranges themselves.  Any
 * other input (a pipe, a FIFO, a terminal) is a stream: the supervisor
 * reads it and ships the bytes.  So is a compressed input (gzip or zstd,
 * file or stream, known by its first bytes): a decompressor process
 * inflates it into a pipe (see decompress.h). */
#ifndef FORKPIPE_CHUNKER_H
#define FORKPIPE_CHUNKER_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "fields.h"
#include "shard.h"

struct chunk {
	uint64_t seq;
	uint32_t file;		/* index into the inputs */
	uint64_t offset;	/* byte offset in that input */
	uint64_t length;
	char *data;		/* the bytes, for streams; NULL for file ranges */
	size_t cap;		/* allocated size of data */
};

enum {
	CHUNK_READY = 1,	/* *out holds a chunk */
	CHUNK_WAIT = 0,		/* a stream needs data: poll chunker_wait_fd() */
	CHUNK_END = -1,		/* no more input */
	CHUNK_ERROR = -2,	/* *err and *code say what went wrong */
};

struct chunker;

/*
 * Open every input now, so that a missing file fails the run before any
 * output is written (named regular files are closed again until their
 * turn comes; see chunker_input_fd).  A target of 0 chooses one from the input size and
 * the number of workers.  NULL with *err and *code on failure.
 */
struct chunker *chunker_open(char *const *paths, size_t n, char term, uint64_t target,
    long workers, char **err, int *code);
void chunker_close(struct chunker *c);
/* Stop the decompressors of compressed inputs, if any still run (a run
 * that ends early, or fails); chunker_close() does it too. */
void chunker_abort(struct chunker *c);

/*
 * Process shard s->k of s->n only (see shard.h): the records that start
 * in its byte range of the inputs, which must all be regular files cut
 * by offsets: plain, or BGZF and multi-frame zstd files (the records of
 * the members that start in the range).  Call chunker_set_format()
 * first: --csv and --header read compressed files as one stream, which
 * cannot be sharded.  Sets the range in *s.  Call before the first
 * chunk; -1 with *err and *code (64) when an input cannot be sharded.
 */
int chunker_set_shard(struct chunker *c, struct shard *s, char **err, int *code);

/*
 * Records are in format f (CSV chunks never end inside quotes); with
 * header, each input's first record is a header, not data.
 */
void chunker_set_format(struct chunker *c, const struct format *f, bool header);

/* Fail (exit 65) on a record longer than max bytes where the chunker
 * would otherwise hold it whole: in a stream's bytes, while it looks
 * for a CSV file's record ends, in a header.  Without it, no limit. */
void chunker_set_max_record(struct chunker *c, uint64_t max);

/*
 * CSV files (not --csv-lax) are cut in parallel on a grid of segments
 * whose quote counts the workers supply before chunking starts.  Returns
 * the number of segments of input file (0: not cut that way) and their
 * size in *seg; segment k covers [k * seg, (k + 1) * seg).
 */
size_t chunker_quote_grid(struct chunker *c, uint32_t file, uint64_t *seg);
uint64_t chunker_file_size(const struct chunker *c, uint32_t file);
/* The bytes of all the inputs, or 0 when one is a stream. */
uint64_t chunker_total_size(const struct chunker *c);
void chunker_set_quotes(struct chunker *c, uint32_t file, size_t seg, uint64_t count);

/*
 * Read the first input's header record into raw (terminator included;
 * empty for an empty input), before the workers start.  1 done, 0 when
 * a stream needs more data (call again when readable), -1 on error.
 */
int chunker_header(struct chunker *c, bool readable, struct buf *raw, char **err, int *code);

/* The largest automatic chunk: a chunk's output may be held in memory
 * until its turn comes, so this bounds the reorder window. */
#define CHUNK_MAX (16 << 20)

/* Choose the chunk size again, from the input size, up to max. */
void chunker_auto_target(struct chunker *c, long workers, uint64_t max);

/*
 * A BGZF input file's members, or a multi-frame zstd file's frames
 * (chunker_members_zstd() says which; skippable frames are members that
 * inflate to nothing), inflated by the workers: a chunk is a range of
 * whole members, and its records are those that start after the first
 * record end at or after the range's first inflated byte, up to the
 * first record end at or after the range's last one.  NULL for any
 * other input.  chunker_member_offset() is where member i starts once
 * inflated, as the members' own sizes say, or UINT64_MAX (the stages'
 * OFFSET_UNKNOWN) when some of a zstd file's frames do not state theirs.
 */
struct gz_member;
const struct gz_member *chunker_members(const struct chunker *c, uint32_t file, size_t *n);
uint64_t chunker_member_offset(const struct chunker *c, uint32_t file, size_t member);
bool chunker_members_zstd(const struct chunker *c, uint32_t file);

/*
 * Read gzip files with their index (FILE.gz.fpi, or path, --index, for
 * the one gzip input): cut between access points, the workers inflating
 * from them (see gzpoint.h).  An implicit index that does not fit its
 * file is ignored with a warning; serial (--csv-lax, whose stray quotes
 * make the quote state of a point meaningless): none is used
 * (one named with --index is still checked).
 * With write (--write-index), each gzip file read without one has its
 * index written as it is inflated (see gzindex_run.c).
 * Call right after chunker_open.  -1 with *err and *code (64, 65, 66)
 * for an explicit index that cannot be used.
 */
int chunker_use_indexes(struct chunker *c, const char *path, bool serial, bool write,
    char **err, int *code);
/* Whether the header is in the bytes of the first input's first range
 * (an indexed gzip file's: its worker skips it), not before them. */
bool chunker_gzix_header_in_range(const struct chunker *c);
/* The index input file is read with, or NULL. */
struct gzindex;
const struct gzindex *chunker_gzindex(const struct chunker *c, uint32_t file);

/*
 * The descriptor of input file, to pread from.  A named regular file is
 * opened now if it is not open (and must still be the file it was at
 * chunker_open), closing the one this process opened before: each
 * process holds at most one open, whatever the number of inputs.  -1
 * with *err and *code (66) if it cannot be opened.
 */
int chunker_input_fd(struct chunker *c, uint32_t file, char **err, int *code);
const char *chunker_path(const struct chunker *c, uint32_t file);
size_t chunker_count(const struct chunker *c);
/* Whether the offsets of file's chunks are in its decompressed bytes. */
bool chunker_inflated(const struct chunker *c, uint32_t file);

/* What an input is and how it is cut (--explain; describe.c). */
struct input_desc {
	const char *path;	/* "-" for stdin */
	bool is_stdin;
	const char *kind;	/* file, stream, gzip, bgzf, zstd, zstd-frames */
	uint64_t size;		/* bytes of a regular file (compressed, if it is) */
	bool empty, unsized;	/* size 0, or a /proc-like file: read as a stream */
	bool ranges;		/* cut by offsets, read by the workers */
	size_t members;		/* bgzf, zstd-frames: members (frames) */
	uint64_t inflated;	/* their inflated bytes */
	bool inflated_estimated;	/* some zstd frames state no size */
	bool streamed;		/* compressed, inflated by a decompressor as
				 * one stream (members too, with --csv or -H) */
	size_t points;		/* gzip read with its index: access points */
};
void chunker_describe(const struct chunker *c, uint32_t file, struct input_desc *d);
/* The chunk size in use. */
uint64_t chunker_target(const struct chunker *c);

/* The stream descriptor to poll for readability, or -1. */
int chunker_wait_fd(const struct chunker *c);

/*
 * Streams: by default a chunk is cut when the target's worth of bytes
 * is there (or at the end).  Eager, every read's complete records go
 * out at once (--line-buffered, a terminal: a match shows up as its line
 * comes).  Otherwise, a stream that has given nothing for `idle` seconds
 * while bytes wait: chunker_idle_deadline says when (monotonic, 0 for
 * never), and chunker_flush lets the next chunker_next cut what is
 * complete, once, until bytes come again.
 */
void chunker_set_eager(struct chunker *c, bool on);
double chunker_idle_deadline(const struct chunker *c, double idle);
void chunker_flush(struct chunker *c);

/*
 * Produce the next chunk.  readable says whether the stream descriptor
 * was reported readable (a stream is read at most once per call, and
 * only then, so the call never blocks on a pipe).
 */
int chunker_next(struct chunker *c, bool readable, struct chunk *out, char **err, int *code);

/*
 * Give a stream chunk's buffer back once its result is in.  Buffers are
 * reused rather than freed: fresh memory costs a page fault per 4 KiB,
 * which on a virtual machine is slower than reading the data.
 */
void chunker_recycle(struct chunker *c, struct chunk *ch);

/* Bytes of input handed out so far. */
uint64_t chunker_bytes(const struct chunker *c);

#endif
