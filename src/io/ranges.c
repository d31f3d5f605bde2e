/* ranges.c - regular files cut by offsets: record ends found by reading
 * a few bytes around each boundary (workers read their ranges
 * themselves), a shard's first and last records, BGZF files cut between
 * members, and the sizes of the inputs. */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>

#include "chunker_int.h"
#include "record.h"
#include "util.h"

/* Read up to PROBE_SIZE bytes of the current input from at into
 * c->probe: how many (0 past its end), or -1 with *err. */
ssize_t chunker_probe(struct chunker *c, struct input *in, uint64_t at, char **err)
{
	ssize_t n = pread_full(in->fd, c->probe, PROBE_SIZE, at);

	if (n < 0)
		*err = xasprintf("%s: read error at offset %llu: %s",
		    chunker_path(c, (uint32_t)c->cur), (unsigned long long)at, strerror(errno));
	return n;
}

/*
 * A record end in a regular file: just past the first terminator at or
 * after at, or the end of the file.  A chunk starting at pos ends at the
 * one from pos + target - 1.
 */
static int file_boundary(struct chunker *c, struct input *in, uint64_t at, uint64_t *end,
    char **err)
{
	while (at < in->size) {
		ssize_t n = chunker_probe(c, in, at, err);

		if (n < 0)
			return -1;
		if (n == 0)
			break;	/* the file shrank: the worker will report it */
		size_t k = record_first_end(c->probe, (size_t)n, c->term);

		if (k > 0) {
			*end = at + k;
			return 0;
		}
		at += (uint64_t)n;
	}
	*end = in->size;
	return 0;
}

uint64_t chunker_total_size(const struct chunker *c)
{
	uint64_t total = 0;

	if (c->sharded)
		return c->shard_bytes;
	for (size_t i = 0; i < c->n; i++) {
		if (c->in[i].empty)
			continue;
		if (!c->in[i].seekable)
			return 0;
		total += c->in[i].size;
	}
	return total;
}

uint64_t chunker_file_size(const struct chunker *c, uint32_t file)
{
	return file < c->n ? c->in[file].size : 0;
}

/*
 * A BGZF file is cut between members, after as many as make the target
 * once inflated (at least one).  The cut is no record boundary: the
 * workers inflate on past the end of their range to the end of the
 * record there, and skip to the first record start in theirs.
 */
static int bgzf_boundary(struct chunker *c, struct input *in, uint64_t *end)
{
	size_t b = c->member;
	uint64_t got = 0;

	while (b < in->nmembers && (b == c->member || got < c->target))
		got += in->members[b++].usize;
	c->member = b;
	*end = b < in->nmembers ? in->members[b].offset : in->size;
	return 0;
}

const struct gz_member *chunker_members(const struct chunker *c, uint32_t file, size_t *n)
{
	if (file >= c->n || !c->in[file].bgzf)
		return NULL;
	*n = c->in[file].nmembers;
	return c->in[file].members;
}

uint64_t chunker_member_offset(const struct chunker *c, uint32_t file, size_t member)
{
	return c->in[file].usize_estimated ? UINT64_MAX : c->in[file].uoff[member];
}

bool chunker_members_zstd(const struct chunker *c, uint32_t file)
{
	return file < c->n && c->in[file].bgzf && c->in[file].codec == CODEC_ZSTD;
}

/* The first record end at or after want in a plain or CSV file; from is
 * a record start before want. */
static int record_end(struct chunker *c, struct input *in, uint64_t from, uint64_t want,
    uint64_t *end, char **err, int *code)
{
	*code = EXIT_IOERR;
	if (in->seg > 0)
		return chunker_csv_grid_boundary(c, in, want, end, err);
	if (is_csv(c))
		return chunker_csv_boundary(c, in, from, want, end, err, code);
	return file_boundary(c, in, want - 1, end, err);
}

/* The first record start at or after x: x itself at the start (from, a
 * record start) and at the end of the file.  The CSV walk stops before
 * malformed CSV, and goes on from there to report it. */
static int record_start(struct chunker *c, struct input *in, uint64_t from, uint64_t x,
    uint64_t *start, char **err, int *code)
{
	while (x > from && from < in->size) {
		if (record_end(c, in, from, x, &from, err, code) < 0)
			return -1;
		if (from >= x)
			break;
	}
	*start = x > from ? in->size : from;
	return 0;
}

/* The first member of a BGZF or multi-frame zstd file at or after x. */
static size_t member_at(const struct input *in, uint64_t x)
{
	size_t lo = 0, hi = in->nmembers;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (in->members[mid].offset < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t member_offset(const struct input *in, size_t m)
{
	return m < in->nmembers ? in->members[m].offset : in->size;
}

/*
 * The current file's records: all of them, or with --shard those that
 * start in its part [lo, hi) of the shard's range: from the first record
 * start at or after lo to the first at or after hi.  pos is a record
 * start here (0, or past the header).
 */
int chunker_enter_range(struct chunker *c, struct input *in, char **err, int *code)
{
	uint64_t start = c->pos, end = in->size;

	/* A shard of a file cut between members is the members that start
	 * in its range: their records are found as a chunk's are. */
	if (in->gzix != NULL && !c->sharded) {
		start = 0;	/* a range starts at a point; past a header, its worker skips it */
	} else if (c->sharded && in->gzix != NULL) {
		chunker_gzix_range(in, &start, &end);
	} else if (c->sharded && in->bgzf) {
		c->member = member_at(in, in->lo);
		start = member_offset(in, c->member);
		end = member_offset(in, member_at(in, in->hi));
	} else if (c->sharded && (record_start(c, in, c->pos, in->lo, &start, err, code) < 0 ||
	    record_start(c, in, start, in->hi, &end, err, code) < 0))
		return -1;
	c->pos = start;
	c->end = end;
	c->in_range = true;
	return 0;
}

int chunker_file_chunk(struct chunker *c, struct input *in, struct chunk *out, char **err,
    int *code)
{
	uint64_t end;
	int rc;

	*code = EXIT_IOERR;
	if (in->bgzf)
		rc = bgzf_boundary(c, in, &end);
	else if (in->gzix != NULL)
		rc = chunker_gzix_boundary(c, in, &end);
	else	/* a grid cuts past the grid point after pos */
		rc = record_end(c, in, c->pos, in->seg > 0 ? (c->pos / in->seg + 1) * in->seg + 1 :
		    c->pos + c->target, &end, err, code);
	if (rc < 0)
		return CHUNK_ERROR;
	if (end > c->end)
		end = c->end;	/* the shard's last record */
	out->file = (uint32_t)c->cur;
	out->offset = c->pos;
	out->length = end - c->pos;
	out->data = NULL;
	out->cap = 0;
	c->pos = end;
	return CHUNK_READY;
}
