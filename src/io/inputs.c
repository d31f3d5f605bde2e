/* inputs.c - the chunker's inputs: opening each one and learning what it
 * is (regular file, stream, /proc or /sys file, gzip, BGZF or zstd),
 * reopening named files lazily (one descriptor per process, checked to
 * be the same file), starting decompressors, moving to the next input,
 * and closing. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "chunker_int.h"
#include "util.h"
#include "zstd_frames.h"

#define STREAM_PIPE_SIZE (1 << 20)

/* List a gzip file's members if it is BGZF, a zstd file's frames if it
 * has several (zstd_frames.h); -1 on a read error. */
static int open_bgzf(struct input *in, const char *path, char **err, int *code)
{
	char *why = NULL;
	bool exact = true;
	int rc = in->codec == CODEC_GZIP ?
	    bgzf_members(in->fd, in->size, &in->members, &in->nmembers, &why) :
	    zstd_list_frames(in->fd, in->size, &in->members, &in->nmembers, &exact, &why);

	if (rc < 0) {
		*err = xasprintf("%s: %s", strcmp(path, "-") == 0 ? "stdin" : path, why);
		free(why);
		*code = EXIT_IOERR;
		return -1;
	}
	if (rc == 0)
		return 0;
	in->bgzf = true;
	in->usize_estimated = !exact;
	in->uoff = xcalloc(in->nmembers + 1, sizeof *in->uoff);
	for (size_t i = 0; i < in->nmembers; i++)
		in->uoff[i + 1] = in->uoff[i] + in->members[i].usize;
	return 0;
}

/* A BGZF file read as one stream after all (CSV, --header). */
void chunker_bgzf_to_stream(struct input *in)
{
	in->bgzf = false;
	in->streamed = true;
	free(in->members);
	free(in->uoff);
	in->members = NULL;
	in->uoff = NULL;
	in->nmembers = 0;
	in->raw_fd = in->fd;
	in->fd = -1;
	in->seekable = false;
}

/* The descriptor a lazy input is opened on: a compressed one's is the
 * raw file, read by its decompressor. */
static int *lazy_slot(struct input *in)
{
	return by_child(in) ? &in->raw_fd : &in->fd;
}

/* Close the lazy input this process holds open, if any. */
static void release(struct chunker *c)
{
	int *fd;

	if (c->held < 0)
		return;
	fd = lazy_slot(&c->in[c->held]);
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	c->held = -1;
}

int chunker_input_fd(struct chunker *c, uint32_t file, char **err, int *code)
{
	struct input *in = &c->in[file];
	int *fd = lazy_slot(in);
	struct stat sb;

	if (!in->lazy || *fd >= 0)
		return *fd;
	release(c);
	if ((*fd = open(in->path, O_RDONLY | O_CLOEXEC)) < 0) {
		*err = xasprintf("%s: cannot open: %s", in->path, strerror(errno));
		*code = EXIT_NOINPUT;
		return -1;
	}
	c->held = (long)file;
	if (fstat(*fd, &sb) < 0 || sb.st_dev != in->dev || sb.st_ino != in->ino) {
		*err = xasprintf("%s: replaced by another file while forkpipe ran", in->path);
		*code = EXIT_NOINPUT;
		release(c);
		return -1;
	}
	return *fd;
}

/*
 * Whether fd is on a filesystem whose file sizes say nothing of their
 * contents (0 or a page, whatever they hold, and contents that change
 * between reads): such a file is read once, as a stream.
 */
