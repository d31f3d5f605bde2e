/* chunker.c - record-aligned chunks from files and streams. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "buf.h"
#include "clock.h"
#include "csv.h"
#include "decompress.h"
#include "fields.h"
#include "gzip_in.h"
#include "chunker.h"
#include "record.h"
#include "util.h"

#define PROBE_SIZE (4 * 1024)
#define STREAM_PIPE_SIZE (1 << 20)
#define STREAM_READ_MIN (64 * 1024)
#define CSV_GRID_MIN (256 * 1024)

struct input {
	char *path;
	int fd;			/* for a compressed input, the inflated stream */
	bool seekable;
	uint64_t size;
	/* A named regular file is open only while it is needed (see
	 * chunker_input_fd), and must be the same file each time. */
	bool lazy;
	dev_t dev;
	ino_t ino;
	bool empty;		/* a regular file of size 0, read as a stream */
	bool unsized;		/* a /proc or /sys file: its size says nothing */
	/* Compressed input (see decompress.h): the compressed descriptor,
	 * and the child that inflates it, started when the input's turn
	 * comes.  A stream's first bytes, read to detect its format, stay
	 * pending for the chunker, or go to the child. */
	enum codec codec;
	int raw_fd;
	struct decompressor dec;
	bool detected;		/* a stream's format is known */
	struct buf magic;	/* the stream bytes read to know it */
	/* A BGZF file (gzip members that state their own size) is cut on
	 * member boundaries, and the workers inflate the members. */
	bool bgzf;
	struct gz_member *members;
	size_t nmembers;
	uint64_t *uoff;		/* inflated offset of each member, and the total */
	/* CSV: quote counts of the segments of a grid (see csv_grid_boundary) */
	uint64_t seg;		/* segment size, 0: no grid */
	size_t nseg;
	uint64_t *quotes;	/* per segment, then turned into prefix parities */
	bool parity_ready;
	/* --shard: the records that start in [lo, hi) are this run's */
	uint64_t lo, hi;
};

struct chunker {
	struct input *in;
	size_t n;
	size_t cur;		/* input being chunked */
	uint64_t pos;		/* next offset in it */
	uint64_t end;		/* where its records end (a shard's may end early) */
	bool in_range;		/* pos and end are set for it (file inputs) */
	size_t member;		/* BGZF: next member in it */
	long workers;
	uint64_t auto_max;	/* the automatic target's cap, 0 if -b gave it */
	char term;
	uint64_t target;
	uint64_t seq;
	uint64_t bytes;
	struct buf pending;	/* stream bytes not yet shipped */
	size_t tried;		/* pending bytes when the last cut found no record end */
	bool eof;		/* the current stream hit EOF */
	/* A stream's complete records go out before a chunk is full: always
	 * (eager: --line-buffered, a terminal), or once (idle_cut: it went
	 * quiet; cleared when bytes come again). */
	bool eager, idle_cut;
	double last_read;	/* monotonic: when the stream last gave bytes */
	char *probe;
	struct buf *pool;	/* spare stream buffers */
	size_t npool;
	const struct format *fmt;	/* CSV: quote-aware boundaries */
	bool header;		/* each input starts with a header record */
	struct buf first_header;	/* the first input's, to compare others with */
	bool have_header;	/* first_header is read (empty inputs have none) */
	uint32_t header_file;	/* the input it is from */
	bool header_read;	/* the current input's header is consumed */
	bool bom_checked;	/* a byte-order mark is dropped from its start */
	struct buf scan;	/* CSV boundary scanning */
	bool sharded;		/* --shard: only the records of one byte range */
	uint64_t shard_bytes;	/* the size of that range */
	uint64_t max_record;	/* --max-record; UINT64_MAX: none */
	long held;		/* the lazy input whose descriptor is open, or -1 */
};

#define POOL_MAX 64

/* List a gzip file's members if it is BGZF; -1 on a read error. */
static int open_bgzf(struct input *in, const char *path, char **err, int *code)
{
	char *why = NULL;
	int rc = bgzf_members(in->fd, in->size, &in->members, &in->nmembers, &why);

	if (rc < 0) {
		*err = xasprintf("%s: %s", strcmp(path, "-") == 0 ? "stdin" : path, why);
		free(why);
		*code = EXIT_IOERR;
		return -1;
	}
	if (rc == 0)
		return 0;
	in->bgzf = true;
	in->uoff = xcalloc(in->nmembers + 1, sizeof *in->uoff);
	for (size_t i = 0; i < in->nmembers; i++)
		in->uoff[i + 1] = in->uoff[i] + in->members[i].usize;
	return 0;
}

