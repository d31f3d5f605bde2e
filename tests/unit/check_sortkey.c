/* check_sortkey.c - sort keys (parsing, bounds, numbers, prefixes) and
 * the sort stage's partials: runs from several chunks merged in any
 * order, spilling to temporary files under a small memory budget, and
 * failures to spill. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check_suites.h"
#include "fields.h"
#include "md5.h"
#include "sortcmp.h"
#include "sortkey.h"
#include "stage.h"
#include "util.h"

/* --- key definitions ---------------------------------------------------- */

static struct sortkey key_ok(const char *def)
{
	struct sortkey k;
	char *err = NULL;

	ck_assert_msg(sortkey_parse(def, &k, &err) == 0, "[%s]: %s", def, err);
	return k;
}

static void key_bad(const char *def, const char *why)
{
	struct sortkey k;
	char *err = NULL;
	char *want = xasprintf("sort: bad key definition '%s'", def);

	ck_assert_msg(sortkey_parse(def, &k, &err) < 0, "[%s] accepted", def);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "[%s]: message [%s]", def, err);
	ck_assert_msg(strstr(err, why) != NULL, "[%s]: message [%s] lacks [%s]", def, err, why);
	free(want);
	free(err);
}

START_TEST(test_parse)
{
	struct sortkey k;

	k = key_ok("2,2");
	ck_assert_uint_eq(k.sword, 1);
	ck_assert_uint_eq(k.schar, 0);
	ck_assert_uint_eq(k.eword, 1);
	ck_assert_uint_eq(k.echar, 0);
	ck_assert(!k.numeric && !k.reverse && !k.skipsblanks && !k.has_opts);
	k = key_ok("3,3nr");
	ck_assert(k.numeric && k.reverse && k.has_opts && !k.skipeblanks);
	k = key_ok("2");
	ck_assert_uint_eq(k.sword, 1);
	ck_assert_uint_eq(k.eword, SORTKEY_EOL);
	k = key_ok("1.2,1.4");
	ck_assert_uint_eq(k.sword, 0);
	ck_assert_uint_eq(k.schar, 1);
	ck_assert_uint_eq(k.eword, 0);
	ck_assert_uint_eq(k.echar, 4);
	k = key_ok("2b,3.0b");
	ck_assert(k.skipsblanks && k.skipeblanks);
	ck_assert_uint_eq(k.eword, 2);
	ck_assert_uint_eq(k.echar, 0);
	k = key_ok("2.3bn,2");
	ck_assert(k.skipsblanks && !k.skipeblanks && k.numeric);
	k = key_ok("99999999999999999999999");
	ck_assert_uint_eq(k.sword, SIZE_MAX - 1);

	key_bad("2,x", "after ','");
	key_bad("0", "start at 1");
	key_bad("1.0", "start at 1");
	key_bad("2,0", "start at 1");
	key_bad("x", "field number");
	key_bad("", "field number");
	key_bad("-1", "field number");
	key_bad("2.", "after '.'");
	key_bad("1,2.", "after '.'");
	key_bad("2,3x", "'x'");
	key_bad("2x", "unexpected 'x'");
	key_bad("2,2Mq", "unexpected 'q'");
	k = key_ok("2,2Mr");
	ck_assert(k.month && k.reverse && k.has_opts);
	k = key_ok("1.2dfgh,3iRV");
	ck_assert(k.ignore == 'd' && k.fold && k.general && k.human && k.random && k.version);
	key_bad("1,2,3", "','");
}
END_TEST

/* --- key bounds ------------------------------------------------------------ */

/* The key of rec under def (and -t tab, -b), as a string (static). */
static const char *key_of(const char *def, int tab, bool blanks, const char *rec)
{
	static char out[256];
	struct sortkey keys[1];
	struct sortspec s = { .keys = keys, .nkeys = 1, .tab = tab };
	const char *b, *l;

	keys[0] = key_ok(def);
	sortspec_finish(&s, false, blanks);
	sortkey_bounds(&s, &keys[0], rec, strlen(rec), &b, &l);
	ck_assert(l >= b && (size_t)(l - b) < sizeof out);
	memcpy(out, b, (size_t)(l - b));
	out[l - b] = '\0';
	return out;
}

