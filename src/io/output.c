/* output.c - stdout, or a file that appears only when the run succeeds. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "compress.h"
#include "gzip_out.h"
#include "output.h"
#include "proc.h"
#include "util.h"

/* Small results are gathered and written in blocks of this size. */
#define OUTPUT_BLOCK (256 * 1024)
/* What the output compresses itself goes in pieces of this size. */
#define ZPIECE (1 << 20)

struct output {
	int fd;
	char *path;		/* final name, NULL for stdout or a device */
	char *name;		/* for messages */
	char *tmp;		/* temporary name while writing (a template
				 * while the file has none) */
	bool unnamed;		/* O_TMPFILE: named only at commit */
	mode_t mode;		/* the final file's */
	struct buf pending;
	bool gone;		/* the reader closed the pipe */
	bool unbuffered;	/* --line-buffered */
	bool interruptible;	/* a signal fails the next write */
	uint64_t bytes;
	void (*around)(void *arg, bool before, bool line_end);	/* see output_around */
	void *around_arg;

	/* Compressed output (see compress.h). */
	struct compressor *z;
	struct compress_stream zs;
	bool zhead;		/* the stream's head is out */
	struct buf zin;		/* bytes written here, to be compressed */
	struct buf zout;	/* a piece compressed here */
	struct buf zdict;	/* the end of the last piece made here, while
				 * it is the last piece of the stream */
};

/*
 * A temporary file beside the target, so that rename() is atomic.  It is
 * made without a name (O_TMPFILE) where the file system allows, so that
 * not even a SIGKILL can leave it behind; it gets a name just before the
 * rename.  Elsewhere it is made with mkostemp (O_EXCL, mode 0600), and
 * removed on every exit path but SIGKILL.
 */
static int open_temp(struct output *o, const char *path, char **err)
{
	char *copy = xstrdup(path);
	char *dir = dirname(copy);
	char *base_copy = xstrdup(path);
	char *base = basename(base_copy);
	struct stat sb;
	mode_t mask = umask(0);

	umask(mask);
	/* The mode a shell redirection gives: an existing file's, else
	 * 0666 less the umask. */
	o->mode = stat(path, &sb) == 0 ? sb.st_mode & 0777 : 0666 & ~mask;
	o->tmp = xasprintf("%s/.%s.forkpipe-XXXXXX", dir, base);
	o->fd = access("/proc/self/fd", X_OK) == 0 ?
	    open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600) : -1;
	o->unnamed = o->fd >= 0;
	free(copy);
	free(base_copy);
	if (o->fd < 0)
		o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		*err = xasprintf("%s: cannot create: %s", path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	o->path = xstrdup(path);
	return 0;
}

struct output *output_open(const char *path, char **err)
{
	struct output *o = xcalloc(1, sizeof *o);
	struct stat sb;

	o->fd = STDOUT_FILENO;
	o->name = xstrdup(path == NULL || strcmp(path, "-") == 0 ? "stdout" : path);
	if (path == NULL || strcmp(path, "-") == 0)
		return o;
	/* Devices and FIFOs are written directly: they cannot be renamed
	 * into place and hold no earlier content to protect. */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		if (S_ISDIR(sb.st_mode)) {
			*err = xasprintf("%s: cannot create: Is a directory", path);
			output_free(o);
			return NULL;
		}
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0) {
			*err = xasprintf("%s: cannot open: %s", path, strerror(errno));
			o->fd = -1;
			output_free(o);
			return NULL;
		}
		return o;
	}
	if (open_temp(o, path, err) < 0) {
		o->fd = -1;
		output_free(o);
		return NULL;
	}
	return o;
}

