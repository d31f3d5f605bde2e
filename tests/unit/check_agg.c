/* check_agg.c - the key table and the grouping engine: keys found and
 * sorted, numbers read as datamash reads them, and partials that merge
 * to the same result whatever the chunking, merge order and memory
 * budget (spilled runs included, a run of one key's entries merged in
 * slices). */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "check_suites.h"
#include "keytab.h"
#include "stage.h"
#include "util.h"

/* --- keytab ---------------------------------------------------------------- */

static size_t make_key(unsigned i, char *k)
{
	/* lengths 0 to 19, NULs and high bytes, shared prefixes */
	size_t len = i % 20;

	for (size_t j = 0; j < len; j++)
		k[j] = (char)((i >> (j % 4 * 3)) * 37 + j);
	if (len > 2)
		k[len / 2] = (char)(i & 1 ? 0 : 0xff);
	snprintf(k + len, 12, "%u", i);
	return len + strlen(k + len);
}

START_TEST(test_keytab_put_get)
{
	struct keytab kt;
	char k[64];
	bool added;

	keytab_init(&kt, 8);
	for (unsigned i = 0; i < 50000; i++) {
		size_t len = make_key(i, k);
		uint64_t off = keytab_put(&kt, k, len, keytab_hash(k, len), &added);

		ck_assert(added);
		*(uint64_t *)keytab_state(&kt, off) = i;
	}
	ck_assert_uint_eq(kt.n, 50000);
	for (unsigned i = 0; i < 50000; i++) {
		size_t len = make_key(i, k), klen;
		uint64_t off = keytab_put(&kt, k, len, keytab_hash(k, len), &added);

		ck_assert(!added);
		ck_assert_uint_eq(*(uint64_t *)keytab_state(&kt, off), i);
		ck_assert_uint_eq(keytab_get(&kt, k, len, keytab_hash(k, len)), off);
		ck_assert(memcmp(keytab_key(&kt, off, &klen), k, len) == 0);
		ck_assert_uint_eq(klen, len);
	}
	ck_assert_uint_eq(keytab_get(&kt, "absent", 6, keytab_hash("absent", 6)), 0);
	/* The empty key is a key. */
	ck_assert(keytab_put(&kt, "", 0, keytab_hash("", 0), &added) != 0);
	ck_assert(added);
	keytab_clear(&kt);
	ck_assert_uint_eq(kt.n, 0);
	ck_assert_uint_eq(keytab_get(&kt, k, 1, keytab_hash(k, 1)), 0);
	keytab_free(&kt);
}
END_TEST

START_TEST(test_keytab_same)
{
	char a[40], b[40];

	for (size_t len = 0; len <= 33; len++) {
		for (size_t i = 0; i < len; i++)
			a[i] = b[i] = (char)('a' + i);
		ck_assert(keytab_same(a, b, len));
		for (size_t i = 0; i < len; i++) {
			b[i] ^= 1;
			ck_assert_msg(!keytab_same(a, b, len), "len %zu, byte %zu", len, i);
			ck_assert(keytab_hash(a, len) != keytab_hash(b, len));
			b[i] ^= 1;
		}
	}
	/* The length is part of the hash: "a" and "a\0" differ. */
	ck_assert(keytab_hash("a\0", 1) != keytab_hash("a\0", 2));
}
END_TEST

static int ref_cmp(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	size_t lx = (unsigned char)(*x)[0], ly = (unsigned char)(*y)[0];

	return keytab_keycmp(*x + 1, lx, *y + 1, ly);
}

/* keytab_sorted's order is qsort's of ref (n keys, each its length byte
 * then its bytes), which is freed. */
static void check_sorted(const struct keytab *kt, char **ref, unsigned n)
{
	uint64_t *v;

	qsort(ref, n, sizeof *ref, ref_cmp);
	v = keytab_sorted(kt);
	for (unsigned i = 0; i < n; i++) {
		size_t len;
		const char *key = keytab_key(kt, v[i], &len);

		ck_assert_uint_eq(len, (unsigned char)ref[i][0]);
		ck_assert_msg(len == 0 || memcmp(key, ref[i] + 1, len) == 0, "%u keys, position %u",
		    n, i);
		free(ref[i]);
	}
	free(v);
	free(ref);
}

