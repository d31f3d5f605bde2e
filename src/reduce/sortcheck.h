/* sortcheck.h - sort -c and -C: whether the input is sorted, checked in
 * parallel.  A worker checks its chunk's records and sends a summary
 * (sortcheck_encode); the merger keeps the summaries and at the end puts
 * them in input order, checks the seams between neighbouring chunks and
 * reports the first record out of order (sortcheck_finish).
 *
 * The summary, after the sort stage's run header (sort.c) with version 2
 * and count the chunk's number of records: the 1-based index of
 * the chunk's first record out of order, 0 if none (unsigned LEB128),
 * then the chunk's first and last record and, if the index is not 0,
 * the record out of order, each as a run holds records (LEB128 length
 * with the terminator, the bytes, the terminator).  No records, no more. */
#ifndef FORKPIPE_SORTCHECK_H
#define FORKPIPE_SORTCHECK_H

#include "sortrun.h"

/* Check the records folded into p (in input order) and append their
 * summary to out. */
void sortcheck_encode(struct sortp *p, struct buf *out);

/* Keep a summary received from a worker (data after the header, len
 * bytes) of chunk seq with count records: 0, or -1 if malformed. */
int sortcheck_merge(struct sortp *p, uint64_t seq, uint64_t count, const char *data,
    size_t len);

/* The verdict: 0 if sorted, else 1 with *err ("sort: NAME:N: disorder:
 * RECORD", or "" with -C: nothing to say).  name is the input's. */
int sortcheck_finish(struct sortp *p, const char *name, char **err);

void sortcheck_free(struct sortp *p);

#endif
