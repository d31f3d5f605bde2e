/* agg_slicefinish.c - the merge of a grouping partial's sorted runs, slice
 * by slice of keys, each slice's entries combined in a hash table that
 * fits the caches.
 *
 * With many groups spilled (a million keys under --memory 512M made 96
 * runs and 38 million entries), merging the runs with the loser tree
 * (agg_runs.c) costs about seven key comparisons per entry and a table
 * cleared for each key: the finish took as long as the fold.  Here the
 * keys are cut into slices instead: a slice ends before the smallest of
 * the keys that lie SLICE_RUN bytes ahead in each run (fewer when a
 * quarter of the budget could not hold the table), so each run gives it
 * at most that many bytes, and all of them together a table of a few
 * thousand groups, in the caches.  Each run in turn adds its entries below
 * the cut to the slice's table (a probe in the caches), then the table
 * is sorted and its groups passed on in key order.  A key's entries are
 * combined in the order of the runs and, within a run, in its order, as
 * the loser tree combines them, so every result is the same.
 *
 * The slices pay where keys repeat across the runs (the million keys
 * spilled: each key in about 35 runs).  Where they hardly repeat (uniq -c
 * over pairs that are nearly all distinct: 1.2 entries a group), sorting
 * each slice costs more than the loser tree's few comparisons an entry
 * (a finish of 1.15 s against 0.95 s), so the first slice decides: with
 * fewer than TREE_REPEATS entries a group, the keys from its cut on go
 * to the loser tree (agg_finish_tree), which combines a key's entries in
 * the same order.
 *
 * Only ops whose states are of fixed size take this path (agg_spec_sliced
 * false): a group with lists may be too big for memory, which the loser
 * tree's one-key table handles (ostat_stream.h). */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "aggpart.h"
#include "util.h"

#define SLICE_RUN (16u << 10)	/* bytes of each run a slice takes at most */
#define SLICE_MIN 256		/* ... and at least, however small the budget */
#define TREE_REPEATS 2		/* entries a group below which the tree merges */
#define SLICE_GROWTH 8		/* a slice's table, over its entries' encoded bytes
				 * (arena, slots, the sort: 17 bytes a group of
				 * count and sum become about 115) */

/* The key of entry e (elen bytes) into *k: false if it does not decode. */
static inline bool entry_key(const char *e, size_t elen, struct agg_key *k)
{
	struct rd d = { (const unsigned char *)e, (const unsigned char *)e + elen, false };

	k->len = get_varint(&d);
	k->p = get_bytes(&d, k->len);
	return !d.bad;
}

/* The slice's cut: the smallest key ahead bytes on in any run, copied into
 * cut (with its length in *has; 0 when every run ends before: no cut).
 * 0, or -1 with p->sf's error. */
static int slice_cut(struct agg_part *p, struct run_reader *rd, size_t n, size_t ahead,
    struct buf *cut, bool *has)
{
	*has = false;
	for (size_t i = 0; i < n; i++) {
		struct agg_key k;
		const char *e;
		size_t elen;

		switch (run_reader_ahead(&rd[i], ahead, &e, &elen)) {
		case 0:
			break;
		case 1:
			continue;
		default:
			return -1;
		}
		if (!entry_key(e, elen, &k))
			return spillfile_corrupt(&p->sf);
		if (!*has || keytab_keycmp(k.p, k.len, cut->data, cut->len) < 0) {
			cut->len = 0;
			buf_append(cut, k.p, k.len);
			*has = true;
		}
	}
	return 0;
}

/* Run rd's entries before key hi (with incl, up to it; hi NULL: all)
 * added to one's table, or with one NULL skipped, and counted in *taken.
 * 0, or -1 with p->sf's error. */
static int slice_take(struct agg_part *p, struct agg_part *one, struct run_reader *rd,
    const struct agg_key *hi, bool incl, uint64_t *taken)
{
	/* Most comparisons end at the keys' first 8 bytes (keytab_prefix). */
	uint64_t hpfx = hi != NULL ? keytab_prefix(hi->p, hi->len) : 0;
	const char *e;
	size_t elen;
	int rc;

	while ((rc = run_reader_peek(rd, &e, &elen)) == 0) {
		struct agg_key k;

		if (!entry_key(e, elen, &k))
			return spillfile_corrupt(&p->sf);
		if (hi != NULL) {
			int c = keytab_keycmp_pfx(k.p, k.len, keytab_prefix(k.p, k.len), hi->p,
			    hi->len, hpfx);

			if (c > 0 || (c == 0 && !incl))
				return 0;
		}
		run_reader_skip(rd, e, elen);
		(*taken)++;
		if (one != NULL && agg_merge_entry(one, e, elen, 0) == 0) {
			agg_entry_bad(p);
			return -1;
		}
	}
	return rc < 0 ? -1 : 0;
}

