/* spill.h - temporary files for reducer state that outgrows its memory
 * budget (sorted runs of sort and group).
 *
 * A spill file is unlinked as soon as it is created (O_TMPFILE where the
 * file system has it), so it disappears with the process on every exit
 * path, a signal or SIGKILL included, and no name is ever left behind. */
#ifndef FORKPIPE_SPILL_H
#define FORKPIPE_SPILL_H

#include <stddef.h>
#include <stdint.h>

/* The directory spills go to: dir if given, else $TMPDIR, else /tmp. */
const char *spill_dir(const char *dir);

/*
 * A new anonymous read-write file in dir.  Returns its descriptor, or -1
 * with *err ("cannot create a temporary file in DIR: why").
 */
int spill_open(const char *dir, char **err);

/* Write all of p[0..len) at the end of fd.  0, or -1 with *err naming dir. */
int spill_write(int fd, const char *dir, const void *p, size_t len, char **err);

/* Read exactly len bytes at offset off.  0, or -1 with *err (a short read
 * is an error: spills never shrink). */
int spill_pread(int fd, const char *dir, void *p, size_t len, uint64_t off, char **err);

#endif
