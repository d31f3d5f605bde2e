/* sort.c - the sort stage: records in the order LC_ALL=C sort puts them.
 *
 * A reducer.  Each worker copies its chunk's records, sorts them (an array
 * of record offsets with the first key's bounds and an 8-byte prefix that
 * orders like the key, so most comparisons are one integer comparison)
 * and sends them as one sorted run.  The merger keeps the runs it
 * receives, in memory while they fit in the stage's memory budget and
 * otherwise in an anonymous spill file, and at the end merges them all
 * with a loser tree, streaming the result to the next stage in pieces of
 * about a megabyte.  When there are more spilled runs than the budget
 * gives read buffers for, neighbouring runs are first merged into longer
 * ones.  Records folded into a partial beyond the budget (a worker with
 * little memory, or a sort after another reducer, which folds in the
 * merger) are sorted and spilled as runs too, and merged with the rest.
 *
 * Ties: records that compare equal on the keys (with -s or -u; otherwise
 * only identical records tie) come out in input order.  A chunk sorts
 * stably, and between runs the one from the earlier chunk (the chunk's
 * sequence number, kept in the run's header) wins; runs spilled from one
 * partial win in the order they were made.  -u keeps the first record of
 * each set of equal ones: within a run when it is sorted, and across runs
 * while merging.
 *
 * The partial (a run), as encode writes it and merge reads it:
 *
 *   offset  size  field
 *        0     1  magic 'S' (0x53)
 *        1     1  version, 1
 *        2     1  flags: bit 0 set means the run is an error report: the
 *                 bytes after the header are a message (a worker could
 *                 not write its spill file), and count is 0
 *        3     5  zero
 *        8     8  seq: the chunk's sequence number, little-endian
 *       16     8  count: the number of records, little-endian
 *       24        count records in sorted order (with -u, without
 *                 duplicates), each as its length in bytes, terminator
 *                 included (unsigned LEB128: 7 bits a byte, low bits
 *                 first, high bit set on all bytes but the last), then
 *                 the record's bytes, ending with the terminator
 *
 * A spilled run is the record part of that format (no header) at some
 * offset of the partial's one spill file.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bytes.h"
#include "csv.h"
#include "sortkey.h"
#include "runs.h"
#include "stage.h"
#include "util.h"

#define RUN_MAGIC 'S'
#define RUN_VERSION 1
#define RUN_FLAG_ERROR 1
#define RUN_HEADER 24

#define PIECE (1 << 20)		/* what finish hands to the sink at a time */
#define RBUF_MIN (16 << 10)	/* the smallest read buffer of a spilled run */
#define RBUF_MAX (1 << 20)
#define KEY_UNKNOWN UINT32_MAX
#define KEY_EXACT (UINT32_C(1) << 31)	/* in ent.kb: the prefix is the whole key */
#define KEY_MAXREC (KEY_EXACT - 1)	/* longer records: KEY_UNKNOWN */

struct sorter {
	struct sortspec spec;
};

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
};

static const struct stage_opt sort_opts[] = {
	{ "key", 'k', OPT_LIST,
	  "a key F[.C][OPTS][,F[.C][OPTS]] as in sort -k: field F, character C, both from 1; "
	  "OPTS among b, n and r; repeat for keys that break ties", "KEYDEF" },
	{ "numeric", 'n', OPT_FLAG, "compare numbers, as sort -n does in the C locale", NULL },
	{ "reverse", 'r', OPT_FLAG, "reverse the order", NULL },
	{ "unique", 'u', OPT_FLAG, "keep only the first of the records that compare equal", NULL },
	{ "stable", 's', OPT_FLAG,
	  "leave records with equal keys in input order (no whole-record comparison)", NULL },
	{ "ignore-blanks", 'b', OPT_FLAG, "ignore leading blanks in keys", NULL },
	{ "separator", 't', OPT_STRING,
	  "fields are separated by this byte (or \\t); without it by -d, --tsv or --csv, "
	  "else at each blank-to-non-blank transition", "CHAR" },
	{ NULL, 0, 0, NULL, NULL },
};