static int write_out(struct output *o, const void *data, size_t len, char **err)
{
	int rc;

	if (o->gone)
		return 0;
	/* A signal at the end of a run (see supervisor.c, finish) stops
	 * the writing; the caller exits with its status. */
	if (o->interruptible && proc_quit_signal() != 0) {
		*err = xstrdup("interrupted");
		return -1;
	}
	if (o->around != NULL)
		o->around(o->around_arg, true, false);
	rc = write_all(o->fd, data, len);
	if (o->around != NULL) {
		int e = errno;	/* the bar's write must not hide the error */

		o->around(o->around_arg, false, len > 0 && ((const char *)data)[len - 1] == '\n');
		errno = e;
	}
	if (rc == 0)
		return 0;
	if (errno == EPIPE) {
		o->gone = true;
		return 0;
	}
	*err = xasprintf("%s: write error: %s", o->name, strerror(errno));
	return -1;
}

static int flush_pending(struct output *o, char **err)
{
	int rc = 0;

	if (o->pending.len > 0)
		rc = write_out(o, o->pending.data, o->pending.len, err);
	o->pending.len = 0;
	return rc;
}

void output_interruptible(struct output *o)
{
	o->interruptible = true;
}

bool output_is_tty(const struct output *o)
{
	return isatty(o->fd);
}

void output_around(struct output *o, void (*fn)(void *arg, bool before, bool line_end), void *arg)
{
	o->around = fn;
	o->around_arg = arg;
}

void output_unbuffered(struct output *o)
{
	o->unbuffered = true;
}

/* Bytes as they go to the file (compressed, when compressing). */
static int put(struct output *o, const void *data, size_t len, char **err)
{
	o->bytes += len;
	if (o->unbuffered)
		return write_out(o, data, len, err);
	if (o->pending.len + len <= OUTPUT_BLOCK) {
		buf_append(&o->pending, data, len);
		return 0;
	}
	if (flush_pending(o, err) < 0)
		return -1;
	if (len >= OUTPUT_BLOCK / 2)
		return write_out(o, data, len, err);
	buf_append(&o->pending, data, len);
	return 0;
}

void output_compress(struct output *o, const struct compress_opts *opts)
{
	o->z = compressor_new(opts);
	compress_stream_init(&o->zs, opts);
}

static int put_head(struct output *o, char **err)
{
	int rc = 0;

	if (!o->zhead) {
		struct buf head = { 0 };

		compress_stream_head(&o->zs, &head);
		rc = put(o, head.data, head.len, err);
		buf_free(&head);
		o->zhead = true;
	}
	return rc;
}

/* Compress what was written here into a piece, primed with the end of
 * the previous piece when that was ours too. */
static int compress_pending(struct output *o, char **err)
{
	struct piece_info p;
	char *why = NULL;

	if (o->zin.len == 0)
		return put_head(o, err);
	o->zout.len = 0;
	/* Only the supervisor (or forkpipe merge) writes an output: a codec
	 * failure, never the data's or the output's, is internal, fatal. */
	if (compressor_piece(o->z, o->zdict.data, o->zdict.len, o->zin.data, o->zin.len,
	    &o->zout, &p, &why) < 0)
		fatal(EXIT_SOFTWARE, "%s", why);
	compress_stream_add(&o->zs, p, o->zout.len);
	if (o->zin.len >= GZ_DICT_MAX) {
		o->zdict.len = 0;
		buf_append(&o->zdict, o->zin.data + o->zin.len - GZ_DICT_MAX, GZ_DICT_MAX);
	} else {
		buf_append(&o->zdict, o->zin.data, o->zin.len);
		if (o->zdict.len > GZ_DICT_MAX) {
			memmove(o->zdict.data, o->zdict.data + o->zdict.len - GZ_DICT_MAX,
			    GZ_DICT_MAX);
			o->zdict.len = GZ_DICT_MAX;
		}
	}
	o->zin.len = 0;
	if (put_head(o, err) < 0)
		return -1;
	return put(o, o->zout.data, o->zout.len, err);
}

