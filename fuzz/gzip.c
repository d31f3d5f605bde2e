/* gzip.c - fuzz the compressed input readers: the streaming gzip
 * inflater with gzip -t's verdicts (src/io/gzip_in.c), BGZF member listing
 * and member inflating (what the workers do), and the zstd decoder
 * (src/io/zstd_codec.c).
 *
 * Input: a byte choosing the reader and the sizes of the pieces the
 * stream is fed in and inflated into, then the compressed bytes.  Any
 * bytes inflate or give one of the documented verdicts; the output is
 * bounded by what the caller gives room for, whatever the ratio. */
#include "autoconfig.h"

#include "fuzz.h"
#include "gzip_in.h"
#include "util.h"
#include "zstd_codec.h"

/* A decompression bomb stops being interesting past this. */
#define OUT_MAX (64u << 20)

typedef int decode_fn(void *z, const void *in, size_t inlen, size_t *used, void *out,
    size_t outcap, size_t *made, bool eof, char **err);

static int gz(void *z, const void *in, size_t inlen, size_t *used, void *out, size_t outcap,
    size_t *made, bool eof, char **err)
{
	return gz_inflate(z, in, inlen, used, out, outcap, made, eof, err);
}

static int zs(void *z, const void *in, size_t inlen, size_t *used, void *out, size_t outcap,
    size_t *made, bool eof, char **err)
{
	return zstd_decode(z, in, inlen, used, out, outcap, made, eof, err);
}

static bool documented(const char *err)
{
	static const char *const verdicts[] = {
		"unexpected end of ", "not in ", "trailing garbage after ", "corrupt ", NULL,
	};

	for (int i = 0; verdicts[i] != NULL; i++)
		if (strncmp(err, verdicts[i], strlen(verdicts[i])) == 0)
			return true;
	return false;
}

/* Feed the stream in pieces of inlen bytes, inflating into outcap. */
static void stream(decode_fn *fn, void *z, const uint8_t *d, size_t n, size_t inlen,
    size_t outcap)
{
	char *out = malloc(outcap), *err = NULL;
	size_t off = 0, total = 0;
	int rc, stuck = 0;

	do {
		size_t take = n - off < inlen ? n - off : inlen, used = 0, made = 0;

		rc = fn(z, d + off, take, &used, out, outcap, &made, off + take == n, &err);
		FUZZ_CHECK(used <= take && made <= outcap, "used %zu of %zu, made %zu of %zu", used,
		    take, made, outcap);
		stuck = used == 0 && made == 0 ? stuck + 1 : 0;
		FUZZ_CHECK(rc != GZ_MORE || stuck < 2, "no progress at %zu of %zu", off, n);
		off += used;
		total += made;
	} while (rc == GZ_MORE && total < OUT_MAX);
	FUZZ_CHECK(rc != GZ_FAILED, "the library failed: %s", err);
	if (rc == GZ_ERROR)
		FUZZ_CHECK(err != NULL && documented(err), "undocumented verdict: %s", err);
	free(err);
	free(out);
}

/* What a worker does with a BGZF file: list its members, inflate each. */
static void bgzf(const uint8_t *d, size_t n)
{
	char path[64], *err = NULL;
	int fd = fuzz_file(d, n, path);
	struct gz_member *m = NULL;
	size_t nm = 0;
	struct gz_inflater *z;

	if (bgzf_members(fd, n, &m, &nm, &err) > 0) {
		z = gz_inflater_new();
		for (size_t i = 0; i < nm; i++) {
			struct buf out = { 0 };
			size_t used;

			FUZZ_CHECK(m[i].offset + m[i].csize <= n, "member %zu beyond the file", i);
			if (gz_inflate_member(z, d + m[i].offset, m[i].csize, m[i].offset, &out, &used,
			    &err) < 0) {
				FUZZ_CHECK(documented(err), "undocumented verdict: %s", err);
				free(err);
				err = NULL;
			}
			buf_free(&out);
		}
		gz_inflater_free(z);
	}
	free(err);
	free(m);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t inlen, outcap;

	if (size < 1)
		return 0;
	inlen = (size_t)1 << (data[0] >> 4 & 7) * 2;	/* 1 to 16384 */
	outcap = data[0] & 8 ? 1 : 64 << 10;
	if ((data[0] & 3) == 0) {
		struct gz_inflater *z = gz_inflater_new();

		stream(gz, z, data + 1, size - 1, inlen, outcap);
		gz_inflater_free(z);
	} else if ((data[0] & 3) == 1) {
		struct zstd_decoder *z = zstd_decoder_new();

		stream(zs, z, data + 1, size - 1, inlen, outcap);
		zstd_decoder_free(z);
	} else {
		bgzf(data + 1, size - 1);
	}
	return 0;
}