/* A BGZF file read as one stream after all (CSV, --header). */
static void bgzf_to_stream(struct input *in)
{
	in->bgzf = false;
	free(in->members);
	free(in->uoff);
	in->members = NULL;
	in->uoff = NULL;
	in->nmembers = 0;
	in->raw_fd = in->fd;
	in->fd = -1;
	in->seekable = false;
}

static bool by_child(const struct input *in)
{
	return in->codec != CODEC_NONE && !in->bgzf;
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
		if (in->codec == CODEC_GZIP && at == 0 && open_bgzf(in, path, err, code) < 0)
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
static int begin_input(struct chunker *c, bool readable, char **err, int *code)
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

static bool begun(const struct input *in)
{
	int fd = by_child(in) ? in->raw_fd : in->fd;

	return in->detected && fd >= 0 && (!by_child(in) || in->dec.started);
}

/* A regular file read as a stream: a read never waits. */
static bool never_waits(const struct input *in)
{
	return in->lazy && !in->seekable && !by_child(in);
}

/* The end of a compressed input's inflated stream: the child's verdict. */
static int end_compressed(struct chunker *c, struct input *in, char **err, int *code)
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

/*
 * The automatic chunk size: large chunks cost less per byte (each one is
 * a round trip through the supervisor), but there must be enough of them
 * to keep every worker busy to the end: aim for 16 per worker, between
 * CHUNK_MIN and max.  Streams, whose size is unknown, get CHUNK_STREAM.
 */
#define CHUNK_MIN (256 * 1024)
#define CHUNK_STREAM (4 << 20)

static uint64_t auto_target(const struct chunker *c, long workers, uint64_t max)
{
	uint64_t total = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (c->in[i].empty)
			continue;
		if (!c->in[i].seekable)
			return CHUNK_STREAM;
		total += c->in[i].bgzf ? c->in[i].uoff[c->in[i].nmembers] : c->in[i].size;
	}
	if (c->sharded)
		total = c->shard_bytes;
	total /= (uint64_t)workers * 16;
	return total < CHUNK_MIN ? CHUNK_MIN : total > max ? max : total;
}

