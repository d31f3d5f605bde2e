/* agg_runs.c - the grouping reducers' tables beyond their memory budget:
 * spilled as sorted runs (runs.h), compacted when there are too many,
 * and merged in key order at the finish. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "aggpart.h"
#include "ostat_stream.h"
#include "util.h"

static void compact(struct agg_part *p);
static int compact_put(void *ctx, const struct agg_group *g);

/*
 * How many runs are kept before they are merged into one: as many as the
 * budget gives a read buffer of RUN_BUF_MIN at the end (between RUNS_MIN
 * and RUNS_MAX).  Each merge writes every entry again and the finish
 * reads it once more, so the fewer merges the better: a million keys
 * spilled under --memory 512M made about 100 runs, and merging 64 of
 * them into one during the run was 40 % of the merger's work.
 */
static size_t runs_max(const struct agg_part *p)
{
	uint64_t n = p->memory == 0 ? RUNS_MAX : p->memory / RUN_BUF_MIN;

	return n < RUNS_MIN ? RUNS_MIN : n > RUNS_MAX ? RUNS_MAX : (size_t)n;
}

/* A spill failed: its error becomes the partial's. */
static void spill_failed(struct agg_part *p)
{
	agg_io_error(p, xstrdup(p->sf.err));
	if (p->damaged)
		p->code = EXIT_DATAERR;	/* the input's damage, met while merging runs */
}

/* ---- spilling ------------------------------------------------------------------ */

void agg_spill(struct agg_part *p)
{
	struct run_writer w;
	uint64_t *v;
	int64_t len;

	if (p->kt.n == 0 || p->stop)
		return;
	v = keytab_sorted(&p->kt);
	run_writer_begin(&w, &p->sf, PIECE);
	for (size_t i = 0; i < p->kt.n; i++) {
		if (i + 8 < p->kt.n)
			keytab_prefetch(&p->kt, v[i + 8]);
		agg_encode_entry(p, v[i], &w.b);
		if (run_writer_step(&w) < 0)
			break;
	}
	free(v);
	len = run_writer_end(&w);
	if (len < 0) {
		spill_failed(p);
		return;
	}
	p->runs = xreallocarray(p->runs, p->nruns + 1, sizeof *p->runs);
	p->runs[p->nruns].off = w.off;
	p->runs[p->nruns++].len = (uint64_t)len;
	keytab_clear(&p->kt);
	keytab_clear(&p->vals);
	/* Slots kept for reuse must leave room for entries. */
	if ((p->kt.mask + 1) * sizeof(kt_slot) > p->memory / 4)
		keytab_release(&p->kt);
	if ((p->vals.mask + 1) * sizeof(kt_slot) > p->memory / 4)
		keytab_release(&p->vals);
	if (p->nruns >= runs_max(p))
		compact(p);
}

/* Sorted entries kept as they are: a run in the spill file. */
void agg_add_run(struct agg_part *p, const void *data, size_t len)
{
	uint64_t at = p->sf.size;

	if (spillfile_write(&p->sf, data, len) < 0) {
		spill_failed(p);
		return;
	}
	p->runs = xreallocarray(p->runs, p->nruns + 1, sizeof *p->runs);
	p->runs[p->nruns].off = at;
	p->runs[p->nruns++].len = len;
	if (p->nruns >= runs_max(p))
		compact(p);
}

/* ---- finish --------------------------------------------------------------------- */

/* The value of an error message: printable bytes as they are, others as
 * \xNN, cut at ERRVAL_MAX bytes. */
static void quote_value(struct buf *m, const char *v, size_t len)
{
	for (size_t i = 0; i < len && i < ERRVAL_MAX; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf_putc(m, (char)c);
		else
			buf_printf(m, "\\x%02x", c);
	}
	if (len > ERRVAL_MAX)
		buf_append(m, "...", 3);
}

/* Where the first data error is: "record R" (R counts the records the
 * reducer folded from its input file), and " at byte offset N" when the
 * block still had its input offsets (no map stage rewrote it). */
