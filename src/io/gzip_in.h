/* gzip_in.h - gzip input: detection, a streaming inflater, BGZF members.
 *
 * The streaming inflater decompresses a whole .gz stream as `gzip -dc`
 * does: every member of a multi-member stream (concatenated files,
 * `pigz -i`, BGZF), each member's CRC-32 and length checked, zero padding
 * after the last member accepted.  Its verdicts are those of `gzip -t`:
 *
 *   - "unexpected end of gzip data at compressed byte offset N": the data
 *     stops inside a member, or after a member with one non-zero byte;
 *   - "not in gzip format": the stream does not start with a gzip member;
 *   - "trailing garbage after gzip data at compressed byte offset N": the
 *     bytes after a member are neither a member nor all zeros (gzip -t
 *     calls this a warning, exit status 2; here it fails the input);
 *   - "corrupt gzip data at compressed byte offset N: REASON" for bad
 *     deflate data (N is the byte where inflating stops, as with zlib,
 *     however the input was cut: see isal_fault.h; REASON is ISA-L's
 *     verdict in zlib's words: "invalid distance too far back", "invalid
 *     block", "invalid literal/length or distance code"), a CRC-32
 *     mismatch ("CRC-32 mismatch", N is the CRC field) or a length
 *     mismatch ("length mismatch", N is the ISIZE field);
 *   - "corrupt gzip header at compressed byte offset N: REASON" for an
 *     unknown method, reserved flags or a bad header CRC (N is the
 *     member's first byte).
 *
 * The one difference: gzip also decompresses the ancient formats it knows
 * (pack, compress, LZH, and gzip 0.5's 1f 9e magic) as members; here they
 * are not gzip.  Errors are xmalloc'd strings without the file name; the
 * caller prefixes "forkpipe: FILE: " and exits with EXIT_DATAERR.  A
 * failure of ISA-L itself (GZ_FAILED: a bug, never the data's) is an
 * internal one, EXIT_SOFTWARE; when memory runs out, the inflater exits
 * as xmalloc() does (see lib_out_of_memory()), in any process. */
#ifndef FORKPIPE_GZIP_IN_H
#define FORKPIPE_GZIP_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Whether the len bytes at p start like a gzip file: 1f 8b 08 (deflate).
 * Pass at least 3 bytes when the input has them; fewer never match. */
bool gzip_detect(const void *p, size_t len);

/* One inflate state, allocated once and reused (about 100 KiB). */
struct gz_inflater;

enum {
	GZ_FAILED = -2,	/* ISA-L failed, not the data: *err says how; for good */
	GZ_ERROR = -1,	/* *err says what is wrong; reset before reuse */
	GZ_MORE = 0,	/* all input consumed, or the output is full */
	GZ_END = 1,	/* eof was set and the stream ended well */
};

/* Exits like xmalloc() when memory runs out. */
struct gz_inflater *gz_inflater_new(void);
void gz_inflater_free(struct gz_inflater *z);
/* Start a new stream, at compressed offset 0. */
void gz_inflater_reset(struct gz_inflater *z);

/*
 * Decompress the next inlen bytes of the stream from in into out, which
 * has room for outcap bytes; *used and *made say how many bytes were
 * consumed and produced (bytes not consumed must be passed again).  Set
 * eof when in ends the stream (inlen may be 0 then).
 *
 * Returns GZ_MORE when it stopped because it consumed all the input or
 * filled the output: call again with more input or more room.  With eof
 * it returns GZ_END only once all the input is consumed and all the
 * output produced; so a caller loops while GZ_MORE, reading more input
 * when *used == inlen and giving new room when *made == outcap.
 */
int gz_inflate(struct gz_inflater *z, const void *in, size_t inlen, size_t *used,
    void *out, size_t outcap, size_t *made, bool eof, char **err);

/* Totals since the last reset: compressed bytes consumed, bytes produced,
 * members completed. */
uint64_t gz_inflater_total_in(const struct gz_inflater *z);
uint64_t gz_inflater_total_out(const struct gz_inflater *z);
uint64_t gz_inflater_members(const struct gz_inflater *z);

/*
 * Inflate the one gzip member that starts at in (len bytes, of which the
 * member may use fewer) and append its data to out.  base is in's offset
 * in the file, for error messages.  *used returns the member's compressed
 * size.  Checks the CRC-32 and length; the member must end within len.
 * Resets z (its stream state is lost).  0, or -1 with *err (bad data),
 * or GZ_FAILED with *err (ISA-L failed).
 */
int gz_inflate_member(struct gz_inflater *z, const void *in, size_t len, uint64_t base,
    struct buf *out, size_t *used, char **err);

/* One BGZF block (a gzip member), as listed from its header and trailer. */
struct gz_member {
	uint64_t offset;	/* compressed offset of its first byte */
	uint32_t csize;		/* compressed size, header and trailer included */
	uint32_t usize;		/* uncompressed size, from its ISIZE field */
};

/*
 * List the members of a BGZF file (bgzip, samtools, htslib output): each
 * member's header carries its own size in the "BC" extra subfield, so this
 * costs one small pread per member and never inflates.  The sizes are
 * unverified until each member is inflated with gz_inflate_member().
 *
 * Returns 1 with *members (malloc'd, free() it) and *n when the size bytes
 * at fd are BGZF members back to back, nothing else; 0 when they are not
 * (another kind of gzip, a damaged or truncated BGZF file, trailing
 * bytes): inflate the file as one stream, which reports any error; -1 on
 * a read error, with *err.
 */
int bgzf_members(int fd, uint64_t size, struct gz_member **members, size_t *n, char **err);

#endif
