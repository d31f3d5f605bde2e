/* gzranges.c - gzip files read with their index (forkpipe-gzindex(5)):
 * finding the index and checking that it belongs to its file, cutting
 * the file between access points (in inflated offsets), and a shard's
 * range in points.  The workers inflate the ranges (engine/worker_gzpoint.c).
 *
 * An index that cannot be used costs speed, never correctness: one that
 * does not match its file, or is damaged, is ignored with a warning and
 * the file is inflated as one stream; only an index named with --index
 * must be right (exit 65).
 *
 * CSV is cut there too: each point keeps its quote state, from which a
 * worker finds the first record end after the point (see gzindex.h).
 * A header is read through the index (chunker_gzix_pread) and skipped
 * by the worker of the range that starts the file. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chunker_int.h"
#include "gzindex.h"
#include "gzpoint.h"
#include "util.h"

/* Whether input in could be read with an index: a named gzip file that
 * is not BGZF (whose members already say their sizes). */
static bool indexable(const struct input *in)
{
	return in->codec == CODEC_GZIP && !in->bgzf && in->lazy && !in->empty && !in->unsized;
}

/* The index at idx for in, checked against the file: 1 and *ix when it
 * fits; 0 when there is none (implicit only); -1 with *why. */
static int load(const struct input *in, const char *idx, bool explicit, struct gzindex *ix,
    char **why, int *code)
{
	struct gzi_ident id;
	struct stat sb;
	char *e = NULL;
	int fd, rc = gzindex_read(idx, ix, &e);

	*code = EXIT_DATAERR;
	if (rc == -1 && errno == ENOENT && !explicit) {
		free(e);
		return 0;
	}
	if (rc < 0) {
		*why = e;
		if (rc == -1)
			*code = EXIT_NOINPUT;
		return -1;
	}
	fd = open(in->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0 || sb.st_dev != in->dev || sb.st_ino != in->ino ||
	    gzi_ident_of(fd, &id, &e) < 0) {
		free(e);
		*why = xasprintf("cannot check it against %s", in->path);
		*code = EXIT_NOINPUT;
	} else if (!gzi_ident_eq(&id, &ix->id)) {
		*why = xasprintf("not the index of %s as it is now (its size, modification time "
		    "or sampled bytes differ)", in->path);
	} else {
		close(fd);
		return 1;
	}
	if (fd >= 0)
		close(fd);
	gzindex_free(ix);
	return -1;
}

/* Read in by its index from now on: the workers inflate its ranges. */
static void attach(struct chunker *c, size_t i, struct gzindex *ix)
{
	struct input *in = &c->in[i];

	/* The first input's decompressor started at open: not needed. */
	decompressor_stop(&in->dec);
	if (in->raw_fd >= 0)
		close(in->raw_fd);
	if (c->held == (long)i)
		c->held = -1;
	in->raw_fd = in->fd = -1;
	buf_free(&in->magic);
	in->gzix = xmalloc(sizeof *in->gzix);
	*in->gzix = *ix;
	in->size = ix->usize;
	in->seekable = true;
}

/* --write-index: in's decompressor writes its index as it inflates. */
static void write_index(struct chunker *c, size_t i)
{
	struct input *in = &c->in[i];

	in->dec.index_for = in->path;
	if (in->dec.started) {
		/* The first input's started at open: again, told to index. */
		decompressor_stop(&in->dec);
		in->fd = -1;
	}
}

int chunker_use_indexes(struct chunker *c, const char *explicit, bool serial, bool write,
    char **err, int *code)
{
	size_t cand = 0, used = 0;

	for (size_t i = 0; i < c->n; i++)
		cand += indexable(&c->in[i]);
	if (explicit != NULL && cand != 1) {
		*err = xasprintf("--index: names the index of one gzip file (not BGZF); the inputs "
		    "hold %zu", cand);
		*code = EXIT_USAGE;
		return -1;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct input *in = &c->in[i];
		struct gzindex ix;
		char *idx, *why = NULL;
		int rc;

		if (!indexable(in))
			continue;
		if (serial && explicit == NULL) {
			if (write)
				write_index(c, i);
			continue;
		}
		idx = explicit != NULL ? xstrdup(explicit) : gzindex_path(in->path);
		rc = load(in, idx, explicit != NULL, &ix, &why, code);
		if (rc < 0 && explicit != NULL) {
			*err = xasprintf("%s: %s", idx, why);
			free(why);
			free(idx);
			return -1;
		}
		if (rc < 0)
			warnx_("%s: warning: %s; reading %s serially", idx, why, in->path);
		/* Read serially, an index named with --index is still
		 * checked, so that a wrong one is never quietly passed. */
		if (rc > 0 && ix.usize > 0 && !serial) {
			attach(c, i, &ix);
			used++;
		} else if (rc > 0) {
			gzindex_free(&ix);	/* nothing to share out */
		}
		if (rc <= 0 && write)
			write_index(c, i);
		free(why);
		free(idx);
	}
	if (used > 0 && c->auto_max > 0)
		c->target = chunker_target_for(c, c->workers, c->auto_max);
	return 0;
}

