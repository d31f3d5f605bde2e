/* ostat_stream.h - a group whose numbers outgrow memory where spilled runs
 * are merged (agg_runs.c): the order statistics and moments of a group
 * of any size within --memory.
 *
 * The merge of runs combines a key's entries, one after another, in a
 * small table of its own.  Once that table holds more than a quarter of
 * the partial's budget and another entry of the key follows:
 *  - compacting runs into one (its entries to a run writer), the key's
 *    entry so far is written out and the table starts afresh: the key
 *    goes on as several entries of the new run, each of bounded size,
 *    that the next merge combines as it combines any (agg.h: a key may
 *    appear in several entries);
 *  - at the finish, the key's lists of numbers leave the table for
 *    external sorts (valsort.h) in a spill file of their own, and the
 *    key's later entries add their numbers there: the order statistics'
 *    sorted by value, the moments' by input position.  The results are
 *    computed by ostat.c's same code from a cursor over the merged
 *    values (ostat_src): percentiles, median, mode, trimmean in a pass
 *    or two, mad from the deviations sorted in another external sort,
 *    the moments' sums in input order in a pass each.  So they are the
 *    bits the same values give in memory.
 * The distinct sets (distinct = countunique, unique) and collapse's
 * values stream likewise, sorted on disk by set_stream.c. */
#ifndef FORKPIPE_OSTAT_STREAM_H
#define FORKPIPE_OSTAT_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "agg.h"

struct agg_part;
struct bigkey;
struct bigset;
struct rd;
struct run_writer;

/* For the merge of p's runs in table one: w the compaction's writer, or
 * NULL at the finish.  NULL when p has no memory limit. */
struct bigkey *bigkey_new(struct agg_part *p, struct agg_part *one, struct run_writer *w);
void bigkey_free(struct bigkey *b);
/* Its distinct sets' and collapse's streams (set_stream.h), or NULL. */
struct bigset *bigkey_sets(const struct bigkey *b);
/* A new key: what streamed for the last one is dropped. */
void bigkey_reset(struct bigkey *b);
/* Another entry of the key in entry off of one's table is to be merged:
 * make room when the table is big (as above).  0, or -1 with the error
 * in the partial's spill file. */
int bigkey_check(struct agg_part *one, uint64_t off);
/* The n numbers of list so (at r) of entry off, when the list streams:
 * read into the stream, and true. */
bool bigkey_merge(struct agg_part *one, uint64_t off, size_t so, struct rd *r, uint64_t n,
    uint64_t base);
/* Op i's result for g, when its list streams: into *r, and true. */
bool bigkey_value(const struct agg_group *g, size_t i, long double *r);
/* After a group's results: 0, or EXIT_IOERR with *err when a stream
 * failed. */
int bigkey_error(struct bigkey *b, char **err);

#endif
