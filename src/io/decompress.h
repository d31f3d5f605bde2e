/* decompress.h - compressed input: format detection and the decompressor
 * process.
 *
 * A compressed input (gzip or zstd, recognised by its first bytes, never
 * by its name) is inflated by a child process of the supervisor, which
 * reads the compressed bytes and writes the inflated ones into a pipe;
 * the chunker reads that pipe as it reads any stream.  Decompression so
 * runs on its own core, beside the workers, and never blocks the
 * supervisor's event loop.
 *
 * The child writes its verdict on a second pipe before it closes the
 * data pipe: when the data pipe reaches its end, the verdict is there
 * (or the child died, which is a failure too).  A stream that is
 * truncated or corrupt anywhere so fails the run, however good the bytes
 * inflated before the error were. */
#ifndef FORKPIPE_DECOMPRESS_H
#define FORKPIPE_DECOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum codec {
	CODEC_NONE,	/* plain input */
	CODEC_GZIP,
	CODEC_ZSTD,
};

/* How many first bytes codec_detect() wants to see (fewer if the input
 * is shorter). */
#define CODEC_MAGIC_MAX 4

/*
 * The format of an input that starts with the len bytes at p: gzip for
 * its two magic bytes 1f 8b (as gzip itself decides: a bad method byte
 * after them is a corrupt gzip header, not plain data), zstd for a frame
 * or a skippable frame; anything else, and anything shorter, is plain.
 */
enum codec codec_detect(const void *p, size_t len);
/* Whether more bytes could still change codec_detect()'s answer: a
 * stream that starts otherwise is plain at once (an interactive or
 * line-by-line writer is not kept waiting for bytes it has not sent). */
bool codec_undecided(const void *p, size_t len);

struct decompressor {
	bool started;		/* the descriptors below are open */
	pid_t pid;		/* 0 once reaped */
	int data_fd;		/* read end: the inflated bytes */
	int status_fd;		/* read end: the verdict */
	bool done;		/* the verdict has been read */
	/* --write-index: the gzip file (a regular file, read from its
	 * start) whose index the child writes as it inflates (see
	 * gzindex_run.c), or NULL.  Set before decompressor_start. */
	const char *index_for;
};

/* gzindex_run.c: inflate the gzip file fd into data_fd, writing the
 * index of path as it goes.  0, or an exit code with *err. */
int gzindex_run_child(int fd, const char *path, int data_fd, char **err);

/*
 * Fork the child that inflates fd, whose first plen bytes (already read
 * from it, to detect the format) are at prefix.  The child dies with its
 * parent and keeps no other descriptor of the parent's open.  0, or -1
 * with *err.
 */
int decompressor_start(struct decompressor *d, enum codec codec, int fd, const void *prefix,
    size_t plen, char **err);

/*
 * Once data_fd has reached its end: the verdict.  0 when the whole
 * compressed stream was good; otherwise -1 with *err (the reason,
 * without the file name: "unexpected end of gzip data at compressed
 * byte offset N"...) and *code (EXIT_DATAERR, EXIT_IOERR, or
 * EXIT_SOFTWARE when the child died).  Reaps the child.
 */
int decompressor_finish(struct decompressor *d, char **err, int *code);

/* Stop the child if it still runs, reap it, close the descriptors.
 * Safe to call more than once, and on a zeroed or failed one. */
void decompressor_stop(struct decompressor *d);

#endif
