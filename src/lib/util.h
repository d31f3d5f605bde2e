/* util.h - allocation that never fails, error reporting, size parsing. */
#ifndef FORKPIPE_UTIL_H
#define FORKPIPE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>

/* Exit codes: the sysexits.h family, documented in forkpipe(1). */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 64,     /* bad command line, stage spec or pattern */
	EXIT_DATAERR = 65,   /* bad input data */
	EXIT_NOINPUT = 66,   /* cannot open input */
	EXIT_SOFTWARE = 70,  /* internal or worker failure */
	EXIT_CANTCREAT = 73, /* cannot create output */
	EXIT_IOERR = 74,     /* read or write error */
	EXIT_TEMPFAIL = 75,  /* temporary failure (lock held) */
	EXIT_CONFIG = 78,    /* bad configuration */
	EXIT_TIMEOUT = 124,  /* --timeout, as timeout(1) */
};

/* A worker's own exit status when an allocation failed: never the
 * run's (the supervisor reports it and exits 70). */
#define EXIT_OUT_OF_MEMORY 71

#define PROGNAME "forkpipe"

void *xmalloc(size_t n);
/* n bytes at a multiple of align (n a multiple of align too). */
void *xaligned_alloc(size_t align, size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* asprintf that never fails. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* A library (zlib, libzstd) could not allocate: in a forked child the
 * exit xmalloc() takes there, EXIT_OUT_OF_MEMORY, which the supervisor
 * reports as a worker that ran out of memory (and retries); elsewhere
 * "out of memory", EXIT_SOFTWARE. */
void lib_out_of_memory(void) __attribute__((noreturn));

/*
 * Print "forkpipe: <message>" on stderr and exit with code.  Only the
 * process that owns the run's clean-up may call fatal(): the supervisor
 * registers its clean-up with fatal_cleanup().
 */
void fatal(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* The same exit (clean-up, report, code) without a message: a failure
 * whose exit status is the whole answer (sort -C). */
void exit_quietly(int code) __attribute__((noreturn));
/* A stage's error at the end of the run: fatal() with err, or, when a
 * stage set err to "" (sort -C: unsorted), exit_quietly(). */
void fatal_stage(int code, char *err) __attribute__((noreturn));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal_cleanup(void (*fn)(void));
/* Called before the message is printed (to erase a progress bar). */
void fatal_before(void (*fn)(void));
/* Called last, after the clean-up, with the exit code and the message
 * (the run report records them); NULL to stop. */
void fatal_report(void (*fn)(int code, const char *msg));
/* In a forked worker: fatal() runs no clean-up and leaves by _exit(), so
 * that nothing of the supervisor's (stdio buffers, temporary files) is
 * touched twice. */
void fatal_in_child(void);

/*
 * Parse "123", "4K", "1.5M", "2G" (powers of 1024) into bytes.  Returns
 * false on syntax error or overflow.
 */
bool parse_size(const char *s, uint64_t *out);
/*
 * Parse a duration: a decimal number (fractions allowed) of seconds, or
 * of milliseconds, minutes, hours or days with an ms, s, m, h or d
 * suffix, as timeout(1) takes it (ms aside).  Returns false on syntax
 * error, a negative value or one past a year.
 */
bool parse_duration(const char *s, double *out);
/* Parse a decimal integer in [min, max]. */
bool parse_long(const char *s, long min, long max, long *out);

/* Whether two paths name one file: the same device and inode (whatever
 * the names), or, when neither exists yet, the same name in the same
 * directory. */
bool same_file(const char *a, const char *b);

/* Write all of buf to fd, retrying on EINTR and short writes. */
int write_all(int fd, const void *buf, size_t len);
/* Read exactly len bytes unless EOF comes first; returns bytes read or -1. */
ssize_t read_full(int fd, void *buf, size_t len);
/* pread exactly len bytes unless EOF comes first. */
ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off);

#endif