/* ---- setup ---------------------------------------------------------------- */

static void sort_teardown(struct stage *st)
{
	struct sorter *so = st->priv;

	if (so == NULL)
		return;
	sortspec_free(&so->spec);
	free(so);
	st->priv = NULL;
}

static int sort_setup(struct stage *st, char **err)
{
	struct sorter *so = xcalloc(1, sizeof *so);
	size_t n;
	char *const *defs = stage_list(st, "key", &n);
	const char *t = stage_str(st, "separator");

	st->priv = so;
	so->spec.keys = xcalloc(n + 1, sizeof *so->spec.keys);
	for (size_t i = 0; i < n; i++) {
		if (sortkey_parse(defs[i], &so->spec.keys[i], err) < 0)
			return -1;
		so->spec.nkeys++;
	}
	if (t != NULL) {
		if (strcmp(t, "\\t") == 0 || strcmp(t, "tab") == 0) {
			so->spec.tab = '\t';
		} else if (strcmp(t, "\\0") == 0) {
			so->spec.tab = 0;
		} else if (strlen(t) == 1) {
			so->spec.tab = (unsigned char)t[0];
		} else {
			*err = xasprintf("sort: the separator must be one byte (or \\t), not '%s'", t);
			return -1;
		}
	} else if (st->fmt != NULL && st->fmt->kind != FORMAT_BLANKS) {
		so->spec.tab = (unsigned char)st->fmt->delim;	/* -d, --tsv, --csv */
	} else {
		so->spec.tab = -1;
	}
	so->spec.reverse = stage_flag(st, "reverse");
	so->spec.unique = stage_flag(st, "unique");
	so->spec.stable = stage_flag(st, "stable");
	sortspec_finish(&so->spec, stage_flag(st, "numeric"), stage_flag(st, "ignore-blanks"));
	return 0;
}

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
static uint64_t next_prefix(const struct sortspec *s, const char *rec, size_t len)
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

