/* sortrun.h - the sort stage's partial and its runs (the stage is
 * src/stages/sort.c, which describes the design and the format):
 *   sortrun.c    sorting a partial's records, the runs' memory, spilling
 *   sortmerge.c  merging the runs with the loser tree (runs.h)
 *   sortcheck.c  -c and -C: checking instead of sorting
 * The comparisons are inline here, for the sort and the merge loops. */
#ifndef FORKPIPE_SORTRUN_H
#define FORKPIPE_SORTRUN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "runs.h"
#include "sortkey.h"
#include "stage.h"

#define PIECE (1 << 20)		/* what finish hands to the sink at a time */
#define RBUF_MIN (16 << 10)	/* the smallest read buffer of a spilled run */
#define RBUF_MAX (1 << 20)
#define KEY_UNKNOWN UINT32_MAX
#define KEY_EXACT (UINT32_C(1) << 31)	/* in ent.kb: the prefix is the whole key */
#define KEY_MAXREC (KEY_EXACT - 1)	/* longer records: KEY_UNKNOWN */

/* A record waiting to be sorted: where it is in the partial's data, its
 * length without the terminator, and its first key.  Most comparisons
 * are decided by the prefixes alone, without touching the records. */
struct ent {
	uint64_t pfx;		/* sortkey_prefix of the first key */
	uint64_t pfx2;		/* next_prefix: what decides first key ties */
	size_t off;
	size_t len;
	uint32_t kb, ke;	/* the first key's bounds in the record (kb may
				 * carry KEY_EXACT), or KEY_UNKNOWN for records
				 * of 2 GiB or more */
};

enum run_kind {
	RUN_ENTS,	/* the partial's own records, sorted in place */
	RUN_MEM,	/* encoded records in memory */
	RUN_FILE,	/* encoded records in the spill file */
};

struct run {
	enum run_kind kind;
	uint64_t seq, sub;	/* input order of runs: ties go to the lower */
	uint64_t count;
	char *mem;		/* RUN_MEM: the records (owned, see run_alloc) */
	size_t memlen;
	uint64_t off, len;	/* RUN_FILE: where the records are */
};

struct sortp {
	const struct sortspec *spec;
	uint64_t memory;	/* 0: no limit */
	char term;
	const struct format *fmt;

	struct buf data;	/* folded records, terminators included */
	struct ent *ents;
	size_t nents, capents;
	struct ent *scratch;	/* for the merge sort: capents / 2 + 1 */
	uint64_t seq;		/* of the folded blocks */
	bool seen;

	struct run *runs;
	size_t nruns, capruns;
	uint64_t nsub;		/* runs made or received so far */
	uint64_t inmem;		/* bytes of RUN_MEM runs */
	struct spillfile sf;	/* its error: the first spill failure, or a
				 * worker's, merged in */
	struct sortcheck *check;	/* -c, -C: the chunks' summaries (sortcheck.c) */
};

struct sortcheck;

/* ---- comparison ----------------------------------------------------------- */

/* A record as the comparisons see it: where it is, its first key's
 * bounds and prefix (exact: the prefix is the whole key), and next_prefix. */
struct view {
	const char *rec;
	size_t len;
	const char *kb, *ke;
	uint64_t pfx, pfx2;
	bool exact;
};

/*
 * The prefix of what is compared when the first keys tie: the second
 * key's, or the record's first 8 bytes for the last-resort comparison
 * (reversed with -r), or 0 when nothing is compared after the first key.
 */
static inline uint64_t next_prefix(const struct sortspec *s, const char *rec, size_t len)
{
	if (s->nkeys > 1) {
		const char *b, *l;

		sortkey_bounds(s, &s->keys[1], rec, len, &b, &l);
		return sortkey_prefix(&s->keys[1], b, l);
	}
	if (s->last_resort) {
		struct sortkey whole = { .reverse = s->reverse };

		return sortkey_prefix(&whole, rec, rec + len);
	}
	return 0;
}

