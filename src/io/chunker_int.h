/* chunker_int.h - what the chunker's files share (inputs.c, chunker.c,
 * ranges.c, csv_cut.c, stream_cut.c, header.c): the chunker's state and
 * the functions one of them defines for the others.  Callers outside
 * the chunker use chunker.h only. */
#ifndef FORKPIPE_CHUNKER_INT_H
#define FORKPIPE_CHUNKER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "chunker.h"
#include "decompress.h"
#include "fields.h"
#include "gzip_in.h"

#define PROBE_SIZE (4 * 1024)
#define STREAM_READ_MIN (64 * 1024)

struct input {
	char *path;
	int fd;			/* for a compressed input, the inflated stream */
	bool seekable;
	uint64_t size;
	/* A named regular file is open only while it is needed (see
	 * chunker_input_fd), and must be the same file each time. */
	bool lazy;
	dev_t dev;
	ino_t ino;
	bool empty;		/* a regular file of size 0, read as a stream */
	bool unsized;		/* a /proc or /sys file: its size says nothing */
	/* Compressed input (see decompress.h): the compressed descriptor,
	 * and the child that inflates it, started when the input's turn
	 * comes.  A stream's first bytes, read to detect its format, stay
	 * pending for the chunker, or go to the child. */
	enum codec codec;
	int raw_fd;
	struct decompressor dec;
	bool detected;		/* a stream's format is known */
	struct buf magic;	/* the stream bytes read to know it */
	/* A BGZF file (gzip members that state their own size), or a zstd
	 * file of several frames (codec says which), is cut on member
	 * boundaries, and the workers inflate the members. */
	bool bgzf;
	struct gz_member *members;
	size_t nmembers;
	uint64_t *uoff;		/* inflated offset of each member, and the total */
	bool usize_estimated;	/* zstd: some frames' sizes are not stated */
	bool streamed;		/* cut by members, but read as one stream */
	/* A gzip file with an index (see gzranges.c): cut between its
	 * access points, in inflated offsets (size is the inflated size);
	 * the workers inflate from the points. */
	struct gzindex *gzix;
	/* CSV: quote counts of the segments of a grid (see csv_cut.c) */
	uint64_t seg;		/* segment size, 0: no grid */
	size_t nseg;
	uint64_t *quotes;	/* per segment, then turned into prefix parities */
	bool parity_ready;
	/* --shard: the records that start in [lo, hi) are this run's */
	uint64_t lo, hi;
};

struct chunker {
	struct input *in;
	size_t n;
	size_t cur;		/* input being chunked */
	uint64_t pos;		/* next offset in it */
	uint64_t end;		/* where its records end (a shard's may end early) */
	bool in_range;		/* pos and end are set for it (file inputs) */
	size_t member;		/* BGZF: next member in it */
	long workers;
	uint64_t auto_max;	/* the automatic target's cap, 0 if -b gave it */
	char term;
	uint64_t target;
	uint64_t seq;
	uint64_t bytes;
	struct buf pending;	/* stream bytes not yet shipped */
	size_t tried;		/* pending bytes when the last cut found no record end */
	bool eof;		/* the current stream hit EOF */
	/* A stream's complete records go out before a chunk is full: always
	 * (eager: --line-buffered, a terminal), or once (idle_cut: it went
	 * quiet; cleared when bytes come again). */
	bool eager, idle_cut;
	double last_read;	/* monotonic: when the stream last gave bytes */
	char *probe;
	struct buf *pool;	/* spare stream buffers */
	size_t npool;
	const struct format *fmt;	/* CSV: quote-aware boundaries */
	bool header;		/* each input starts with a header record */
	struct buf first_header;	/* the first input's, to compare others with */
	bool have_header;	/* first_header is read (empty inputs have none) */
	uint32_t header_file;	/* the input it is from */
	bool header_read;	/* the current input's header is consumed */
	bool bom_checked;	/* a byte-order mark is dropped from its start */
	struct buf scan;	/* CSV boundary scanning */
	bool sharded;		/* --shard: only the records of one byte range */
	uint64_t shard_bytes;	/* the size of that range */
	uint64_t max_record;	/* --max-record; UINT64_MAX: none */
	long held;		/* the lazy input whose descriptor is open, or -1 */
};


/* A compressed input inflated by a child (not BGZF or an indexed gzip
 * file, which workers inflate). */
static inline bool by_child(const struct input *in)
{
	return in->codec != CODEC_NONE && !in->bgzf && in->gzix == NULL;
}

/* The input's turn has come: its format is known, its descriptor open
 * and its decompressor, if any, started (see chunker_begin_input). */
static inline bool begun(const struct input *in)
{
	int fd = by_child(in) ? in->raw_fd : in->fd;

	return in->detected && fd >= 0 && (!by_child(in) || in->dec.started);
}

/* A regular file read as a stream: a read never waits. */
static inline bool never_waits(const struct input *in)
{
	return in->lazy && !in->seekable && !by_child(in);
}

static inline bool is_csv(const struct chunker *c)
{
	return c->fmt != NULL && c->fmt->kind == FORMAT_CSV;
}

/* inputs.c */
void chunker_bgzf_to_stream(struct input *in);
int chunker_begin_input(struct chunker *c, bool readable, char **err, int *code);
void chunker_next_input(struct chunker *c);
int chunker_end_compressed(struct chunker *c, struct input *in, char **err, int *code);

/* chunker.c */
uint64_t chunker_target_for(const struct chunker *c, long workers, uint64_t max);
int chunker_check_record(struct chunker *c, uint64_t off, uint64_t len, char **err, int *code);

/* ranges.c */
ssize_t chunker_probe(struct chunker *c, struct input *in, uint64_t at, char **err);
int chunker_enter_range(struct chunker *c, struct input *in, char **err, int *code);
int chunker_file_chunk(struct chunker *c, struct input *in, struct chunk *out, char **err,
    int *code);

/* gzranges.c */
void chunker_gzix_to_stream(struct input *in);
int chunker_gzix_boundary(struct chunker *c, struct input *in, uint64_t *end);
void chunker_gzix_range(struct input *in, uint64_t *start, uint64_t *end);
void chunker_gzix_free(struct input *in);
uint64_t chunker_gzix_file_size(const struct input *in);
ssize_t chunker_gzix_pread(const struct input *in, void *buf, size_t len, uint64_t off,
    char **err, int *code);

/* csv_cut.c */
int chunker_csv_error(struct chunker *c, uint64_t off, const char *why, char **err, int *code);
int chunker_csv_boundary(struct chunker *c, struct input *in, uint64_t from, uint64_t want,
    uint64_t *end, char **err, int *code);
int chunker_csv_grid_boundary(struct chunker *c, struct input *in, uint64_t want,
    uint64_t *end, char **err);

/* stream_cut.c */
int chunker_cut_stream(struct chunker *c, struct chunk *out, char **err, int *code);
int chunker_read_stream(struct chunker *c, struct input *in, char **err, int *code);

/* header.c */
int chunker_take_header(struct chunker *c, struct input *in, bool readable, char **err,
    int *code);

#endif