/* The slice's groups to fn in key order, and the table emptied. */
static int slice_out(struct agg_part *one, agg_group_fn fn, void *ctx)
{
	uint64_t *v = keytab_sorted(&one->kt);
	int rc = 0;

	for (size_t i = 0; i < one->kt.n && rc == 0; i++) {
		struct agg_group g;

		if (i + 8 < one->kt.n)
			keytab_prefetch(&one->kt, v[i + 8]);
		g.key = keytab_key(&one->kt, v[i], &g.klen);
		g.count = *keytab_aux(&one->kt, v[i]);
		g.part = one;
		g.off = v[i];
		rc = fn(ctx, &g);
	}
	free(v);
	keytab_clear(&one->kt);
	return rc;
}

/* The slices of the runs' keys before kr's end (NULL: all), one after
 * the other: 0, -1 (p->sf's error), another code from fn, or 1 when the
 * first slice's keys hardly repeated: the keys from its cut (left in
 * cut) on are for the loser tree. */
static int slices(struct agg_part *p, struct agg_part *one, struct run_reader *rd, size_t n,
    size_t ahead, const struct agg_keys *kr, agg_group_fn fn, void *ctx, struct buf *cut,
    bool may_tree)
{
	int rc = 0;

	for (bool last = false; !last && rc == 0;) {
		struct agg_key hi;
		bool has, incl = false;
		uint64_t taken = 0;

		if (slice_cut(p, rd, n, ahead, cut, &has) < 0) {
			rc = -1;
			break;
		}
		hi.p = cut->data;
		hi.len = cut->len;
		/* The range's end, when the cut is past it. */
		if (kr != NULL && kr->hi.p != NULL &&
		    (!has || keytab_keycmp(kr->hi.p, kr->hi.len, hi.p, hi.len) <= 0)) {
			hi = kr->hi;
			has = true;
			last = true;
		}
		last = last || !has;
		for (;;) {
			for (size_t i = 0; i < n && rc == 0; i++)
				rc = slice_take(p, one, &rd[i], has ? &hi : NULL, incl, &taken);
			if (rc != 0 || one->kt.n > 0 || last)
				break;
			/* Nothing below the cut: the run it came from is at the
			 * cut's key (several entries of it), which this slice
			 * then takes whole; a run out of order takes nothing. */
			if (incl) {
				rc = spillfile_corrupt(&p->sf);
				break;
			}
			incl = true;
		}
		bool tree = may_tree && !last && !incl && taken < TREE_REPEATS * one->kt.n;

		if (rc == 0)
			rc = slice_out(one, fn, ctx);
		if (rc == 0 && tree)
			rc = 1;
		may_tree = false;
	}
	keytab_clear(&one->kt);
	return rc;
}

int agg_finish_slices(struct agg_part *p, size_t first, const struct agg_keys *kr, size_t bufsz,
    agg_group_fn fn, void *ctx, char **err)
{
	size_t n = p->nruns - first, ahead = SLICE_RUN;
	struct run_reader *rd = xcalloc(n, sizeof *rd);
	struct stage scratch_st = { 0 };
	struct agg_part *one;
	struct buf cut = { 0 };
	uint64_t skipped = 0;
	int rc;

	/* The budget (less the runs the spill file holds in memory): a
	 * quarter for the slice's table, the rest for the runs' buffers
	 * (bufsz is a share of all of it). */
	if (p->memory != 0) {
		uint64_t mem = spillfile_mem_bytes(&p->sf);
		uint64_t avail = p->memory > mem ? p->memory - mem : 0;

		bufsz = bufsz / 4 * 3 > 4096 ? bufsz / 4 * 3 : 4096;
		if (n > 0 && ahead > avail / 4 / SLICE_GROWTH / n)
			ahead = avail / 4 / SLICE_GROWTH / n;
	}
	if (ahead > bufsz / 2)
		ahead = bufsz / 2;
	if (ahead < SLICE_MIN)
		ahead = SLICE_MIN;
	scratch_st.fmt = p->fmt;
	scratch_st.term = p->term;
	scratch_st.tmpdir = p->tmpdir;
	one = agg_part_make(p->spec, &scratch_st, false);
	for (size_t i = 0; i < n; i++)
		run_reader_open(&rd[i], &p->sf, p->runs[first + i].off, p->runs[first + i].len,
		    bufsz);
	rc = 0;
	/* A range's part of each run begins at its first key. */
	for (size_t i = 0; i < n && rc == 0; i++)
		if (kr != NULL && kr->lo.p != NULL)
			rc = slice_take(p, NULL, &rd[i], &kr->lo, false, &skipped);
	if (rc == 0)
		rc = slices(p, one, rd, n, ahead, kr, fn, ctx, &cut, true);
	if (rc < 0) {
		*err = xstrdup(p->sf.err);
		rc = p->damaged ? EXIT_DATAERR : EXIT_IOERR;
	}
	for (size_t i = 0; i < n; i++)
		run_reader_close(&rd[i]);
	free(rd);
	agg_part_free(one);
	if (rc == 1) {
		/* The rest, from the first slice's cut on, with the tree. */
		struct agg_keys rest = { { cut.data, cut.len }, { NULL, 0 } };

		if (kr != NULL)
			rest.hi = kr->hi;
		rc = agg_finish_tree(p, first, &rest, bufsz, fn, ctx, err);
	}
	buf_free(&cut);
	return rc;
}
