/* indexcmd.c - `forkpipe index [--spacing SIZE] FILE.gz...`.
 *
 * Each file is inflated whole (every member checked) and its index
 * written to FILE.gz.fpi, whole or not at all.  The first file that
 * fails ends the command with the run's exit codes: 66 cannot open, 65
 * bad gzip data, 73 cannot write the index. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gzindex.h"
#include "indexcmd.h"
#include "util.h"

static void index_one(const char *file, uint64_t spacing)
{
	struct gzindex ix;
	char *err = NULL, *path;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fatal(EXIT_NOINPUT, "%s: cannot open: %s", file, strerror(errno));
	if (gzindex_build(fd, spacing, &ix, &err) < 0)
		fatal(EXIT_DATAERR, "%s: %s", file, err);
	close(fd);
	path = gzindex_path(file);
	if (gzindex_write(&ix, path, &err) < 0)
		fatal(EXIT_CANTCREAT, "%s: %s", path, err);
	free(path);
	gzindex_free(&ix);
}

/* SIZE: a number of bytes with an optional K, M or G suffix. */
static uint64_t parse_spacing(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'K')
		v <<= 10, end++;
	else if (*end == 'M')
		v <<= 20, end++;
	else if (*end == 'G')
		v <<= 30, end++;
	if (errno != 0 || end == s || *end != '\0' || v < 65536 || v > ((uint64_t)1 << 40))
		fatal(EXIT_USAGE, "index: invalid spacing '%s' (expected 64K to 1T)", s);
	return v;
}

int indexcmd_run(int argc, char **argv)
{
	uint64_t spacing = GZI_SPACING_DEFAULT;
	int i = 1;

	if (i + 1 < argc && strcmp(argv[i], "--spacing") == 0) {
		spacing = parse_spacing(argv[i + 1]);
		i += 2;
	}
	if (i >= argc)
		fatal(EXIT_USAGE, "index: no file given (usage: forkpipe index [--spacing SIZE] FILE.gz...)");
	for (; i < argc; i++)
		index_one(argv[i], spacing);
	return 0;
}
