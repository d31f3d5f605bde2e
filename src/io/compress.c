/* compress.c - compressed output: the gzip and zstd codecs behind one
 * interface for the workers (pieces) and the output (the stream). */
#include "autoconfig.h"

#include <stdlib.h>

#include "compress.h"
#include "gzip_out.h"
#include "util.h"
#include "zstd_codec.h"

struct compressor {
	enum compress_kind kind;
	bool independent;
	struct gz_deflater *gz;
	struct zstd_compressor *zs;
};

void piece_info_put(unsigned char out[PIECE_INFO_SIZE], struct piece_info p)
{
	for (int i = 0; i < 4; i++)
		out[i] = (unsigned char)(p.crc >> (8 * i));
	for (int i = 0; i < 8; i++)
		out[4 + i] = (unsigned char)(p.len >> (8 * i));
}

struct piece_info piece_info_get(const char *in)
{
	const unsigned char *u = (const unsigned char *)in;
	struct piece_info p = { 0, 0 };

	for (int i = 3; i >= 0; i--)
		p.crc = p.crc << 8 | u[i];
	for (int i = 11; i >= 4; i--)
		p.len = p.len << 8 | u[i];
	return p;
}

int compress_default_level(enum compress_kind kind)
{
	return kind == COMPRESS_ZSTD ? ZSTD_LEVEL_DEFAULT : GZ_LEVEL_DEFAULT;
}

/* zstd's levels above 19 ("ultra") need far more memory per worker and
 * an opt-in in zstd(1) itself: the documented range is 1 to 19. */
int compress_max_level(enum compress_kind kind)
{
	return kind == COMPRESS_ZSTD ? 19 : 9;
}

bool compress_level_valid(enum compress_kind kind, int level)
{
	if (level < 1 || level > compress_max_level(kind))
		return false;
	return kind != COMPRESS_ZSTD || zstd_level_valid(level);
}

int compress_choose(struct compress_opts *c, enum compress_kind kind, const char *level,
    char **why)
{
	long n = 0;

	if (level != NULL && (!parse_long(level, 1, compress_max_level(kind), &n) ||
	    !compress_level_valid(kind, (int)n))) {
		*why = xasprintf("invalid level '%s' (expected 1 to %d)", level,
		    compress_max_level(kind));
		return -1;
	}
	c->kind = kind;
	c->level = (int)n;
	return 0;
}

const char *compress_name(enum compress_kind kind)
{
	return kind == COMPRESS_ZSTD ? "zstd" : kind == COMPRESS_GZIP ? "gzip" : "none";
}

static int level_of(const struct compress_opts *o)
{
	return o->level != 0 ? o->level : compress_default_level(o->kind);
}

struct compressor *compressor_new(const struct compress_opts *o)
{
	struct compressor *c = xcalloc(1, sizeof *c);

	c->kind = o->kind;
	c->independent = o->independent;
	if (o->kind == COMPRESS_GZIP)
		c->gz = gz_deflater_new(level_of(o));
	else if (o->kind == COMPRESS_ZSTD)
		c->zs = zstd_compressor_new(level_of(o));
	return c;
}

void compressor_free(struct compressor *c)
{
	if (c == NULL)
		return;
	gz_deflater_free(c->gz);
	zstd_compressor_free(c->zs);
	free(c);
}

bool compressor_wants_dict(const struct compressor *c)
{
	return c->kind == COMPRESS_GZIP && !c->independent;
}

int compressor_piece(struct compressor *c, const void *dict, size_t dictlen,
    const void *data, size_t len, struct buf *out, struct piece_info *p, char **err)
{
	struct gz_piece g;

	p->crc = 0;
	p->len = len;
	if (c->kind != COMPRESS_GZIP)
		return zstd_compress_frame(c->zs, data, len, out, err);
	if (gz_deflate_piece(c->gz, c->independent ? NULL : dict, c->independent ? 0 : dictlen,
	    data, len, out, &g, err) < 0)
		return -1;
	p->crc = g.crc;
	return 0;
}

void compress_stream_init(struct compress_stream *s, const struct compress_opts *o)
{
	s->kind = o->kind;
	s->level = level_of(o);
	s->crc = 0;
	s->len = 0;
	s->seek = (struct zstd_seek){ { 0 }, 0, false };
}

void compress_stream_head(const struct compress_stream *s, struct buf *out)
{
	if (s->kind == COMPRESS_GZIP)
		gzip_header(out, s->level);
}

void compress_stream_add(struct compress_stream *s, struct piece_info p, uint64_t csize)
{
	struct gz_writer w = { s->crc, s->len };

	if (s->kind == COMPRESS_GZIP) {
		gz_writer_add(&w, (struct gz_piece){ p.crc, p.len });
		s->crc = w.crc;
	}
	if (s->kind == COMPRESS_ZSTD)
		zstd_seek_add(&s->seek, csize, p.len);
	s->len += p.len;
}

void compress_stream_end(struct compress_stream *s, struct buf *out)
{
	size_t at = out->len;

	if (s->kind == COMPRESS_GZIP) {
		gzip_trailer(out, s->crc, s->len);
	} else if (s->kind == COMPRESS_ZSTD) {
		zstd_finish(out, s->len);	/* an empty output's one frame */
		zstd_seek_add(&s->seek, out->len - at, 0);
		zstd_seek_table(&s->seek, out);
	}
}

void compress_stream_free(struct compress_stream *s)
{
	zstd_seek_free(&s->seek);
}
