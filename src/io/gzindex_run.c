/* gzindex_run.c - the decompressor child of a run given --write-index:
 * it inflates a gzip file with the index builder instead of the
 * streaming inflater, so the index costs no second pass (the builder
 * inflates with ISA-L too; what it adds is a CRC-32 of the output, a
 * few small feeds at each access point and a 32 KiB window copy), and
 * writes FILE.gz.fpi once the whole file was good.
 *
 * The verdicts stay those of the streaming inflater (gzip_in.h): when
 * the builder finds bad data, the file is inflated again by the
 * streaming inflater, output dropped, for its exact message; that costs
 * time only when the run fails anyway. */
#include "autoconfig.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decompress.h"
#include "gzindex.h"
#include "gzip_in.h"
#include "util.h"

#define READ_SIZE (256 * 1024)
#define OUT_SIZE (256 * 1024)

static int to_pipe(void *ctx, const void *p, size_t n)
{
	return write_all(*(int *)ctx, p, n) < 0 ? -1 : 0;
}

/* The streaming inflater's verdict on fd: 0, or the code with *err. */
static int verdict(int fd, char **err)
{
	struct gz_inflater *z = gz_inflater_new();
	unsigned char *in = xmalloc(READ_SIZE), *out = xmalloc(OUT_SIZE);
	uint64_t at = 0;
	int code = EXIT_SOFTWARE;

	*err = NULL;
	for (;;) {
		ssize_t n = pread_full(fd, in, READ_SIZE, at);
		size_t ipos = 0;
		int rc = GZ_MORE;

		if (n < 0) {
			*err = xasprintf("read error at compressed byte offset %llu: %s",
			    (unsigned long long)at, strerror(errno));
			code = EXIT_IOERR;
			break;
		}
		at += (uint64_t)n;
		do {
			size_t used, made;

			rc = gz_inflate(z, in + ipos, (size_t)n - ipos, &used, out, OUT_SIZE, &made, n == 0,
			    err);
			ipos += used;
			if (rc == GZ_MORE && used == 0 && made == 0)
				break;
		} while (rc == GZ_MORE && (ipos < (size_t)n || n == 0));
		if (rc == GZ_ERROR || rc == GZ_FAILED) {
			code = rc == GZ_ERROR ? EXIT_DATAERR : EXIT_SOFTWARE;
			break;
		}
		if (rc == GZ_END || n == 0) {
			code = 0;
			break;
		}
	}
	gz_inflater_free(z);
	free(in);
	free(out);
	if (code != 0 && *err == NULL)
		*err = xstrdup("the gzip data could not be read");
	return code;
}

int gzindex_run_child(int fd, const char *path, int data_fd, char **err)
{
	struct gzindex ix;
	char *why = NULL, *idx = gzindex_path(path);
	int rc = gzindex_build_to(fd, 0, &ix, to_pipe, &data_fd, &why);

	if (rc == GZI_STOPPED) {
		free(idx);
		return 0;	/* the reader is gone: nobody wants the rest */
	}
	if (rc < 0) {
		free(idx);
		rc = verdict(fd, err);
		if (rc == 0) {
			*err = xasprintf("cannot index it: %s", why);
			rc = EXIT_SOFTWARE;
		}
		free(why);
		return rc;
	}
	if (gzindex_write(&ix, idx, &why) < 0) {
		warnx_("%s: warning: the index was not written: %s", idx, why);
		free(why);
	}
	gzindex_free(&ix);
	free(idx);
	return 0;
}