START_TEST(test_keytab_sorted)
{
	struct keytab kt;
	enum { N = 20000 };
	char **ref = xcalloc(N, sizeof *ref), k[64];
	bool added;

	keytab_init(&kt, 16);
	for (unsigned i = 0; i < N; i++) {
		/* many equal 8-byte prefixes, so whole keys decide */
		size_t len = i % 3 == 0 ? make_key(i, k) : (size_t)snprintf(k, sizeof k, "prefix_%s%u",
		    i % 3 == 1 ? "" : "\001", i * 7919 % N);

		ref[i] = xmalloc(len + 1);
		ref[i][0] = (char)len;
		memcpy(ref[i] + 1, k, len);
		keytab_put(&kt, k, len, keytab_hash(k, len), &added);
		ck_assert(added);
	}
	check_sorted(&kt, ref, N);
	keytab_free(&kt);
}
END_TEST

/* Random binary keys (bytes 0 to 255, 0 to 19 of them) in tables of 1 to
 * 140,000 entries, against qsort: comparisons, the byte-by-byte buffer
 * sort, ranges cut in place (by the first byte, or, when every key
 * shares it, by the next ones, twice over), skipped bytes. */
START_TEST(test_keytab_sorted_random)
{
	static const unsigned sizes[] = { 1, 2, 63, 64, 65, 300, 5000, 30000, 70000, 140000,
	    140000 };
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
		unsigned n = sizes[z], got = 0;
		bool shared = z + 1 == sizeof sizes / sizeof *sizes;
		char **ref = xcalloc(n, sizeof *ref), k[20];
		struct keytab kt;
		bool added;

		keytab_init(&kt, 16);
		while (got < n) {
			size_t len;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			len = (size_t)(x % 20);
			for (size_t j = 0; j < len; j++)
				/* few byte values after the first: shared bytes;
				 * the last table's keys share their first byte
				 * and have two values for the next two */
				k[j] = (char)(shared && j == 0 ? 'k' : shared && j < 3 ? (x >> (8 * j)) % 2 :
				    j == 0 ? x >> 8 : j < 4 ? (x >> (8 * j)) % 3 : x >> (3 * j));
			keytab_put(&kt, k, len, keytab_hash(k, len), &added);
			if (!added)
				continue;
			ref[got] = xmalloc(len + 1);
			ref[got][0] = (char)len;
			memcpy(ref[got++] + 1, k, len);
		}
		check_sorted(&kt, ref, n);
		keytab_free(&kt);
	}
}
END_TEST

/* Comparing by prefixes first agrees with comparing whole keys. */
START_TEST(test_keytab_keycmp_pfx)
{
	char a[64], b[64];

	for (unsigned i = 0; i < 400; i++) {
		for (unsigned j = 0; j < 400; j++) {
			size_t la = make_key(i, a), lb = make_key(j * 3 % 400, b);
			int want = keytab_keycmp(a, la, b, lb);
			int got = keytab_keycmp_pfx(a, la, keytab_prefix(a, la), b, lb, keytab_prefix(b, lb));

			ck_assert_msg((want > 0) - (want < 0) == (got > 0) - (got < 0), "keys %u %u", i, j);
		}
	}
	/* a shorter key that the longer one extends with NULs comes first */
	ck_assert_int_lt(keytab_keycmp_pfx("ab", 2, keytab_prefix("ab", 2), "ab\0", 3,
	    keytab_prefix("ab\0", 3)), 0);
	ck_assert_int_eq(keytab_keycmp_pfx("", 0, keytab_prefix("", 0), "", 0, 0), 0);
}
END_TEST

/* --- numbers ----------------------------------------------------------------- */

