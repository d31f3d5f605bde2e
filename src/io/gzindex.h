/* gzindex.h - an index of access points into a gzip file (FILE.gz.fpi).
 *
 * A gzip member can only be inflated from its start.  An access point
 * is where a deflate block starts: inflating can begin there, given the
 * 32 KiB of output before it (the window).  The index keeps one point
 * every few MiB of output, with what a worker needs to start there: the
 * compressed bit offset, the window, the uncompressed offset, the
 * offset of the first line end at or after the point, and for CSV the
 * quote state there (whether an odd number of quotes comes before it:
 * then it is inside a quoted field) and the first line end outside
 * quotes at or after it, so that a CSV range starts at the record start
 * after that, as a plain CSV file's grid does (io/csv_cut.c).  It also keeps the
 * file's size, modification time and a checksum of sampled compressed
 * bytes, so an index that does not belong to its file is recognised.
 *
 * The format is documented in forkpipe-gzindex(5). */
#ifndef FORKPIPE_GZINDEX_H
#define FORKPIPE_GZINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define GZI_WINDOW 32768
#define GZI_NONE UINT64_MAX	/* no line end after the point */
#define GZI_SPACING_DEFAULT ((uint64_t)4 << 20)

/* Point flags. */
enum {
	GZI_MEMBER = 1,	/* the point starts a member (at its header, no window) */
	GZI_QUOTED = 2,	/* an odd number of '"' in the output before it: CSV
			 * read from here starts inside a quoted field */
};

struct gzi_point {
	uint64_t cbit;		/* compressed offset in bits, in the file */
	uint64_t uoff;		/* uncompressed offset, in the whole stream */
	uint64_t line_end;	/* offset of the first '\n' at or after uoff, or GZI_NONE */
	uint64_t csv_end;	/* the first '\n' at or after uoff outside quotes
				 * (by the quote parity), or GZI_NONE */
	uint32_t flags;
	uint32_t wlen;		/* bytes of window (up to GZI_WINDOW) */
	uint32_t crc;		/* CRC-32 of the member's output before uoff (0 at
				 * a member start): a worker that starts here checks
				 * its output against the next point's, and the last
				 * one the member's trailer, so every byte is checked */
	unsigned char *window;	/* the wlen bytes before uoff; NULL when wlen == 0 */
};

/* The file an index belongs to. */
struct gzi_ident {
	uint64_t size;
	int64_t mtime_ns;
	uint32_t sample;	/* CRC-32 of sampled compressed bytes */
};

struct gzindex {
	struct gzi_ident id;
	uint64_t usize;		/* uncompressed size of the whole file */
	uint64_t spacing;	/* output bytes between points, as asked */
	size_t n, cap;
	struct gzi_point *p;	/* by uoff; p[0] is the start of the file */
};

void gzindex_free(struct gzindex *ix);
/* Append a point; window is copied. */
void gzindex_add(struct gzindex *ix, const struct gzi_point *pt, const unsigned char *window);

/* The identity of the open file fd (its size, time and sampled bytes).
 * 0, or -1 with *err (a read error). */
int gzi_ident_of(int fd, struct gzi_ident *id, char **err);
bool gzi_ident_eq(const struct gzi_ident *a, const struct gzi_ident *b);

/*
 * The serialised index, xmalloc'd in *data, *len bytes.  Windows are
 * stored deflated with zlib.
 */
void gzindex_serialise(const struct gzindex *ix, unsigned char **data, size_t *len);
/*
 * Parse a serialised index.  0, or -1 with *err ("not a forkpipe gzip
 * index", "damaged gzip index: ...") for anything that is not exactly
 * one well-formed index: every field is checked, so a damaged index is
 * never used.  ix is empty on failure.
 */
int gzindex_parse(const unsigned char *data, size_t len, struct gzindex *ix, char **err);

/* Write ix to path, whole or not at all (a temporary file renamed).
 * 0, or -1 with *err. */
int gzindex_write(const struct gzindex *ix, const char *path, char **err);
/* Read and parse path.  0; -1 with *err when it cannot be read (errno
 * kept: ENOENT when there is none); -2 with *err when it is damaged. */
int gzindex_read(const char *path, struct gzindex *ix, char **err);

/* The index's path for a file: FILE.fpi (xmalloc'd). */
char *gzindex_path(const char *file);

/*
 * Index the gzip file fd: inflate it whole with ISA-L (every member's
 * CRC-32 and length checked), with an access point at the first deflate
 * block boundary after every spacing bytes of output, and one at each
 * member.  0, or -1 with *err (bad gzip data, a read error).
 */
int gzindex_build(int fd, uint64_t spacing, struct gzindex *ix, char **err);
/* The same, handing each piece of output to sink as it is made (a run
 * that writes the index while it inflates).  A sink that returns -1
 * stops the build: GZI_STOPPED, without *err. */
typedef int gzi_sink(void *ctx, const void *p, size_t n);
#define GZI_STOPPED (-2)
int gzindex_build_to(int fd, uint64_t spacing, struct gzindex *ix, gzi_sink *sink, void *ctx,
    char **err);

/*
 * Append to out the want bytes of output that start at point i's
 * uncompressed offset, inflating from point i (and the points after it
 * when want reaches past the next one).  map holds the whole compressed
 * file (size bytes).  0, or -1 with *err when the data there does not
 * inflate as the index says (a stale or foreign index, or bad data).
 */
int gzindex_inflate(const struct gzindex *ix, size_t i, const unsigned char *map, uint64_t size,
    uint64_t want, struct buf *out, char **err);
#endif
