/* decompress.c - compressed input: format detection and the decompressor
 * process. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decompress.h"
#include "proc.h"
#include "gzip_in.h"
#include "util.h"
#include "zstd_codec.h"

#define DATA_PIPE_SIZE (1 << 20)
#define IN_SIZE (256 * 1024)
#define OUT_SIZE (256 * 1024)
#define STATUS_MAX 512

enum codec codec_detect(const void *p, size_t len)
{
	const unsigned char *b = p;

	if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return CODEC_GZIP;
	if (zstd_detect(p, len))
		return CODEC_ZSTD;
	return CODEC_NONE;
}

bool codec_undecided(const void *p, size_t len)
{
	static const unsigned char gz[] = { 0x1f, 0x8b }, zs[] = { 0x28, 0xb5, 0x2f, 0xfd },
	    skip[] = { 0x50, 0x2a, 0x4d, 0x18 };
	const unsigned char *b = p;
	bool g = len < sizeof gz, z = true, k = true;

	for (size_t i = 0; i < len && i < sizeof zs; i++) {
		g = g && (i >= sizeof gz || b[i] == gz[i]);
		z = z && b[i] == zs[i];
		k = k && (i == 0 ? (b[i] & 0xf0) == skip[0] : b[i] == skip[i]);
	}
	return len < CODEC_MAGIC_MAX && (g || z || k);
}

/* The verdict: one byte of exit code (0: the stream was good), then the
 * reason.  Written in one write(), well under PIPE_BUF. */
static void report(int fd, int code, const char *msg)
{
	char b[STATUS_MAX];
	size_t n = strlen(msg);

	if (n > sizeof b - 1)
		n = sizeof b - 1;
	b[0] = (char)code;
	memcpy(b + 1, msg, n);
	(void)write_all(fd, b, n + 1);
}

struct codec_ops {
	int (*run)(void *z, const void *in, size_t inlen, size_t *used, void *out, size_t outcap,
	    size_t *made, bool eof, char **err);
	void (*free)(void *z);
	void *z;
};

static int run_gzip(void *z, const void *in, size_t inlen, size_t *used, void *out,
    size_t outcap, size_t *made, bool eof, char **err)
{
	return gz_inflate(z, in, inlen, used, out, outcap, made, eof, err);
}

static int run_zstd(void *z, const void *in, size_t inlen, size_t *used, void *out,
    size_t outcap, size_t *made, bool eof, char **err)
{
	return zstd_decode(z, in, inlen, used, out, outcap, made, eof, err);
}

static void free_gzip(void *z)
{
	gz_inflater_free(z);
}

static void free_zstd(void *z)
{
	zstd_decoder_free(z);
}

static void __attribute__((noreturn))
child_main(enum codec codec, int fd, const void *prefix, size_t plen, int data_fd, int status_fd,
    const char *index_for)
{
	struct codec_ops ops;
	unsigned char *in = xmalloc(IN_SIZE > plen ? IN_SIZE : plen);
	unsigned char *out = xmalloc(OUT_SIZE);
	size_t ipos = 0, ilen = plen;
	uint64_t total_in = plen;
	bool eof = false;

	if (codec == CODEC_GZIP && index_for != NULL && plen == 0) {
		char *err = NULL;
		int code = gzindex_run_child(fd, index_for, data_fd, &err);

		report(status_fd, code, code != 0 ? err : "");
		_exit(0);
	}
	if (codec == CODEC_GZIP)
		ops = (struct codec_ops){ run_gzip, free_gzip, gz_inflater_new() };
	else
		ops = (struct codec_ops){ run_zstd, free_zstd, zstd_decoder_new() };
	if (plen > 0)
		memcpy(in, prefix, plen);	/* a file's prefix is empty (NULL) */
	for (;;) {
		size_t used, made;
		char *err = NULL;
		int rc;

		if (ilen == 0 && !eof) {
			ssize_t n;

			do
				n = read(fd, in, IN_SIZE);
			while (n < 0 && errno == EINTR);
			if (n < 0) {
				char *msg = xasprintf("read error at compressed byte offset %llu: %s",
				    (unsigned long long)total_in, strerror(errno));

				report(status_fd, EXIT_IOERR, msg);
				free(msg);
				break;
			}
			ipos = 0;
			ilen = (size_t)n;
			total_in += (uint64_t)n;
			eof = n == 0;
		}
		rc = ops.run(ops.z, in + ipos, ilen, &used, out, OUT_SIZE, &made, eof, &err);
		ipos += used;
		ilen -= used;
		if (made > 0 && write_all(data_fd, out, made) < 0) {
			free(err);
			break;	/* the reader is gone: nobody wants the rest */
		}
		if (rc == GZ_ERROR || rc == GZ_FAILED) {
			report(status_fd, rc == GZ_ERROR ? EXIT_DATAERR : EXIT_SOFTWARE, err);
			free(err);
			break;
		}
		if (rc == GZ_END) {
			report(status_fd, 0, "");
			break;
		}
	}
	/* Nothing is left behind, even where memory checkers look. */
	ops.free(ops.z);
	free(in);
	free(out);
	_exit(0);
}