int output_write(struct output *o, const void *data, size_t len, char **err)
{
	if (o->z == NULL)
		return put(o, data, len, err);
	buf_append(&o->zin, data, len);
	return o->zin.len >= ZPIECE ? compress_pending(o, err) : 0;
}

int output_write_piece(struct output *o, const void *data, size_t len, struct piece_info p,
    char **err)
{
	if (compress_pending(o, err) < 0)
		return -1;
	o->zdict.len = 0;	/* the stream's last bytes are not ours now */
	compress_stream_add(&o->zs, p, len);
	return put(o, data, len, err);
}

bool output_placeable(struct output *o, uint64_t *base, char **err)
{
	struct stat sb;
	off_t at;
	int fl = fcntl(o->fd, F_GETFL);

	if (fl < 0 || (fl & O_APPEND) || fstat(o->fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return false;
	if (flush_pending(o, err) < 0)
		return false;
	at = lseek(o->fd, 0, SEEK_CUR);
	if (at < 0)
		return false;
	*base = (uint64_t)at;
	return true;
}

int output_placed_end(struct output *o, uint64_t end, char **err)
{
	if (lseek(o->fd, (off_t)end, SEEK_SET) < 0) {
		*err = xasprintf("%s: seek error: %s", o->name, strerror(errno));
		return -1;
	}
	return 0;
}

int output_fd(const struct output *o)
{
	return o->fd;
}

const char *output_name(const struct output *o)
{
	return o->name;
}

bool output_reader_gone(const struct output *o)
{
	return o->gone;
}

uint64_t output_bytes(const struct output *o)
{
	return o->bytes;
}

/* Give the unnamed temporary file a fresh name from its template
 * (linkat never replaces a file: a name taken is tried again). */
static int name_temp(struct output *o, char **err)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char proc[64], *x = o->tmp + strlen(o->tmp) - 6;
	unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
	for (int tries = 0; tries < 100; tries++) {
		for (int i = 0; i < 6; i++)
			x[i] = letters[rand_r(&seed) % (sizeof letters - 1)];
		if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0) {
			o->unnamed = false;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	*err = xasprintf("%s: cannot create: %s", o->path, strerror(errno));
	return -1;
}

/* The rename is on disk once the directory is: a crash just after a
 * successful run must not bring the old file back. */
static void sync_dir(const char *path)
{
	char *copy = xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

int output_commit(struct output *o, char **err)
{
	if (o->z != NULL) {
		if (compress_pending(o, err) < 0)
			return -1;
		o->zout.len = 0;
		compress_stream_end(&o->zs, &o->zout);
		if (put(o, o->zout.data, o->zout.len, err) < 0)
			return -1;
	}
	if (flush_pending(o, err) < 0)
		return -1;
	if (o->tmp == NULL)
		return 0;
	if (fchmod(o->fd, o->mode) < 0 || fsync(o->fd) < 0) {
		*err = xasprintf("%s: write error: %s", o->path, strerror(errno));
		return -1;
	}
	if (o->unnamed && name_temp(o, err) < 0)
		return -1;
	close(o->fd);
	o->fd = -1;
	if (rename(o->tmp, o->path) < 0) {
		*err = xasprintf("%s: cannot rename into place: %s", o->path, strerror(errno));
		return -1;
	}
	free(o->tmp);
	o->tmp = NULL;
	sync_dir(o->path);
	return 0;
}

void output_abort(struct output *o)
{
	if (o == NULL || o->tmp == NULL)
		return;
	if (!o->unnamed)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
}

void output_free(struct output *o)
{
	if (o == NULL)
		return;
	output_abort(o);
	if (o->fd > STDOUT_FILENO)
		close(o->fd);
	buf_free(&o->pending);
	compressor_free(o->z);
	compress_stream_free(&o->zs);
	buf_free(&o->zin);
	buf_free(&o->zout);
	buf_free(&o->zdict);
	free(o->path);
	free(o->name);
	free(o);
}