/* The order of two records whose first keys have equal prefixes. */
static inline int tie_cmp(const struct sortspec *s, const struct view *a, const struct view *b)
{
	const struct sortkey *k = &s->keys[0];
	int c;

	if (k->numeric) {
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

/* ---- sorting a partial's records ------------------------------------------ */

static void insertion_sort(const struct sortspec *s, const char *base, struct ent *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct ent x = a[i];
		size_t j = i;

		while (j > 0 && ent_cmp(s, base, &a[j - 1], &x) > 0) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
}

/* A stable merge sort of a[0..n) with scratch t (n/2 entries suffice). */
static void merge_sort(const struct sortspec *s, const char *base, struct ent *a, struct ent *t,
    size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n <= 16) {
		insertion_sort(s, base, a, n);
		return;
	}
	merge_sort(s, base, a, t, h);
	merge_sort(s, base, a + h, t, n - h);
	if (ent_cmp(s, base, &a[h - 1], &a[h]) <= 0)
		return;
	memcpy(t, a, h * sizeof *a);
	while (i < h && j < n) {
		if (ent_cmp(s, base, &a[j], &t[i]) < 0)
			a[k++] = a[j++];
		else
			a[k++] = t[i++];
	}
	while (i < h)
		a[k++] = t[i++];
}

/* Whether two records are duplicates for -u. */
static bool ent_same(const struct sortspec *s, const char *base, const struct ent *a,
    const struct ent *b)
{
	if (a->pfx != b->pfx)
		return false;
	if (s->nkeys == 1 && (a->kb & b->kb & KEY_EXACT) != 0 && a->kb != KEY_UNKNOWN &&
	    b->kb != KEY_UNKNOWN)
		return s->keys[0].numeric || a->ke - (a->kb & ~KEY_EXACT) == b->ke - (b->kb & ~KEY_EXACT);
	return sortspec_same(s, base + a->off, a->len, base + b->off, b->len);
}

/* Sort the folded records; with -u keep the first of each equal set. */
static void sort_ents(struct sortp *p)
{
	const struct sortspec *s = p->spec;
	const char *base = p->data.data;
	size_t n = p->nents, k;

	if (n < 2)
		return;
	if (p->scratch == NULL)
		p->scratch = xreallocarray(NULL, p->capents / 2 + 1, sizeof *p->scratch);
	merge_sort(s, base, p->ents, p->scratch, n);
	if (!s->unique)
		return;
	k = 1;
	for (size_t i = 1; i < n; i++) {
		const struct ent *a = &p->ents[k - 1], *b = &p->ents[i];

		if (!ent_same(s, base, a, b))
			p->ents[k++] = *b;
	}
	p->nents = k;
}

/* ---- memory --------------------------------------------------------------- */

/*
 * A worker makes and frees a partial per chunk.  Fresh memory costs a page
 * fault per 4 KiB, more than copying the records into it, so the last
 * partial's record buffer and entry array are kept for the next one.
 */
static struct {
	struct buf data;
	struct ent *ents, *scratch;
	size_t capents;
} spare;

/*
 * The merger keeps every run it receives.  Large ones get memory of their
 * own, mapped with transparent huge pages where the system offers them:
 * one fault per 2 MiB instead of one per 4 KiB.
 */
#define HUGE_MIN (4u << 20)
#define HUGE_ALIGN (2u << 20)

static size_t run_mapped_size(size_t len)
{
	return (len + HUGE_ALIGN - 1) / HUGE_ALIGN * HUGE_ALIGN;
}

static char *run_alloc(size_t len)
{
	if (len >= HUGE_MIN) {
		size_t n = run_mapped_size(len);
		char *p = mmap(NULL, n + HUGE_ALIGN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			/* Keep the 2 MiB-aligned part of the mapping. */
			size_t head = (HUGE_ALIGN - (uintptr_t)p % HUGE_ALIGN) % HUGE_ALIGN;

			if (head > 0)
				munmap(p, head);
			if (HUGE_ALIGN - head > 0)
				munmap(p + head + n, HUGE_ALIGN - head);
#ifdef MADV_HUGEPAGE
			(void)madvise(p + head, n, MADV_HUGEPAGE);
#endif
			return p + head;
		}
	}
	return xmalloc(len);
}

static void run_release(char *mem, size_t len)
{
	if (mem == NULL)
		return;
	if (len >= HUGE_MIN)
		munmap(mem, run_mapped_size(len));
	else
		free(mem);
}

/* ---- partials ------------------------------------------------------------- */

static void *sort_partial_new(struct stage *st)
{
	struct sortp *p = xcalloc(1, sizeof *p);

	p->data = spare.data;
	p->data.len = 0;
	p->ents = spare.ents;
	p->scratch = spare.scratch;
	p->capents = spare.capents;
	memset(&spare, 0, sizeof spare);

	p->spec = &((struct sorter *)st->priv)->spec;
	p->memory = st->memory;
	spillfile_init(&p->sf, "sort", spill_dir(st->tmpdir));
	p->term = st->term;
	p->fmt = st->fmt;
	return p;
}

static void sort_partial_free(void *partial)
{
	struct sortp *p = partial;

	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nruns; i++)
		run_release(p->runs[i].mem, p->runs[i].memlen);
	free(p->runs);
	if (spare.data.cap == 0 && spare.capents == 0) {
		spare.data = p->data;
		spare.ents = p->ents;
		spare.scratch = p->scratch;
		spare.capents = p->capents;
	} else {
		free(p->ents);
		free(p->scratch);
		buf_free(&p->data);
	}
	spillfile_close(&p->sf);
	free(p);
}

static struct run *add_run(struct sortp *p, enum run_kind kind, uint64_t seq)
{
	struct run *r;

	if (p->nruns == p->capruns) {
		p->capruns = p->capruns ? 2 * p->capruns : 8;
		p->runs = xreallocarray(p->runs, p->capruns, sizeof *p->runs);
	}
	r = &p->runs[p->nruns++];
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->seq = seq;
	r->sub = p->nsub++;
	return r;
}

/* A record's length at *pp (before end): the value, or UINT64_MAX if
 * malformed. */
static inline uint64_t get_len(const char **pp, const char *end)
{
	uint64_t v;

	return varint_get(pp, end, &v) ? v : UINT64_MAX;
}

