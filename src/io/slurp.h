/* slurp.h - a whole small file into memory, plain, gzip or zstd.
 *
 * For side inputs a stage loads once before the workers fork (join's
 * lookup file): the file is read in this process, decompressed with the
 * same codecs as the main inputs (recognised by their first bytes, not
 * by the name), and never beyond a byte limit, so an oversized side
 * input fails early instead of filling memory. */
#ifndef FORKPIPE_SLURP_H
#define FORKPIPE_SLURP_H

#include <stdint.h>

#include "buf.h"

/* slurp()'s result besides 0: the data passed the limit. */
#define SLURP_TOO_BIG 1

/*
 * Append the (decompressed) contents of path to out; "-" is standard
 * input.  Returns 0; SLURP_TOO_BIG when the data is longer than limit
 * bytes (*size is then its size when known without reading on, a plain
 * regular file's, or limit + 1: "more than limit"); or -1 with *err
 * (xmalloc'd, without the file name, e.g. "cannot open: No such file or
 * directory") and *code (EXIT_NOINPUT, EXIT_DATAERR, EXIT_IOERR,
 * EXIT_SOFTWARE).
 */
int slurp(const char *path, uint64_t limit, struct buf *out, uint64_t *size, char **err,
    int *code);

#endif
