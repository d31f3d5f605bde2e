/* spill.c - anonymous temporary files for spilled reducer state. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spill.h"
#include "util.h"

const char *spill_dir(const char *dir)
{
	const char *t;

	if (dir != NULL && *dir != '\0')
		return dir;
	t = getenv("TMPDIR");
	return t != NULL && *t != '\0' ? t : "/tmp";
}

/* Without O_TMPFILE (or where the file system refuses it): a named file,
 * unlinked at once. */
static int named_then_unlinked(const char *dir)
{
	char *path = xasprintf("%s/forkpipe-spill.XXXXXX", dir);
	int fd = mkstemp(path);

	if (fd >= 0) {
		(void)unlink(path);
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	free(path);
	return fd;
}

int spill_open(const char *dir, char **err)
{
	int fd = -1;

#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		goto fail;
#endif
	if (fd < 0)
		fd = named_then_unlinked(dir);
	if (fd >= 0)
		return fd;
#ifdef O_TMPFILE
fail:
#endif
	*err = xasprintf("cannot create a temporary file in %s: %s", dir, strerror(errno));
	return -1;
}

int spill_write(int fd, const char *dir, const void *p, size_t len, char **err)
{
	const char *c = p;

	while (len > 0) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = xasprintf("cannot write a temporary file in %s: %s", dir,
			    n < 0 ? strerror(errno) : "no space");
			return -1;
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

int spill_pread(int fd, const char *dir, void *p, size_t len, uint64_t off, char **err)
{
	char *c = p;

	while (len > 0) {
		ssize_t n = pread(fd, c, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = xasprintf("cannot read a temporary file in %s: %s", dir,
			    n < 0 ? strerror(errno) : "file shrank");
			return -1;
		}
		c += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}
