/* set_stream.h - the distinct sets (distinct = countunique, unique) and
 * collapse's values of a group too big for memory where runs are merged
 * at the finish: the companion of ostat_stream.h, which decides when a
 * key streams and calls in here for these ops.
 *
 * When the key streams, each such op's values leave the table for an
 * external sort of variable-length items (valsort.h) in the key's spill
 * file, and its later entries add theirs there: a distinct set's values
 * sorted by their bytes (as unique prints them), collapse's by input
 * position (seq, index: big-endian before the value, so that the bytes
 * order them).  An entry's set is distinct within itself only, so the
 * sorted stream may repeat a value; the results skip repeats:
 * countunique counts the values that differ from the one before, unique
 * writes them in order, collapse writes every value in input order.
 * They equal the results in memory byte for byte.  The output is
 * written as it is read (agg_format_stream), not built as one line. */
#ifndef FORKPIPE_SET_STREAM_H
#define FORKPIPE_SET_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "agg.h"
#include "fields.h"

struct agg_part;
struct bigset;
struct buf;
struct rd;
struct spillfile;

/* The ops of spec that stream as sets: how many. */
size_t bigset_nops(const struct agg_spec *spec);
struct bigset *bigset_new(void);
void bigset_free(struct bigset *b);
/* A new key: its streams dropped (the spill file is the caller's). */
void bigset_reset(struct bigset *b);
/* Entry off of one's table streams: its sets and collapse lists leave
 * the table for sorts in sf, of mem bytes each.  0, or -1 (sf's err). */
int bigset_start(struct bigset *b, struct agg_part *one, uint64_t off, struct spillfile *sf,
    size_t mem);
/* Whether a stream failed. */
bool bigset_failed(const struct bigset *b);

/* The wire's merge of op i's state of n values at r, when it streams:
 * read into the stream, and true. */
bool bigset_merge_dist(struct agg_part *one, size_t i, struct rd *r, uint64_t n);
bool bigset_merge_pos(struct agg_part *one, size_t i, struct rd *r, uint64_t n,
    uint64_t base);
/* distinct's count for op i of g, when it streams: into *n, and true. */
bool bigset_count(const struct agg_group *g, size_t i, uint64_t *n);
/* Whether op i of g streams (unique, collapse: agg_format_stream). */
bool bigset_streams(const struct agg_group *g, size_t i);
/* Op i's text (unique, collapse) when it streams, written as a field of
 * format f (CSV: quoted when it must be; f NULL: as it is) to o, handed
 * to its sink a piece at a time when it has one.  0, or the sink's exit
 * code; a stream that fails is the group's error after it
 * (bigkey_error). */
int bigset_format(const struct agg_group *g, size_t i, const struct format *f,
    struct agg_out *o);

#endif