static void error_place(const struct agg_part *p, struct buf *m)
{
	uint64_t rec = p->eidx + 1;

	for (size_t i = 0; i < p->npairs; i++)
		if (p->pairs[i].seq < p->eseq && p->pairs[i].file == p->efile)
			rec += p->pairs[i].nrec;
	buf_printf(m, "record %llu", (unsigned long long)rec);
	if (p->eoff != OFFSET_UNKNOWN)
		buf_printf(m, " at byte offset %llu", (unsigned long long)p->eoff);
}

static char *error_message(const struct agg_part *p)
{
	const struct agg_spec *s = p->spec;
	struct buf m = { 0 };
	const char *op = p->eop < s->nops ? s->ops[p->eop].text : "key";	/* keys_strict */

	if (p->code == EXIT_IOERR) {
		buf_append(&m, p->eval.data, p->eval.len);
		buf_putc(&m, '\0');
		return m.data;
	}
	/* "FILE: " as the worker's own data errors begin */
	if (p->ename.len > 0) {
		buf_append(&m, p->ename.data, p->ename.len);
		buf_append(&m, ": ", 2);
	}
	switch (p->ewhat) {
	case ERR_NUMBER:
		buf_printf(&m, "%s: %s: invalid numeric value in ", s->stage, op);
		error_place(p, &m);
		buf_printf(&m, ", field %llu: '", (unsigned long long)p->efield);
		quote_value(&m, p->eval.data, p->eval.len);
		buf_putc(&m, '\'');
		break;
	case ERR_MISSING:
		buf_printf(&m, "%s: %s: ", s->stage, op);
		error_place(p, &m);
		buf_printf(&m, " has %llu field%s, no field %llu", (unsigned long long)p->enf,
		    p->enf == 1 ? "" : "s", (unsigned long long)p->efield);
		break;
	default:
		buf_printf(&m, "%s: malformed CSV in ", s->stage);
		error_place(p, &m);
		buf_append(&m, ": ", 2);
		buf_append(&m, p->eval.data, p->eval.len);
		break;
	}
	buf_putc(&m, '\0');
	return m.data;
}

void agg_entry_bad(struct agg_part *p)
{
	/* A partial file's sorted stretch is kept as a run with its bytes
	 * unchecked (agg_wire.c merge_entries): the damage is the input's,
	 * not the temporary file's. */
	if (p->from_files && p->sf.err == NULL) {
		p->damaged = true;
		p->sf.err = xasprintf("%s: a partial file is damaged: an entry does not decode",
		    p->spec->stage);
	}
	spillfile_corrupt(&p->sf);
}

/* A sorted run being merged: its reader and current entry. */
struct run_src {
	struct run_reader rd;
	bool done;
	const char *ent;	/* the current entry */
	size_t elen;
	const char *key;
	size_t klen;
	uint64_t prefix;	/* keytab_prefix of the key: most comparisons */
};

/* The next entry of a run: 0 (or done at the end), -1 (p->sf.err). */
static int src_next(struct run_src *r)
{
	struct rd d;

	switch (run_reader_next(&r->rd, &r->ent, &r->elen)) {
	case 0:
		break;
	case 1:
		r->done = true;
		return 0;
	default:
		return -1;
	}
	d.p = (const unsigned char *)r->ent;
	d.end = d.p + r->elen;
	d.bad = false;
	r->klen = get_varint(&d);
	r->key = get_bytes(&d, r->klen);
	if (d.bad)
		return spillfile_corrupt(r->rd.f);
	r->prefix = keytab_prefix(r->key, r->klen);
	return 0;
}

/* Keys in order; equal keys in the order of the runs. */
static inline bool src_less(void *ctx, size_t a, size_t b)
{
	const struct run_src *x = (const struct run_src *)ctx + a, *y = (const struct run_src *)ctx + b;
	int c;

	if (x->done || y->done)
		return !x->done;
	c = keytab_keycmp_pfx(x->key, x->klen, x->prefix, y->key, y->klen, y->prefix);
	return c != 0 ? c < 0 : a < b;
}