START_TEST(test_bounds)
{
	/* Without -t a field's leading blanks belong to it. */
	ck_assert_str_eq(key_of("2,2", -1, false, "  a  b c"), "  b");
	ck_assert_str_eq(key_of("1,1", -1, false, "  a  b c"), "  a");
	ck_assert_str_eq(key_of("2b,2", -1, false, "  a  b c"), "b");
	ck_assert_str_eq(key_of("2,2", -1, true, "  a  b c"), "b");
	ck_assert_str_eq(key_of("2", -1, false, "a\tb c"), "\tb c");
	ck_assert_str_eq(key_of("3,3", -1, false, "a b"), "");
	ck_assert_str_eq(key_of("1.2,1.3", -1, false, "abcd e"), "bc");
	ck_assert_str_eq(key_of("2.2,2.3", -1, false, "a bcd"), "bc");
	ck_assert_str_eq(key_of("2.2b,2.3b", -1, false, "a   bcd"), "cd");
	ck_assert_str_eq(key_of("2.3,2.1", -1, false, "a bcd"), "");
	ck_assert_str_eq(key_of("1.9", -1, false, "abc"), "");
	ck_assert_str_eq(key_of("1,2.0", -1, false, "a b c"), "a b");
	/* A newline is a blank (it can only be inside a record with -z). */
	ck_assert_str_eq(key_of("2,2", -1, false, "a\nb c"), "\nb");
	/* With -t each separator ends a field; fields may be empty. */
	ck_assert_str_eq(key_of("2,2", ',', false, "a,b,,c"), "b");
	ck_assert_str_eq(key_of("3,3", ',', false, "a,b,,c"), "");
	ck_assert_str_eq(key_of("2,3", ',', false, "a,b,,c"), "b,");
	ck_assert_str_eq(key_of("2", ',', false, "a, b,c"), " b,c");
	ck_assert_str_eq(key_of("2b,2", ',', false, "a, b,c"), "b");
	ck_assert_str_eq(key_of("5,5", ',', false, "a,b"), "");
	ck_assert_str_eq(key_of("1.2,2.1", ',', false, "ab,cd"), "b,c");
}
END_TEST

/* --- numbers ----------------------------------------------------------------- */

static int numcmp(const char *a, const char *b)
{
	int c = sortkey_numcmp(a, a + strlen(a), b, b + strlen(b));

	return (c > 0) - (c < 0);
}