static void put_header(struct buf *out, uint64_t seq, uint64_t count, int flags)
{
	char h[RUN_HEADER] = { RUN_MAGIC, RUN_VERSION, (char)flags };

	le_put64(h + 8, seq);
	le_put64(h + 16, count);
	buf_append(out, h, sizeof h);
}

/* Sort the folded records and write them to the spill file as a run.
 * On failure the records stay where they are (p->sf.err says why). */
static void spill_ents(struct sortp *p)
{
	struct run_writer w;
	struct run *r;
	int64_t len;

	if (p->nents == 0 || p->sf.err != NULL)
		return;
	sort_ents(p);
	run_writer_begin(&w, &p->sf, PIECE);
	for (size_t i = 0; i < p->nents; i++) {
		const struct ent *e = &p->ents[i];

		buf_put_varint(&w.b, e->len + 1);
		buf_append(&w.b, p->data.data + e->off, e->len + 1);
		if (run_writer_step(&w) < 0)
			break;
	}
	len = run_writer_end(&w);
	if (len < 0)
		return;
	r = add_run(p, RUN_FILE, p->seq);
	r->count = p->nents;
	r->off = w.off;
	r->len = (uint64_t)len;
	p->nents = 0;
	p->data.len = 0;
}

static void add_ent(struct sortp *p, size_t off, size_t len)
{
	const struct sortspec *s = p->spec;
	const char *rec = p->data.data + off, *kb, *ke;
	struct ent *e;
	bool exact;

	if (p->nents == p->capents) {
		p->capents = p->capents ? 2 * p->capents : 4096;
		p->ents = xreallocarray(p->ents, p->capents, sizeof *p->ents);
		free(p->scratch);	/* too small now */
		p->scratch = NULL;
	}
	e = &p->ents[p->nents++];
	sortkey_bounds(s, &s->keys[0], rec, len, &kb, &ke);
	e->pfx = sortkey_prefix_exact(&s->keys[0], kb, ke, &exact);
	e->pfx2 = next_prefix(s, rec, len);
	e->off = off;
	e->len = len;
	if (len < KEY_MAXREC) {
		e->kb = (uint32_t)(kb - rec) | (exact ? KEY_EXACT : 0);
		e->ke = (uint32_t)(ke - rec);
	} else {
		e->kb = e->ke = KEY_UNKNOWN;
	}
}

static void sort_fold(struct stage *st, void *partial, const struct block *b)
{
	struct sortp *p = partial;
	size_t base, end;
	const char *d;

	(void)st;
	if (!p->seen) {
		p->seq = b->seq;
		p->seen = true;
	}
	if (b->len == 0)
		return;
	base = p->data.len;
	buf_append(&p->data, b->data, b->len);
	if (p->data.data[p->data.len - 1] != p->term)
		buf_putc(&p->data, p->term);
	end = p->data.len;
	d = p->data.data;
	if (p->fmt != NULL && p->fmt->kind == FORMAT_CSV) {
		struct csv_iter it;
		const char *r = d + base, *e;

		csv_iter_init(&it, r, end - base, p->fmt, p->term);
		it.at_eof = true;
		while ((e = csv_iter_next(&it)) != NULL) {
			add_ent(p, (size_t)(r - d), (size_t)(e - r) - 1);
			r = e;
		}
		if (r < d + end)	/* malformed: the rest as one record */
			add_ent(p, (size_t)(r - d), (size_t)(d + end - r) - 1);
	} else {
		for (size_t at = base; at < end;) {
			const char *t = memchr(d + at, p->term, end - at);
			size_t len = (size_t)(t - (d + at));

			add_ent(p, at, len);
			at += len + 1;
		}
	}
	/* The records, their entries and the merge sort's scratch space. */
	if (p->memory > 0 && p->sf.err == NULL &&
	    p->data.len + p->nents * (sizeof(struct ent) * 3 / 2) > p->memory)
		spill_ents(p);
}

/* ---- merging runs --------------------------------------------------------- */

struct cursor {
	struct view v;		/* the current record, without its terminator */
	bool done;
	uint64_t seq, sub;

