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
 *        1     1  version, 1; or 2 (-c, -C): the bytes after the header
 *                 are a chunk's check summary (sortcheck.h) and count is
 *                 its number of records (so that a forkpipe without -c
 *                 refuses it rather than take it for a run)
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

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "sortcheck.h"
#include "sortrun.h"
#include "util.h"

#define RUN_MAGIC 'S'
#define RUN_VERSION 1
#define CHECK_VERSION 2	/* -c, -C: a check summary, not a run */
#define RUN_FLAG_ERROR 1
#define RUN_HEADER 24

struct sorter {
	struct sortspec spec;
	const char *name;	/* the input, for -c's message */
};

static const struct stage_opt sort_opts[] = {
	{ "key", 'k', OPT_LIST,
	  "a key F[.C][OPTS][,F[.C][OPTS]] as in sort -k: field F, character C, both from 1; "
	  "OPTS among b, d, f, g, h, i, M, n, R, r and V (the options of the same letters); "
	  "repeat for keys that break ties", "KEYDEF" },
	{ "numeric", 'n', OPT_FLAG, "compare numbers, as sort -n does in the C locale", NULL },
	{ "general-numeric", 'g', OPT_FLAG,
	  "compare numbers as sort -g does: floating point with exponents, hexadecimal, inf "
	  "and nan (as strtold reads them); a key that is no number first, then NaNs", NULL },
	{ "human-numeric", 'h', OPT_FLAG,
	  "compare numbers with an SI suffix, as sort -h does (2K < 1M; K or k, M, G, T, P, "
	  "E, Z, Y)", NULL },
	{ "month", 'M', OPT_FLAG,
	  "compare month names, as sort -M does: JAN < FEB < ... < DEC, in any case, after "
	  "blanks; other keys first", NULL },
	{ "version", 'V', OPT_FLAG,
	  "compare version strings, as sort -V does (gnulib's filevercmp)", NULL },
	{ "ignore-case", 'f', OPT_FLAG, "fold lower case to upper case", NULL },
	{ "dictionary-order", 'd', OPT_FLAG,
	  "compare only blanks and letters and digits", NULL },
	{ "ignore-nonprinting", 'i', OPT_FLAG,
	  "compare only printable bytes (0x20 to 0x7e)", NULL },
	{ "random", 'R', OPT_FLAG,
	  "order by the MD5 digest of a seed followed by the key, as sort -R does: equal keys "
	  "stay together; with --random-source the order is GNU sort's with the same file, "
	  "else the seed is random and the order changes from run to run", NULL },
	{ "random-source", 0, OPT_STRING,
	  "take -R's seed from the first 16 bytes of FILE (as sort --random-source=FILE)", "FILE" },
	{ "reverse", 'r', OPT_FLAG, "reverse the order", NULL },
	{ "unique", 'u', OPT_FLAG, "keep only the first of the records that compare equal", NULL },
	{ "stable", 's', OPT_FLAG,
	  "leave records with equal keys in input order (no whole-record comparison)", NULL },
	{ "ignore-blanks", 'b', OPT_FLAG, "ignore leading blanks in keys", NULL },
	{ "separator", 't', OPT_STRING,
	  "fields are separated by this byte (or \\t); without it by -d, --tsv or --csv, "
	  "else at each blank-to-non-blank transition", "CHAR" },
	{ "check", 'c', OPT_FLAG,
	  "output nothing; check that the input is sorted (with -u: with no equal records) "
	  "and, if not, exit 1 naming the first record out of order: "
	  "'sort: FILE:N: disorder: RECORD'", NULL },
	{ "check-quiet", 'C', OPT_FLAG, "as -c, but exit 1 without a message", NULL },
	{ "merge", 'm', OPT_FLAG,
	  "the input is sorted already (each file, as for sort -m): merge, do not sort", NULL },
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

/* The separator of -t, or of -d, --tsv, --csv, or -1. */
static int set_separator(struct stage *st, struct sorter *so, char **err)
{
	const char *t = stage_str(st, "separator");

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
	return 0;
}

/* The global ordering options, as a key that keys without options copy. */
static void global_key(const struct stage *st, struct sortkey *g)
{
	static const struct { const char *name; char letter; } flags[] = {
		{ "numeric", 'n' }, { "general-numeric", 'g' }, { "human-numeric", 'h' },
		{ "month", 'M' }, { "version", 'V' }, { "ignore-case", 'f' },
		{ "dictionary-order", 'd' }, { "ignore-nonprinting", 'i' }, { "random", 'R' },
		{ "reverse", 'r' }, { "ignore-blanks", 'b' },
	};

	memset(g, 0, sizeof *g);
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (stage_flag(st, flags[i].name))
			sortkey_letter(g, flags[i].letter, false);
}

/* -R's seed: the first 16 bytes of --random-source, else random bytes
 * (read here, before the workers fork, so that they all share it). */
static int set_seed(struct stage *st, struct sorter *so, char **err)
{
	const char *src = stage_str(st, "random-source");
	const char *from = src != NULL ? src : "/dev/urandom";
	FILE *f = fopen(from, "rb");
	size_t n;

	if (f == NULL) {
		*err = xasprintf("sort: --random-source '%s': %s", from, strerror(errno));
		return -1;
	}
	n = fread(so->spec.seed, 1, sizeof so->spec.seed, f);
	fclose(f);
	if (n < sizeof so->spec.seed) {
		*err = xasprintf("sort: --random-source '%s': fewer than %zu bytes", from,
		    sizeof so->spec.seed);
		return -1;
	}
	return 0;
}

/* -c, -C and -m, and what they exclude. */
static int set_modes(struct stage *st, struct sorter *so, char **err)
{
	struct sortspec *s = &so->spec;
	bool c = stage_flag(st, "check"), q = stage_flag(st, "check-quiet");

	s->check = c || q;
	s->check_quiet = q;
	s->merge_only = stage_flag(st, "merge");
	if (c && q) {
		*err = xstrdup("sort: options '-cC' are incompatible");
		return -1;
	}
	if (s->check && s->merge_only) {
		*err = xasprintf("sort: options '-%cm' are incompatible", q ? 'C' : 'c');
		return -1;
	}
	if (s->check && st->ninputs > 1) {
		*err = xasprintf("sort: -%c checks one input, not %zu", q ? 'C' : 'c', st->ninputs);
		return -1;
	}
	so->name = st->ninputs == 1 ? st->inputs[0] : "-";
	return 0;
}

static int sort_setup(struct stage *st, char **err)
{
	struct sorter *so = xcalloc(1, sizeof *so);
	size_t n;
	char *const *defs = stage_list(st, "key", &n);
	struct sortkey g;
	bool random = false;

	st->priv = so;
	so->spec.keys = xcalloc(n + 1, sizeof *so->spec.keys);
	for (size_t i = 0; i < n; i++) {
		bool json = st->fmt != NULL && st->fmt->kind == FORMAT_JSON;

		if (sortkey_parse(defs[i], &so->spec.keys[i], err) < 0) {
			so->spec.nkeys++;	/* its path, if any, is freed */
			return -1;
		}
		so->spec.nkeys++;
		if (json != (so->spec.keys[i].json != NULL)) {
			*err = xasprintf(json ? "sort: -k %s: JSON records are sorted by paths "
			    "(-k .status, -k .bytes:nr)" : "sort: -k %s: a path needs --json", defs[i]);
			return -1;
		}
	}
	if (set_separator(st, so, err) < 0 || set_modes(st, so, err) < 0)
		return -1;
	so->spec.reverse = stage_flag(st, "reverse");
	so->spec.unique = stage_flag(st, "unique");
	so->spec.stable = stage_flag(st, "stable");
	global_key(st, &g);
	sortspec_finish_global(&so->spec, &g);
	if (sortspec_check(&so->spec, err) < 0)
		return -1;
	for (size_t i = 0; i < so->spec.nkeys; i++)
		random |= so->spec.keys[i].random;
	return random ? set_seed(st, so, err) : 0;
}

/* ---- partials ------------------------------------------------------------- */

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
		sortp_run_release(p->runs[i].mem, p->runs[i].memlen);
	free(p->runs);
	sortcheck_free(p);
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

static void put_header(struct buf *out, uint64_t seq, uint64_t count, int flags, int version)
{
	char h[RUN_HEADER] = { RUN_MAGIC, (char)version, (char)flags };

	le_put64(h + 8, seq);
	le_put64(h + 16, count);
	buf_append(out, h, sizeof h);
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
	if (p->memory > 0 && p->sf.err == NULL && !p->spec->check &&
	    p->data.len + p->nents * (sizeof(struct ent) * 3 / 2) > p->memory)
		sortp_spill(p);
}

/* ---- encode, merge, finish ------------------------------------------------ */

static void sort_encode(struct stage *st, const void *partial, struct buf *out)
{
	struct sortp *p = (struct sortp *)partial;
	size_t hdr = out->len;
	char *err = NULL;
	int rc;

	(void)st;
	if (p->spec->check) {
		put_header(out, p->seq, p->nents, 0, CHECK_VERSION);
		sortcheck_encode(p, out);
		return;
	}
	if (p->nruns == 0 && p->sf.err == NULL) {
		sortp_sort(p);
		buf_reserve(out, RUN_HEADER + p->data.len + 2 * p->nents);
		put_header(out, p->seq, p->nents, 0, RUN_VERSION);
		for (size_t i = 0; i < p->nents; i++) {
			const struct ent *e = &p->ents[i];

			buf_put_varint(out, e->len + 1);
			buf_append(out, p->data.data + e->off, e->len + 1);
		}
		return;
	}
	/* Some records were spilled: merge everything into the one run. */
	rc = sortp_prepare(p, &err);
	if (rc == 0) {
		uint64_t count = 0;

		put_header(out, p->seq, 0, 0, RUN_VERSION);
		rc = sortp_merge(p, NULL, out, &count, &err);
		le_put64(out->data + hdr + 16, count);
	}
	if (rc != 0) {
		out->len = hdr;
		put_header(out, p->seq, 0, RUN_FLAG_ERROR, RUN_VERSION);
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

	if (len < RUN_HEADER || data[0] != RUN_MAGIC ||
	    data[1] != (p->spec->check ? CHECK_VERSION : RUN_VERSION))
		return -1;
	seq = st->seq_base + le_get64(data + 8);
	count = le_get64(data + 16);
	if (p->spec->check)
		return sortcheck_merge(p, seq, count, data + RUN_HEADER, len - RUN_HEADER);
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
			r = sortp_add_run(p, RUN_FILE, seq);
			r->count = count;
			r->off = at;
			r->len = len;
			return 0;
		}
	}
	r = sortp_add_run(p, RUN_MEM, seq);
	r->count = count;
	r->mem = sortp_run_alloc(len);
	memcpy(r->mem, data, len);
	r->memlen = len;
	p->inmem += len;
	return 0;
}

