/* util.c - allocation that never fails, error reporting, size parsing. */
#include "autoconfig.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static void (*cleanup_fn)(void);
static void (*before_fn)(void);	/* clears the terminal line (--progress) */
static void (*report_fn)(int code, const char *msg);	/* --stats-json */
static bool in_child;

/* In a worker the supervisor tells of it (and processes the chunk
 * again), so the status says why and nothing is printed. */
static void __attribute__((noreturn)) out_of_memory(size_t n)
{
	if (in_child)
		_exit(EXIT_OUT_OF_MEMORY);
	fprintf(stderr, PROGNAME ": out of memory allocating %zu bytes\n", n);
	_exit(EXIT_SOFTWARE);
}

/* zlib and libzstd say only that memory ran out, not how much: the
 * supervisor can say no more, and runs its clean-up as for any fatal
 * error (fatal() allocates only the short message). */
void lib_out_of_memory(void)
{
	if (in_child)
		_exit(EXIT_OUT_OF_MEMORY);
	fatal(EXIT_SOFTWARE, "out of memory");
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		out_of_memory(n);
	return p;
}

void *xaligned_alloc(size_t align, size_t n)
{
	void *p = aligned_alloc(align, n);

	if (p == NULL)
		out_of_memory(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		out_of_memory(n);
	return p;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		out_of_memory(SIZE_MAX);
	return xrealloc(p, n * size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory(strlen(fmt));
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void fatal_cleanup(void (*fn)(void))
{
	cleanup_fn = fn;
}

void fatal_before(void (*fn)(void))
{
	before_fn = fn;
}

void fatal_report(void (*fn)(int code, const char *msg))
{
	report_fn = fn;
}

void fatal_in_child(void)
{
	cleanup_fn = NULL;
	report_fn = NULL;
	in_child = true;
}

/*
 * A message is one line on stderr: control bytes in it (a file name may
 * hold a newline) are escaped, \n \r \t as such, others as \xHH.
 */
static void put_message(const char *msg)
{
	size_t n = strlen(PROGNAME ": ");
	char *line = xmalloc(n + 4 * strlen(msg) + 2), *q = line + n;

	memcpy(line, PROGNAME ": ", n);
	for (const unsigned char *p = (const unsigned char *)msg; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			*q++ = (char)*p;
		} else if (*p == '\n' || *p == '\r' || *p == '\t') {
			*q++ = '\\';
			*q++ = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
		} else {
			q += sprintf(q, "\\x%02x", *p);
		}
	}
	*q++ = '\n';
	/* One write, so that lines from several processes do not mix. */
	(void)write_all(STDERR_FILENO, line, (size_t)(q - line));
	free(line);
}

/* What fatal() does after its message: the clean-up, the report (msg,
 * which it frees), the exit. */
static void __attribute__((noreturn)) leave(int code, char *msg)
{
	if (cleanup_fn != NULL) {
		void (*fn)(void) = cleanup_fn;

		cleanup_fn = NULL;	/* a failing clean-up must not recurse */
		fn();
	}
	if (in_child)
		_exit(code);
	if (report_fn != NULL) {
		void (*fn)(int, const char *) = report_fn;

		report_fn = NULL;
		fn(code, msg);
	}
	free(msg);
	exit(code);
}

/* Output written so far goes first; a progress bar goes away. */
static void before_leaving(void)
{
	if (!in_child)
		fflush(stdout);
	if (before_fn != NULL && !in_child)
		before_fn();
}

void fatal(int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	before_leaving();
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	put_message(msg);
	leave(code, msg);
}

void exit_quietly(int code)
{
	before_leaving();
	leave(code, xstrdup(""));
}

void fatal_stage(int code, char *err)
{
	if (*err == '\0')
		exit_quietly(code);
	fatal(code, "%s", err);
}

void warnx_(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	put_message(msg);
	free(msg);
}

/* A non-negative decimal number at the start of s, fractions allowed;
 * *end is where its unit may follow. */
static bool parse_amount(const char *s, double *v, char **end)
{
	if (s == NULL || *s == '\0' || *s == '-' || *s == ' ')
		return false;
	errno = 0;
	*v = strtod(s, end);
	return errno == 0 && *end != s && *v >= 0;
}

bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v;
	double mult = 1;

	if (!parse_amount(s, &v, &end))
		return false;
	switch (*end) {
	case 'k': case 'K': mult = 1024.0; end++; break;
	case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
	case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
	case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'i' && mult > 1)
		end++;
	if ((*end == 'B' || *end == 'b') && end[1] == '\0')
		end++;
	if (*end != '\0')
		return false;
	v *= mult;
	if (v >= 18446744073709551615.0 || v != v)
		return false;
	*out = (uint64_t)v;
	return true;
}

bool parse_duration(const char *s, double *out)
{
	char *end;
	double v, mult = 1;

	if (!parse_amount(s, &v, &end))
		return false;
	switch (*end) {
	case 's': end++; break;
	case 'm':
		mult = end[1] == 's' ? 1e-3 : 60;
		end += end[1] == 's' ? 2 : 1;
		break;
	case 'h': mult = 3600; end++; break;
	case 'd': mult = 86400; end++; break;
	default: break;
	}
	v *= mult;
	if (*end != '\0' || v != v || v > 366.0 * 86400)
		return false;
	*out = v;
	return true;
}

bool parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read len bytes (at off, or from the file position when off is
 * negative), retrying short reads and EINTR: fewer only at end of file. */
static ssize_t full_read(int fd, void *buf, size_t len, int64_t off)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = off < 0 ? read(fd, p + got, len - got) :
		    pread(fd, p + got, len - got, (off_t)((uint64_t)off + got));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t read_full(int fd, void *buf, size_t len)
{
	return full_read(fd, buf, len, -1);
}

ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	return full_read(fd, buf, len, (int64_t)off);
}

/* The device and inode of path's directory, and where its last name
 * starts in path. */
static bool dir_id(const char *path, struct stat *sb, const char **base)
{
	char *copy = xstrdup(path);
	bool ok = stat(dirname(copy), sb) == 0;

	free(copy);
	*base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	return ok;
}

bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
	const char *na, *nb;

	if (ea || eb)
		return ea && eb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	/* Neither exists yet: the same name in the same directory. */
	return dir_id(a, &sa, &na) && dir_id(b, &sb, &nb) && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino && strcmp(na, nb) == 0;
}