	enum run_kind kind;
	uint64_t left;		/* records still to read */
	const struct ent *e;	/* RUN_ENTS */
	const char *base;
	const char *p, *end;	/* RUN_MEM */
	struct run_reader rd;	/* RUN_FILE */
};

struct merge {
	const struct sortspec *spec;
	struct sortp *p;
	struct cursor *cs;
	size_t k;
	struct losertree lt;
};

/* The next record of a spilled run: 0, or -1 (p->sf.err). */
static int file_next(struct cursor *c, const char **rec, uint64_t *n)
{
	size_t len;

	switch (run_reader_next(&c->rd, rec, &len)) {
	case 0:
		*n = len;
		/* a record has its terminator at least */
		return len > 0 ? 0 : spillfile_corrupt(c->rd.f);
	case 1:
		return spillfile_corrupt(c->rd.f);	/* fewer records than counted */
	default:
		return -1;
	}
}

/* The next record of a cursor: 0, or -1 (p->sf.err). */
static int cur_next(struct merge *m, struct cursor *c)
{
	const struct sortspec *s = m->spec;
	uint64_t n;

	if (c->left == 0) {
		c->done = true;
		return 0;
	}
	c->left--;
	switch (c->kind) {
	case RUN_ENTS:
		ent_view(s, c->base, c->e, &c->v);
		c->e++;
		return 0;
	case RUN_MEM:
		n = get_len(&c->p, c->end);	/* checked by sort_merge */
		c->v.rec = c->p;
		c->v.len = (size_t)n - 1;
		c->p += n;
		break;
	case RUN_FILE:
		if (file_next(c, &c->v.rec, &n) < 0)
			return -1;
		c->v.len = (size_t)n - 1;
		break;
	}
	sortkey_bounds(s, &s->keys[0], c->v.rec, c->v.len, &c->v.kb, &c->v.ke);
	c->v.pfx = sortkey_prefix_exact(&s->keys[0], c->v.kb, c->v.ke, &c->v.exact);
	c->v.pfx2 = next_prefix(s, c->v.rec, c->v.len);
	return 0;
}

static inline bool cur_less(const struct sortspec *s, const struct cursor *a,
    const struct cursor *b)
{
	int c;

	if (a->done || b->done)
		return !a->done;
	if (a->v.pfx != b->v.pfx)
		return a->v.pfx < b->v.pfx;
	c = tie_cmp(s, &a->v, &b->v);
	if (c != 0)
		return c < 0;
	return a->seq != b->seq ? a->seq < b->seq : a->sub < b->sub;
}

static inline bool merge_less(void *ctx, size_t a, size_t b)
{
	const struct merge *m = ctx;

	return cur_less(m->spec, &m->cs[a], &m->cs[b]);
}

/* Where merged records go. */
enum emit_kind {
	EMIT_SINK,	/* plain records, to the next stage in pieces */
	EMIT_BUF,	/* encoded records, appended to a buffer (a run) */
	EMIT_FILE,	/* encoded records, appended to the spill file */
};

struct emitter {
	enum emit_kind kind;
	struct sink *sink;
	struct buf *out;	/* EMIT_BUF: the run; EMIT_FILE: w.b; else the
				 * pending piece */
	struct buf piece;
	struct run_writer w;	/* EMIT_FILE */
	size_t flush_at;
	uint64_t count;
	struct buf prev;	/* -u: the last record emitted */
	uint64_t prev_pfx;
	bool have_prev;
};

/* Pass the pending piece on: 0, the sink's code, or EXIT_IOERR (*err). */
static int emit_flush(struct merge *m, struct emitter *em, char **err)
{
	struct buf *b = em->out;

	if (b->len == 0 || em->kind == EMIT_BUF)
		return 0;
	if (em->kind == EMIT_SINK) {
		int rc = em->sink->put(em->sink, b->data, b->len);

		b->len = 0;
		return rc;
	}
	if (run_writer_flush(&em->w) < 0) {
		*err = xstrdup(m->p->sf.err);
		return EXIT_IOERR;
	}
	return 0;
}