/* The order of two records whose first keys have equal prefixes.  Always
 * inlined: the sort and merge loops were measured 10% slower with it as a
 * call, which GCC chose once the slow keys' branch made it longer. */
static inline __attribute__((always_inline)) int tie_cmp(const struct sortspec *s, const struct view *a, const struct view *b)
{
	const struct sortkey *k = &s->keys[0];
	int c;

	if (k->slow) {
		/* -d -f -g -h -i -M -R -V: the prefix says little, compare in full */
		c = sortkey_cmp(k, a->kb, a->ke, b->kb, b->ke);
	} else if (k->numeric) {
		c = a->exact && b->exact ? 0 : sortkey_numcmp(a->kb, a->ke, b->kb, b->ke);
	} else {
		size_t la = (size_t)(a->ke - a->kb), lb = (size_t)(b->ke - b->kb);
		size_t m = la < lb ? la : lb;

		/* The first 8 bytes (or all of a shorter key) are equal. */
		c = m > 8 ? memcmp(a->kb + 8, b->kb + 8, m - 8) : 0;
		if (c == 0)
			c = (la > lb) - (la < lb);
	}
	if (c != 0)
		return (c < 0) != k->reverse ? -1 : 1;
	if (s->nkeys == 1 && !s->last_resort)
		return 0;
	if (a->pfx2 != b->pfx2)
		return a->pfx2 < b->pfx2 ? -1 : 1;
	return sortspec_compare_from(s, 1, a->rec, a->len, b->rec, b->len);
}

static inline void ent_view(const struct sortspec *s, const char *base, const struct ent *e,
    struct view *v)
{
	v->rec = base + e->off;
	v->len = e->len;
	v->pfx = e->pfx;
	v->pfx2 = e->pfx2;
	if (e->kb != KEY_UNKNOWN) {
		v->kb = v->rec + (e->kb & ~KEY_EXACT);
		v->ke = v->rec + e->ke;
		v->exact = (e->kb & KEY_EXACT) != 0;
	} else {
		sortkey_bounds(s, &s->keys[0], v->rec, v->len, &v->kb, &v->ke);
		v->exact = false;
	}
}

static inline int ent_cmp(const struct sortspec *s, const char *base, const struct ent *a,
    const struct ent *b)
{
	struct view va, vb;

	if (a->pfx != b->pfx)
		return a->pfx < b->pfx ? -1 : 1;
	ent_view(s, base, a, &va);
	ent_view(s, base, b, &vb);
	return tie_cmp(s, &va, &vb);
}

/* ---- the partial's runs ------------------------------------------------- */

/* A record's length at *pp (before end): the value, or UINT64_MAX if
 * malformed. */
static inline uint64_t get_len(const char **pp, const char *end)
{
	uint64_t v;

	return varint_get(pp, end, &v) ? v : UINT64_MAX;
}

/* Sort the folded records; with -u keep the first of each equal set. */
void sortp_sort(struct sortp *p);
/* Memory for a received run of len bytes, and its release. */
char *sortp_run_alloc(size_t len);
void sortp_run_release(char *mem, size_t len);
/* A new run of the partial, zeroed but for kind, seq and sub. */
struct run *sortp_add_run(struct sortp *p, enum run_kind kind, uint64_t seq);
/* Sort the folded records and write them to the spill file as a run.
 * On failure the records stay where they are (p->sf.err says why). */
void sortp_spill(struct sortp *p);

/*
 * Sort what was folded, put the runs in input order, and while there are
 * more spilled runs than read buffers fit in the budget, merge
 * neighbouring runs into longer spilled ones.  0 or EXIT_IOERR (*err).
 */
int sortp_prepare(struct sortp *p, char **err);
/* Merge every run (after sortp_prepare): the records to sink, or with
 * sink NULL encoded (length, record) onto run, counted in *count.  0, or
 * an exit code (*err, or the sink's). */
int sortp_merge(struct sortp *p, struct sink *sink, struct buf *run, uint64_t *count, char **err);

#endif