START_TEST(test_parse_number)
{
	static const struct {
		const char *s;
		bool ok, exact;
		uint64_t mant;
		unsigned scale;
		bool neg;
	} cases[] = {
		{ "0", true, true, 0, 0, false },
		{ "-0", true, true, 0, 0, true },
		{ "+12.50", true, true, 1250, 2, false },
		{ "-.5", true, true, 5, 1, true },
		{ "5.", true, true, 5, 0, false },
		{ "000012", true, true, 12, 0, false },
		{ "999999999999999999", true, true, 999999999999999999ULL, 0, false },
		{ "9999999999999999999", true, false, 0, 0, false },
		{ "1e3", true, true, 1000, 0, false },
		{ "-1.5E-7", true, true, 15, 8, true },
		{ "2e+0", true, true, 2, 0, false },
		{ "1e-19", true, false, 0, 0, false },
		{ "99e18", true, false, 0, 0, false },
		{ "1e", false, false, 0, 0, false },
		{ "0x10", true, false, 0, 0, false },
		{ "inf", true, false, 0, 0, false },
		{ " 7", true, false, 0, 0, false },
		{ "", false, false, 0, 0, false },
		{ " ", false, false, 0, 0, false },
		{ "7 ", false, false, 0, 0, false },
		{ "1.2.3", false, false, 0, 0, false },
		{ "-", false, false, 0, 0, false },
		{ ".", false, false, 0, 0, false },
		{ "1,5", false, false, 0, 0, false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t mant = 0;
		unsigned scale = 0;
		bool neg = false;
		long double v = 0;
		bool ok = agg_parse_number(cases[i].s, strlen(cases[i].s), &mant, &scale, &neg, &v);

		ck_assert_msg(ok == cases[i].ok, "[%s]", cases[i].s);
		if (!ok)
			continue;
		ck_assert_msg((scale != 255) == cases[i].exact, "[%s] exact", cases[i].s);
		if (cases[i].exact) {
			ck_assert_uint_eq(mant, cases[i].mant);
			ck_assert_uint_eq(scale, cases[i].scale);
			ck_assert(neg == cases[i].neg);
		}
	}
	/* A NUL inside the value ends strtold early: not a number. */
	{
		uint64_t m;
		unsigned sc;
		bool ng;
		long double v;

		ck_assert(!agg_parse_number("1e1\0002", 5, &m, &sc, &ng, &v));
	}
}
END_TEST

START_TEST(test_put_ld)
{
	struct buf b = { 0 };

	agg_put_ld(&b, 0.1L + 0.2L);
	agg_put_u64(&b, 0);
	agg_put_u64(&b, UINT64_MAX);
	buf_putc(&b, '\0');
	ck_assert_str_eq(b.data, "0.3018446744073709551615");
	buf_free(&b);
}
END_TEST

/* The shortcut for exact sums prints what printf prints. */
START_TEST(test_put_exact)
{
	static const long long ints[] = { 0, 1, -1, 7, 10, 100, 12300, 99999999999999LL,
		100000000000000LL, -99999999999999LL, 123456789012345LL, 1000000000000000LL,
		5, 50, 500000, 25, 1, 3 };
	struct buf a = { 0 }, b = { 0 };
	int checked = 0;

	srand(77);
	for (int k = 0; k < 200000; k++) {
		__int128 ex;
		unsigned scale = (unsigned)(k % 19);

		if (k < (int)(sizeof ints / sizeof ints[0]) * 19)
			ex = ints[k / 19];
		else
			ex = (__int128)(((long long)rand() << 31 | rand()) % (k % 3 ? 100000 : 1000000000000000LL)) *
			    (k % 2 ? 1 : -1) * (k % 7 ? 1 : 1000);
		a.len = b.len = 0;
		if (!agg_put_exact(&a, ex, scale))
			continue;
		/* the nearest long double, as the sum's value is computed */
		long double p10 = 1;

		for (unsigned i = 0; i < scale; i++)
			p10 *= 10;
		agg_put_ld(&b, (long double)ex / p10);
		ck_assert_msg(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
		    "%lld e-%u: [%.*s] vs printf [%.*s]", (long long)ex, scale, (int)a.len, a.data,
		    (int)b.len, b.data);
		checked++;
	}
	ck_assert_int_gt(checked, 50000);
	/* Those printf writes with an exponent or rounded are left to it. */
	ck_assert(!agg_put_exact(&a, 100000000000000LL, 0));
	ck_assert(!agg_put_exact(&a, 123456789012345LL, 0));
	ck_assert(!agg_put_exact(&a, 1, 5));
	ck_assert(agg_put_exact(&a, 1, 4));
	buf_free(&a);
	buf_free(&b);
}
END_TEST

/* --- partials ------------------------------------------------------------------ */

static const struct format tsv = { FORMAT_DELIM, '\t', false, NULL, false };

static struct stage *make_stage(const char *spec, uint64_t memory)
{
	char *err = NULL;
	struct stage *st = stage_from_spec(spec, &err);

	ck_assert_msg(st != NULL, "%s", err);
	st->fmt = &tsv;
	st->term = '\n';
	st->memory = memory;
	st->tmpdir = NULL;
	ck_assert_msg(st->def->setup(st, &err) == 0, "%s", err);
	ck_assert_msg(st->def->bind(st, NULL, &err) == 0, "%s", err);
	return st;
}

struct collect {
	struct sink sink;
	struct buf out;
	size_t puts;
};

static int collect_put(struct sink *s, char *data, size_t len)
{
	struct collect *c = (struct collect *)s;

	buf_append(&c->out, data, len);
	c->puts++;
	return 0;
}

/* Records: key, number, word. */
static void gen(struct buf *b, unsigned seed, size_t n, unsigned nkeys)
{
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		int r = rand() % 4;

		buf_printf(b, "k%u\t", (unsigned)rand() % nkeys);
		if (r == 0)
			buf_printf(b, "%d", rand() % 2001 - 1000);
		else if (r == 1)
			buf_printf(b, "%d.%02d", rand() % 200 - 100, rand() % 100);
		else if (r == 2)
			buf_printf(b, "%de%d", rand() % 100, rand() % 5);
		else
			buf_printf(b, "-0.%03d", rand() % 1000);
		buf_printf(b, "\tw%u\n", (unsigned)rand() % 50);
	}
}