static int emit(struct merge *m, struct emitter *em, const struct cursor *c, char **err)
{
	const struct sortspec *s = m->spec;
	struct buf *b = em->out;

	if (s->unique) {
		if (em->have_prev && em->prev_pfx == c->v.pfx &&
		    sortspec_same(s, em->prev.data, em->prev.len, c->v.rec, c->v.len))
			return 0;
		em->prev.len = 0;
		buf_append(&em->prev, c->v.rec, c->v.len);
		em->prev_pfx = c->v.pfx;
		em->have_prev = true;
	}
	if (em->kind != EMIT_SINK)
		buf_put_varint(b, c->v.len + 1);
	buf_append(b, c->v.rec, c->v.len + 1);
	em->count++;
	return b->len >= em->flush_at ? emit_flush(m, em, err) : 0;
}

/* Merge the cursors into em: 0 or an exit code (*err, or the sink's). */
static int merge_all(struct merge *m, struct emitter *em, char **err)
{
	struct cursor *cs = m->cs;
	int rc = 0;

	if (m->k == 0)
		return emit_flush(m, em, err);
	for (size_t i = 0; i < m->k; i++) {
		if (cur_next(m, &cs[i]) < 0)
			goto read_error;
	}
	losertree_init(&m->lt, m->k, merge_less, m);
	while (!cs[losertree_top(&m->lt)].done) {
		struct cursor *c = &cs[losertree_top(&m->lt)];

		rc = emit(m, em, c, err);
		if (rc != 0)
			return rc;
		if (cur_next(m, c) < 0)
			goto read_error;
		losertree_next(&m->lt, merge_less, m);
	}
	return emit_flush(m, em, err);

read_error:
	*err = xstrdup(m->p->sf.err);
	return EXIT_IOERR;
}

/* Set up cursors over runs[lo..hi) for a merge, each file run with a read
 * buffer of rbuf bytes. */
static void merge_open(struct merge *m, struct sortp *p, const struct run *runs, size_t n,
    size_t rbuf)
{
	memset(m, 0, sizeof *m);
	m->spec = p->spec;
	m->p = p;
	m->k = n;
	m->cs = xcalloc(n, sizeof *m->cs);
	for (size_t i = 0; i < n; i++) {
		struct cursor *c = &m->cs[i];
		const struct run *r = &runs[i];

		c->kind = r->kind;
		c->seq = r->seq;
		c->sub = r->sub;
		c->left = r->count;
		switch (r->kind) {
		case RUN_ENTS:
			c->e = p->ents;
			c->base = p->data.data;
			break;
		case RUN_MEM:
			c->p = r->mem;
			c->end = r->mem + r->memlen;
			break;
		case RUN_FILE:
			run_reader_open(&c->rd, &p->sf, r->off, r->len, rbuf);
			break;
		}
	}
}

static void merge_close(struct merge *m)
{
	for (size_t i = 0; i < m->k; i++)
		run_reader_close(&m->cs[i].rd);
	free(m->cs);
	losertree_free(&m->lt);
}

static void emitter_free(struct emitter *em)
{
	buf_free(&em->piece);
	buf_free(&em->prev);
}

static int run_order(const void *x, const void *y)
{
	const struct run *a = x, *b = y;

	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return (a->sub > b->sub) - (a->sub < b->sub);
}

static size_t count_files(const struct sortp *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nruns; i++)
		n += p->runs[i].kind == RUN_FILE;
	return n;
}

static size_t read_buffer(const struct sortp *p, size_t nfiles)
{
	uint64_t avail = p->memory > p->inmem ? p->memory - p->inmem : 0;
	uint64_t per = nfiles > 0 ? avail / nfiles : RBUF_MAX;

	return per < RBUF_MIN ? RBUF_MIN : per > RBUF_MAX ? RBUF_MAX : (size_t)per;
}

/* Merge runs[i..j) (neighbours in input order) into one spilled run that
 * takes their place: 0 or EXIT_IOERR with *err. */
