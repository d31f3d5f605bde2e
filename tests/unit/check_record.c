/* check_record.c - record boundaries and the scanning kernels. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "csv.h"
#include "fields.h"
#include "record.h"
#include "scan.h"

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
}

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* n bytes drawn from alphabet (or from all 256 values when NULL). */
static void fill_random(char *p, size_t n, const char *alphabet)
{
	size_t k = alphabet != NULL ? strlen(alphabet) : 0;

	for (size_t i = 0; i < n; i++)
		p[i] = alphabet != NULL ? alphabet[rng() % k] : (char)(rng() & 0xff);
}

static size_t naive_count(const char *p, size_t n, unsigned char c)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += (unsigned char)p[i] == c;
	return count;
}

/* An exact-size copy, so that a read past the end shows under valgrind. */
static char *exact_copy(const char *p, size_t n)
{
	char *q = malloc(n > 0 ? n : 1);

	ck_assert_ptr_nonnull(q);
	if (n > 0)
		memcpy(q, p, n);
	return q;
}

/* --- record: core -------------------------------------------------- */

START_TEST(test_record_empty)
{
	const char buf[1] = "";

	ck_assert_uint_eq(record_last_end(buf, 0, '\n'), 0);
	ck_assert_uint_eq(record_first_end(buf, 0, '\n'), 0);
	ck_assert_uint_eq(record_start_of(buf, 0, 0, '\n'), 0);
	ck_assert_uint_eq(record_count(buf, 0, '\n'), 0);
}
END_TEST

START_TEST(test_record_no_terminator)
{
	const char *buf = "abc def";

	ck_assert_uint_eq(record_last_end(buf, 7, '\n'), 0);
	ck_assert_uint_eq(record_first_end(buf, 7, '\n'), 0);
	ck_assert_uint_eq(record_start_of(buf, 0, 7, '\n'), 0);
	ck_assert_uint_eq(record_start_of(buf, 0, 3, '\n'), 0);
	ck_assert_uint_eq(record_count(buf, 7, '\n'), 0);
}
END_TEST

START_TEST(test_record_term_first_byte)
{
	const char *buf = "\nabc";

	ck_assert_uint_eq(record_first_end(buf, 4, '\n'), 1);
	ck_assert_uint_eq(record_last_end(buf, 4, '\n'), 1);
	ck_assert_uint_eq(record_count(buf, 4, '\n'), 1);
	ck_assert_uint_eq(record_start_of(buf, 0, 0, '\n'), 0);
	ck_assert_uint_eq(record_start_of(buf, 0, 1, '\n'), 1);
	ck_assert_uint_eq(record_start_of(buf, 0, 4, '\n'), 1);
}
END_TEST

START_TEST(test_record_term_last_byte)
{
	const char *buf = "abc\n";

	ck_assert_uint_eq(record_first_end(buf, 4, '\n'), 4);
	ck_assert_uint_eq(record_last_end(buf, 4, '\n'), 4);
	ck_assert_uint_eq(record_count(buf, 4, '\n'), 1);
	ck_assert_uint_eq(record_start_of(buf, 0, 3, '\n'), 0);
	ck_assert_uint_eq(record_start_of(buf, 0, 4, '\n'), 4);
	/* The terminator itself is outside the buffer passed. */
	ck_assert_uint_eq(record_last_end(buf, 3, '\n'), 0);
}
END_TEST

START_TEST(test_record_several)
{
	const char *buf = "a\nbb\n\nccc\ndd";

	ck_assert_uint_eq(record_first_end(buf, 12, '\n'), 2);
	ck_assert_uint_eq(record_last_end(buf, 12, '\n'), 10);
	ck_assert_uint_eq(record_count(buf, 12, '\n'), 4);
	ck_assert_uint_eq(record_start_of(buf, 0, 3, '\n'), 2);
	ck_assert_uint_eq(record_start_of(buf, 0, 5, '\n'), 5);
	ck_assert_uint_eq(record_start_of(buf, 0, 6, '\n'), 6);
	ck_assert_uint_eq(record_start_of(buf, 0, 11, '\n'), 10);
	/* The search never goes back before base. */
	ck_assert_uint_eq(record_start_of(buf, 3, 4, '\n'), 3);
	ck_assert_uint_eq(record_start_of(buf, 3, 7, '\n'), 6);
	ck_assert_uint_eq(record_start_of(buf, 7, 7, '\n'), 7);
	ck_assert_uint_eq(record_start_of(buf, 7, 2, '\n'), 7);
}
END_TEST

