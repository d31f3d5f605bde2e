/* zstd_codec.c - zstd output in independent frames, zstd input streaming. */
#include "autoconfig.h"

#include <stdlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "gzip_in.h"	/* GZ_MORE, GZ_END, GZ_ERROR, GZ_FAILED */
#include "util.h"
#include "zstd_codec.h"

bool zstd_detect(const void *p, size_t len)
{
	const unsigned char *b = p;

	if (len < 4)
		return false;
	if (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return true;
	return (b[0] & 0xf0) == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18;
}

bool zstd_level_valid(int level)
{
	return level >= ZSTD_minCLevel() && level <= ZSTD_maxCLevel();
}

struct zstd_compressor {
	ZSTD_CCtx *cctx;
	char *broken;	/* why the set-up failed, or NULL */
};

/* An error of libzstd's: memory, or else "zstd: REASON" in *msg. */
static void zstd_failed(size_t r, char **msg)
{
	if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
		lib_out_of_memory();
	*msg = xasprintf("zstd: %s", ZSTD_getErrorName(r));
}

static void set_param(struct zstd_compressor *c, ZSTD_cParameter p, int v)
{
	size_t r = ZSTD_CCtx_setParameter(c->cctx, p, v);

	if (ZSTD_isError(r) && c->broken == NULL)
		zstd_failed(r, &c->broken);
}

struct zstd_compressor *zstd_compressor_new(int level)
{
	struct zstd_compressor *c = xcalloc(1, sizeof *c);

	c->cctx = ZSTD_createCCtx();
	if (c->cctx == NULL)
		lib_out_of_memory();	/* its only failure */
	if (!zstd_level_valid(level)) {
		c->broken = xasprintf("zstd level %d out of range", level);
		return c;
	}
	/* Set once, kept by every ZSTD_compress2() (ZSTD_compressCCtx()
	 * would drop the checksum). */
	set_param(c, ZSTD_c_compressionLevel, level);
	set_param(c, ZSTD_c_checksumFlag, 1);
	set_param(c, ZSTD_c_contentSizeFlag, 1);
	return c;
}

void zstd_compressor_free(struct zstd_compressor *c)
{
	if (c == NULL)
		return;
	ZSTD_freeCCtx(c->cctx);
	free(c->broken);
	free(c);
}

int zstd_compress_frame(struct zstd_compressor *c, const void *data, size_t len,
    struct buf *out, char **err)
{
	size_t bound, r;

	if (len == 0)
		return 0;
	if (c->broken != NULL) {
		*err = xstrdup(c->broken);
		return -1;
	}
	bound = ZSTD_compressBound(len);
	buf_reserve(out, bound);
	r = ZSTD_compress2(c->cctx, out->data + out->len, bound, data, len);
	if (ZSTD_isError(r)) {
		zstd_failed(r, err);
		return -1;
	}
	out->len += r;
	return 0;
}

void zstd_finish(struct buf *out, uint64_t total_len)
{
	/* What `zstd < /dev/null` writes: a single-segment frame of content
	 * size 0 with a checksum, one empty raw last block, XXH64 of
	 * nothing. */
	static const unsigned char empty[13] = {
		0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00, 0x01, 0x00, 0x00,
		0x99, 0xe9, 0xd8, 0x51,
	};

	if (total_len == 0)
		buf_append(out, empty, sizeof empty);
}

struct zstd_decoder {
	ZSTD_DCtx *dctx;
	uint64_t in_total, out_total;
	uint64_t frame_start;	/* where the current frame began */
	uint64_t frames;	/* frames completed */
	bool boundary;		/* between frames, all output flushed */
	bool failed;
};

struct zstd_decoder *zstd_decoder_new(void)
{
	struct zstd_decoder *z = xcalloc(1, sizeof *z);

	z->dctx = ZSTD_createDCtx();
	if (z->dctx == NULL)
		lib_out_of_memory();	/* its only failure */
	zstd_decoder_reset(z);
	return z;
}

void zstd_decoder_free(struct zstd_decoder *z)
{
	if (z == NULL)
		return;
	ZSTD_freeDCtx(z->dctx);
	free(z);
}

void zstd_decoder_reset(struct zstd_decoder *z)
{
	ZSTD_DCtx_reset(z->dctx, ZSTD_reset_session_only);
	z->in_total = z->out_total = z->frame_start = z->frames = 0;
	z->boundary = true;
	z->failed = false;
}

void zstd_decoder_reset_at(struct zstd_decoder *z, uint64_t base)
{
	zstd_decoder_reset(z);
	z->in_total = z->frame_start = base;
	z->frames = 1;
}

uint64_t zstd_decoder_total_in(const struct zstd_decoder *z)
{
	return z->in_total;
}

uint64_t zstd_decoder_total_out(const struct zstd_decoder *z)
{
	return z->out_total;
}

static int fail(struct zstd_decoder *z, char **err, char *msg)
{
	z->failed = true;
	*err = msg;
	return GZ_ERROR;
}

static int truncated(struct zstd_decoder *z, char **err)
{
	return fail(z, err, xasprintf("unexpected end of zstd data at compressed byte offset %llu",
	    (unsigned long long)z->in_total));
}

int zstd_decode(struct zstd_decoder *z, const void *in, size_t inlen, size_t *used,
    void *out, size_t outcap, size_t *made, bool eof, char **err)
{
	ZSTD_inBuffer ib = { in, inlen, 0 };
	ZSTD_outBuffer ob = { out, outcap, 0 };
	int rc;

	for (;;) {
		size_t ipos = ib.pos, opos = ob.pos, r;

		if (z->failed) {
			rc = fail(z, err, xstrdup("zstd data already reported bad"));
			break;
		}
		if (ib.pos == ib.size && z->boundary) {
			if (!eof)
				rc = GZ_MORE;
			else if (z->frames == 0)
				rc = truncated(z, err);	/* no data at all */
			else
				rc = GZ_END;
			break;
		}
		if (ob.pos == ob.size) {
			rc = GZ_MORE;
			break;
		}
		r = ZSTD_decompressStream(z->dctx, &ob, &ib);
		z->in_total += ib.pos - ipos;
		z->out_total += ob.pos - opos;
		if (ZSTD_isError(r)) {
			if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
				lib_out_of_memory();	/* a frame's window */
			if (ZSTD_getErrorCode(r) == ZSTD_error_prefix_unknown) {
				/* Only a frame's first bytes can lack the
				 * magic: no frame where one should start. */
				if (z->frames == 0)
					rc = fail(z, err, xstrdup("not in zstd format"));
				else
					rc = fail(z, err, xasprintf("trailing garbage after zstd data at "
					    "compressed byte offset %llu", (unsigned long long)z->frame_start));
			} else {
				rc = fail(z, err, xasprintf("corrupt zstd data at compressed byte offset %llu "
				    "(frame at %llu): %s", (unsigned long long)z->in_total,
				    (unsigned long long)z->frame_start, ZSTD_getErrorName(r)));
			}
			break;
		}
		z->boundary = r == 0;
		if (r == 0) {
			z->frames++;
			z->frame_start = z->in_total;
		}
		if (ib.pos == ipos && ob.pos == opos && ob.pos < ob.size) {
			/* No progress with room to write: input is needed. */
			if (ib.pos < ib.size) {
				/* libzstd's contract broken: not the data's
				 * fault, and no use trying again. */
				z->failed = true;
				*err = xstrdup("zstd: no progress on input");
				rc = GZ_FAILED;
				break;
			}
			rc = eof ? truncated(z, err) : GZ_MORE;
			break;
		}
	}
	*used = ib.pos;
	*made = ob.pos;
	return rc;
}