static int merge_into_file(struct sortp *p, size_t i, size_t j, char **err)
{
	struct merge m;
	struct emitter em = { 0 };
	size_t rbuf = read_buffer(p, j - i);
	int64_t len;
	int rc;

	em.kind = EMIT_FILE;
	run_writer_begin(&em.w, &p->sf, rbuf);
	em.out = &em.w.b;
	em.flush_at = rbuf;
	merge_open(&m, p, p->runs + i, j - i, rbuf);
	rc = merge_all(&m, &em, err);
	merge_close(&m);
	len = run_writer_end(&em.w);
	if (rc == 0) {
		struct run r = p->runs[i];

		r.kind = RUN_FILE;
		r.count = em.count;
		r.off = em.w.off;
		r.len = (uint64_t)len;
		r.mem = NULL;
		for (size_t x = i; x < j; x++) {
			if (p->runs[x].kind == RUN_MEM)
				p->inmem -= p->runs[x].memlen;
			run_release(p->runs[x].mem, p->runs[x].memlen);
		}
		p->runs[i] = r;
		memmove(p->runs + i + 1, p->runs + j, (p->nruns - j) * sizeof *p->runs);
		p->nruns -= j - i - 1;
	}
	emitter_free(&em);
	return rc;
}

/*
 * Sort what was folded, put the runs in input order, and while there are
 * more spilled runs than read buffers fit in the budget, merge
 * neighbouring runs into longer spilled ones.  0 or EXIT_IOERR (*err).
 */
static int prepare(struct sortp *p, char **err)
{
	size_t fanin;

	if (p->sf.err != NULL) {
		*err = xstrdup(p->sf.err);
		return EXIT_IOERR;
	}
	if (p->nents > 0) {
		sort_ents(p);
		add_run(p, RUN_ENTS, p->seq)->count = p->nents;
	}
	if (p->nruns > 1)
		qsort(p->runs, p->nruns, sizeof *p->runs, run_order);
	fanin = p->memory / (2 * RBUF_MIN);
	if (fanin < 2)
		fanin = 2;
	while (p->memory > 0 && count_files(p) > fanin) {
		size_t i = 0;

		while (i < p->nruns) {
			size_t j = i, files = 0;

			while (j < p->nruns && files < fanin)
				files += p->runs[j++].kind == RUN_FILE;
			if (files >= 2) {
				int rc = merge_into_file(p, i, j, err);

				if (rc != 0)
					return rc;
			}
			i++;
		}
	}
	return 0;
}

/* ---- encode, merge, finish ------------------------------------------------ */

static void sort_encode(struct stage *st, const void *partial, struct buf *out)
{
	struct sortp *p = (struct sortp *)partial;
	size_t hdr = out->len;
	char *err = NULL;
	int rc;

	(void)st;
	if (p->nruns == 0 && p->sf.err == NULL) {
		sort_ents(p);
		buf_reserve(out, RUN_HEADER + p->data.len + 2 * p->nents);
		put_header(out, p->seq, p->nents, 0);
		for (size_t i = 0; i < p->nents; i++) {
			const struct ent *e = &p->ents[i];

			buf_put_varint(out, e->len + 1);
			buf_append(out, p->data.data + e->off, e->len + 1);
		}
		return;
	}
	/* Some records were spilled: merge everything into the one run. */
	rc = prepare(p, &err);
	if (rc == 0) {
		struct merge m;
		struct emitter em = { 0 };

		put_header(out, p->seq, 0, 0);
		em.kind = EMIT_BUF;
		em.out = out;
		em.flush_at = SIZE_MAX;
		merge_open(&m, p, p->runs, p->nruns, read_buffer(p, count_files(p)));
		rc = merge_all(&m, &em, &err);
		merge_close(&m);
		emitter_free(&em);
		le_put64(out->data + hdr + 16, em.count);
	}
	if (rc != 0) {
		out->len = hdr;
		put_header(out, p->seq, 0, RUN_FLAG_ERROR);
		buf_append(out, err, strlen(err));
		free(err);
	}
}