START_TEST(test_numcmp)
{
	static const struct {
		const char *a, *b;
		int want;
	} t[] = {
		{ "", "0", 0 }, { "-0", "0", 0 }, { "-", "0", 0 }, { ".", "0", 0 },
		{ "-.", "0", 0 }, { "1.50", "1.5", 0 }, { "1.", "1", 0 }, { ".5", "0.5", 0 },
		{ "-.5", "-0.5", 0 }, { "007", "7", 0 }, { "00.100", "0.1", 0 },
		{ "1e3", "1", 0 }, { "+3", "0", 0 }, { "abc", "0", 0 }, { "3a", "3", 0 },
		{ " \t-1", "-1", 0 }, { "- 1", "0", 0 }, { "1,000", "1", 0 },
		{ "2", "10", -1 }, { "-2", "-10", 1 }, { "9", "10", -1 }, { "-1", "0", -1 },
		{ "0.001", "0.01", -1 }, { "-0.001", "0", -1 }, { "-0.001", "-0.01", 1 },
		{ "abc", "-1", 1 }, { "abc", "0.0001", -1 }, { "1.5", "1.49999", 1 },
		{ "123456789012345678", "123456789012345679", -1 },
		{ "-123456789012345678", "-123456789012345679", 1 },
		{ "1.00000000000000001", "1.0000000000000001", -1 },
		{ "99999999999999999999", "100000000000000000000", -1 },
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_msg(numcmp(t[i].a, t[i].b) == t[i].want, "[%s] vs [%s]: %d, want %d",
		    t[i].a, t[i].b, numcmp(t[i].a, t[i].b), t[i].want);
		ck_assert_msg(numcmp(t[i].b, t[i].a) == -t[i].want, "[%s] vs [%s] reversed",
		    t[i].a, t[i].b);
	}
}
END_TEST

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A random number-like string into s (room for 64 bytes). */
static void random_number(char *s)
{
	static const char ch[] = "0123456789000000-. \tx";
	size_t n = rng() % 24;

	if (rng() % 4 == 0) {
		/* many digits: equal prefixes, different numbers */
		strcpy(s, rng() % 2 ? "-12345678901234" : "0.00012345678901234");
		n = strlen(s);
		for (size_t i = 0, m = rng() % 6; i < m; i++)
			s[n++] = (char)('0' + rng() % 10);
		s[n] = '\0';
		return;
	}
	for (size_t i = 0; i < n; i++)
		s[i] = ch[rng() % (sizeof ch - 1)];
	s[n] = '\0';
}

/* The prefixes order numbers as the full comparison does, and an exact
 * prefix decides equality. */
START_TEST(test_prefix_numeric)
{
	struct sortkey k = { .numeric = true };
	char a[64], b[64];

	for (int i = 0; i < 200000; i++) {
		bool ea, eb;
		uint64_t pa, pb;
		int c;

		random_number(a);
		random_number(b);
		k.reverse = i % 2;
		pa = sortkey_prefix_exact(&k, a, a + strlen(a), &ea);
		pb = sortkey_prefix_exact(&k, b, b + strlen(b), &eb);
		c = numcmp(a, b) * (k.reverse ? -1 : 1);
		if (pa != pb)
			ck_assert_msg((pa < pb) == (c < 0) && c != 0, "[%s] vs [%s]", a, b);
		if (c == 0)
			ck_assert_msg(pa == pb, "[%s] = [%s] but prefixes differ", a, b);
		if (pa == pb && ea && eb)
			ck_assert_msg(c == 0, "[%s] vs [%s]: exact prefixes equal", a, b);
	}
}
END_TEST

START_TEST(test_prefix_text)
{
	struct sortkey k = { 0 };
	char a[16], b[16];

	for (int i = 0; i < 200000; i++) {
		size_t la = rng() % 12, lb = rng() % 12;
		uint64_t pa, pb;
		int c;

		for (size_t j = 0; j < la; j++)
			a[j] = (char)("ab\0\377"[rng() % 4]);
		for (size_t j = 0; j < lb; j++)
			b[j] = (char)("ab\0\377"[rng() % 4]);
		k.reverse = i % 2;
		pa = sortkey_prefix(&k, a, a + la);
		pb = sortkey_prefix(&k, b, b + lb);
		c = sortkey_cmp(&k, a, a + la, b, b + lb) * (k.reverse ? -1 : 1);
		if (pa != pb)
			ck_assert((pa < pb) == (c < 0) && c != 0);
		if (c == 0)
			ck_assert(pa == pb);
	}
}
END_TEST