/* The result of folding data as chunks of about chunk bytes, each into
 * its own partial, merged in a shuffled order. */
static char *run(const char *spec, const struct buf *data, size_t chunk, uint64_t memory,
    unsigned shuffle, int *rc, char **err)
{
	struct stage *st = make_stage(spec, memory);
	const struct stage_def *d = st->def;
	struct buf *enc = NULL;
	size_t nenc = 0, at = 0;
	void *merged = d->partial_new(st);
	struct collect c = { { collect_put, NULL, NULL }, { 0 }, 0 };
	char *res;

	while (at < data->len) {
		size_t end = at + chunk < data->len ? at + chunk : data->len;
		void *p = d->partial_new(st);

		while (end < data->len && data->data[end - 1] != '\n')
			end++;
		/* Two blocks per chunk, as a worker folds 1 MiB blocks. */
		size_t mid = at + (end - at) / 2;

		while (mid < end && data->data[mid - 1] != '\n')
			mid++;
		struct block b1 = { data->data + at, mid - at, NREC_UNKNOWN, at, nenc, false, NULL, NULL, 0, NULL, NULL };
		struct block b2 = { data->data + mid, end - mid, NREC_UNKNOWN, mid, nenc, false, NULL, NULL, 0, NULL, NULL };

		d->fold(st, p, &b1);
		d->fold(st, p, &b2);
		enc = xreallocarray(enc, nenc + 1, sizeof *enc);
		memset(&enc[nenc], 0, sizeof *enc);
		d->encode(st, p, &enc[nenc++]);
		d->partial_free(p);
		at = end;
	}
	srand(shuffle);
	for (size_t i = nenc; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		struct buf t = enc[i - 1];

		enc[i - 1] = enc[j];
		enc[j] = t;
	}
	for (size_t i = 0; i < nenc; i++) {
		ck_assert_int_eq(d->merge(st, merged, enc[i].data, enc[i].len), 0);
		buf_free(&enc[i]);
	}
	free(enc);
	*err = NULL;
	*rc = d->finish(st, merged, &c.sink, err);
	d->partial_free(merged);
	stage_free(st);
	buf_putc(&c.out, '\0');
	res = xstrdup(c.out.data);
	buf_free(&c.out);
	return res;
}

