/* chunker.c - record-aligned chunks from files and streams: the driver
 * (chunker_next), the chunk size, --shard, --max-record and the format.
 *
 * The rest of the chunker is in files of its own, sharing chunker_int.h:
 * inputs.c opens the inputs, ranges.c cuts regular files into ranges
 * (and BGZF files between members), csv_cut.c finds CSV record ends,
 * stream_cut.c reads and cuts streams, header.c reads the header. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "chunker_int.h"
#include "record.h"
#include "util.h"

/*
 * The automatic chunk size: large chunks cost less per byte (each one is
 * a round trip through the supervisor), but there must be enough of them
 * to keep every worker busy to the end: aim for 16 per worker, between
 * CHUNK_MIN and max.  Streams, whose size is unknown, get CHUNK_STREAM.
 */
#define CHUNK_MIN (256 * 1024)
#define CHUNK_STREAM (4 << 20)

uint64_t chunker_target_for(const struct chunker *c, long workers, uint64_t max)
{
	uint64_t total = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (c->in[i].empty)
			continue;
		if (!c->in[i].seekable)
			return CHUNK_STREAM;
		total += c->in[i].bgzf ? c->in[i].uoff[c->in[i].nmembers] : c->in[i].size;
	}
	if (c->sharded)
		total = c->shard_bytes;
	total /= (uint64_t)workers * 16;
	return total < CHUNK_MIN ? CHUNK_MIN : total > max ? max : total;
}

void chunker_auto_target(struct chunker *c, long workers, uint64_t max)
{
	c->workers = workers > 0 ? workers : 1;
	c->auto_max = max;
	c->target = chunker_target_for(c, c->workers, max);
}

uint64_t chunker_bytes(const struct chunker *c)
{
	return c->bytes;
}

int chunker_wait_fd(const struct chunker *c)
{
	if (c->cur >= c->n || c->in[c->cur].seekable)
		return -1;
	return c->in[c->cur].fd;
}

void chunker_set_max_record(struct chunker *c, uint64_t max)
{
	c->max_record = max > 0 ? max : UINT64_MAX;
}

/* len bytes from off on hold no record end: too many, under --max-record? */
int chunker_check_record(struct chunker *c, uint64_t off, uint64_t len, char **err, int *code)
{
	if (len <= c->max_record)
		return 0;
	*err = record_too_long(chunker_path(c, (uint32_t)c->cur), off, c->max_record);
	*code = EXIT_DATAERR;
	return -1;
}

/* What a refused input can do instead: the inputs a shard can take. */
#define SHARDABLE "only regular files can be sharded: plain files, BGZF (bgzip) files, " \
	"zstd files of several frames and gzip files with an index"

/* Why input in cannot be sharded, or NULL. */
static char *unshardable(const struct input *in)
{
	if (strcmp(in->path, "-") == 0)
		return xasprintf("standard input cannot be sharded (name the file; " SHARDABLE ")");
	if (in->streamed)
		return xasprintf("%s: a compressed file cannot be sharded with --csv or --header "
		    "(only plain files can)", in->path);
	if (in->codec == CODEC_ZSTD && !in->bgzf)
		return xasprintf("%s: a zstd file of one frame cannot be sharded (write it in "
		    "frames, as pzstd or forkpipe --zstd do)", in->path);
	if (in->codec == CODEC_GZIP && !in->bgzf && in->gzix == NULL)
		return xasprintf("%s: a gzip file without an index cannot be sharded (make one "
		    "with: forkpipe index %s)", in->path, in->path);
	if (in->codec != CODEC_NONE && !in->bgzf && in->gzix == NULL)
		return xasprintf("%s: a %s input cannot be sharded (" SHARDABLE ")", in->path,
		    in->codec == CODEC_GZIP ? "gzip" : "zstd");
	if (in->unsized)
		return xasprintf("%s: its size is not known (only regular files whose size is "
		    "that of their contents can be sharded)", in->path);
	if (!in->seekable && !in->empty)
		return xasprintf("%s: not a regular file (" SHARDABLE ")", in->path);
	return NULL;
}