/* GNU sort's rules for keys without options and the last resort. */
START_TEST(test_compare)
{
	struct sortkey keys[2];
	struct sortspec s = { .keys = keys, .nkeys = 0, .tab = -1 };
	const char *a = "x 10", *b = "y 9";

	/* Global -n applies to a key without options... */
	keys[0] = key_ok("2,2");
	s.nkeys = 1;
	sortspec_finish(&s, true, false);
	ck_assert_int_gt(sortspec_compare(&s, a, strlen(a), b, strlen(b)), 0);
	/* ...but not to one with an option of its own. */
	keys[0] = key_ok("2,2r");
	s.nkeys = 1;
	sortspec_finish(&s, true, false);
	ck_assert_int_gt(sortspec_compare(&s, a, strlen(a), b, strlen(b)), 0);
	/* Equal keys: the whole records decide, reversed by -r... */
	keys[0] = key_ok("2,2n");
	s.nkeys = 1;
	s.reverse = true;
	sortspec_finish(&s, false, false);
	ck_assert_int_gt(sortspec_compare(&s, "a 1", 3, "b 1.0", 5), 0);
	/* ...unless -s. */
	s.stable = true;
	keys[0] = key_ok("2,2n");
	s.nkeys = 1;
	sortspec_finish(&s, false, false);
	ck_assert_int_eq(sortspec_compare(&s, "a 1", 3, "b 1.0", 5), 0);
	ck_assert(sortspec_same(&s, "a 1", 3, "b 1.0", 5));
	/* No key: the records as bytes; -n alone: numbers, then bytes. */
	s.stable = false;
	s.reverse = false;
	s.nkeys = 0;
	sortspec_finish(&s, false, false);
	ck_assert_int_lt(sortspec_compare(&s, "10", 2, "9", 1), 0);
	ck_assert(!sortspec_same(&s, "1", 1, "01", 2));
	s.nkeys = 0;
	sortspec_finish(&s, true, false);
	ck_assert_int_gt(sortspec_compare(&s, "10", 2, "9", 1), 0);
	ck_assert_int_gt(sortspec_compare(&s, "1", 1, "01", 2), 0);
	ck_assert(sortspec_same(&s, "1", 1, "01", 2));
}
END_TEST

/* --- the stage's partials ------------------------------------------------ */

static const struct format blank_format = { FORMAT_BLANKS, '\t', false, NULL, false };

static struct stage *sort_stage(const char *spec, uint64_t memory, const char *tmpdir)
{
	char *err = NULL;
	struct stage *st = stage_from_spec(spec, &err);

	ck_assert_msg(st != NULL, "[%s]: %s", spec, err);
	st->term = '\n';
	st->fmt = &blank_format;
	st->memory = memory;
	st->tmpdir = tmpdir;
	ck_assert_msg(st->def->setup(st, &err) == 0, "[%s]: %s", spec, err);
	return st;
}

struct collect {
	struct sink sink;
	struct buf out;
	size_t pieces;
	int fail;	/* put returns this from the second piece on */
};

static int collect_put(struct sink *s, char *data, size_t len)
{
	struct collect *c = (struct collect *)s;

	ck_assert_uint_gt(len, 0);
	ck_assert_msg(data[len - 1] == '\n', "a piece ends inside a record");
	if (c->fail != 0 && c->pieces > 0) {
		s->err = xstrdup("sink failed");
		return c->fail;
	}
	c->pieces++;
	buf_append(&c->out, data, len);
	return 0;
}

/* Random records: "wN M.D" with few distinct words and numbers, so that
 * keys tie often; a few empty lines. */
static void make_input(struct buf *in, size_t n, int big)
{
	for (size_t i = 0; i < n; i++) {
		if (rng() % 20 == 0) {
			buf_putc(in, '\n');
			continue;
		}
		buf_printf(in, "w%d %d.%d %zu", (int)(rng() % 7), (int)(rng() % 40) - 20,
		    (int)(rng() % 3), i % 5);
		for (int j = 0; big && j < (int)(rng() % 300); j++)
			buf_putc(in, 'x');
		buf_putc(in, '\n');
	}
}

struct line {
	const char *p;
	size_t len, idx;
};

static const struct sortspec *ref_spec;