static int sort_merge(struct stage *st, void *partial, const char *data, size_t len)
{
	struct sortp *p = partial;
	const char *q, *end = data + len;
	uint64_t seq, count;
	struct run *r;

	if (len < RUN_HEADER || data[0] != RUN_MAGIC || data[1] != RUN_VERSION)
		return -1;
	seq = st->seq_base + le_get64(data + 8);
	count = le_get64(data + 16);
	if (data[2] & RUN_FLAG_ERROR) {
		if (st->from_files)
			return -1;	/* damage: see from_files */
		if (p->sf.err == NULL)
			p->sf.err = xstrndup(data + RUN_HEADER, len - RUN_HEADER);
		return 0;
	}
	/* Check every length, so that finish can trust the run. */
	q = data + RUN_HEADER;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t n = get_len(&q, end);

		if (n == 0 || n == UINT64_MAX || n > (uint64_t)(end - q) || q[n - 1] != p->term)
			return -1;
		q += n;
	}
	if (q != end)
		return -1;
	if (count == 0)
		return 0;
	len -= RUN_HEADER;
	data += RUN_HEADER;
	if (p->memory > 0 && p->inmem + len > p->memory && p->sf.err == NULL) {
		uint64_t at = p->sf.size;

		if (spillfile_write(&p->sf, data, len) == 0) {
			r = add_run(p, RUN_FILE, seq);
			r->count = count;
			r->off = at;
			r->len = len;
			return 0;
		}
	}
	r = add_run(p, RUN_MEM, seq);
	r->count = count;
	r->mem = run_alloc(len);
	memcpy(r->mem, data, len);
	r->memlen = len;
	p->inmem += len;
	return 0;
}

static int sort_finish(struct stage *st, void *partial, struct sink *out, char **err)
{
	struct sortp *p = partial;
	struct merge m;
	struct emitter em = { 0 };
	int rc;

	(void)st;
	rc = prepare(p, err);
	if (rc != 0)
		return rc;
	em.kind = EMIT_SINK;
	em.sink = out;
	em.out = &em.piece;
	em.flush_at = PIECE;
	buf_reserve(&em.piece, PIECE + 4096);
	merge_open(&m, p, p->runs, p->nruns, read_buffer(p, count_files(p)));
	rc = merge_all(&m, &em, err);
	merge_close(&m);
	emitter_free(&em);
	return rc;
}

const struct stage_def stage_sort = {
	.name = "sort",
	.summary = "sort records, like LC_ALL=C sort",
	.description =
		"Sorts the records as LC_ALL=C sort does with the same options: by the keys given "
		"with -k, in order, then (unless -s or -u) by the whole record as bytes. "
		"A key F[.C][OPTS][,F[.C][OPTS]] starts at character C of field F (the field's first "
		"when C is omitted) and ends with character C of the second field F (the field's "
		"last when C is omitted or 0), or at the end of the record without a second "
		"position; fields and characters count from 1. "
		"The letters b, n and r after a position make that key skip leading blanks, "
		"compare numbers, or reverse its order; a key without letters takes -b, -n and -r "
		"from the stage. "
		"Fields are separated by the -t byte, else by the delimiter of -d, --tsv or "
		"--csv (quotes are not interpreted), else as sort does: each field is a run of "
		"blanks followed by non-blanks, so that its leading blanks belong to it. "
		"Numbers are compared as sort -n does in the C locale: leading blanks, an optional "
		"minus sign, digits and an optional fraction after a '.', no thousands separators; "
		"a key that is not a number counts as 0. "
		"Records that compare equal stay in input order with -s, and -u keeps the first of "
		"them. With --header the header record stays on top, unsorted. "
		"Workers sort their chunks; the merger merges the sorted runs, keeping them in "
		"memory while they fit in the memory budget (--memory) and spilling them to "
		"temporary files in --tmpdir beyond it, and streams the result to the stages "
		"after it.",
	.kind = STAGE_REDUCE,
	.keeps_header = true,
	.opts = sort_opts,
	.args = NULL,
	.setup = sort_setup,
	.teardown = sort_teardown,
	.partial_new = sort_partial_new,
	.fold = sort_fold,
	.encode = sort_encode,
	.merge = sort_merge,
	.finish = sort_finish,
	.partial_free = sort_partial_free,
};