const struct gzindex *chunker_gzindex(const struct chunker *c, uint32_t file)
{
	return file < c->n ? c->in[file].gzix : NULL;
}

void chunker_gzix_free(struct input *in)
{
	if (in->gzix != NULL)
		gzindex_free(in->gzix);
	free(in->gzix);
	in->gzix = NULL;
}

/* A range ends at the first access point a target's worth of output on,
 * which is no record boundary: the workers read on past the end to the
 * end of the record there, and skip to the first record start in
 * theirs, as with BGZF members. */
int chunker_gzix_boundary(struct chunker *c, struct input *in, uint64_t *end)
{
	size_t b = gzp_point_at(in->gzix, c->pos + c->target);

	*end = b < in->gzix->n ? in->gzix->p[b].uoff : in->size;
	return 0;
}

/* A shard's part [lo, hi) of the file moves to access points: from the
 * first point at or after lo to the first at or after hi, so that
 * neighbouring shards meet at the same point. */
void chunker_gzix_range(struct input *in, uint64_t *start, uint64_t *end)
{
	size_t a = gzp_point_at(in->gzix, in->lo), b = gzp_point_at(in->gzix, in->hi);

	*start = in->lo == 0 ? 0 : a < in->gzix->n ? in->gzix->p[a].uoff : in->size;
	*end = in->hi >= in->size ? in->size : b < in->gzix->n ? in->gzix->p[b].uoff : in->size;
}

/* The compressed file's size (in->size is the inflated one). */
uint64_t chunker_gzix_file_size(const struct input *in)
{
	return in->gzix->id.size;
}

/* len bytes of in's inflated data from off on (fewer at its end): a
 * header, read before the workers start, through the index from the
 * point before off, each byte checked as a worker checks it.  How many,
 * or -1 with *err and *code. */
ssize_t chunker_gzix_pread(const struct input *in, void *buf, size_t len, uint64_t off,
    char **err, int *code)
{
	const struct gzindex *ix = in->gzix;
	size_t i = gzp_point_at(ix, off);
	int fd = open(in->path, O_RDONLY | O_CLOEXEC);
	struct gzp_reader *r;
	struct buf b = { 0 };
	void *map;
	uint64_t skip;
	char *e = NULL;
	int rc = 1;

	*code = EXIT_IOERR;
	if (fd < 0) {
		*err = xasprintf("%s: cannot open: %s", in->path, strerror(errno));
		return -1;
	}
	map = mmap(NULL, (size_t)ix->id.size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		*err = xasprintf("%s: cannot map: %s", in->path, strerror(errno));
		return -1;
	}
	if (i == ix->n || ix->p[i].uoff > off)
		i--;	/* p[0] is at 0 */
	skip = off - ix->p[i].uoff;
	r = gzp_new();
	gzp_start(r, ix, map, ix->id.size, i);
	while (b.len < skip + len && (rc = gzp_read(r, &b, (size_t)(skip + len - b.len), &e)) > 0)
		;
	gzp_free(r);
	munmap(map, (size_t)ix->id.size);
	if (rc < 0) {
		*err = xasprintf("%s: %s", in->path, e);
		*code = EXIT_DATAERR;
		free(e);
		buf_free(&b);
		return -1;
	}
	len = b.len <= skip ? 0 : b.len - skip < len ? (size_t)(b.len - skip) : len;
	if (len > 0)
		memcpy(buf, b.data + skip, len);
	buf_free(&b);
	return (ssize_t)len;
}

bool chunker_gzix_header_in_range(const struct chunker *c)
{
	const struct input *in;

	if (!c->header || !c->have_header)
		return false;
	in = &c->in[c->header_file];
	return in->gzix != NULL && (!c->sharded || in->lo == 0);
}
