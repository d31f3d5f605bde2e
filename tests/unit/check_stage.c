/* check_stage.c - stage specs, options, and the grep and count stages. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check_suites.h"
#include "record.h"
#include "stage.h"

static struct stage *spec_ok(const char *spec)
{
	char *err = NULL;
	struct stage *st = stage_from_spec(spec, &err);

	ck_assert_msg(st != NULL, "spec [%s]: %s", spec, err);
	ck_assert_str_eq(st->origin, spec);
	return st;
}

static void spec_error(const char *spec, const char *why)
{
	char *err = NULL;
	struct stage *st = stage_from_spec(spec, &err);

	ck_assert_msg(st == NULL, "spec [%s] accepted", spec);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, why) != NULL, "spec [%s]: message [%s] lacks [%s]", spec, err, why);
	free(err);
}

/* --- the table and specs ---------------------------------------------- */

START_TEST(test_table)
{
	size_t n = 0;

	ck_assert_ptr_eq(stage_find("grep"), &stage_grep);
	ck_assert_ptr_eq(stage_find("count"), &stage_count);
	ck_assert_ptr_null(stage_find("nosuch"));
	ck_assert_ptr_null(stage_find(""));
	for (const struct stage_def *const *d = stage_table; *d != NULL; d++) {
		ck_assert_ptr_eq(stage_find((*d)->name), *d);
		ck_assert_ptr_nonnull((*d)->summary);
		if ((*d)->kind == STAGE_MAP)
			ck_assert_ptr_nonnull((*d)->map);
		else
			ck_assert(((*d)->partial_new && (*d)->fold && (*d)->encode &&
			    (*d)->merge && (*d)->finish && (*d)->partial_free));
		n++;
	}
	ck_assert_uint_ge(n, 2);
}
END_TEST

START_TEST(test_spec_short_flags)
{
	struct stage *st = spec_ok("grep -Fiv foo");

	ck_assert_ptr_eq(st->def, &stage_grep);
	ck_assert(stage_flag(st, "fixed"));
	ck_assert(stage_flag(st, "ignore-case"));
	ck_assert(stage_flag(st, "invert"));
	ck_assert(!stage_flag(st, "word"));
	ck_assert(!stage_flag(st, "line"));
	ck_assert_str_eq(stage_arg(st, "pattern"), "foo");
	ck_assert(!st->from_config);
	stage_free(st);

	st = spec_ok("grep -w -x bar");
	ck_assert(stage_flag(st, "word"));
	ck_assert(stage_flag(st, "line"));
	ck_assert(!stage_flag(st, "fixed"));
	ck_assert_str_eq(stage_arg(st, "pattern"), "bar");
	stage_free(st);

	st = spec_ok("count -wc");
	ck_assert_ptr_eq(st->def, &stage_count);
	ck_assert(stage_flag(st, "words"));
	ck_assert(stage_flag(st, "bytes"));
	stage_free(st);
}
END_TEST

START_TEST(test_spec_long_flags)
{
	struct stage *st = spec_ok("grep --fixed --ignore-case foo");

	ck_assert(stage_flag(st, "fixed"));
	ck_assert(stage_flag(st, "ignore-case"));
	ck_assert(!stage_flag(st, "invert"));
	stage_free(st);

	st = spec_ok("grep --invert=true --fixed=false foo");
	ck_assert(stage_flag(st, "invert"));
	ck_assert(!stage_flag(st, "fixed"));
	stage_free(st);

	/* Options may follow the pattern. */
	st = spec_ok("grep foo --word");
	ck_assert(stage_flag(st, "word"));
	ck_assert_str_eq(stage_arg(st, "pattern"), "foo");
	stage_free(st);
}
END_TEST

START_TEST(test_spec_pattern_forms)
{
	struct stage *st = spec_ok("grep -- -foo");

	ck_assert_str_eq(stage_arg(st, "pattern"), "-foo");
	stage_free(st);

	st = spec_ok("grep -F -- --x");
	ck_assert(stage_flag(st, "fixed"));
	ck_assert_str_eq(stage_arg(st, "pattern"), "--x");
	stage_free(st);

	st = spec_ok("grep 'a b'");
	ck_assert_str_eq(stage_arg(st, "pattern"), "a b");
	stage_free(st);

	st = spec_ok("grep \"\\d+ \\$x\"");
	ck_assert_str_eq(stage_arg(st, "pattern"), "\\d+ $x");
	stage_free(st);

	/* A lone dash is a pattern, not an option. */
	st = spec_ok("grep -");
	ck_assert_str_eq(stage_arg(st, "pattern"), "-");
	stage_free(st);

	st = spec_ok("grep ''");
	ck_assert_str_eq(stage_arg(st, "pattern"), "");
	stage_free(st);
}
END_TEST