void chunker_auto_target(struct chunker *c, long workers, uint64_t max)
{
	c->workers = workers > 0 ? workers : 1;
	c->auto_max = max;
	c->target = auto_target(c, c->workers, max);
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
	if (n > 0 && c->in[0].detected && begin_input(c, false, err, code) < 0) {
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
	return file < c->n && by_child(&c->in[file]);
}

size_t chunker_count(const struct chunker *c)
{
	return c->n;
}

uint64_t chunker_bytes(const struct chunker *c)
{
	return c->bytes;
}

int chunker_wait_fd(const struct chunker *c)
{
	if (c->cur >= c->n || c->in[c->cur].seekable)
		return -1;
	return c->in[c->cur].fd;
}

/* The current input is done: its descriptors close (the workers open
 * their own), and stdin is left at the end of what was read of it. */
static void next_input(struct chunker *c)
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

/*
 * A record end in a regular file: just past the first terminator at or
 * after at, or the end of the file.  A chunk starting at pos ends at the
 * one from pos + target - 1.
 */
static int file_boundary(struct chunker *c, struct input *in, uint64_t at, uint64_t *end,
    char **err)
{
	while (at < in->size) {
		ssize_t n = pread_full(in->fd, c->probe, PROBE_SIZE, at);

		if (n < 0) {
			*err = xasprintf("%s: read error at offset %llu: %s",
			    chunker_path(c, (uint32_t)c->cur), (unsigned long long)at, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;	/* the file shrank: the worker will report it */
		size_t k = record_first_end(c->probe, (size_t)n, c->term);

		if (k > 0) {
			*end = at + k;
			return 0;
		}
		at += (uint64_t)n;
	}
	*end = in->size;
	return 0;
}

static int read_stream(struct chunker *c, struct input *in, char **err, int *code);

void chunker_set_max_record(struct chunker *c, uint64_t max)
{
	c->max_record = max > 0 ? max : UINT64_MAX;
}

/* len bytes from off on hold no record end: too many, under --max-record? */
static int check_record(struct chunker *c, uint64_t off, uint64_t len, char **err, int *code)
{
	if (len <= c->max_record)
		return 0;
	*err = record_too_long(chunker_path(c, (uint32_t)c->cur), off, c->max_record);
	*code = EXIT_DATAERR;
	return -1;
}

static bool is_csv(const struct chunker *c)
{
	return c->fmt != NULL && c->fmt->kind == FORMAT_CSV;
}

static int csv_error(struct chunker *c, uint64_t off, const char *why, char **err, int *code)
{
	*err = xasprintf("%s: malformed CSV at byte offset %llu: %s",
	    chunker_path(c, (uint32_t)c->cur), (unsigned long long)off, why);
	*code = EXIT_DATAERR;
	return -1;
}

/*
 * The CSV version of file_boundary: a newline inside quotes is no
 * boundary, and the quote state at a given offset depends on everything
 * before it, so the records from the record start at from are walked in
 * order (at memchr speed where there are no quotes) until one ends at or
 * past want (from + target for a chunk).  Malformed CSV ends the chunk at
 * the last record before it, and is reported by the next call: the
 * records before it still go through the stages, which may fail on one
 * of them first.
 */
static int csv_boundary(struct chunker *c, struct input *in, uint64_t from, uint64_t want,
    uint64_t *end, char **err, int *code)
{
	uint64_t at = from;
	/* Read about as far as the target, so that small chunks (tests use
	 * one byte) do not each cost a large read; grow for long records. */
	size_t step = c->target + PROBE_SIZE < PROBE_SIZE * 16 ? (size_t)c->target + PROBE_SIZE : PROBE_SIZE * 16;

	c->scan.len = 0;
	/* A record longer than a step is walked again after each read: the
	 * steps grow with it, so that it is walked a few times, not once a
	 * step. */
	for (;; step = step < PROBE_SIZE * 16 ? step * 2 : step > c->scan.len ? step : c->scan.len) {
		buf_reserve(&c->scan, step);
		ssize_t n = pread_full(in->fd, c->scan.data + c->scan.len, step, at + c->scan.len);

		if (n < 0) {
			*err = xasprintf("%s: read error at offset %llu: %s", chunker_path(c, (uint32_t)c->cur),
			    (unsigned long long)(at + c->scan.len), strerror(errno));
			*code = EXIT_IOERR;
			return -1;
		}
		c->scan.len += (size_t)n;
		struct csv_iter it;
		const char *e, *last = NULL;

		csv_iter_init(&it, c->scan.data, c->scan.len, c->fmt, c->term);
		it.at_eof = n == 0;
		while ((e = csv_iter_next(&it)) != NULL) {
			last = e;
			if (at + (uint64_t)(e - c->scan.data) >= want) {
				*end = at + (uint64_t)(e - c->scan.data);
				return 0;
			}
		}
		bool bad = it.why != NULL || (n == 0 && it.open_quote != NULL);
		uint64_t good = at + (uint64_t)(last != NULL ? last - c->scan.data : 0);

		if (bad && good > from) {
			*end = good;	/* the records before the error */
			return 0;
		}
		if (it.why != NULL)
			return csv_error(c, at + (uint64_t)(it.err_at - c->scan.data), it.why, err, code);
		if (n == 0) {
			if (it.open_quote != NULL)
				return csv_error(c, at + (uint64_t)(it.open_quote - c->scan.data),
				    "unterminated quoted field", err, code);
			*end = at + c->scan.len;	/* the last record, unterminated */
			return 0;
		}
		/* Keep only the unfinished record and read on. */
		if (last != NULL) {
			size_t done = (size_t)(last - c->scan.data);

			memmove(c->scan.data, last, c->scan.len - done);
			c->scan.len -= done;
			at += done;
		}
		if (check_record(c, at, c->scan.len, err, code) < 0)
			return -1;
	}
}

/*
 * The parallel way to cut a CSV file.  In well-formed CSV an offset is
 * inside a quoted field exactly when an odd number of quotes comes
 * before it (a doubled quote adds two).  The workers count the quotes of
 * each segment of a grid first, in parallel; then a boundary near grid
 * point G is found by reading on from G with the parity known there
 * until a terminator outside quotes: usually within one record.
 * (Malformed CSV makes the parity meaningless, but the workers, which
 * walk their records from a true record start, then report it.)
 */
static void prefix_parity(struct input *in)
{
	uint64_t acc = 0;

	for (size_t k = 0; k < in->nseg; k++) {
		uint64_t q = in->quotes[k];

		in->quotes[k] = acc & 1;	/* parity before segment k */
		acc += q;
	}
	in->parity_ready = true;
}

/* The first record end at or after want, read from the grid point
 * before it.  A chunk from pos ends at the first one past the grid
 * point after pos. */
static int csv_grid_boundary(struct chunker *c, struct input *in, uint64_t want, uint64_t *end,
    char **err)
{
	uint64_t k = (want - 1) / in->seg;
	uint64_t at = k * in->seg;
	int odd;

	if (!in->parity_ready)
		prefix_parity(in);
	if (k >= in->nseg || at >= in->size) {
		*end = in->size;
		return 0;
	}
	odd = (int)in->quotes[k];
	/* The quotes toggle the state from the grid point on; only a
	 * terminator at want - 1 or later ends the record wanted. */
	while (at < in->size) {
		ssize_t n = pread_full(in->fd, c->probe, PROBE_SIZE, at);

		if (n < 0) {
			*err = xasprintf("%s: read error at offset %llu: %s",
			    chunker_path(c, (uint32_t)c->cur), (unsigned long long)at, strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		const char *p = c->probe, *e = c->probe + n;
		const char *first = want - 1 <= at ? p : want - 1 - at < (uint64_t)n ? p + (want - 1 - at) : e;

		while (p < e) {
			const char *q = memchr(p, '"', (size_t)(e - p));
			const char *stop = q != NULL ? q : e, *from = p > first ? p : first;

			if (!odd && from < stop) {
				const char *t = memchr(from, c->term, (size_t)(stop - from));

				if (t != NULL) {
					*end = at + (uint64_t)(t + 1 - c->probe);
					return 0;
				}
			}
			if (q == NULL)
				break;
			odd ^= 1;
			p = q + 1;
		}
		at += (uint64_t)n;
	}
	*end = in->size;
	return 0;
}

size_t chunker_quote_grid(struct chunker *c, uint32_t file, uint64_t *seg)
{
	struct input *in = &c->in[file];

	/* Below CSV_GRID_MIN (tests cutting at every offset) the records are
	 * simply walked in order. */
	if (!is_csv(c) || c->fmt->lax || !in->seekable || in->size == 0 || c->target < CSV_GRID_MIN)
		return 0;
	if (c->sharded && in->lo == in->hi)
		return 0;
	in->seg = c->target;
	in->nseg = (size_t)((in->size + in->seg - 1) / in->seg);
	/* A shard needs the parity at the grid points up to the one after
	 * its end; the counts of every segment before them, too. */
	if (c->sharded && (in->hi - 1) / in->seg + 2 < in->nseg)
		in->nseg = (size_t)((in->hi - 1) / in->seg + 2);
	in->quotes = xcalloc(in->nseg, sizeof *in->quotes);
	*seg = in->seg;
	return in->nseg;
}

uint64_t chunker_total_size(const struct chunker *c)
{
	uint64_t total = 0;

	if (c->sharded)
		return c->shard_bytes;
	for (size_t i = 0; i < c->n; i++) {
		if (c->in[i].empty)
			continue;
		if (!c->in[i].seekable)
			return 0;
		total += c->in[i].size;
	}
	return total;
}

uint64_t chunker_file_size(const struct chunker *c, uint32_t file)
{
	return file < c->n ? c->in[file].size : 0;
}

void chunker_set_quotes(struct chunker *c, uint32_t file, size_t seg, uint64_t count)
{
	struct input *in = &c->in[file];

	if (seg < in->nseg)
		in->quotes[seg] = count;
}

/*
 * A BGZF file is cut between members, after as many as make the target
 * once inflated (at least one).  The cut is no record boundary: the
 * workers inflate on past the end of their range to the end of the
 * record there, and skip to the first record start in theirs.
 */
static int bgzf_boundary(struct chunker *c, struct input *in, uint64_t *end)
{
	size_t b = c->member;
	uint64_t got = 0;

	while (b < in->nmembers && (b == c->member || got < c->target))
		got += in->members[b++].usize;
	c->member = b;
	*end = b < in->nmembers ? in->members[b].offset : in->size;
	return 0;
}

const struct gz_member *chunker_members(const struct chunker *c, uint32_t file, size_t *n)
{
	if (file >= c->n || !c->in[file].bgzf)
		return NULL;
	*n = c->in[file].nmembers;
	return c->in[file].members;
}

uint64_t chunker_member_offset(const struct chunker *c, uint32_t file, size_t member)
{
	return c->in[file].uoff[member];
}

/* The first record end at or after want in a plain or CSV file; from is
 * a record start before want. */
static int record_end(struct chunker *c, struct input *in, uint64_t from, uint64_t want,
    uint64_t *end, char **err, int *code)
{
	*code = EXIT_IOERR;
	if (in->seg > 0)
		return csv_grid_boundary(c, in, want, end, err);
	if (is_csv(c))
		return csv_boundary(c, in, from, want, end, err, code);
	return file_boundary(c, in, want - 1, end, err);
}

/* The first record start at or after x: x itself at the start (from, a
 * record start) and at the end of the file.  The CSV walk stops before
 * malformed CSV, and goes on from there to report it. */
static int record_start(struct chunker *c, struct input *in, uint64_t from, uint64_t x,
    uint64_t *start, char **err, int *code)
{
	while (x > from && from < in->size) {
		if (record_end(c, in, from, x, &from, err, code) < 0)
			return -1;
		if (from >= x)
			break;
	}
	*start = x > from ? in->size : from;
	return 0;
}

/*
 * The current file's records: all of them, or with --shard those that
 * start in its part [lo, hi) of the shard's range: from the first record
 * start at or after lo to the first at or after hi.  pos is a record
 * start here (0, or past the header).
 */
static int enter_range(struct chunker *c, struct input *in, char **err, int *code)
{
	uint64_t start = c->pos, end = in->size;

	if (c->sharded && (record_start(c, in, c->pos, in->lo, &start, err, code) < 0 ||
	    record_start(c, in, start, in->hi, &end, err, code) < 0))
		return -1;
	c->pos = start;
	c->end = end;
	c->in_range = true;
	return 0;
}

static int next_file_chunk(struct chunker *c, struct input *in, struct chunk *out, char **err,
    int *code)
{
	uint64_t end;
	int rc;

	*code = EXIT_IOERR;
	if (in->bgzf)
		rc = bgzf_boundary(c, in, &end);
	else	/* a grid cuts past the grid point after pos */
		rc = record_end(c, in, c->pos, in->seg > 0 ? (c->pos / in->seg + 1) * in->seg + 1 :
		    c->pos + c->target, &end, err, code);
	if (rc < 0)
		return CHUNK_ERROR;
	if (end > c->end)
		end = c->end;	/* the shard's last record */
	out->file = (uint32_t)c->cur;
	out->offset = c->pos;
	out->length = end - c->pos;
	out->data = NULL;
	out->cap = 0;
	c->pos = end;
	return CHUNK_READY;
}

/*
 * Where to cut the pending stream bytes; -1 on malformed CSV.  As in
 * csv_boundary, the records before an error are cut off first, and the
 * error is reported once it is at the start of the pending bytes.
 */
static int stream_cut(struct chunker *c, size_t *cut, char **err, int *code)
{
	const char *why = NULL;
	size_t at = 0;

	if (!is_csv(c)) {
		*cut = c->eof ? c->pending.len : record_last_end(c->pending.data, c->pending.len, c->term);
		return 0;
	}
	struct csv_iter it;
	const char *e, *last = NULL;

	csv_iter_init(&it, c->pending.data, c->pending.len, c->fmt, c->term);
	it.at_eof = c->eof;
	while ((e = csv_iter_next(&it)) != NULL)
		last = e;
	why = it.why;
	if (why != NULL)
		at = (size_t)(it.err_at - c->pending.data);
	else if (c->eof && it.open_quote != NULL) {
		why = "unterminated quoted field";
		at = (size_t)(it.open_quote - c->pending.data);
	}
	if (why != NULL) {
		if (last == NULL)
			return csv_error(c, c->pos + at, why, err, code);
		*cut = (size_t)(last - c->pending.data);	/* the records before it */
		return 0;
	}
	*cut = c->eof ? c->pending.len : last == NULL ? 0 : (size_t)(last - c->pending.data);
	return 0;
}

/* Whether a cut before a full chunk may find a record end the last
 * one did not: bytes after it hold a terminator (CSV: scanned again). */
static bool new_record_end(const struct chunker *c)
{
	return is_csv(c) || memchr(c->pending.data + c->tried, c->term, c->pending.len - c->tried) != NULL;
}

/* Cut the pending stream bytes into a chunk, if enough are there.
 * 1 cut, 0 not yet, -1 error. */
static int cut_stream(struct chunker *c, struct chunk *out, char **err, int *code)
{
	size_t cut;
	bool early = c->eager || c->idle_cut;

	if (c->pending.len == 0)
		return 0;
	if (c->pending.len < c->target && !c->eof && !early)
		return 0;
	/* One record longer than the target: look for its end again only
	 * once the bytes have doubled (or pass --max-record), so that a long
	 * record is not scanned over and over as it comes in. */
	if (!c->eof && c->pending.len / 2 < c->tried && c->pending.len <= c->max_record &&
	    !(early && new_record_end(c)))
		return 0;
	if (stream_cut(c, &cut, err, code) < 0)
		return -1;
	if (cut == 0) {
		c->tried = c->pending.len;
		return check_record(c, c->pos, c->pending.len, err, code);
	}
	c->tried = 0;
	out->file = (uint32_t)c->cur;
	out->offset = c->pos;
	out->length = cut;
	/* The chunk takes the buffer; the unfinished record moves to a new one. */
	out->data = c->pending.data;
	out->cap = c->pending.cap;
	struct buf rest = { 0 };

	if (c->npool > 0)
		rest = c->pool[--c->npool];
	rest.len = 0;
	buf_reserve(&rest, c->pending.len - cut + (c->target > STREAM_READ_MIN ? c->target : STREAM_READ_MIN));
	buf_append(&rest, c->pending.data + cut, c->pending.len - cut);
	c->pending = rest;
	c->pos += cut;
	return 1;
}

/* Bytes that can be read from fd without blocking (0 at EOF). */
static size_t readable_bytes(int fd)
{
	int n = 0;

	if (ioctl(fd, FIONREAD, &n) < 0 || n < 0)
		return 0;
	return (size_t)n;
}

/*
 * Read what the stream has ready, up to the chunk target: the descriptor
 * was reported readable, so the first read cannot block, and later ones
 * are made only for bytes FIONREAD says are there.  (Setting O_NONBLOCK
 * instead would change the file description shared with other
 * processes, such as the shell.)
 */
static int read_stream(struct chunker *c, struct input *in, char **err, int *code)
{
	bool first = true;

	for (;;) {
		size_t room = c->target > c->pending.len ? c->target - c->pending.len : 0;
		size_t avail = first ? 0 : readable_bytes(in->fd);
		ssize_t n;

		if (room < STREAM_READ_MIN)
			room = STREAM_READ_MIN;
		if (!first && (avail == 0 || c->pending.len >= c->target))
			return 0;
		if (!first && avail < room)
			room = avail;
		buf_reserve(&c->pending, room);
		do
			n = read(in->fd, c->pending.data + c->pending.len, room);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			*err = xasprintf("%s: read error at offset %llu: %s", chunker_path(c, (uint32_t)c->cur),
			    (unsigned long long)(c->pos + c->pending.len), strerror(errno));
			*code = EXIT_IOERR;
			return -1;
		}
		if (n == 0) {
			if (end_compressed(c, in, err, code) < 0)
				return -1;
			c->eof = true;
			return 0;
		}
		c->pending.len += (size_t)n;
		c->last_read = clock_now();
		c->idle_cut = false;
		first = false;
	}
}

/* A UTF-8 byte-order mark, which Excel writes at the start of CSV: at
 * the start of a header it is no part of the first field's name. */
#define BOM "\xEF\xBB\xBF"

/* Drop a byte-order mark from the start of the pending stream bytes. */
static void drop_bom(struct chunker *c)
{
	size_t k = sizeof BOM - 1;

	c->bom_checked = true;
	if (c->pending.len < k || memcmp(c->pending.data, BOM, k) != 0)
		return;
	memmove(c->pending.data, c->pending.data + k, c->pending.len - k);
	c->pending.len -= k;
	c->pos += k;
}

/*
 * The first record of the current input, into raw (terminator and all),
 * without a byte-order mark before it.
 * Returns 1 when it is complete (or the input ended), 0 when a stream
 * needs more data, -1 on error.
 */
static int read_header(struct chunker *c, struct input *in, bool readable, struct buf *raw,
    char **err, int *code)
{
	const char *why;
	size_t at, n;

	if (in->seekable) {
		char b[sizeof BOM - 1];

		if (pread_full(in->fd, b, sizeof b, c->pos) == (ssize_t)sizeof b && memcmp(b, BOM, sizeof b) == 0)
			c->pos += sizeof b;
		c->pending.len = 0;
		for (;;) {
			buf_reserve(&c->pending, PROBE_SIZE);
			ssize_t k = pread_full(in->fd, c->pending.data + c->pending.len, PROBE_SIZE,
			    c->pos + c->pending.len);

			if (k < 0) {
				*err = xasprintf("%s: read error: %s", chunker_path(c, (uint32_t)c->cur),
				    strerror(errno));
				*code = EXIT_IOERR;
				return -1;
			}
			c->pending.len += (size_t)k;
			n = records_first_end(c->fmt, c->term, c->pending.data, c->pending.len, &why, &at);
			if (why != NULL)
				return csv_error(c, c->pos + at, why, err, code);
			if (n > 0 || k == 0)
				break;
			if (check_record(c, c->pos, c->pending.len, err, code) < 0)
				return -1;
		}
		if (n == 0)
			n = c->pending.len;
		if (check_record(c, c->pos, n, err, code) < 0)
			return -1;
		buf_append(raw, c->pending.data, n);
		c->pos += n;
		c->pending.len = 0;
		return 1;
	}
	for (;;) {
		if (!c->bom_checked && (c->pending.len >= sizeof BOM - 1 || c->eof))
			drop_bom(c);
		n = records_first_end(c->fmt, c->term, c->pending.data, c->pending.len, &why, &at);
		if (why != NULL)
			return csv_error(c, c->pos + at, why, err, code);
		if (c->bom_checked && (n > 0 || c->eof))
			break;
		if (check_record(c, c->pos, c->pending.len, err, code) < 0)
			return -1;
		if (!readable)
			return 0;
		if (read_stream(c, in, err, code) < 0)
			return -1;
		readable = false;
	}
	if (n == 0)
		n = c->pending.len;
	if (check_record(c, c->pos, n, err, code) < 0)
		return -1;
	buf_append(raw, c->pending.data, n);
	memmove(c->pending.data, c->pending.data + n, c->pending.len - n);
	c->pending.len -= n;
	c->pos += n;
	return 1;
}

/* A header record without its terminator (and CR before it). */
static size_t header_len(const struct chunker *c, const struct buf *h)
{
	size_t n = h->len;

	if (n > 0 && h->data[n - 1] == c->term)
		n--;
	if (n > 0 && h->data[n - 1] == '\r' && c->term == '\n')
		n--;
	return n;
}

/* Consume the current input's header; every input after the first must
 * repeat the first one's.  An empty input has none (and no records).
 * 1 done, 0 wait for data, -1 error. */
static int take_header(struct chunker *c, struct input *in, bool readable, char **err, int *code)
{
	struct buf h = { 0 };
	bool first = !c->have_header;
	int rc = read_header(c, in, readable, &h, err, code);

	if (rc <= 0) {
		buf_free(&h);
		return rc;
	}
	c->header_read = true;
	if (h.len == 0) {
		buf_free(&h);
		return 1;
	}
	if (first) {
		buf_free(&c->first_header);
		c->first_header = h;
		c->have_header = true;
		c->header_file = (uint32_t)c->cur;
		return 1;
	}
	if (header_len(c, &h) != header_len(c, &c->first_header) ||
	    memcmp(h.data, c->first_header.data, header_len(c, &h)) != 0) {
		buf_free(&h);
		*err = xasprintf("%s: header differs from that of %s", chunker_path(c, (uint32_t)c->cur),
		    chunker_path(c, c->header_file));
		*code = EXIT_DATAERR;
		return -1;
	}
	buf_free(&h);
	return 1;
}

int chunker_header(struct chunker *c, bool readable, struct buf *raw, char **err, int *code)
{
	int rc;

	if (c->cur >= c->n)
		return 1;
	readable = readable || never_waits(&c->in[c->cur]);
	if (!begun(&c->in[c->cur])) {
		rc = begin_input(c, readable, err, code);
		if (rc <= 0)
			return rc;
		readable = false;
	}
	rc = take_header(c, &c->in[c->cur], readable, err, code);
	if (rc == 1 && !c->have_header && c->cur + 1 < c->n) {
		next_input(c);	/* an empty input: the header is the next one's */
		return 0;
	}
	if (rc == 1 && c->have_header)
		buf_append(raw, c->first_header.data, c->first_header.len);
	return rc;
}

/* Why input in cannot be sharded, or NULL. */
static char *unshardable(const struct input *in)
{
	if (strcmp(in->path, "-") == 0)
		return xasprintf("standard input cannot be sharded (name the file)");
	if (in->codec != CODEC_NONE)
		return xasprintf("%s: a %s input cannot be sharded (only plain files can)", in->path,
		    in->codec == CODEC_GZIP ? "gzip" : "zstd");
	if (in->unsized)
		return xasprintf("%s: its size is not known (only regular files whose size is "
		    "that of their contents can be sharded)", in->path);
	if (!in->seekable && !in->empty)
		return xasprintf("%s: not a regular file (only regular files can be sharded)", in->path);
	return NULL;
}

int chunker_set_shard(struct chunker *c, struct shard *s, char **err, int *code)
{
	uint64_t at = 0;

	s->total = 0;
	for (size_t i = 0; i < c->n; i++) {
		char *why = unshardable(&c->in[i]);

		if (why != NULL) {
			*err = xasprintf("--shard: %s", why);
			free(why);
			*code = EXIT_USAGE;
			return -1;
		}
		s->total += c->in[i].size;
	}
	shard_range(s, s->total, &s->start, &s->end);
	/* Each file's part of the range, in its own offsets. */
	for (size_t i = 0; i < c->n; i++) {
		struct input *in = &c->in[i];

		in->lo = s->start < at ? 0 : s->start - at < in->size ? s->start - at : in->size;
		in->hi = s->end < at ? 0 : s->end - at < in->size ? s->end - at : in->size;
		at += in->size;
	}
	c->sharded = true;
	c->shard_bytes = s->end - s->start;
	if (c->auto_max > 0)
		c->target = auto_target(c, c->workers, c->auto_max);
	return 0;
}

void chunker_set_format(struct chunker *c, const struct format *f, bool header)
{
	bool changed = false;

	c->fmt = f;
	c->header = header;
	/* A CSV record may span members in ways a worker cannot tell from
	 * the middle of the file, and a header is read before the workers
	 * start: BGZF files are then inflated as one stream. */
	for (size_t i = 0; i < c->n && (header || is_csv(c)); i++) {
		if (c->in[i].bgzf) {
			bgzf_to_stream(&c->in[i]);
			changed = true;
		}
	}
	if (changed && c->auto_max > 0)
		c->target = auto_target(c, c->workers, c->auto_max);
}

void chunker_recycle(struct chunker *c, struct chunk *ch)
{
	if (ch->data == NULL)
		return;
	if (c->npool < POOL_MAX) {
		if (c->pool == NULL)
			c->pool = xcalloc(POOL_MAX, sizeof *c->pool);
		c->pool[c->npool].data = ch->data;
		c->pool[c->npool].cap = ch->cap;
		c->pool[c->npool++].len = 0;
	} else {
		free(ch->data);
	}
	ch->data = NULL;
}

void chunker_set_eager(struct chunker *c, bool on)
{
	c->eager = on;
}

double chunker_idle_deadline(const struct chunker *c, double idle)
{
	const struct input *in = c->cur < c->n ? &c->in[c->cur] : NULL;

	if (in == NULL || in->seekable || !begun(in) || c->eof || c->eager || c->idle_cut ||
	    c->pending.len == 0)
		return 0;
	return c->last_read + idle;
}

void chunker_flush(struct chunker *c)
{
	c->idle_cut = true;
}

int chunker_next(struct chunker *c, bool readable, struct chunk *out, char **err, int *code)
{
	while (c->cur < c->n) {
		struct input *in = &c->in[c->cur];
		int rc;

		readable = readable || never_waits(in);
		if (c->sharded && in->lo == in->hi) {
			next_input(c);	/* none of its records start in the shard */
			continue;
		}
		if (!begun(in)) {
			rc = begin_input(c, readable, err, code);
			readable = false;
			if (rc < 0)
				return CHUNK_ERROR;
			if (rc == 0)
				return CHUNK_WAIT;
		}
		if (c->header && !c->header_read) {
			if (!in->seekable && !c->eof && !readable)
				return CHUNK_WAIT;
			rc = take_header(c, in, readable, err, code);
			readable = false;
			if (rc < 0)
				return CHUNK_ERROR;
			if (rc == 0)
				continue;
		}
		if (in->seekable) {
			if (!c->in_range && enter_range(c, in, err, code) < 0)
				return CHUNK_ERROR;
			if (c->pos >= c->end) {
				next_input(c);
				continue;
			}
			if (next_file_chunk(c, in, out, err, code) != CHUNK_READY)
				return CHUNK_ERROR;
		} else if ((rc = cut_stream(c, out, err, code)) <= 0) {
			if (rc < 0)
				return CHUNK_ERROR;
			if (c->eof) {
				next_input(c);
				continue;
			}
			if (!readable)
				return CHUNK_WAIT;
			if (read_stream(c, in, err, code) < 0)
				return CHUNK_ERROR;
			readable = false;
			continue;
		}
		out->seq = c->seq++;
		c->bytes += out->length;
		return CHUNK_READY;
	}
	return CHUNK_END;
}
