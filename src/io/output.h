/* output.h - where results go: stdout, or a file that appears only when
 * the run succeeds (temporary file, fsync, rename). */
#ifndef FORKPIPE_OUTPUT_H
#define FORKPIPE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compress.h"

struct output;

/* path NULL or "-": stdout.  NULL with *err on failure (exit 73). */
struct output *output_open(const char *path, char **err);

/*
 * Append bytes.  0, or -1 with *err (exit 74); sets *closed instead when
 * the reader went away (EPIPE), which is not an error for a pipeline.
 */
int output_write(struct output *o, const void *data, size_t len, char **err);
bool output_reader_gone(const struct output *o);

/* Whether the output is a terminal. */
bool output_is_tty(const struct output *o);
/* fn(arg, true, _) before and fn(arg, false, line_end) after each write
 * to the descriptor, line_end telling whether the bytes written ended a
 * line (the progress bar steps aside on a terminal). */
void output_around(struct output *o, void (*fn)(void *arg, bool before, bool line_end), void *arg);
/* Write every output_write() at once (--line-buffered). */
void output_unbuffered(struct output *o);

/* Compress everything written from now on into one gzip or zstd stream. */
void output_compress(struct output *o, const struct compress_opts *opts);
/* Append a piece a worker compressed (see compress.h). */
int output_write_piece(struct output *o, const void *data, size_t len, struct piece_info p,
    char **err);

/*
 * Whether workers may pwrite the output themselves: it is a regular file
 * not opened for appending.  Flushes what is buffered and sets *base to
 * the offset where the next byte goes.
 */
bool output_placeable(struct output *o, uint64_t *base, char **err);
/* Placed writing ended at offset end: move the file offset there (a
 * shell's later writes to the same stdout then follow the output). */
int output_placed_end(struct output *o, uint64_t end, char **err);
int output_fd(const struct output *o);
const char *output_name(const struct output *o);

/* Flush, fsync and rename into place.  0, or -1 with *err (exit 74). */
int output_commit(struct output *o, char **err);
/* Remove the temporary file; the target stays as it was.  Safe in a
 * fatal() clean-up and safe to call twice. */
void output_abort(struct output *o);
void output_free(struct output *o);
/* Bytes written through this object (not the workers' placed output). */
uint64_t output_bytes(const struct output *o);

/* From now on a write fails ("interrupted") once a terminating signal
 * has come (proc_quit_signal): the last phase of a run, when signals are
 * let in outside ppoll. */
void output_interruptible(struct output *o);

#endif