START_TEST(test_record_nul)
{
	const char buf[] = { 'a', '\0', 'b', 'b', '\0', '\0', 'c', '\n' };

	ck_assert_uint_eq(record_first_end(buf, sizeof buf, '\0'), 2);
	ck_assert_uint_eq(record_last_end(buf, sizeof buf, '\0'), 6);
	ck_assert_uint_eq(record_count(buf, sizeof buf, '\0'), 3);
	ck_assert_uint_eq(record_start_of(buf, 0, 8, '\0'), 6);
	ck_assert_uint_eq(record_start_of(buf, 0, 4, '\0'), 2);
	/* With NUL records a newline is an ordinary byte. */
	ck_assert_uint_eq(record_count(buf, sizeof buf, '\n'), 1);
	ck_assert_uint_eq(record_last_end(buf, sizeof buf, '\n'), 8);
}
END_TEST

/* --- scan_count_byte ------------------------------------------------ */

/* Loop tests run once with the kernels the CPU allows (0) and once with
 * the portable ones (1), so that both are checked on an AVX2 machine. */
static void kernel_choice(int i)
{
	scan_force_portable(i == 1);
}

START_TEST(test_scan_empty_null)
{
	struct scan_lit l;

	kernel_choice(_i);
	/* An empty chunk may be a null pointer with length 0. */
	ck_assert_uint_eq(scan_count_byte(NULL, 0, '\n'), 0);
	scan_lit_init(&l, "ab", 2);
	ck_assert_ptr_null(scan_lit_find(&l, NULL, NULL));
	scan_lit_free(&l);
	scan_lit_init(&l, "a", 1);
	ck_assert_ptr_null(scan_lit_find(&l, NULL, NULL));
	scan_lit_free(&l);
}
END_TEST

START_TEST(test_count_byte_small)
{
	char big[300 + 64];

	kernel_choice(_i);

	rng_seed(1);
	for (size_t n = 0; n <= 300; n++) {
		for (int round = 0; round < 4; round++) {
			char *p;

			fill_random(big, sizeof big, round < 2 ? "ab\n" : NULL);
			p = exact_copy(big + round * 7, n);
			ck_assert_uint_eq(scan_count_byte(p, n, '\n'), naive_count(p, n, '\n'));
			ck_assert_uint_eq(scan_count_byte(p, n, 'a'), naive_count(p, n, 'a'));
			ck_assert_uint_eq(scan_count_byte(p, n, 0), naive_count(p, n, 0));
			ck_assert_uint_eq(scan_count_byte(p, n, 0xff), naive_count(p, n, 0xff));
			free(p);
		}
	}
}
END_TEST

START_TEST(test_count_byte_all_equal)
{
	size_t max = (1u << 20) + 129;
	char *p = malloc(max + 1);
	/* Around the 63-round folding of the byte lanes (128 bytes a round). */
	const size_t lens[] = { 128, 129, 63 * 128 - 1, 63 * 128, 63 * 128 + 1,
		64 * 128, 126 * 128 + 5, 1u << 20, (1u << 20) + 129 };

	kernel_choice(_i);

	ck_assert_ptr_nonnull(p);
	memset(p, '\n', max + 1);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		ck_assert_uint_eq(scan_count_byte(p, lens[i], '\n'), lens[i]);
		/* Unaligned start. */
		ck_assert_uint_eq(scan_count_byte(p + 1, lens[i], '\n'), lens[i]);
		ck_assert_uint_eq(scan_count_byte(p, lens[i], 'x'), 0);
	}
	memset(p, 0xff, max);
	ck_assert_uint_eq(scan_count_byte(p, max, 0xff), max);
	ck_assert_uint_eq(scan_count_byte(p, max, 0x7f), 0);
	free(p);
}
END_TEST

START_TEST(test_count_byte_megabytes)
{
	size_t n = 3u << 20;
	char *p = malloc(n);

	kernel_choice(_i);

	ck_assert_ptr_nonnull(p);
	rng_seed(2);
	fill_random(p, n, "\n\n\nabcdefgh");
	for (size_t off = 0; off < 33; off += 11) {
		ck_assert_uint_eq(scan_count_byte(p + off, n - off, '\n'),
		    naive_count(p + off, n - off, '\n'));
		ck_assert_uint_eq(scan_count_byte(p + off, n - off - 5, 'a'),
		    naive_count(p + off, n - off - 5, 'a'));
	}
	fill_random(p, n, NULL);
	ck_assert_uint_eq(scan_count_byte(p, n, 0x80), naive_count(p, n, 0x80));
	ck_assert_uint_eq(record_count(p, n, '\0'), naive_count(p, n, 0));
	free(p);
}
END_TEST