START_TEST(test_spec_errors)
{
	spec_error("grep", "missing pattern");
	spec_error("grep -F", "missing pattern");
	spec_error("grep -q foo", "'-q'");
	spec_error("grep -Fq foo", "'-q'");
	spec_error("grep --bogus foo", "'--bogus'");
	spec_error("grep --bogus=1 foo", "'--bogus'");
	spec_error("grep --fixed=maybe foo", "maybe");
	spec_error("nosuch x", "unknown stage 'nosuch'");
	spec_error("grep a b", "unexpected argument 'b'");
	spec_error("count x", "unexpected argument 'x'");
	spec_error("count -x", "'-x'");
	spec_error("", "empty stage");
	spec_error("   ", "empty stage");
	spec_error("grep 'abc", "unterminated");
}
END_TEST

START_TEST(test_set_and_accessors)
{
	struct stage *st = stage_new(&stage_grep, "here");
	char *err = NULL;

	ck_assert_str_eq(st->origin, "here");
	ck_assert_int_eq(st->term, '\n');
	ck_assert_int_eq(stage_check(st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing pattern"));
	free(err);
	err = NULL;

	ck_assert_ptr_null(stage_arg(st, "pattern"));
	ck_assert_int_eq(stage_set(st, "pattern", "ERROR", &err), 0);
	ck_assert_str_eq(stage_arg(st, "pattern"), "ERROR");
	ck_assert_int_eq(stage_set(st, "pattern", "WARN", &err), 0);
	ck_assert_str_eq(stage_arg(st, "pattern"), "WARN");
	ck_assert_int_eq(stage_check(st, &err), 0);

	ck_assert(!stage_flag(st, "fixed"));
	ck_assert_int_eq(stage_set(st, "fixed", "true", &err), 0);
	ck_assert(stage_flag(st, "fixed"));
	ck_assert_int_eq(stage_num(st, "fixed", 7), 1);
	ck_assert_int_eq(stage_set(st, "fixed", "false", &err), 0);
	ck_assert(!stage_flag(st, "fixed"));
	ck_assert_int_eq(stage_num(st, "fixed", 7), 0);
	ck_assert_int_eq(stage_num(st, "invert", 7), 7);

	/* Unknown names read as unset. */
	ck_assert(!stage_flag(st, "nosuch"));
	ck_assert_ptr_null(stage_arg(st, "nosuch"));
	ck_assert_ptr_null(stage_str(st, "nosuch"));
	ck_assert_int_eq(stage_num(st, "nosuch", -3), -3);
	stage_free(st);
}
END_TEST

START_TEST(test_set_errors)
{
	struct stage *st = stage_new(&stage_grep, "here");
	char *err = NULL;

	ck_assert_int_eq(stage_set(st, "fixed", "maybe", &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "'fixed'"));
	ck_assert_ptr_nonnull(strstr(err, "'maybe'"));
	free(err);
	err = NULL;
	ck_assert(!stage_flag(st, "fixed"));

	ck_assert_int_eq(stage_set(st, "colour", "red", &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown option 'colour'"));
	free(err);
	stage_free(st);
}
END_TEST

/* --- grep, run for real ------------------------------------------------ */

static size_t count_term(const char *p, size_t n, char term)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += p[i] == term;
	return k;
}

/* Run a map stage over in[0..len) and return the block it leaves. */
static struct block map_block(struct stage *st, char *copy, size_t len)
{
	struct block b = { copy, len, NREC_UNKNOWN, OFFSET_UNKNOWN, 0, false, NULL, NULL, 0, NULL, NULL };
	char *err = NULL;

	ck_assert_msg(st->def->map(st, &b, &err) == 0, "map: %s", err);
	ck_assert_uint_le(b.len, len);
	if (b.nrec != NREC_UNKNOWN)
		ck_assert_uint_eq(b.nrec, count_term(b.data, b.len, st->term));
	return b;
}

static struct stage *setup_spec(const char *spec, char term)
{
	struct stage *st = spec_ok(spec);
	char *err = NULL;

	st->term = term;
	ck_assert_msg(st->def->setup(st, &err) == 0, "setup [%s]: %s", spec, err);
	return st;
}

/* grep SPEC over in (n bytes) must keep exactly want (m bytes). */
static void grep_n(const char *spec, char term, const char *in, size_t n, const char *want,
    size_t m)
{
	struct stage *st = setup_spec(spec, term);
	char *copy = malloc(n + 1);
	struct block b;

	memcpy(copy, in, n);
	b = map_block(st, copy, n);
	ck_assert_msg(b.len == m && memcmp(b.data, want, m) == 0,
	    "grep [%s] on [%.*s]: got [%.*s], want [%.*s]", spec, (int)n, in,
	    (int)b.len, b.data, (int)m, want);
	/* Selecting records keeps their count known unless inverted (an
	 * empty block has nothing to count). */
	if (!stage_flag(st, "invert") && n > 0)
		ck_assert_uint_eq(b.nrec, count_term(want, m, term));
	free(copy);
	stage_free(st);
}

static void grep(const char *spec, const char *in, const char *want)
{
	grep_n(spec, '\n', in, strlen(in), want, strlen(want));
}

START_TEST(test_grep_regex)
{
	grep("grep fo+", "foo\nbar\nfoo bar\nfx\n", "foo\nfoo bar\n");
	grep("grep 'b.r$'", "bar\nbarn\nx bar\n", "bar\nx bar\n");
	grep("grep ^b", "ab\nb\nbb\n", "b\nbb\n");
	grep("grep zzz", "a\nb\n", "");
	grep("grep .", "a\n\nb\n", "a\nb\n");
	grep("grep '\\d{3}'", "12\n123\nx4567y\n", "123\nx4567y\n");
	/* An empty block stays empty. */
	grep("grep a", "", "");
}
END_TEST

START_TEST(test_grep_invert)
{
	grep("grep -v fo+", "foo\nbar\nfoo bar\nfx\n", "bar\nfx\n");
	grep("grep -v a", "a\na\na\n", "");
	grep("grep -v z", "a\nb\n", "a\nb\n");
	grep("grep -Fv b", "abc\nxyz\nb\n\n", "xyz\n\n");
	grep("grep -v ''", "a\nb\n", "");
}
END_TEST

START_TEST(test_grep_line_word)
{
	grep("grep -x foo", "foo\nfoox\nxfoo\nfoo\n", "foo\nfoo\n");
	grep("grep -x 'foo|bar baz'", "foo\nbar baz\nbar\nfoo bar baz\n", "foo\nbar baz\n");
	grep("grep -w foo", "foo bar\nfoobar\nbar_foo\nx foo.\nfoo\n", "foo bar\nx foo.\nfoo\n");
	grep("grep -Fx foo", "foo\nfoo \n.foo\n", "foo\n");
	grep("grep -Fw a.b", "a.b\nxa.b\na.b c\na.bc\n", "a.b\na.b c\n");
	grep("grep -xv foo", "foo\nfoo2\n", "foo2\n");
}
END_TEST

START_TEST(test_grep_ignore_case)
{
	grep("grep -i FOO", "foo\nFoO\nbar\nfo\n", "foo\nFoO\n");
	grep("grep --ignore-case 'a[b-c]'", "AB\nac\nAd\n", "AB\nac\n");
	grep("grep -Fi ABC", "xabcx\nABD\naBc\n", "xabcx\naBc\n");
	grep("grep -Fi a.c", "A.C\nabc\n", "A.C\n");
}
END_TEST

START_TEST(test_grep_fixed)
{
	grep("grep -F a.c", "abc\na.c\nxa.cx\n", "a.c\nxa.cx\n");
	grep("grep -F '(?'", "a(?b\n(x\n", "a(?b\n");
	grep("grep -F x", "x\nyxy\nyy\nx\n", "x\nyxy\nx\n");
	/* Several strings, one a line. */
	grep("grep -F 'foo\nbar'", "foo\nbar\nbaz\nxbarx\n", "foo\nbar\nxbarx\n");
	/* Records longer than the 32-byte vector step. */
	grep("grep -F needle",
	    "hay hay hay hay hay hay hay hay hay hay needle\n"
	    "hay hay hay hay hay hay hay hay hay hay hay hay hay\n"
	    "needle hay hay hay hay hay hay hay hay hay hay hay\n"
	    "needl\n",
	    "hay hay hay hay hay hay hay hay hay hay needle\n"
	    "needle hay hay hay hay hay hay hay hay hay hay hay\n");
}
END_TEST

static uint64_t rng_state = 88172645463325252ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

/* Random records; each spec must keep what a record-by-record reference
 * keeps: the same stage with NUL terminators, where block matching is
 * never used. */
START_TEST(test_grep_block_vs_records)
{
	static const char *const specs[] = {
		"grep -F ab", "grep -F 'a b'", "grep -Fv ba", "grep -Fi AbA",
		"grep 'a\\s*$'", "grep 'a\\s+b'", "grep '^b'", "grep 'b$'", "grep 'a.*b'",
		"grep 'a[^x]b'", "grep '\\bab'", "grep -w ab", "grep -x '[ab ]*'",
		"grep -v 'a\\sb'", "grep 'b\\R'", "grep '(?:a|b) $'", "grep -i 'B A'",
		"grep '\\s'", "grep -v '^$'",
	};
	char in[600], nul[600];

	for (int round = 0; round < 200; round++) {
		size_t n = 0;

		while (n < 500) {
			size_t len = rng() % 40;

			if (rng() % 5 == 0)
				len = 0;
			for (size_t i = 0; i < len; i++)
				in[n++] = "ab  \t"[rng() % 5];
			in[n++] = '\n';
		}
		for (size_t i = 0; i < n; i++)
			nul[i] = in[i] == '\n' ? '\0' : in[i];
		for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
			struct stage *bs = setup_spec(specs[k], '\n');
			struct stage *rs = setup_spec(specs[k], '\0');
			char *bcopy = malloc(n), *rcopy = malloc(n);
			struct block bb, rb;

			memcpy(bcopy, in, n);
			memcpy(rcopy, nul, n);
			bb = map_block(bs, bcopy, n);
			rb = map_block(rs, rcopy, n);
			for (size_t i = 0; i < rb.len; i++)
				if (rb.data[i] == '\0')
					rb.data[i] = '\n';
			ck_assert_msg(bb.len == rb.len && memcmp(bb.data, rb.data, bb.len) == 0,
			    "[%s] round %d: block mode kept %zu bytes, records %zu",
			    specs[k], round, bb.len, rb.len);
			free(bcopy);
			free(rcopy);
			stage_free(bs);
			stage_free(rs);
		}
	}
}
END_TEST

/* -F literals against a per-record memmem reference, on long blocks. */
START_TEST(test_grep_fixed_random)
{
	static const char *const needles[] = { "ab", "aab", "abba", "b a", "aaaaaaaa" };
	char in[5000], want[5000];

	for (int round = 0; round < 100; round++) {
		size_t n = 0, m = 0, start;

		while (n < 4800) {
			size_t len = rng() % 80;

			for (size_t i = 0; i < len; i++)
				in[n++] = "aab "[rng() % 4];
			in[n++] = '\n';
		}
		for (size_t k = 0; k < sizeof needles / sizeof needles[0]; k++) {
			char spec[32];

			m = 0;
			start = 0;
			for (size_t i = 0; i < n; i++) {
				if (in[i] != '\n')
					continue;
				if (memmem(in + start, i - start, needles[k], strlen(needles[k])) != NULL) {
					memcpy(want + m, in + start, i + 1 - start);
					m += i + 1 - start;
				}
				start = i + 1;
			}
			snprintf(spec, sizeof spec, "grep -F '%s'", needles[k]);
			grep_n(spec, '\n', in, n, want, m);
		}
	}
}
END_TEST

START_TEST(test_grep_empty_pattern)
{
	grep("grep ''", "a\n\nb\n", "a\n\nb\n");
	grep("grep -F ''", "a\n\nb\n", "a\n\nb\n");
	grep("grep -x ''", "a\n\nb\n", "\n");
	/* An empty last record is a record too. */
	grep("grep -x ''", "a\n\n", "\n");
	grep("grep '^$'", "\n\n", "\n\n");
	grep("grep -v .", "a\n\n", "\n");
}
END_TEST

START_TEST(test_grep_across_newline)
{
	/* A match may not span two records. */
	grep("grep 'a\\sb'", "xa\nbx\n", "");
	grep("grep 'a\\s*b'", "xa\nbx\nab\n", "ab\n");
	grep("grep 'a\\nb'", "a\nb\n", "");
	grep("grep 'a[^x]b'", "a\nb\naxb\nayb\n", "ayb\n");
	grep("grep -v 'a\\sb'", "xa\nbx\n", "xa\nbx\n");
	/* $ matches at the end of a record, not only of the block. */
	grep("grep 'a\\s*$'", "a\n", "a\n");
	grep("grep 'a\\s*$'", "a\nb\na \n", "a\na \n");
	grep("grep 'a$'", "ba\nab\n", "ba\n");
}
END_TEST

START_TEST(test_grep_per_record)
{
	/* Lookahead sees the end of the record, never the terminator. */
	grep("grep 'a(?!\\n)'", "a\nxyz\nab\nba\n", "a\nab\nba\n");
	grep("grep '\\Aab'", "ab\ncab\nabc\n", "ab\nabc\n");
	grep("grep 'b\\z'", "ab\nbc\n", "ab\n");
	grep("grep '(?<=a)b'", "ab\nb\ncb\n", "ab\n");
	grep("grep -v '(?i)X'", "x\ny\nX\n", "y\n");
	/* NUL-terminated records. */
	grep_n("grep foo", '\0', "foo\0bar\0xfoo\0", 13, "foo\0xfoo\0", 9);
	grep_n("grep -v foo", '\0', "foo\0bar\0xfoo\0", 13, "bar\0", 4);
	grep_n("grep -F foo", '\0', "foo\0bar\0xfoo\0", 13, "foo\0xfoo\0", 9);
}
END_TEST

/* With NUL records a newline is data: $ matches only at the very end of
 * the record, as with grep -z -P (which compiles with DOLLAR_ENDONLY). */
START_TEST(test_grep_nul_dollar)
{
	grep_n("grep 'b$'", '\0', "ab\0b\nx\0", 8, "ab\0", 3);
	grep_n("grep 'a$'", '\0', "a\n\0b\0", 5, "", 0);
}
END_TEST

START_TEST(test_grep_setup_errors)
{
	struct stage *st = spec_ok("grep 'a('");
	char *err = NULL;

	ck_assert_int_eq(st->def->setup(st, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "at offset 2") != NULL, "message: %s", err);
	ck_assert_ptr_nonnull(strstr(err, "'a('"));
	free(err);
	err = NULL;
	stage_free(st);

	st = stage_new(&stage_grep, "test");
	ck_assert_int_eq(stage_set(st, "pattern", "a\nb", &err), 0);
	ck_assert_int_eq(st->def->setup(st, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "newline"));
	free(err);
	stage_free(st);
}
END_TEST

/* -x wraps the pattern as ^(?:PATTERN)$; the pattern must not be able to
 * break out of the group. */
START_TEST(test_grep_line_wrapper)
{
	struct stage *st;
	char *err = NULL;

	/* With -x the pattern cannot close the wrapper's group: GNU grep -x -P
	 * rejects this, it does not read it as ^(?:a)|(b)$. */
	st = spec_ok("grep -x 'a)|(b'");
	ck_assert_int_eq(st->def->setup(st, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "at offset 1") != NULL, "message: %s", err);
	free(err);
	err = NULL;
	stage_free(st);

	/* The offset is within the user's pattern, not the wrapped one. */
	st = spec_ok("grep -x 'ab)'");
	ck_assert_int_eq(st->def->setup(st, &err), -1);
	ck_assert_msg(strstr(err, "at offset 2") != NULL, "message: %s", err);
	free(err);
	err = NULL;
	stage_free(st);
}
END_TEST

/* --- count ---------------------------------------------------------- */

static void fold_str(struct stage *st, void *p, const char *s, size_t nrec)
{
	struct block b = { (char *)(uintptr_t)s, strlen(s), nrec, OFFSET_UNKNOWN, 0, false, NULL, NULL, 0, NULL, NULL };

	st->def->fold(st, p, &b);
}

/* A sink gathering the result in a buffer. */
struct buf_sink {
	struct sink sink;
	struct buf out;
};

static int buf_put(struct sink *s, char *data, size_t len)
{
	buf_append(&((struct buf_sink *)s)->out, data, len);
	return 0;
}

static char *finish_str(struct stage *st, void *p)
{
	struct buf_sink bs = { { buf_put, NULL, NULL }, { 0 } };
	char *err = NULL;

	ck_assert_int_eq(st->def->finish(st, p, &bs.sink, &err), 0);
	buf_putc(&bs.out, '\0');
	return bs.out.data;
}

START_TEST(test_count_reduce)
{
	struct stage *st = spec_ok("count -w -c");
	void *a = st->def->partial_new(st), *b = st->def->partial_new(st);
	struct buf enc = { 0 };
	char *s;

	fold_str(st, a, "one two\nthree\n", NREC_UNKNOWN);
	fold_str(st, a, "four five six\n", 1);
	st->def->encode(st, a, &enc);
	ck_assert_uint_eq(enc.len, 24);
	ck_assert_int_eq(st->def->merge(st, b, enc.data, enc.len), 0);
	s = finish_str(st, b);
	ck_assert_str_eq(s, "3 6 28\n");
	free(s);
	/* Merging adds. */
	fold_str(st, b, "x\n", NREC_UNKNOWN);
	ck_assert_int_eq(st->def->merge(st, b, enc.data, enc.len), 0);
	s = finish_str(st, b);
	ck_assert_str_eq(s, "7 13 58\n");
	free(s);
	/* The partial that was encoded is unchanged. */
	s = finish_str(st, a);
	ck_assert_str_eq(s, "3 6 28\n");
	free(s);
	buf_free(&enc);
	st->def->partial_free(a);
	st->def->partial_free(b);
	stage_free(st);
}
END_TEST

START_TEST(test_count_options)
{
	struct stage *st = spec_ok("count");
	void *p = st->def->partial_new(st);
	char *s;

	s = finish_str(st, p);
	ck_assert_str_eq(s, "0\n");
	free(s);
	fold_str(st, p, "a b\n\nc\n", NREC_UNKNOWN);
	s = finish_str(st, p);
	ck_assert_str_eq(s, "3\n");
	free(s);
	st->def->partial_free(p);
	stage_free(st);

	st = spec_ok("count --bytes");
	p = st->def->partial_new(st);
	fold_str(st, p, "a b\n\nc\n", NREC_UNKNOWN);
	s = finish_str(st, p);
	ck_assert_str_eq(s, "3 7\n");
	free(s);
	st->def->partial_free(p);
	stage_free(st);

	/* NUL records: the terminator ends words, and the report still
	 * ends with a newline. */
	st = spec_ok("count -w");
	st->term = '\0';
	p = st->def->partial_new(st);
	{
		struct block b = { (char *)(uintptr_t)"a\0b c\0d\ne\0", 10, NREC_UNKNOWN, OFFSET_UNKNOWN, 0, false, NULL, NULL, 0, NULL, NULL };

		st->def->fold(st, p, &b);
	}
	s = finish_str(st, p);
	ck_assert_str_eq(s, "3 5\n");
	free(s);
	st->def->partial_free(p);
	stage_free(st);
}
END_TEST

START_TEST(test_count_bad_merge)
{
	struct stage *st = spec_ok("count -c");
	void *p = st->def->partial_new(st);
	char zero[25] = { 0 };
	char *s;

	ck_assert_int_eq(st->def->merge(st, p, zero, 23), -1);
	ck_assert_int_eq(st->def->merge(st, p, zero, 25), -1);
	ck_assert_int_eq(st->def->merge(st, p, zero, 0), -1);
	ck_assert_int_eq(st->def->merge(st, p, zero, 24), 0);
	s = finish_str(st, p);
	ck_assert_str_eq(s, "0 0\n");
	free(s);
	st->def->partial_free(p);
	stage_free(st);
}
END_TEST

Suite *suite_stage(void)
{
	Suite *s = suite_create("stage");
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_spec_short_flags);
	tcase_add_test(tc, test_spec_long_flags);
	tcase_add_test(tc, test_spec_pattern_forms);
	tcase_add_test(tc, test_set_and_accessors);
	tcase_add_test(tc, test_grep_regex);
	tcase_add_test(tc, test_grep_invert);
	tcase_add_test(tc, test_grep_line_word);
	tcase_add_test(tc, test_grep_ignore_case);
	tcase_add_test(tc, test_grep_fixed);
	tcase_add_test(tc, test_count_reduce);
	tcase_add_test(tc, test_count_options);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_grep_empty_pattern);
	tcase_add_test(tc, test_grep_across_newline);
	tcase_add_test(tc, test_grep_per_record);
	tcase_add_test(tc, test_grep_nul_dollar);
	tcase_add_test(tc, test_grep_block_vs_records);
	tcase_add_test(tc, test_grep_fixed_random);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_spec_errors);
	tcase_add_test(tc, test_set_errors);
	tcase_add_test(tc, test_grep_setup_errors);
	tcase_add_test(tc, test_grep_line_wrapper);
	tcase_add_test(tc, test_count_bad_merge);
	suite_add_tcase(s, tc);
	return s;
}
