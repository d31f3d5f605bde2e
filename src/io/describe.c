/* describe.c - what the chunker made of each input, for --explain: its
 * kind and how it is cut, read from the state chunker_open,
 * chunker_set_format and chunker_use_indexes left, so the plan shown is
 * the one a run follows. */
#include "autoconfig.h"

#include <string.h>

#include "chunker.h"
#include "chunker_int.h"
#include "gzindex.h"

static const char *kind_of(const struct input *in)
{
	if (in->bgzf)
		return in->codec == CODEC_ZSTD ? "zstd-frames" : "bgzf";
	if (in->codec == CODEC_GZIP)
		return "gzip";
	if (in->codec == CODEC_ZSTD)
		return "zstd";
	/* A stream's format is known only once its first bytes are read. */
	if (!in->detected)
		return "stream";
	return in->seekable ? "file" : "stream";
}

void chunker_describe(const struct chunker *c, uint32_t file, struct input_desc *d)
{
	const struct input *in = &c->in[file];

	memset(d, 0, sizeof *d);
	d->path = in->path;
	d->is_stdin = strcmp(in->path, "-") == 0;
	d->kind = kind_of(in);
	d->size = in->size;
	d->empty = in->empty;
	d->unsized = in->unsized;
	d->ranges = in->seekable && !in->bgzf;
	if (in->gzix != NULL) {
		/* Cut between the index's access points: size is inflated. */
		d->points = in->gzix->n;
		d->inflated = in->gzix->usize;
	} else if (in->bgzf) {
		d->members = in->nmembers;
		d->inflated = in->uoff[in->nmembers];
		d->inflated_estimated = in->usize_estimated;
		d->streamed = in->streamed;
	} else if (in->codec != CODEC_NONE) {
		d->streamed = true;
	}
}

uint64_t chunker_target(const struct chunker *c)
{
	return c->target;
}