/* --- scan_lit_find --------------------------------------------------- */

static void check_lit(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	struct scan_lit l;
	char *h = exact_copy(hay, hlen);
	const char *want, *got;

	scan_lit_init(&l, needle, nlen);
	ck_assert_uint_eq(l.len, nlen);
	ck_assert_uint_lt(l.i1, nlen);
	ck_assert_uint_lt(l.i2, nlen);
	ck_assert_uint_le(l.i1, l.i2);
	want = memmem(h, hlen, needle, nlen);
	got = scan_lit_find(&l, h, h + hlen);
	ck_assert_msg(got == want, "needle '%.*s' (%zu) in %zu bytes: got offset %td, want %td",
	    (int)nlen, needle, nlen, hlen, got ? got - h : -1, want ? want - h : -1);
	scan_lit_free(&l);
	free(h);
}

START_TEST(test_lit_random)
{
	char hay[256], needle[41];

	kernel_choice(_i);

	rng_seed(3);
	for (size_t nlen = 1; nlen <= 40; nlen++) {
		for (size_t align = 0; align < 32; align++) {
			size_t hlen = 160 + rng() % 64 - align;

			fill_random(hay, sizeof hay, "ab");
			fill_random(needle, nlen, "ab");
			/* Short needles over {a,b} match often, long ones rarely:
			 * plant one at a random place half of the time. */
			if (rng() & 1 && hlen >= nlen) {
				size_t at = rng() % (hlen - nlen + 1);

				memcpy(hay + align + at, needle, nlen);
			}
			check_lit(hay + align, hlen, needle, nlen);
		}
	}
}
END_TEST

START_TEST(test_lit_at_end)
{
	char hay[256];

	kernel_choice(_i);

	rng_seed(4);
	for (size_t nlen = 1; nlen <= 40; nlen++) {
		for (size_t hlen = nlen; hlen < nlen + 100; hlen++) {
			const char *needle;

			fill_random(hay, hlen, "abcdefghijklmnopqrstuvwxyz");
			/* A needle found only at the very end: the haystack
			 * uses letters, the needle ends with a digit. */
			hay[hlen - 1] = '7';
			needle = hay + hlen - nlen;
			check_lit(hay, hlen, needle, nlen);
			/* And absent: one byte short. */
			check_lit(hay, hlen - 1, needle, nlen);
		}
	}
}
END_TEST

START_TEST(test_lit_overlapping)
{
	/* Candidates that fail verification right before the real match. */
	const char *cases[][2] = {
		{ "aaab", "aab" },
		{ "abababababababababababababababababababababababc", "ababc" },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxy", "xxxxxxxxxxy" },
		{ "ERRO ERRR ERROR ERRORS", "ERROR" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaab" },
		{ "needle", "needle" },
		{ "needl", "needle" },
		{ "", "x" },
	};

	kernel_choice(_i);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_lit(cases[i][0], strlen(cases[i][0]), cases[i][1], strlen(cases[i][1]));
}
END_TEST

START_TEST(test_lit_every_byte)
{
	char hay[200];
	struct scan_lit l;

	kernel_choice(_i);

	/* Needles with bytes of every class, including NUL and high bytes. */
	rng_seed(5);
	for (int round = 0; round < 2000; round++) {
		size_t nlen = 2 + rng() % 6, hlen = nlen + rng() % 150;
		size_t at = rng() % (hlen - nlen + 1);

		fill_random(hay, hlen, NULL);
		check_lit(hay, hlen, hay + at, nlen);
	}
	/* A search that starts past a match finds the next one. */
	scan_lit_init(&l, "ab", 2);
	strcpy(hay, "ab-----------------------------------------ab--------------------");
	ck_assert_ptr_eq(scan_lit_find(&l, hay, hay + strlen(hay)), hay);
	ck_assert_ptr_eq(scan_lit_find(&l, hay + 1, hay + strlen(hay)), hay + 43);
	ck_assert_ptr_null(scan_lit_find(&l, hay + 44, hay + strlen(hay)));
	ck_assert_ptr_null(scan_lit_find(&l, hay, hay));
	scan_lit_free(&l);
	ck_assert_ptr_null(l.needle);
}
END_TEST

/* --- scan_count_words ------------------------------------------------ */

/* GNU wc -w in the C locale, with term also ending a word. */
static uint64_t ref_words(const char *p, size_t n, unsigned char term, int *in_word)
{
	uint64_t words = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == term || c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
		    c == '\f' || c == '\r') {
			*in_word = 0;
		} else if (c >= 0x21 && c <= 0x7e) {
			if (!*in_word)
				words++;
			*in_word = 1;
		}
	}
	return words;
}