/* The read buffer of each of n runs. */
static size_t run_buffer(const struct agg_part *p, size_t n)
{
	/* the runs the spill file holds in memory take part of the budget */
	uint64_t mem = spillfile_mem_bytes(&p->sf);
	size_t bufsz = p->memory > mem ? (p->memory - mem) / (n + 1) : p->memory != 0 ? 0 : PIECE;

	if (bufsz < 4096)
		bufsz = 4096;
	return bufsz > PIECE ? PIECE : bufsz;
}

/* The groups of equal keys at the top of the tree, combined into one's
 * table: the entry's offset there, or 0 with p->sf.err set. */
static uint64_t combine_top(struct agg_part *p, struct agg_part *one, struct run_src *rs,
    struct losertree *lt)
{
	uint64_t off = 0;
	const char *k;
	size_t kl;

	bigkey_reset(one->big);
	keytab_clear(&one->kt);
	if (one->vals.mask > 4096)
		keytab_release(&one->vals);
	else
		keytab_clear(&one->vals);
	for (;;) {
		struct run_src *r = &rs[losertree_top(lt)];

		/* a key too big for memory (ostat_stream.h) */
		if (off != 0 && bigkey_check(one, off) < 0)
			return 0;
		off = agg_merge_entry(one, r->ent, r->elen, 0);
		if (off == 0) {
			agg_entry_bad(p);
			return 0;
		}
		if (src_next(r) < 0)
			return 0;
		losertree_next(lt, src_less, rs);
		k = keytab_key(&one->kt, off, &kl);
		r = &rs[losertree_top(lt)];
		if (r->done || keytab_keycmp_pfx(r->key, r->klen, r->prefix, k, kl,
		    keytab_prefix(k, kl)) != 0)
			return off;
	}
}

/* Whether run r's current key is before key k (end: not before). */
static bool src_before(const struct run_src *r, const struct agg_key *k)
{
	return !r->done && keytab_keycmp(r->key, r->klen, k->p, k->len) < 0;
}

int agg_finish_runs(struct agg_part *p, size_t first, const struct agg_keys *kr, agg_group_fn fn,
    void *ctx, char **err)
{
	size_t bufsz = run_buffer(p, p->nruns - first);

	/* Ops of fixed-size states: combined in slices (agg_slicefinish.c). */
	if (!agg_spec_sliced(p->spec))
		return agg_finish_slices(p, first, kr, bufsz, fn, ctx, err);
	return agg_finish_tree(p, first, kr, bufsz, fn, ctx, err);
}

int agg_finish_tree(struct agg_part *p, size_t first, const struct agg_keys *kr, size_t bufsz,
    agg_group_fn fn, void *ctx, char **err)
{
	size_t n = p->nruns - first;
	struct run_src *rs;
	struct stage scratch_st = { 0 };
	struct losertree lt = { 0 };
	struct agg_part *one;
	int rc = 0;

	rs = xcalloc(n, sizeof *rs);
	/* The groups of one key are combined in a table of their own. */
	scratch_st.fmt = p->fmt;
	scratch_st.term = p->term;
	scratch_st.tmpdir = p->tmpdir;
	one = agg_part_make(p->spec, &scratch_st, false);
	one->big = bigkey_new(p, one, fn == compact_put ? ctx : NULL);
	for (size_t i = 0; i < n; i++) {
		run_reader_open(&rs[i].rd, &p->sf, p->runs[first + i].off, p->runs[first + i].len,
		    bufsz);
		if (src_next(&rs[i]) < 0)
			goto io_error;
		/* A range's part of each run begins at its first key. */
		while (kr != NULL && kr->lo.p != NULL && src_before(&rs[i], &kr->lo))
			if (src_next(&rs[i]) < 0)
				goto io_error;
	}
	losertree_init(&lt, n, src_less, rs);
	while (!rs[losertree_top(&lt)].done) {
		struct agg_group g;
		uint64_t off;

		if (kr != NULL && kr->hi.p != NULL && !src_before(&rs[losertree_top(&lt)], &kr->hi))
			break;
		off = combine_top(p, one, rs, &lt);

		if (off == 0)
			goto io_error;
		g.key = keytab_key(&one->kt, off, &g.klen);
		g.count = *keytab_aux(&one->kt, off);
		g.part = one;
		g.off = off;
		rc = fn(ctx, &g);
		if (rc == 0)
			rc = bigkey_error(one->big, err);
		if (rc != 0)
			goto out;
	}
	goto out;
io_error:
	*err = xstrdup(p->sf.err);
	rc = p->damaged ? EXIT_DATAERR : EXIT_IOERR;
out:
	for (size_t i = 0; i < n; i++)
		run_reader_close(&rs[i].rd);
	free(rs);
	losertree_free(&lt);
	bigkey_free(one->big);
	agg_part_free(one);
	return rc;
}