static const char *const specs[] = {
	"group -k 1 count sum:2 min:2 max:2 mean:2 stdev:2 distinct:3 first:3 last:2",
	"group -k 3,1 count sum:2 first:2 last:2",
	"group count sum:2 distinct:1",
	"uniq -c -k 1",
	"uniq",
	"top 7 -k 3",
	"top 5 -k 1 sum:2",
};

START_TEST(test_associative)
{
	struct buf data = { 0 };
	const char *spec = specs[_i];

	gen(&data, 5, 6000, 300);
	for (int k = 0; k < 2; k++) {
		int rc;
		char *err;
		char *ref = run(spec, &data, data.len, 0, 1, &rc, &err);

		ck_assert_int_eq(rc, 0);
		ck_assert(strlen(ref) > 0);
		static const struct {
			size_t chunk;
			uint64_t memory;
		} cfg[] = { { 1, 0 }, { 1000, 0 }, { 20000, 0 }, { 1000, 4096 }, { 30000, 8192 },
			{ 1, 2048 } };

		for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
			char *res = run(spec, &data, cfg[c].chunk, cfg[c].memory, (unsigned)c + 2, &rc, &err);

			ck_assert_msg(rc == 0, "[%s] chunk %zu memory %llu: %s", spec, cfg[c].chunk,
			    (unsigned long long)cfg[c].memory, err ? err : "");
			ck_assert_msg(strcmp(ref, res) == 0, "[%s] chunk %zu memory %llu differs", spec,
			    cfg[c].chunk, (unsigned long long)cfg[c].memory);
			free(res);
		}
		free(ref);
		/* A few keys, then many. */
		data.len = 0;
		gen(&data, 6, 3000, 5);
	}
	buf_free(&data);
}
END_TEST

START_TEST(test_output_pieces)
{
	struct stage *st = make_stage("uniq -k 1", 0);
	void *p = st->def->partial_new(st);
	struct collect c = { { collect_put, NULL, NULL }, { 0 }, 0 };
	struct buf data = { 0 };
	char *err = NULL;

	for (unsigned i = 0; i < 200000; i++)
		buf_printf(&data, "key%07u\n", i);
	struct block b = { data.data, data.len, NREC_UNKNOWN, 0, 0, false, NULL, NULL, 0, NULL, NULL };

	st->def->fold(st, p, &b);
	ck_assert_int_eq(st->def->finish(st, p, &c.sink, &err), 0);
	/* 2.2 MB of output, in pieces of about a megabyte of whole records */
	ck_assert_uint_eq(c.out.len, data.len);
	ck_assert(memcmp(c.out.data, data.data, data.len) == 0);
	ck_assert_uint_ge(c.puts, 2);
	ck_assert_uint_le(c.puts, 3);
	st->def->partial_free(p);
	stage_free(st);
	buf_free(&data);
	buf_free(&c.out);
}
END_TEST

/* One key's entries, a million in a row, kept as a run (a partial of
 * 4 MiB or more), merged with another run whose keys surround it: the
 * slice merge (agg_slicefinish.c) meets a cut at the key it stands on,
 * takes the key's entries whole, and the result is the table's. */