static uint64_t words_of(const char *s, unsigned char term)
{
	int in = 0;

	return scan_count_words(s, strlen(s), term, &in);
}

START_TEST(test_words_cases)
{
	int in = 0;
	const char nul[] = "ab\0cd";

	ck_assert_uint_eq(words_of("", '\n'), 0);
	ck_assert_uint_eq(words_of("one two  three\n", '\n'), 3);
	ck_assert_uint_eq(words_of(" \t\n\v\f\r", '\n'), 0);
	ck_assert_uint_eq(words_of("a\tb\vc\fd\re\nf", '\n'), 6);
	/* Bytes that are neither printable nor space change nothing. */
	ck_assert_uint_eq(words_of("a\x01" "b \x80\x7f x\xff" "y", '\n'), 2);
	ck_assert_uint_eq(words_of("\x01\x02 \x80", '\n'), 0);
	/* The terminator ends a word even when it is printable. */
	ck_assert_uint_eq(words_of("a;b;c", ';'), 3);
	ck_assert_uint_eq(scan_count_words(nul, 5, '\n', &in), 1);
	in = 0;
	ck_assert_uint_eq(scan_count_words(nul, 5, '\0', &in), 2);
	/* The state carries across calls. */
	in = 0;
	ck_assert_uint_eq(scan_count_words("ab", 2, '\n', &in), 1);
	ck_assert_int_eq(in, 1);
	ck_assert_uint_eq(scan_count_words("cd e", 4, '\n', &in), 1);
	ck_assert_uint_eq(scan_count_words(" ", 1, '\n', &in), 0);
	ck_assert_int_eq(in, 0);
}
END_TEST

START_TEST(test_words_random)
{
	char buf[512];
	const unsigned char terms[] = { '\n', '\0', 'x' };

	rng_seed(6);
	for (int round = 0; round < 3000; round++) {
		size_t n = rng() % sizeof buf, cut = n ? rng() % n : 0;
		unsigned char term = terms[round % 3];
		int in_ref = 0, in_got = 0, in_split = 0;
		uint64_t want, got, split;

		fill_random(buf, n, round & 1 ? NULL : " \t\n\v\f\r\x01\x80xyz\x7f");
		want = ref_words(buf, n, term, &in_ref);
		got = scan_count_words(buf, n, term, &in_got);
		ck_assert_uint_eq(got, want);
		ck_assert_int_eq(in_got, in_ref);
		split = scan_count_words(buf, cut, term, &in_split);
		split += scan_count_words(buf + cut, n - cut, term, &in_split);
		ck_assert_uint_eq(split, want);
		ck_assert_int_eq(in_split, in_ref);
	}
}
END_TEST

/* --reject's CSV rule (csv.h's resync): the record ends found walking a
 * buffer whole are the ones found walking it in pieces from each record
 * end on, whatever the pieces: what makes the reject file independent of
 * where chunks are cut. */
static const struct format csv_resync = { .kind = FORMAT_CSV, .delim = ',', .resync = true };

START_TEST(test_csv_resync_cuts)
{
	char buf[80];

	rng_seed(11);
	for (int round = 0; round < 20000; round++) {
		size_t len = rng() % sizeof buf, at = 0, ends[80], n = 0;
		bool bad[80];
		struct csv_iter it;
		const char *e;

		fill_random(buf, len, "a,\"\n");
		csv_iter_init(&it, buf, len, &csv_resync, '\n');
		it.at_eof = true;
		while ((e = csv_iter_next(&it)) != NULL) {
			bad[n] = it.bad;
			ends[n++] = (size_t)(e - buf);
		}
		/* (a last record without a newline and without a fault is
		 * not returned: the callers take the rest as it) */
		for (size_t k = 0; k < n; k++) {
			size_t piece = 1 + rng() % (len - at);

			for (;;) {
				csv_iter_init(&it, buf + at, piece, &csv_resync, '\n');
				it.at_eof = at + piece == len;
				e = csv_iter_next(&it);
				if (e != NULL || it.at_eof)
					break;
				ck_assert_ptr_null(it.why);
				piece = len - at;
			}
			ck_assert_ptr_nonnull(e);
			ck_assert_uint_eq((size_t)(e - buf), ends[k]);
			ck_assert_int_eq(it.bad, bad[k]);
			at = ends[k];
		}
	}
}
END_TEST

