/* lock.h - --lock: one run at a time.
 *
 * An exclusive flock() on a file, held for the whole run by an open
 * descriptor that the kernel releases however the run ends (a crash or
 * SIGKILL included), so a stale lock can never block the next run. */
#ifndef FORKPIPE_LOCK_H
#define FORKPIPE_LOCK_H

/*
 * Take the lock on path, waiting up to wait seconds (0: not at all).
 * The file is created if need be (mode 0666 less the umask) and never
 * written.  0, or -1 with *err and *code:
 * 75 when another run holds it, 73 when the file cannot be opened.
 */
int lock_take(const char *path, double wait, char **err, int *code);

#endif
