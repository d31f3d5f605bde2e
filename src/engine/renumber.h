/* renumber.h - grep -n's numbers made those of the whole input. */
#ifndef FORKPIPE_RENUMBER_H
#define FORKPIPE_RENUMBER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fields.h"

/*
 * p[0..len) is whole output records of one chunk of grep -n, each
 * "N:record" with N counted from 1 in the chunk.  Write them to out
 * with base added to every N.  0, or -1 when a record does not start
 * with a number and a colon (a worker's bug).
 */
int renumber(const struct format *f, char term, uint64_t base, const char *p, size_t len,
    struct buf *out);

#endif