static bool unsized_fs(int fd)
{
	struct statfs fs;

	if (fstatfs(fd, &fs) < 0)
		return false;
	switch (fs.f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

/*
 * Open input in, learn what it is, and close it again if it is a named
 * regular file: those are opened when needed (chunker_input_fd), so
 * that any number of them fits in a few descriptors.  again: stdin was
 * an input already, and this one is what that one leaves of it (as in
 * cat - -), a stream.
 */
static int open_input(struct input *in, const char *path, bool again, char **err, int *code)
{
	struct stat sb;

	in->path = xstrdup(path);
	if (strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
		if (again)
			return 0;
	} else if ((in->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*err = xasprintf("%s: cannot open: %s", path, strerror(errno));
		*code = EXIT_NOINPUT;
		return -1;
	}
	if (fstat(in->fd, &sb) < 0) {
		*err = xasprintf("%s: cannot stat: %s", path, strerror(errno));
		*code = EXIT_NOINPUT;
		return -1;
	}
	if (S_ISDIR(sb.st_mode)) {
		*err = xasprintf("%s: cannot read: Is a directory", strcmp(path, "-") == 0 ? "stdin" : path);
		*code = EXIT_NOINPUT;
		return -1;
	}
	in->seekable = S_ISREG(sb.st_mode);
	in->lazy = in->seekable && in->fd != STDIN_FILENO;
	in->dev = sb.st_dev;
	in->ino = sb.st_ino;
	/* Only a size that can be trusted cuts a file into ranges. */
	if (in->seekable && (sb.st_size == 0 || unsized_fs(in->fd))) {
		in->unsized = sb.st_size != 0 || unsized_fs(in->fd);
		in->empty = !in->unsized;
		in->seekable = false;
	}
	/* A bigger pipe lets the writer hand over more per wake-up. */
	if (S_ISFIFO(sb.st_mode))
		(void)fcntl(in->fd, F_SETPIPE_SZ, STREAM_PIPE_SIZE);
	in->size = (uint64_t)sb.st_size;
	/* stdin may be a regular file opened at some offset by the shell. */
	if (in->seekable && in->fd == STDIN_FILENO) {
		off_t at = lseek(in->fd, 0, SEEK_CUR);

		in->seekable = at >= 0;
	}
	/* A regular file's format is known now; a stream's when its turn
	 * comes (reading it here could wait on its writer). */
	if (in->seekable) {
		unsigned char m[CODEC_MAGIC_MAX];
		uint64_t at = in->fd == STDIN_FILENO ? (uint64_t)lseek(in->fd, 0, SEEK_CUR) : 0;
		ssize_t n = pread_full(in->fd, m, sizeof m, at);

		if (n < 0) {
			*err = xasprintf("%s: read error: %s", strcmp(path, "-") == 0 ? "stdin" : path,
			    strerror(errno));
			*code = EXIT_IOERR;
			return -1;
		}
		in->detected = true;
		in->codec = codec_detect(m, (size_t)n);
		if (in->codec != CODEC_NONE && at == 0 && open_bgzf(in, path, err, code) < 0)
			return -1;
		if (in->codec != CODEC_NONE && !in->bgzf) {
			/* Inflated as a stream, by the child. */
			in->raw_fd = in->fd;
			in->fd = -1;
			in->seekable = false;
		}
	}
	if (in->lazy) {
		close(*lazy_slot(in));
		*lazy_slot(in) = -1;
	}
	return 0;
}

/*
 * The current input's turn has come: a stream's format is detected from
 * its first bytes (which then start the pending bytes, or go to the
 * child), and a compressed input's decompressor starts.  A stream is
 * read only when readable says poll found it so, once per call, so the
 * supervisor never blocks here.  1 when the input is ready to be read,
 * 0 when the stream needs to be readable again, -1 on error.
 */
int chunker_begin_input(struct chunker *c, bool readable, char **err, int *code)
{
	struct input *in = &c->in[c->cur];

	if (chunker_input_fd(c, (uint32_t)c->cur, err, code) < 0)
		return -1;
	if (!in->detected) {
		size_t room = c->target > STREAM_READ_MIN ? c->target : STREAM_READ_MIN;
		ssize_t n;

		/* The bytes read to detect the format are the stream's first:
		 * as many as a read brings, into the pending bytes. */
		if (!readable)
			return 0;
		buf_reserve(&c->pending, room);
		do
			n = read(in->fd, c->pending.data + c->pending.len, room);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			*err = xasprintf("%s: read error at offset %zu: %s", chunker_path(c, (uint32_t)c->cur),
			    c->pending.len, strerror(errno));
			*code = EXIT_IOERR;
			return -1;
		}
		c->pending.len += (size_t)n;
		if (n > 0 && codec_undecided(c->pending.data, c->pending.len))
			return 0;
		in->detected = true;
		in->codec = codec_detect(c->pending.data, c->pending.len);
		if (in->codec == CODEC_NONE) {
			c->eof = n == 0;
		} else {
			/* They go to the decompressor. */
			buf_append(&in->magic, c->pending.data, c->pending.len);
			c->pending.len = 0;
			in->raw_fd = in->fd;
			in->fd = -1;
		}
	}
	if (by_child(in) && !in->dec.started) {
		char *why = NULL;

		if (decompressor_start(&in->dec, in->codec, in->raw_fd, in->magic.data, in->magic.len, &why) < 0) {
			*err = xasprintf("%s: cannot start the decompressor: %s",
			    chunker_path(c, (uint32_t)c->cur), why);
			free(why);
			*code = EXIT_SOFTWARE;
			return -1;
		}
		in->fd = in->dec.data_fd;
		/* The child has them; the chunker needs them no more. */
		buf_free(&in->magic);
	}
	return 1;
}

/* The end of a compressed input's inflated stream: the child's verdict. */
int chunker_end_compressed(struct chunker *c, struct input *in, char **err, int *code)
{
	char *why = NULL;

	if (!by_child(in))
		return 0;
	if (decompressor_finish(&in->dec, &why, code) < 0) {
		*err = xasprintf("%s: %s", chunker_path(c, (uint32_t)c->cur), why);
		free(why);
		return -1;
	}
	return 0;
}

struct chunker *chunker_open(char *const *paths, size_t n, char term, uint64_t target,
    long workers, char **err, int *code)
{
	struct chunker *c = xcalloc(1, sizeof *c);

	c->in = xcalloc(n, sizeof *c->in);
	c->term = term;
	c->max_record = UINT64_MAX;
	c->probe = xmalloc(PROBE_SIZE);
	c->held = -1;
	for (size_t i = 0; i < n; i++) {
		bool again = false;

		for (size_t k = 0; k < i && strcmp(paths[i], "-") == 0; k++)
			again = again || strcmp(paths[k], "-") == 0;
		c->in[i].fd = c->in[i].raw_fd = -1;
		c->n = i + 1;
		if (open_input(&c->in[i], paths[i], again, err, code) < 0) {
			chunker_close(c);
			return NULL;
		}
	}
	if (target)
		c->target = target;
	else
		chunker_auto_target(c, workers, CHUNK_MAX);
	if (n > 0 && c->in[0].seekable && c->in[0].fd == STDIN_FILENO)
		c->pos = (uint64_t)lseek(STDIN_FILENO, 0, SEEK_CUR);
	/* A compressed first file's decompressor starts now, before the
	 * workers: a small process to fork, and inflating starts at once. */
	if (n > 0 && c->in[0].detected && chunker_begin_input(c, false, err, code) < 0) {
		chunker_close(c);
		return NULL;
	}
	return c;
}

void chunker_abort(struct chunker *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		decompressor_stop(&c->in[i].dec);
}

void chunker_close(struct chunker *c)
{
	if (c == NULL)
		return;
	chunker_abort(c);
	for (size_t i = 0; i < c->n; i++) {
		if (by_child(&c->in[i]))
			c->in[i].fd = c->in[i].raw_fd;	/* the pipe is closed */
		if (c->in[i].fd > STDIN_FILENO)
			close(c->in[i].fd);
		buf_free(&c->in[i].magic);
		free(c->in[i].members);
		free(c->in[i].uoff);
		chunker_gzix_free(&c->in[i]);
		free(c->in[i].path);
		free(c->in[i].quotes);
	}
	free(c->in);
	buf_free(&c->pending);
	buf_free(&c->first_header);
	buf_free(&c->scan);
	for (size_t i = 0; i < c->npool; i++)
		buf_free(&c->pool[i]);
	free(c->pool);
	free(c->probe);
	free(c);
}

const char *chunker_path(const struct chunker *c, uint32_t file)
{
	if (file >= c->n)
		return "?";
	return strcmp(c->in[file].path, "-") == 0 ? "stdin" : c->in[file].path;
}

bool chunker_inflated(const struct chunker *c, uint32_t file)
{
	return file < c->n && (by_child(&c->in[file]) || c->in[file].gzix != NULL);
}

size_t chunker_count(const struct chunker *c)
{
	return c->n;
}

/* The current input is done: its descriptors close (the workers open
 * their own), and stdin is left at the end of what was read of it. */
void chunker_next_input(struct chunker *c)
{
	struct input *in = &c->in[c->cur];

	if (in->fd == STDIN_FILENO && in->seekable)
		(void)lseek(STDIN_FILENO, (off_t)in->size, SEEK_SET);
	if (by_child(in) && in->dec.started) {
		decompressor_stop(&in->dec);
		in->fd = -1;
	}
	if (c->held == (long)c->cur)
		release(c);
	c->cur++;
	c->pos = 0;
	c->in_range = false;
	c->member = 0;
	c->eof = false;
	c->header_read = false;
	c->bom_checked = false;
	c->pending.len = 0;
	c->tried = 0;
	if (c->cur < c->n && c->in[c->cur].seekable && c->in[c->cur].fd == STDIN_FILENO)
		c->pos = (uint64_t)lseek(STDIN_FILENO, 0, SEEK_CUR);
}
