/* slurp.c - a whole small file into memory, plain, gzip or zstd (see
 * slurp.h).  Unlike the main inputs, which a decompressor process
 * inflates beside the workers (decompress.c), a side input is inflated
 * here, before the workers fork: it is small, and it is needed whole
 * before the first chunk. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decompress.h"
#include "gzip_in.h"
#include "slurp.h"
#include "util.h"
#include "zstd_codec.h"

#define PIECE (1 << 20)

/* One decoder, whichever codec: both keep gz_inflate()'s contract. */
struct decoder {
	enum codec codec;
	struct gz_inflater *gz;
	struct zstd_decoder *zs;
};

static int decode(struct decoder *d, const void *in, size_t inlen, size_t *used, void *out,
    size_t outcap, size_t *made, bool eof, char **err)
{
	if (d->codec == CODEC_GZIP)
		return gz_inflate(d->gz, in, inlen, used, out, outcap, made, eof, err);
	return zstd_decode(d->zs, in, inlen, used, out, outcap, made, eof, err);
}

/* Read up to len bytes: how many (0 at the end), or -1 with *err. */
static ssize_t read_some(int fd, void *p, size_t len, char **err, int *code)
{
	ssize_t n = read_full(fd, p, len);

	if (n < 0) {
		*err = xasprintf("read error: %s", strerror(errno));
		*code = EXIT_IOERR;
	}
	return n;
}

/* Whether out may take n more bytes; past the limit, not one more. */
static bool room(const struct buf *out, size_t base, size_t n, uint64_t limit)
{
	return (uint64_t)(out->len - base) + n <= limit;
}

static int slurp_plain(int fd, uint64_t limit, struct buf *out, size_t base, char **err,
    int *code)
{
	for (;;) {
		ssize_t n;

		buf_reserve(out, PIECE);
		n = read_some(fd, out->data + out->len, PIECE, err, code);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (!room(out, base, (size_t)n, limit))
			return SLURP_TOO_BIG;
		out->len += (size_t)n;
	}
}

/* Inflate everything from fd, whose first plen bytes are already in
 * in[0..plen). */
static int slurp_coded(struct decoder *d, int fd, char *in, size_t plen, uint64_t limit,
    struct buf *out, size_t base, char **err, int *code)
{
	size_t ipos = 0, ilen = plen;
	bool eof = false;

	for (;;) {
		size_t used, made;
		int rc;

		if (ilen == 0 && !eof) {
			ssize_t n = read_some(fd, in, PIECE, err, code);

			if (n < 0)
				return -1;
			ipos = 0;
			ilen = (size_t)n;
			eof = n == 0;
		}
		buf_reserve(out, PIECE);
		rc = decode(d, in + ipos, ilen, &used, out->data + out->len, PIECE, &made, eof, err);
		ipos += used;
		ilen -= used;
		if (!room(out, base, made, limit))
			return SLURP_TOO_BIG;
		out->len += made;
		if (rc == GZ_ERROR || rc == GZ_FAILED) {
			*code = rc == GZ_ERROR ? EXIT_DATAERR : EXIT_SOFTWARE;
			return -1;
		}
		if (rc == GZ_END)
			return 0;
	}
}

static int slurp_fd(int fd, uint64_t limit, struct buf *out, uint64_t *size, char **err,
    int *code)
{
	char *in = xmalloc(PIECE);
	size_t base = out->len;
	struct decoder d = { CODEC_NONE, NULL, NULL };
	struct stat sb;
	ssize_t n = read_some(fd, in, CODEC_MAGIC_MAX, err, code);
	int rc;

	*size = limit + 1;
	if (n < 0) {
		free(in);
		return -1;
	}
	d.codec = codec_detect(in, (size_t)n);
	if (d.codec == CODEC_NONE) {
		if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > limit) {
			*size = (uint64_t)sb.st_size;
			free(in);
			return SLURP_TOO_BIG;
		}
		rc = room(out, base, (size_t)n, limit) ? 0 : SLURP_TOO_BIG;
		if (rc == 0) {
			buf_append(out, in, (size_t)n);
			rc = slurp_plain(fd, limit, out, base, err, code);
		}
	} else {
		if (d.codec == CODEC_GZIP)
			d.gz = gz_inflater_new();
		else
			d.zs = zstd_decoder_new();
		rc = slurp_coded(&d, fd, in, (size_t)n, limit, out, base, err, code);
		if (d.gz != NULL)
			gz_inflater_free(d.gz);
		if (d.zs != NULL)
			zstd_decoder_free(d.zs);
	}
	free(in);
	return rc;
}

int slurp(const char *path, uint64_t limit, struct buf *out, uint64_t *size, char **err,
    int *code)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		*err = xasprintf("cannot open: %s", strerror(errno));
		*code = EXIT_NOINPUT;
		return -1;
	}
	rc = slurp_fd(fd, limit, out, size, err, code);
	if (!is_stdin)
		close(fd);
	return rc;
}
