/* lock.c - --lock: one run at a time. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"

#define LOCK_POLL_NS 50000000L	/* 50 ms between attempts while waiting */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int lock_take(const char *path, double wait, char **err, int *code)
{
	/* Close-on-exec, so that commands run by exec stages never hold
	 * the lock past the run.  Nothing is written to the file: like
	 * flock(1), a lock may be taken on any file, even the job's own. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
	double deadline = now() + wait;

	if (fd < 0) {
		*err = xasprintf("--lock: %s: %s", path, strerror(errno));
		*code = EXIT_CANTCREAT;
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			*err = xasprintf("--lock: %s: %s", path, strerror(errno));
			*code = EXIT_CANTCREAT;
			close(fd);
			return -1;
		}
		if (now() >= deadline) {
			*err = wait > 0 ? xasprintf("--lock: %s: still held by another run after "
			    "--lock-wait %gs", path, wait) :
			    xasprintf("--lock: %s: held by another run", path);
			*code = EXIT_TEMPFAIL;
			close(fd);
			return -1;
		}
		nanosleep(&(struct timespec){ 0, LOCK_POLL_NS }, NULL);
	}
	return 0;	/* fd stays open, and locked, until the process ends */
}