static int line_cmp(const void *x, const void *y)
{
	const struct line *a = x, *b = y;
	int c = sortspec_compare(ref_spec, a->p, a->len, b->p, b->len);

	if (c != 0)
		return c;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

/* What sort must print: a stable sort of the lines, first of equal sets
 * with -u. */
static void reference(const struct stage *st, const struct buf *in, struct buf *out)
{
	const struct sortspec *s = st->priv;	/* the spec leads the stage's state */
	struct line *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t at = 0; at < in->len;) {
		const char *t = memchr(in->data + at, '\n', in->len - at);

		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].p = in->data + at;
		v[n].len = (size_t)(t - (in->data + at));
		v[n].idx = n;
		at += v[n++].len + 1;
	}
	ref_spec = s;
	qsort(v, n, sizeof *v, line_cmp);
	for (size_t i = 0; i < n; i++) {
		/* -u: the previous record is in the same set as the first one. */
		if (s->unique && i > 0 &&
		    sortspec_same(s, v[i - 1].p, v[i - 1].len, v[i].p, v[i].len))
			continue;
		buf_append(out, v[i].p, v[i].len + 1);
	}
	free(v);
}

/*
 * Cut the input into nchunks chunks of whole records, fold each into a
 * worker partial in blocks of about blk bytes, encode, merge the runs into
 * one partial in a scrambled order and finish.  Returns finish's code.
 */
static int run_stage(struct stage *st, const struct buf *in, size_t nchunks, size_t blk,
    struct collect *c, char **err)
{
	const struct stage_def *d = st->def;
	struct buf *runs = xcalloc(nchunks, sizeof *runs);
	void *m = d->partial_new(st);
	size_t at = 0;
	int rc;

	for (size_t i = 0; i < nchunks; i++) {
		size_t end = i + 1 == nchunks ? in->len : in->len * (i + 1) / nchunks;
		void *p = d->partial_new(st);

		while (end < in->len && in->data[end - 1] != '\n')
			end++;
		while (at < end) {
			size_t e = at + blk < end ? at + blk : end;
			struct block b;

			while (e < end && in->data[e - 1] != '\n')
				e++;
			b.data = in->data + at;
			b.len = e - at;
			b.nrec = NREC_UNKNOWN;
			b.offset = at;
			b.seq = i;
			d->fold(st, p, &b);
			at = e;
		}
		d->encode(st, p, &runs[i]);
		d->partial_free(p);
	}
	/* Arrival order: odd chunks first, from the end, then the even ones. */
	for (size_t i = nchunks; i-- > 0;)
		if (i % 2 == 1)
			ck_assert_int_eq(d->merge(st, m, runs[i].data, runs[i].len), 0);
	for (size_t i = 0; i < nchunks; i++)
		if (i % 2 == 0)
			ck_assert_int_eq(d->merge(st, m, runs[i].data, runs[i].len), 0);
	c->sink.put = collect_put;
	rc = d->finish(st, m, &c->sink, err);
	d->partial_free(m);
	for (size_t i = 0; i < nchunks; i++)
		buf_free(&runs[i]);
	free(runs);
	return rc;
}

static void check_sorted(const char *spec, uint64_t memory, size_t nrec, size_t nchunks,
    size_t blk, int big)
{
	struct stage *st = sort_stage(spec, memory, NULL);
	struct buf in = { 0 }, want = { 0 };
	struct collect c = { 0 };
	char *err = NULL;
	int rc;

	make_input(&in, nrec, big);
	reference(st, &in, &want);
	rc = run_stage(st, &in, nchunks, blk, &c, &err);
	ck_assert_msg(rc == 0, "[%s]: finish: %d %s", spec, rc, err ? err : "");
	ck_assert_msg(c.out.len == want.len && memcmp(c.out.data, want.data, want.len) == 0,
	    "[%s] memory %llu, %zu chunks: output differs (%zu bytes, want %zu)", spec,
	    (unsigned long long)memory, nchunks, c.out.len, want.len);
	buf_free(&in);
	buf_free(&want);
	buf_free(&c.out);
	stage_free(st);
}

static const char *const specs[] = {
	"sort", "sort -r", "sort -k2,2n", "sort -k2,2n -s", "sort -k1,1 -u", "sort -k2,2nr -k3,3 -u",
	"sort -n -s -r", "sort -k3,3 -k1,1r",
};