static char *merge_dup_run(uint64_t memory)
{
	struct stage *st = make_stage("uniq -c -k 1", memory);
	void *one = st->def->partial_new(st), *keys = st->def->partial_new(st);
	void *m = st->def->partial_new(st);
	struct collect c = { { collect_put, NULL, NULL }, { 0 }, 0 };
	struct buf enc = { 0 }, dup = { 0 }, recs = { 0 };
	static const char entry[] = "\3\1x\1";	/* elen 3, key "x", 1 record */
	struct block b1 = { (char *)"x\n", 2, NREC_UNKNOWN, 0, 0, false, NULL, NULL, 0, NULL, NULL };
	char *err = NULL, *res;

	st->def->fold(st, one, &b1);
	st->def->encode(st, one, &enc);
	ck_assert_uint_gt(enc.len, 4);
	ck_assert(memcmp(enc.data + enc.len - 4, entry, 4) == 0);
	buf_append(&dup, enc.data, enc.len - 4);
	for (int i = 0; i < 1000000; i++)
		buf_append(&dup, entry, 4);
	for (char k = 'a'; k <= 'z'; k++)
		buf_printf(&recs, "%c\n%c\n", k, k);
	struct block b2 = { recs.data, recs.len, NREC_UNKNOWN, 0, 1, false, NULL, NULL, 0, NULL, NULL };

	st->def->fold(st, keys, &b2);
	enc.len = 0;
	st->def->encode(st, keys, &enc);
	ck_assert_int_eq(st->def->merge(st, m, enc.data, enc.len), 0);
	ck_assert_int_eq(st->def->merge(st, m, dup.data, dup.len), 0);
	ck_assert_int_eq(st->def->finish(st, m, &c.sink, &err), 0);
	buf_putc(&c.out, '\0');
	res = xstrdup(c.out.data);
	st->def->partial_free(one);
	st->def->partial_free(keys);
	st->def->partial_free(m);
	stage_free(st);
	buf_free(&enc);
	buf_free(&dup);
	buf_free(&recs);
	buf_free(&c.out);
	return res;
}

START_TEST(test_slice_dup_run)
{
	char *ref = merge_dup_run(0), *res = merge_dup_run(2048);

	ck_assert(strstr(ref, "1000002 x\n") != NULL);
	ck_assert_str_eq(res, ref);
	free(ref);
	free(res);
}
END_TEST

/* Spilled runs whose keys hardly repeat go, after the first slice, to the
 * loser tree (agg_slicefinish.c); runs whose keys repeat stay in slices.
 * Either way the result is the one of a table in memory, first and last
 * included, whatever the order the partials come in. */
START_TEST(test_slice_or_tree)
{
	static const unsigned repeats[] = { 1, 2, 3, 50 };

	for (size_t r = 0; r < sizeof repeats / sizeof *repeats; r++) {
		struct buf data = { 0 };
		int rc;
		char *err = NULL, *ref, *res;

		for (unsigned i = 0; i < 30000; i++)
			buf_printf(&data, "k%05u\t%u\n", (i * 7919u) % (30000 / repeats[r]), i);
		ref = run("group -k 1 count sum:2 first:2 last:2", &data, 1 << 20, 0, 1, &rc, &err);
		ck_assert_int_eq(rc, 0);
		for (unsigned shuffle = 1; shuffle <= 3; shuffle++) {
			res = run("group -k 1 count sum:2 first:2 last:2", &data, 2000, 1 << 16,
			    shuffle, &rc, &err);
			ck_assert_int_eq(rc, 0);
			ck_assert_str_eq(res, ref);
			free(res);
		}
		free(ref);
		buf_free(&data);
	}
}
END_TEST

START_TEST(test_first_bad_value)
{
	struct buf data = { 0 };
	int rc;
	char *err, *res;

	for (int i = 0; i < 3000; i++)
		buf_printf(&data, "k%d\t%s\n", i % 7, i == 1234 || i == 2500 ? "x1" : "1");
	for (size_t chunk = 1; chunk <= 100000; chunk *= 10) {
		res = run("group -k 1 sum:2", &data, chunk, 0, 3, &rc, &err);
		ck_assert_int_eq(rc, EXIT_DATAERR);
		ck_assert_ptr_nonnull(err);
		ck_assert_str_eq(err, "group: sum:2: invalid numeric value in record 1235 at byte offset 6170, field 2: 'x1'");
		ck_assert_str_eq(res, "");
		free(err);
		free(res);
	}
	buf_free(&data);
}
END_TEST