/* Merging runs into a new run: each combined group is encoded again. */
static int compact_put(void *ctx, const struct agg_group *g)
{
	struct run_writer *w = ctx;
	const struct agg_part *one = g->part;

	agg_encode_entry((struct agg_part *)one, g->off, &w->b);
	return run_writer_step(w) < 0 ? EXIT_IOERR : 0;
}

/*
 * Too many runs would each need a read buffer at the end: merge the runs
 * made since the last merge into one, written after them in the same file
 * (whose old space is not used again; the file is gone at exit).  Earlier
 * merged runs stay as they are, so an entry is written again about once,
 * not at every merge, until half of runs_max of them pile up and all runs
 * are merged.  So finish reads at most runs_max runs, whatever the budget.
 */
static void compact(struct agg_part *p)
{
	struct run_writer w;
	char *err = NULL;
	/* The runs not yet merged, unless earlier merges are many too. */
	size_t first = p->nmerged < runs_max(p) / 2 ? p->nmerged : 0;
	int rc;
	int64_t len;

	run_writer_begin(&w, &p->sf, PIECE);
	rc = agg_finish_runs(p, first, NULL, compact_put, &w, &err);
	len = run_writer_end(&w);
	free(err);
	if (rc != 0 || len < 0) {
		spill_failed(p);
		return;
	}
	p->runs[first].off = w.off;
	p->runs[first].len = (uint64_t)len;
	p->nruns = first + 1;
	p->nmerged = first + 1;
}

int agg_finish_out(struct agg_part *p, agg_group_fn fn, void *ctx, struct agg_out *out,
    char **err)
{
	uint64_t *v;
	int rc = 0;

	/* The merger's finish: the workers are gone, their budget is free
	 * (the plan's memory_finish); bigger read buffers and slices. */
	if (p->memory != 0 && p->memory_finish > p->memory)
		p->memory = p->memory_finish;
	/* What the last partial folded counts too (folded in this process). */
	if (p->cur_any) {
		agg_pair_push(p);
		p->cur_any = false;
		p->cur_n = 0;
	}
	if (p->code == 0 && p->nruns > 0)
		agg_spill(p);
	if (p->code != 0) {
		*err = error_message(p);
		return p->code;
	}
	if (p->nruns > 0 && out != NULL && p->procs > 1)
		return agg_finish_split(p, fn, ctx, out, err);
	if (p->nruns > 0)
		return agg_finish_runs(p, 0, NULL, fn, ctx, err);
	v = keytab_sorted(&p->kt);
	for (size_t i = 0; i < p->kt.n && rc == 0; i++) {
		struct agg_group g;

		if (i + 8 < p->kt.n)
			keytab_prefetch(&p->kt, v[i + 8]);
		g.key = keytab_key(&p->kt, v[i], &g.klen);
		g.count = *keytab_aux(&p->kt, v[i]);
		g.part = p;
		g.off = v[i];
		rc = fn(ctx, &g);
	}
	free(v);
	return rc;
}

int agg_finish(struct agg_part *p, agg_group_fn fn, void *ctx, char **err)
{
	return agg_finish_out(p, fn, ctx, NULL, err);
}