int chunker_set_shard(struct chunker *c, struct shard *s, char **err, int *code)
{
	uint64_t at = 0, space = 0;

	/* The range is cut in the records' bytes (an indexed gzip file's
	 * inflated ones); total counts the files' own, as their prints do. */
	s->total = 0;
	for (size_t i = 0; i < c->n; i++) {
		char *why = unshardable(&c->in[i]);

		if (why != NULL) {
			*err = xasprintf("--shard: %s", why);
			free(why);
			*code = EXIT_USAGE;
			return -1;
		}
		s->total += c->in[i].gzix != NULL ? chunker_gzix_file_size(&c->in[i]) : c->in[i].size;
		space += c->in[i].size;
	}
	shard_range(s, space, &s->start, &s->end);
	/* Each file's part of the range, in its own offsets. */
	for (size_t i = 0; i < c->n; i++) {
		struct input *in = &c->in[i];

		in->lo = s->start < at ? 0 : s->start - at < in->size ? s->start - at : in->size;
		in->hi = s->end < at ? 0 : s->end - at < in->size ? s->end - at : in->size;
		at += in->size;
	}
	c->sharded = true;
	c->shard_bytes = s->end - s->start;
	if (c->auto_max > 0)
		c->target = chunker_target_for(c, c->workers, c->auto_max);
	return 0;
}

void chunker_set_format(struct chunker *c, const struct format *f, bool header)
{
	bool changed = false;

	c->fmt = f;
	c->header = header;
	/* A CSV record may span members in ways a worker cannot tell from
	 * the middle of the file, and a header is read before the workers
	 * start: BGZF files are then inflated as one stream. */
	for (size_t i = 0; i < c->n && (header || is_csv(c)); i++) {
		if (c->in[i].bgzf) {
			chunker_bgzf_to_stream(&c->in[i]);
			changed = true;
		}
	}
	if (changed && c->auto_max > 0)
		c->target = chunker_target_for(c, c->workers, c->auto_max);
}

int chunker_next(struct chunker *c, bool readable, struct chunk *out, char **err, int *code)
{
	while (c->cur < c->n) {
		struct input *in = &c->in[c->cur];
		int rc;

		readable = readable || never_waits(in);
		if (c->sharded && in->lo == in->hi) {
			chunker_next_input(c);	/* none of its records start in the shard */
			continue;
		}
		if (!begun(in)) {
			rc = chunker_begin_input(c, readable, err, code);
			readable = false;
			if (rc < 0)
				return CHUNK_ERROR;
			if (rc == 0)
				return CHUNK_WAIT;
		}
		if (c->header && !c->header_read) {
			if (!in->seekable && !c->eof && !readable)
				return CHUNK_WAIT;
			rc = chunker_take_header(c, in, readable, err, code);
			readable = false;
			if (rc < 0)
				return CHUNK_ERROR;
			if (rc == 0)
				continue;
		}
		if (in->seekable) {
			if (!c->in_range && chunker_enter_range(c, in, err, code) < 0)
				return CHUNK_ERROR;
			if (c->pos >= c->end) {
				chunker_next_input(c);
				continue;
			}
			if (chunker_file_chunk(c, in, out, err, code) != CHUNK_READY)
				return CHUNK_ERROR;
		} else if ((rc = chunker_cut_stream(c, out, err, code)) <= 0) {
			if (rc < 0)
				return CHUNK_ERROR;
			if (c->eof) {
				chunker_next_input(c);
				continue;
			}
			if (!readable)
				return CHUNK_WAIT;
			if (chunker_read_stream(c, in, err, code) < 0)
				return CHUNK_ERROR;
			readable = false;
			continue;
		}
		out->seq = c->seq++;
		c->bytes += out->length;
		return CHUNK_READY;
	}
	return CHUNK_END;
}