int decompressor_start(struct decompressor *d, enum codec codec, int fd, const void *prefix,
    size_t plen, char **err)
{
	int data[2], status[2];
	pid_t parent = getpid(), pid;
	const char *index_for = d->index_for;

	memset(d, 0, sizeof *d);
	d->index_for = index_for;
	d->data_fd = d->status_fd = -1;
	if (proc_pipes(data, status, err) < 0)
		return -1;
	/* A bigger pipe: fewer wake-ups on both sides; failure only costs
	 * speed. */
	(void)fcntl(data[1], F_SETPIPE_SZ, DATA_PIPE_SIZE);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		*err = xasprintf("fork() failed: %s", strerror(errno));
		close(data[0]);
		close(data[1]);
		close(status[0]);
		close(status[1]);
		return -1;
	}
	if (pid == 0) {
		/*
		 * Unlike a worker, it runs no command and holds nothing to
		 * clean up: SIGKILL ends it with the supervisor, stopped or
		 * not.  SIGPIPE is ignored: a reader that went away (the run
		 * needs no more input) is an EPIPE, and a quiet exit that
		 * frees what it holds.  It needs none of the supervisor's
		 * descriptors, and one kept would stay open after the
		 * supervisor closed its own (a worker's task pipe, whose end
		 * ends the worker; the --lock file, whose lock it holds): it
		 * keeps only its own three and stderr.  It keeps the
		 * supervisor's name: nothing looks for it by a name of its
		 * own.
		 */
		proc_child_init(parent, &(struct proc_child){ SIGKILL, false, NULL,
		    (int[]){ STDERR_FILENO, fd, data[1], status[1] }, 4 });
		child_main(codec, fd, prefix, plen, data[1], status[1], index_for);
	}
	close(data[1]);
	close(status[1]);
	d->started = true;
	d->pid = pid;
	d->data_fd = data[0];
	d->status_fd = status[0];
	return 0;
}

static void reap(struct decompressor *d)
{
	int status;

	/* The supervisor's reaping of its workers may have collected the
	 * child already (ECHILD): the verdict pipe, not the exit status,
	 * says how it went. */
	while (d->pid > 0 && waitpid(d->pid, &status, 0) < 0 && errno == EINTR)
		;
	d->pid = 0;
}

int decompressor_finish(struct decompressor *d, char **err, int *code)
{
	char b[STATUS_MAX];
	ssize_t n;

	if (d->done)
		return 0;
	/* The verdict was written before the data pipe closed, so this read
	 * does not wait (if the child died, its end is closed: 0). */
	do
		n = read(d->status_fd, b, sizeof b);
	while (n < 0 && errno == EINTR);
	reap(d);
	d->done = true;
	if (n <= 0) {
		*err = xstrdup("the decompressor process died");
		*code = EXIT_SOFTWARE;
		return -1;
	}
	if (b[0] != 0) {
		*err = xstrndup(b + 1, (size_t)n - 1);
		*code = (unsigned char)b[0];
		return -1;
	}
	return 0;
}

void decompressor_stop(struct decompressor *d)
{
	if (!d->started)
		return;
	if (d->pid > 0 && !d->done)
		kill(d->pid, SIGKILL);
	reap(d);
	close(d->data_fd);
	close(d->status_fd);
	d->data_fd = d->status_fd = -1;
	d->started = false;
}
