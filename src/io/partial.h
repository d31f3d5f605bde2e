/* partial.h - partial result files: what `--partial` writes and
 * `forkpipe merge` reads.
 *
 * A partial file holds the reducer's partial states as the workers sent
 * them, one piece per chunk, unmerged: pieces merge in any order, so the
 * file is written as they arrive and read back one piece at a time,
 * within bounded memory, however large the run was.  The format is
 * described in forkpipe-partials(5):
 *
 *   "forkpipe partial 3\n"           magic and format version
 *   "pipeline " IDENTITY "\n"        the input format and the stages up
 *                                    to the reducer, as text
 *   "origin " ORIGIN "\n"            "-", or the shards it holds:
 *                                    "shards F-L of N, inputs M"
 *   M x "input SIZE SEC.NSEC SUM NAME\n"  what the shards were made of
 *   u64 length, header record        with -H (length 0 without)
 *   u32 CRC-32                       of the head so far
 *   pieces: u64 length (> 0),        one reducer partial each, whose
 *           u64 base, u32 CRC-32,    chunk numbers are offset by base;
 *           bytes                    the CRC covers length, base, bytes
 *   u64 0, u64 chunks, u64 pieces,   the end: truncation is detected
 *   u32 CRC-32 of those
 *
 * (u64: 8 bytes, u32: 4, little-endian.)  `merge` refuses a file whose
 * identity differs from its own pipeline's: the partials would not mean
 * the same; and one whose checksums do not match: a damaged piece could
 * still decode, as something else.  It puts the shards of the same
 * inputs in shard order, whatever order they come in, and checks that
 * they cover their inputs once (merge.c). */
#ifndef FORKPIPE_PARTIAL_H
#define FORKPIPE_PARTIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "job.h"

#define PARTIAL_MAGIC "forkpipe partial "
#define PARTIAL_VERSION 3

/* One input of a shard: its name (in double quotes with C escapes, as
 * in the file) and what it was when the shard was made. */
struct partial_input {
	char *name;
	struct shard_print print;
};

/* Which shards of which inputs a partial holds (--shard, or a merge of
 * adjacent shards), so that merge can put partials in input order
 * whatever order they are given in, and refuse a cover with a hole, a
 * shard twice, or shards of inputs that changed in between. */
struct partial_origin {
	bool known;		/* else a partial of whole inputs, or of stdin */
	uint64_t first, last, n;	/* shards first to last of n */
	struct partial_input *inputs;
	size_t ninputs;
};

void partial_origin_free(struct partial_origin *o);
/* A copy of from into to, to be freed. */
void partial_origin_copy(struct partial_origin *to, const struct partial_origin *from);

/* The job's identity line (without "pipeline " and the newline). */
void partial_identity(const struct job *job, struct buf *out);

/* The file's start: magic, identity, the origin of the job's shard (or
 * none), header record (NULL: none). */
void partial_put_head(const struct job *job, const struct buf *header, struct buf *out);
/* The same with the origin o. */
void partial_put_head_origin(const struct job *job, const struct buf *header,
    const struct partial_origin *o, struct buf *out);
/* One piece's prefix: its length, chunk number base and checksum (the
 * piece's len bytes at data follow it). */
void partial_put_piece(struct buf *out, const char *data, uint64_t len, uint64_t base);
/* The end marker. */
void partial_put_end(struct buf *out, uint64_t chunks, uint64_t pieces);

struct partial_reader;

/*
 * Open path ("-": stdin) and check its head against job.  The header
 * record (empty without -H) is in *header, the origin in *origin.  NULL
 * with *err (exit 66 when it cannot be opened, 65 when it is not a
 * partial of this pipeline).
 */
struct partial_reader *partial_open(const char *path, const struct job *job,
    struct buf *header, struct partial_origin *origin, char **err, int *code);
/*
 * The next piece into piece (replacing its contents) and its chunk
 * number base into *n: 1; or 0 at the end marker, *n then the file's
 * number of chunks; or -1 with *err and *code.
 */
int partial_next(struct partial_reader *r, struct buf *piece, uint64_t *n, char **err,
    int *code);
void partial_close(struct partial_reader *r);

#endif