START_TEST(test_csv_resync_cases)
{
	static const struct { const char *in; const char *ends; } cases[] = {
		{ "a,b\"c\nd\n", "6b 8" },		/* a stray quote */
		{ "\"x\"y,z\nd\n", "7b 9" },	/* text after a closing quote */
		{ "\"a\nb\"c\nd\n", "7b 9" },	/* and a quoted newline before it */
		{ "d\n\"open\nx\n", "2 10b" },	/* unterminated to the end */
		{ "a,\"q\nq\",b\n", "10" },		/* a good quoted newline */
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct csv_iter it;
		const char *e;
		char got[64] = "";

		csv_iter_init(&it, cases[i].in, strlen(cases[i].in), &csv_resync, '\n');
		it.at_eof = true;
		while ((e = csv_iter_next(&it)) != NULL)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s%zu%s", got[0] ? " " : "",
			    (size_t)(e - cases[i].in), it.bad ? "b" : "");
		ck_assert_str_eq(got, cases[i].ends);
	}
}
END_TEST

/* Strict CSV split byte by byte, the reference: the first max fields of
 * rec[0, len) (a CR before its end dropped) into vals, NUL-separated,
 * their count in *n; -1 if malformed. */
static int naive_csv_split(const char *rec, size_t len, size_t max, char *vals, size_t *n)
{
	size_t i = 0;

	*n = 0;
	if (len > 0 && rec[len - 1] == '\r')
		len--;
	while (*n < max) {
		if (i < len && rec[i] == '"') {
			for (i++;; i++) {
				if (i >= len)
					return -1;
				if (rec[i] == '"' && (i + 1 >= len || rec[i + 1] != '"'))
					break;
				*vals++ = rec[i];
				i += rec[i] == '"';
			}
			i++;
			if (i < len && rec[i] != ',')
				return -1;
		} else {
			for (; i < len && rec[i] != ','; i++) {
				if (rec[i] == '"')
					return -1;
				*vals++ = rec[i];
			}
		}
		*vals++ = '\0';
		(*n)++;
		if (i >= len)
			break;
		i++;
	}
	return 0;
}

/* fields_split_upto (sixteen bytes at a time where no quote is) against
 * the byte by byte split, on random strict CSV records. */
START_TEST(test_csv_split_random)
{
	static const struct format csv = { .kind = FORMAT_CSV, .delim = ',' };
	static const size_t maxes[] = { 1, 2, 5, 40, SIZE_MAX };
	struct fieldvec fv = { 0 };
	char rec[200], vals[400];

	rng_seed(31);
	for (int round = 0; round < 50000; round++) {
		size_t len = rng() % sizeof rec, max = maxes[rng() % 5], n;
		const char *why = NULL, *v = vals;
		int r;

		fill_random(rec, len, round % 3 ? "aaaaaaaaaaaaaaaaaaaa,,,\"\r" : "a,\"\r");
		r = naive_csv_split(rec, len, max, vals, &n);
		ck_assert_int_eq(fields_split_upto(&csv, rec, len, max, &fv, &why), r);
		if (r < 0)
			continue;
		ck_assert_uint_eq(fv.n, n);
		for (size_t i = 0; i < n; v += fv.v[i].len + 1, i++) {
			ck_assert_uint_eq(fv.v[i].len, strlen(v));
			ck_assert(memcmp(fv.v[i].p, v, fv.v[i].len) == 0);
		}
	}
	fieldvec_free(&fv);
}
END_TEST

/* csv_iter_walk leaves the iterator as the loop of csv_iter_next does,
 * having counted its records, in strict, lax and resync CSV. */