START_TEST(test_malformed)
{
	struct stage *st = make_stage("group -k 1 count sum:2 first:2", 0);
	struct stage *other = make_stage("group -k 1 count sum:2", 0);
	void *p = st->def->partial_new(st), *m = st->def->partial_new(st);
	struct buf enc = { 0 };
	const char *rec = "a\t1\nb\t2.5\n";
	struct block b = { (char *)rec, strlen(rec), NREC_UNKNOWN, 0, 0, false, NULL, NULL, 0, NULL, NULL };

	st->def->fold(st, p, &b);
	st->def->encode(st, p, &enc);
	ck_assert_int_eq(st->def->merge(st, m, enc.data, enc.len), 0);
	/* Cut inside the header or inside the last entry. */
	for (size_t n = 0; n < 6; n++)
		ck_assert_msg(st->def->merge(st, m, enc.data, n) < 0, "truncated to %zu bytes", n);
	ck_assert_int_lt(st->def->merge(st, m, enc.data, enc.len - 1), 0);
	ck_assert_int_lt(st->def->merge(st, m, "garbage", 7), 0);
	/* A partial of version 1 (before the value lists) is refused. */
	ck_assert_int_lt(st->def->merge(st, m, "FPA\1\12\0", 7), 0);
	/* A partial of other ops is refused. */
	void *mo = other->def->partial_new(other);

	ck_assert_int_lt(other->def->merge(other, mo, enc.data, enc.len), 0);
	other->def->partial_free(mo);
	buf_free(&enc);
	st->def->partial_free(p);
	st->def->partial_free(m);
	stage_free(st);
	stage_free(other);
}
END_TEST

START_TEST(test_spec_errors)
{
	static const struct {
		const char *spec, *why;
	} bad[] = {
		{ "group -k 1 frob", "unknown op 'frob'" },
		{ "group -k 1 sum", "'sum' needs a field" },
		{ "group -k 1 sum:", "missing field" },
		{ "group -k 1 sum:0", "bad field '0'" },
		{ "group -k 3- count", "open range" },
		{ "top x", "N must be" },
		{ "top 2 mean:3", "cannot rank by" },
		{ "top 2 count 3", "expected N" },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *err = NULL;
		struct stage *st = stage_from_spec(bad[i].spec, &err);

		ck_assert_ptr_nonnull(st);
		st->fmt = &tsv;
		ck_assert_msg(st->def->setup(st, &err) < 0, "[%s] accepted", bad[i].spec);
		ck_assert_msg(strstr(err, bad[i].why) != NULL, "[%s]: [%s]", bad[i].spec, err);
		free(err);
		stage_free(st);
	}
}
END_TEST

Suite *suite_agg(void)
{
	Suite *s = suite_create("agg");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_keytab_put_get);
	tcase_add_test(tc, test_keytab_same);
	tcase_add_test(tc, test_keytab_sorted);
	tcase_add_test(tc, test_keytab_sorted_random);
	tcase_add_test(tc, test_keytab_keycmp_pfx);
	tcase_add_test(tc, test_parse_number);
	tcase_add_test(tc, test_put_ld);
	tcase_add_test(tc, test_put_exact);
	tcase_add_loop_test(tc, test_associative, 0, (int)(sizeof specs / sizeof specs[0]));
	tcase_add_test(tc, test_output_pieces);
	tcase_add_test(tc, test_first_bad_value);
	tcase_add_test(tc, test_slice_dup_run);
	tcase_add_test(tc, test_slice_or_tree);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_spec_errors);
	suite_add_tcase(s, tc);
	return s;
}