static int sort_finish(struct stage *st, void *partial, struct sink *out, char **err)
{
	struct sortp *p = partial;
	uint64_t count;
	int rc;

	if (p->spec->check) {
		rc = sortcheck_finish(p, ((struct sorter *)st->priv)->name, err);
		if (rc < 0)
			*err = xstrdup("sort: a chunk's check summary is damaged");
		return rc < 0 ? EXIT_SOFTWARE : rc;
	}
	rc = sortp_prepare(p, err);
	return rc != 0 ? rc : sortp_merge(p, out, NULL, &count, err);
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
		"The letters b, d, f, g, h, i, M, n, R, r and V after a position give that key the "
		"option of the same letter (b skips leading blanks); a key without letters takes "
		"the stage's ordering options. As in sort, -n, -g, -h and -M exclude each other "
		"and -V, -R, -d and -i, and -d wins over -i. "
		"With --json a key is a path, its letters after a colon (-k .bytes:nr), "
		"and its text is the value as written (a string between its quotes). "
		"Fields are separated by the -t byte, else by the delimiter of -d, --tsv or "
		"--csv (quotes are not interpreted), else as sort does: each field is a run of "
		"blanks followed by non-blanks, so that its leading blanks belong to it. "
		"Numbers are compared as sort -n does in the C locale: leading blanks, an optional "
		"minus sign, digits and an optional fraction after a '.', no thousands separators; "
		"a key that is not a number counts as 0. "
		"-g reads numbers with strtold, as sort -g does; NaNs sort after the keys that "
		"are not numbers and before the numbers, but among themselves by their bits "
		"(nan before -nan) where GNU sort compares the bytes of a long double, padding "
		"included, an order that can change from run to run and that forkpipe does not "
		"copy. -V is gnulib's filevercmp as coreutils 9.1 has it. -R orders by the MD5 "
		"digest of a 16-byte seed and the key, as GNU sort does, so that with the same "
		"--random-source file the order is GNU sort's; without it the seed is random. "
		"-c reports the first record out of order as sort -c does, 'sort: FILE:N: "
		"disorder: RECORD' after forkpipe's 'forkpipe: ' (FILE is - for standard input; "
		"with --header, N counts the records after the header) and exits 1; -C only "
		"exits 1. The workers check their chunks and the merger the seams between them. "
		"With -m each input file must be sorted with the same options (as for sort -m, "
		"this is not checked): the chunks are merged without being sorted. "
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