START_TEST(test_csv_walk_random)
{
	static const struct format fmts[] = {
		{ .kind = FORMAT_CSV, .delim = ',' },
		{ .kind = FORMAT_CSV, .delim = ',', .lax = true },
		{ .kind = FORMAT_CSV, .delim = ',', .resync = true },
	};
	char buf[300];

	rng_seed(23);
	for (int round = 0; round < 30000; round++) {
		const struct format *f = &fmts[round % 3];
		size_t len = rng() % sizeof buf, n = 0, got;
		struct csv_iter a, b;

		fill_random(buf, len, round % 2 ? "aaaaaaa,,\"\n" : "a,\"\n\r");
		csv_iter_init(&a, buf, len, f, '\n');
		csv_iter_init(&b, buf, len, f, '\n');
		a.at_eof = b.at_eof = round % 5 == 0;
		while (csv_iter_next(&a) != NULL)
			n++;
		got = csv_iter_walk(&b);
		ck_assert_uint_eq(got, n);
		ck_assert_ptr_eq(b.p, a.p);
		ck_assert_ptr_eq(b.why, a.why);
		if (a.why != NULL)
			ck_assert_ptr_eq(b.err_at, a.err_at);
		ck_assert_ptr_eq(b.open_quote, a.open_quote);
	}
}
END_TEST

/* A record fields_csv_plain_record takes ends where csv_iter_next says,
 * and its fields are fields_split_upto's, for any max. */
START_TEST(test_csv_plain_record_random)
{
	static const struct format csv = { .kind = FORMAT_CSV, .delim = ',' };
	static const size_t maxes[] = { 0, 1, 3, 16, SIZE_MAX };
	struct fieldvec quick = { 0 }, ref = { 0 };
	char buf[400];
	size_t taken = 0;

	rng_seed(29);
	for (int round = 0; round < 20000; round++) {
		size_t len = rng() % sizeof buf;
		struct csv_iter it;
		const char *rec = buf, *e;

		fill_random(buf, len, round % 2 ? "aaaaaaaaaaaa,,\"\n" : "aaaa,\"\n\r");
		csv_iter_init(&it, buf, len, &csv, '\n');
		while ((e = csv_iter_next(&it)) != NULL || rec < buf + len) {
			size_t max = maxes[rng() % 5];
			const char *t = fields_csv_plain_record(&csv, rec, buf + len, '\n', max, &quick);
			const char *why = NULL;

			if (t != NULL) {
				ck_assert_ptr_nonnull(e);
				ck_assert_ptr_eq(t + 1, e);
				ck_assert_int_eq(fields_split_upto(&csv, rec, (size_t)(t - rec), max, &ref,
				    &why), 0);
				ck_assert_uint_eq(quick.n, ref.n);
				for (size_t i = 0; i < ref.n; i++) {
					ck_assert_uint_eq(quick.v[i].len, ref.v[i].len);
					ck_assert(memcmp(quick.v[i].p, ref.v[i].p, ref.v[i].len) == 0);
				}
				taken++;
			}
			if (e == NULL)
				break;
			rec = e;
		}
	}
	ck_assert_uint_gt(taken, 1000);	/* the test saw the quick way */
	fieldvec_free(&quick);
	fieldvec_free(&ref);
}
END_TEST

Suite *suite_record(void)
{
	Suite *s = suite_create("record");
	TCase *rs = tcase_create("csv resync");

	tcase_add_test(rs, test_csv_resync_cuts);
	tcase_add_test(rs, test_csv_resync_cases);
	tcase_add_test(rs, test_csv_walk_random);
	tcase_add_test(rs, test_csv_split_random);
	tcase_add_test(rs, test_csv_plain_record_random);
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_record_empty);
	tcase_add_test(tc, test_record_no_terminator);
	tcase_add_test(tc, test_record_term_first_byte);
	tcase_add_test(tc, test_record_term_last_byte);
	tcase_add_test(tc, test_record_several);
	tcase_add_test(tc, test_record_nul);
	tcase_add_test(tc, test_words_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_scan_empty_null, 0, 2);
	tcase_add_loop_test(tc, test_count_byte_small, 0, 2);
	tcase_add_loop_test(tc, test_count_byte_all_equal, 0, 2);
	tcase_add_loop_test(tc, test_count_byte_megabytes, 0, 2);
	tcase_add_loop_test(tc, test_lit_random, 0, 2);
	tcase_add_loop_test(tc, test_lit_at_end, 0, 2);
	tcase_add_loop_test(tc, test_lit_overlapping, 0, 2);
	tcase_add_loop_test(tc, test_lit_every_byte, 0, 2);
	tcase_add_test(tc, test_words_random);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, rs);
	return s;
}