START_TEST(test_merge_in_memory)
{
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		check_sorted(specs[i], 0, 20000, 1, 1 << 20, 0);
		check_sorted(specs[i], 0, 20000, 13, 4096, 0);
		check_sorted(specs[i], 0, 3000, 40, 100, 1);
	}
}
END_TEST

/* A small budget: the workers spill while folding, the merger spills the
 * runs it receives and merges them in several passes. */
START_TEST(test_merge_spilled)
{
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		check_sorted(specs[i], 4096, 20000, 13, 4096, 0);
		check_sorted(specs[i], 40000, 20000, 37, 1000, 0);
		check_sorted(specs[i], 1 << 20, 20000, 9, 1 << 16, 0);
		check_sorted(specs[i], 8192, 3000, 7, 700, 1);	/* records > read buffers */
	}
}
END_TEST

/* One partial folding everything (sort after another reducer). */
START_TEST(test_fold_only)
{
	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		struct stage *st = sort_stage(specs[i], 5000, NULL);
		struct buf in = { 0 }, want = { 0 };
		struct collect c = { { collect_put, NULL, NULL }, { 0 }, 0, 0 };
		void *p = st->def->partial_new(st);
		char *err = NULL;

		make_input(&in, 10000, 0);
		reference(st, &in, &want);
		for (size_t at = 0; at < in.len;) {
			size_t e = at + 3000 < in.len ? at + 3000 : in.len;
			struct block b = { in.data + at, 0, NREC_UNKNOWN, OFFSET_UNKNOWN, 0, false, NULL, NULL, 0, NULL, NULL };

			while (e < in.len && in.data[e - 1] != '\n')
				e++;
			b.len = e - at;
			st->def->fold(st, p, &b);
			at = e;
		}
		ck_assert_int_eq(st->def->finish(st, p, &c.sink, &err), 0);
		ck_assert_msg(c.out.len == want.len && memcmp(c.out.data, want.data, want.len) == 0,
		    "[%s]: output differs", specs[i]);
		ck_assert_uint_ge(c.pieces, 1);
		st->def->partial_free(p);
		buf_free(&in);
		buf_free(&want);
		buf_free(&c.out);
		stage_free(st);
	}
}
END_TEST

/* A spill directory that cannot be used: the run fails with EXIT_IOERR,
 * whether the worker or the merger was spilling. */
START_TEST(test_spill_failure)
{
	for (int merger_only = 0; merger_only < 2; merger_only++) {
		struct stage *st = sort_stage("sort -k2,2n", 8192, "/nonexistent/forkpipe-test");
		struct buf in = { 0 };
		struct collect c = { 0 };
		char *err = NULL;
		int rc;

		make_input(&in, 5000, 0);
		/* Chunks of 100 records fit the budget, 50 of them do not; two
		 * chunks of 2500 records do not fit a worker's. */
		rc = run_stage(st, &in, merger_only ? 50 : 2, 1000, &c, &err);
		ck_assert_int_eq(rc, EXIT_IOERR);
		ck_assert_ptr_nonnull(err);
		ck_assert_msg(strstr(err, "sort: cannot create a temporary file in /nonexistent") != NULL,
		    "message [%s]", err);
		free(err);
		buf_free(&in);
		buf_free(&c.out);
		stage_free(st);
	}
}
END_TEST

/* A sink error stops the merge and is returned as is. */
START_TEST(test_sink_error)
{
	struct stage *st = sort_stage("sort", 0, NULL);
	struct buf in = { 0 };
	struct collect c = { 0 };
	char *err = NULL;

	make_input(&in, 300000, 0);	/* several megabytes: more than one piece */
	c.fail = 74;
	ck_assert_int_eq(run_stage(st, &in, 4, 1 << 20, &c, &err), 74);
	ck_assert_ptr_null(err);
	ck_assert_str_eq(c.sink.err, "sink failed");
	ck_assert_uint_eq(c.pieces, 1);
	free(c.sink.err);
	buf_free(&in);
	buf_free(&c.out);
	stage_free(st);
}
END_TEST

