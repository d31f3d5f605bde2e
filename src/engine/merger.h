/* merger.h - the reorder buffer and the merging of partial results.
 *
 * Results arrive from the workers in any order.  In ordered mode they are
 * held until every earlier chunk is out, then written in sequence (the
 * way pigz writes its blocks); with --unordered each is written as soon
 * as it is whole.  Reducer partials are merged as they come, in any
 * order, and finished once at the end. */
#ifndef FORKPIPE_MERGER_H
#define FORKPIPE_MERGER_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "frame.h"
#include "job.h"
#include "output.h"

struct merger;

/* window: how many chunks may be in flight at once (a power of two or not). */
struct merger *merger_new(const struct job *job, struct output *out, uint64_t window);
void merger_free(struct merger *m);

/*
 * Take one result frame; the merger may steal payload's storage.
 * Returns 1 when the frame completed its chunk, 0 when more frames of the
 * chunk follow, -1 with *err (and *code) on failure.
 */
int merger_take(struct merger *m, const struct frame_hdr *h, struct buf *payload,
    char **err, int *code);

/*
 * Placed output (workers pwrite it): chunk outputs are laid out from
 * offset base in sequence order.  place(arg, seq, offset) is called for
 * each chunk as soon as every earlier chunk's size is known.
 */
typedef void (*merger_place_fn)(void *arg, uint64_t seq, uint64_t offset);
void merger_set_placed(struct merger *m, uint64_t base, merger_place_fn place, void *arg);
/* The offset just past the last placed byte. */
uint64_t merger_placed_end(const struct merger *m);

/*
 * Chunk seq will be processed again (its worker died): what was held of
 * its output is dropped, and as much of the new output as was already
 * written is skipped.  A placed chunk goes where it was placed.
 */
void merger_retry(struct merger *m, uint64_t seq);
/* grep -n: chunk seq's grep read n records (its numbers are from 1);
 * the chunks after it number on from there.  0, or -1 when the merger
 * expects no such count for it. */
int merger_records(struct merger *m, uint64_t seq, uint64_t n);

/* Chunk seq, folded into a worker's table that has now been merged,
 * is whole.  0, or -1 with *err when releasing it failed. */
int merger_settle(struct merger *m, uint64_t seq, char **err);

/* Measure the merger's part of the pipeline (merging partials, the
 * stages after the reducer, the records it writes) into meter. */
struct meter;
void merger_set_meter(struct merger *m, struct meter *meter);

/* The lowest chunk sequence number not yet released: chunks at or above
 * it, and below low + window, may be in flight. */
uint64_t merger_low(const struct merger *m);

/* Whether chunk seq's result is whole (written, or waiting its turn). */
bool merger_complete(const struct merger *m, uint64_t seq);

/* Bytes of chunk seq's output held back until its turn. */
uint64_t merger_held(const struct merger *m, uint64_t seq);

/* With head as the workers' last stage: whether its count of records is
 * out, so the run can stop without reading the rest of the input. */
bool merger_done(const struct merger *m);

/*
 * One reducer partial (of chunk seq, its chunk numbers offset by base):
 * merged, and with --partial written out as a piece of the partial
 * file.  0, or -1 with *err and *code.
 */
int merger_piece(struct merger *m, uint64_t seq, uint64_t base, const char *data, size_t len,
    char **err, int *code);

/* The partial file written with --partial covers n chunks at least. */
void merger_chunks_seen(struct merger *m, uint64_t n);

/* Finish the reducer and run the stages after it (--partial: end the
 * partial file).  0, or -1 with *err
 * and *code: a stage's own exit code, or 74 when the output cannot be
 * written. */
int merger_finish(struct merger *m, char **err, int *code);

#endif