/* Malformed runs are refused. */
START_TEST(test_bad_partial)
{
	struct stage *st = sort_stage("sort", 0, NULL);
	void *m = st->def->partial_new(st);
	void *p = st->def->partial_new(st);
	struct block b = { (char *)"b\na\n", 4, NREC_UNKNOWN, 0, 5, false, NULL, NULL, 0, NULL, NULL };
	struct buf run = { 0 };

	st->def->fold(st, p, &b);
	st->def->encode(st, p, &run);
	ck_assert_uint_eq(run.len, 24 + 6);
	ck_assert_int_eq(run.data[0], 'S');
	ck_assert_int_eq(run.data[1], 1);
	ck_assert_int_eq(run.data[8], 5);	/* seq */
	ck_assert_int_eq(run.data[16], 2);	/* count */
	ck_assert(memcmp(run.data + 24, "\002a\n\002b\n", 6) == 0);
	ck_assert_int_eq(st->def->merge(st, m, run.data, run.len), 0);
	ck_assert_int_lt(st->def->merge(st, m, run.data, run.len - 1), 0);
	ck_assert_int_lt(st->def->merge(st, m, run.data, 10), 0);
	run.data[0] = 'X';
	ck_assert_int_lt(st->def->merge(st, m, run.data, run.len), 0);
	run.data[0] = 'S';
	run.data[16] = 3;
	ck_assert_int_lt(st->def->merge(st, m, run.data, run.len), 0);
	st->def->partial_free(p);
	st->def->partial_free(m);
	buf_free(&run);
	stage_free(st);
}
END_TEST

/* The slow orderings: -V's version order (pairs in increasing order, as
 * coreutils 9.1 sort -V puts them), and the MD5 that -R uses. */
START_TEST(test_slow_orderings)
{
	static const char *const asc[][2] = {
		{ "", "." }, { ".", ".." }, { "..", ".a" }, { ".hidden", ".5" }, { "a.hidden", "a.5" },
		{ "1.9", "1.10" }, { "foo-1.0~rc1", "foo-1.0" }, { "x5", "xh" }, { ".~", ".5" },
		{ "1.2.9", "1.2.10" }, { "a01b2", "a1b3" }, { "foo-1.0.tar.gz", "foo-1.0a" },
	};
	unsigned char d[16];
	char hex[33];
	struct md5 m;

	for (size_t i = 0; i < sizeof asc / sizeof asc[0]; i++) {
		const char *a = asc[i][0], *b = asc[i][1];

		ck_assert_msg(sortcmp_version(a, strlen(a), b, strlen(b)) < 0, "[%s] < [%s]", a, b);
		ck_assert_msg(sortcmp_version(b, strlen(b), a, strlen(a)) > 0, "[%s] > [%s]", b, a);
		ck_assert_int_eq(sortcmp_version(a, strlen(a), a, strlen(a)), 0);
	}
	md5_init(&m);
	md5_update(&m, "a", 1);
	md5_update(&m, "bc", 2);
	md5_final(&m, d);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	ck_assert_str_eq(hex, "900150983cd24fb0d6963f7d28e17f72");
}
END_TEST

Suite *suite_sortkey(void)
{
	Suite *s = suite_create("sortkey");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_slow_orderings);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_numcmp);
	tcase_add_test(tc, test_prefix_numeric);
	tcase_add_test(tc, test_prefix_text);
	tcase_add_test(tc, test_compare);
	tcase_add_test(tc, test_merge_in_memory);
	tcase_add_test(tc, test_merge_spilled);
	tcase_add_test(tc, test_fold_only);
	tcase_add_test(tc, test_spill_failure);
	tcase_add_test(tc, test_sink_error);
	tcase_add_test(tc, test_bad_partial);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
