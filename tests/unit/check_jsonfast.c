/* check_jsonfast.c - the two-stage JSON scanner (json_fast.c) against
 * the scalar one (json.c), side by side: on every record, with each of
 * the fast one's ways of classifying blocks that the CPU has (AVX2,
 * AVX-512; with neither it must never be sure), the fast one accepts
 * exactly what the scalar one accepts (up to its length limit) with the
 * same values (type, span, escape flag); json_scan gives the scalar one's
 * verdict and reason; and json_scan_line, which finds the record's end
 * in the same pass, agrees with the scalar scanner on the record up to
 * its first terminator.  The records: hand-written ones of every fault
 * the scalar scanner names; escapes, backslash runs, UTF-8 sequences,
 * control bytes and numbers placed at every offset around the 64-byte
 * block boundaries; nesting at and over the limit; duplicate and escaped
 * keys; and generated records, valid and then mutated. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "jsonl.h"
#include "jsonl_int.h"
#include "util.h"

/* The paths every record is scanned with: keys the generator uses, an
 * escaped one, indexes, the whole record. */
static const char *const paths[] = {
	".a", ".a.b", ".b[1]", ".b[0].c", ".\"k\\\"q\"", ".\"\\u00e9\"", ".a.a.a", ".c[2][0]",
	".", ".k",
};
#define NPATHS (sizeof paths / sizeof paths[0])

/* json_scan_line on rec[0..len) as a line: alone, and followed by a
 * terminator and another record, with each terminator; the record ends
 * at its first terminator, and the verdict, reason and values must be
 * the scalar scanner's on that much. */
static void lines(const struct jpaths *ps, const char *rec, size_t len)
{
	static const char after[] = "{\"a\":\"next\\\"\"}";
	char *buf = xmalloc(len + sizeof after);
	struct jval want[NPATHS], got[NPATHS];

	for (int t = 0; t < 2; t++)
		for (int level = 1; level <= JSON_SIMD_BEST; level++) {
			char term = t ? '\0' : '\n';
			const char *end = memchr(rec, term, len), *why = NULL, *why2 = NULL;
			size_t want_len = end != NULL ? (size_t)(end - rec) : len, got_len = 0;
			bool ok = json_scan_scalar(ps, rec, want_len, want, &why);

			if (json_fast_simd(level) != level)
				continue;
			for (int more = 0; more < 2; more++) {
				size_t avail = len;

				memcpy(buf, rec, len);
				if (more) {
					buf[len] = term;
					memcpy(buf + len + 1, after, sizeof after - 1);
					avail += sizeof after;
				}
				bool ok2 = json_scan_line(ps, buf, avail, term, got, &got_len, &why2);

				if (ok2 != ok || got_len != want_len || (!ok && strcmp(why, why2) != 0))
					ck_abort_msg("simd %d: line [%.*s] term %d: %s at %zu, not %s at "
					    "%zu", level, (int)len, rec, term, ok2 ? "valid" : why2,
					    got_len, ok ? "valid" : why, want_len);
				for (size_t i = 0; ok && i < NPATHS; i++)
					if (got[i].type != want[i].type || (want[i].type != J_MISSING &&
					    (got[i].p - buf != want[i].p - rec ||
					    got[i].len != want[i].len || got[i].esc != want[i].esc)))
						ck_abort_msg("simd %d: line [%.*s] %s differs", level,
						    (int)len, rec, paths[i]);
			}
		}
	json_fast_simd(JSON_SIMD_BEST);
	free(buf);
}

/* Both scanners on rec[0..len) (copied to a buffer of its exact size):
 * they must agree.  The verdict: NULL (valid) or the reason.  (Plain
 * tests and ck_abort_msg: each ck_assert writes a checkpoint to a file,
 * too slow for this many records.) */
static const char *same(const char *text, size_t len)
{
	static const char *why;
	struct jpaths ps = { 0 };
	struct jval want[NPATHS], got[NPATHS];
	char *rec = xmalloc(len > 0 ? len : 1);
	const char *why2 = NULL;

	memcpy(rec, text, len);
	for (size_t i = 0; i < NPATHS; i++)
		if (jpaths_add(&ps, paths[i]) != (long)i)
			ck_abort_msg("%s", paths[i]);
	why = NULL;
	bool ok = json_scan_scalar(&ps, rec, len, want, &why);

	for (int level = 1; level <= JSON_SIMD_BEST; level++) {
		if (json_fast_simd(level) != level) {
			/* none: the fast scanner is never sure */
			if (level == 1 && json_scan_fast(&ps, rec, len, got))
				ck_abort_msg("no SIMD, and the fast scanner is sure");
			continue;
		}
		bool fast = json_scan_fast(&ps, rec, len, got);

		if (fast && !ok)
			ck_abort_msg("simd %d: fast accepts [%.*s], scalar: %s", level, (int)len, rec,
			    why);
		if (!fast && ok && len <= JSON_FAST_MAX_LEN)
			ck_abort_msg("simd %d: fast not sure of valid [%.*s]", level, (int)len, rec);
		for (size_t i = 0; fast && i < NPATHS; i++) {
			if (got[i].type != want[i].type)
				ck_abort_msg("[%.*s] %s: type %d, not %d", (int)len, rec, paths[i],
				    got[i].type, want[i].type);
			if (want[i].type != J_MISSING && (got[i].p != want[i].p ||
			    got[i].len != want[i].len || got[i].esc != want[i].esc))
				ck_abort_msg("[%.*s] %s: [%.*s] esc %d, not [%.*s] esc %d", (int)len,
				    rec, paths[i], (int)got[i].len, got[i].p, got[i].esc,
				    (int)want[i].len, want[i].p, want[i].esc);
		}
	}
	json_fast_simd(JSON_SIMD_BEST);
	bool ok2 = json_scan(&ps, rec, len, got, &why2);

	if (ok2 != ok || (!ok && strcmp(why, why2) != 0))
		ck_abort_msg("[%.*s]: json_scan %s, the scalar scanner %s", (int)len, rec,
		    ok2 ? "valid" : why2, ok ? "valid" : why);
	lines(&ps, rec, len);
	jpaths_free(&ps);
	free(rec);
	return ok ? NULL : why;
}

static const char *same_str(const char *rec)
{
	return same(rec, strlen(rec));
}

/* Every fault the scalar scanner names, and valid records of each kind. */
START_TEST(test_faults)
{
	static const struct {
		const char *rec, *why;
	} cases[] = {
		{ "{}", NULL }, { "[]", NULL }, { " [1, -0, 2.5e-3, 1E+2, 12345678901234567890] \r", NULL },
		{ "\"\\ud83d\\ude00 \\u00e9 \xc3\xa9 \xf0\x9f\x98\x80\"", NULL },
		{ "true", NULL }, { "false", NULL }, { "null", NULL }, { "0", NULL }, { "-1.5e+10", NULL },
		{ "{\"a\":{\"b\":[{}]}}", NULL }, { "{ \"a\" : { \"b\" : [ ] } , \"b\" : [ 1 , 2 ] }", NULL },
		{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", NULL }, { "\t{\"a\"\n:\r1}\t", NULL },
		{ "", "empty line" }, { " \t", "empty line" }, { "\r", "empty line" },
		{ "{\"a\":\"x}", "unterminated string" }, { "\"", "unterminated string" },
		{ "\"\\", "unterminated string" }, { "\"abc\\\"", "unterminated string" },
		{ "\"\x01\"", "control character in string" }, { "\"\t\"", "control character in string" },
		{ "\"\x1f\"", "control character in string" }, { "\"a\nb\"", "control character in string" },
		{ "\"\xc3\x28\"", "invalid UTF-8 in string" }, { "\"\x80\"", "invalid UTF-8 in string" },
		{ "\"\xc0\xaf\"", "invalid UTF-8 in string" }, { "\"\xc1\xbf\"", "invalid UTF-8 in string" },
		{ "\"\xe0\x80\xaf\"", "invalid UTF-8 in string" }, { "\"\xed\xa0\x80\"", "invalid UTF-8 in string" },
		{ "\"\xf4\x90\x80\x80\"", "invalid UTF-8 in string" }, { "\"\xf5\x80\x80\x80\"", "invalid UTF-8 in string" },
		{ "\"\xf0\x8f\xbf\xbf\"", "invalid UTF-8 in string" }, { "\"\xe2\x82\"", "invalid UTF-8 in string" },
		{ "\"\xe2\x82", "invalid UTF-8 in string" }, { "\"\xff\"", "invalid UTF-8 in string" },
		{ "\"\\ud800\"", "lone surrogate in \\u escape" }, { "\"\\udc00\\ud800\"", "lone surrogate in \\u escape" },
		{ "\"\\ud800\\u0041\"", "lone surrogate in \\u escape" }, { "\"\\ud800\\n\"", "lone surrogate in \\u escape" },
		{ "\"\\u12g4\"", "invalid \\u escape in string" }, { "\"\\u12\"", "invalid \\u escape in string" },
		{ "\"\\a\"", "invalid escape in string" }, { "\"\\U0041\"", "invalid escape in string" },
		{ "01", "leading zero in number" }, { "-01", "leading zero in number" }, { "1.", "invalid number" },
		{ "-", "invalid number" }, { "1e", "invalid number" }, { "1e+", "invalid number" },
		{ "-a", "invalid number" }, { ".5", "expected a value" }, { "+1", "expected a value" },
		{ "nul", "invalid literal" }, { "tru", "invalid literal" }, { "fals", "invalid literal" },
		{ "[1,]", "expected a value" }, { "[,1]", "expected a value" }, { "{\"a\":}", "expected a value" },
		{ "{\"a\" 1}", "expected ':' after a key" }, { "{1:2}", "expected a string key" },
		{ "{,}", "expected a string key" }, { "{\"a\":1,}", "expected a string key" },
		{ "[1 2]", "expected ',' or ']' in an array" }, { "[1", "expected ',' or ']' in an array" },
		{ "{\"a\":1 \"b\":2}", "expected ',' or '}' in an object" },
		{ "{\"a\":1", "expected ',' or '}' in an object" }, { "{\"a\":1]", "expected ',' or '}' in an object" },
		{ "1 2", "text after the value" }, { "{}}", "text after the value" }, { "\"a\"\"b\"", "text after the value" },
		{ "1x", "text after the value" }, { "truex", "text after the value" }, { "null\x01", "text after the value" },
		{ "1\"a\"", "text after the value" }, { "\xef\xbb\xbf{}", "expected a value" },
		{ "\\\"a\"", "expected a value" }, { "[\\]", "expected a value" }, { "{\"a\":1}\\", "text after the value" },
		{ "\x0c", "expected a value" }, { "[1\x1a]", "expected ',' or ']' in an array" },
		{ "[\x0c]", "expected a value" }, { "\xc3\xa9", "expected a value" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = same_str(cases[i].rec);

		if (cases[i].why == NULL)
			ck_assert_msg(got == NULL, "[%s]: %s", cases[i].rec, got);
		else
			ck_assert_msg(got != NULL && strcmp(got, cases[i].why) == 0, "[%s]: %s, not %s",
			    cases[i].rec, got ? got : "valid", cases[i].why);
	}
	/* A NUL is a control byte like any other. */
	ck_assert_str_eq(same("\"a\0\"", 4), "control character in string");
	ck_assert_str_eq(same("[1]\0", 4), "text after the value");
}
END_TEST

/* Fragments placed at every offset around the block boundaries. */
static const char *const frags[] = {
	"\\\"", "\\\\", "\\\\\\\"", "\\\\\\\\", "\\\\\\\\\\\"", "\\/", "\\n", "\\u00e9", "\\uD83D\\uDE00",
	"\\ud83d\\ude00\\\\", "\xc3\xa9", "\xe6\x9d\xb1", "\xf0\x9f\x98\x80", "\xef\xbf\xbf",
	"\\", "\\x", "\\u00", "\\u00g0", "\\ud800", "\\udc00", "\\ud800\\u0041", "\\ud800\\",
	"\xc3", "\xc3\x28", "\xe6\x9d", "\xed\xa0\x80", "\xf0\x9f\x98", "\xf4\x90\x80\x80", "\x80",
	"\xc0\x80", "\xfe", "\x01", "\t", "\x1f", "\"", "\"\"", "\", \"x\": \"", "\\\\\"",
};

/* {"a":"<pad x's><frag>"} with the fragment at offset at, and the same
 * fragment as a key, and inside nested values. */
static void place(const char *frag, size_t at)
{
	char rec[512];
	size_t fl = strlen(frag);

	for (int kind = 0; kind < 4; kind++) {
		static const char *const pre[] = { "{\"a\":\"", "{\"", "[1,{\"b\":[\"", "\"" };
		static const char *const post[] = { "\"}", "\":1}", "\"]}]", "\"" };
		size_t pl = strlen(pre[kind]), n = 0;

		if (at < pl)
			continue;
		memcpy(rec, pre[kind], pl);
		n = pl;
		memset(rec + n, 'x', at - pl);
		n = at;
		memcpy(rec + n, frag, fl);
		n += fl;
		n += (size_t)snprintf(rec + n, sizeof rec - n, "yy%s", post[kind]);
		(void)same(rec, n);
		/* and with the record ending right after the fragment */
		(void)same(rec, at + fl);
	}
}

START_TEST(test_boundaries)
{
	for (size_t f = 0; f < sizeof frags / sizeof frags[0]; f++)
		for (size_t at = 1; at < 200; at++)
			place(frags[f], at);
}
END_TEST

/* Backslash runs of every length from 1 to 70 that end at every offset
 * around a block boundary, before a quote and before a letter. */
START_TEST(test_backslash_runs)
{
	char rec[512];

	for (size_t run = 1; run <= 70; run++)
		for (size_t end = 50; end < 200; end++) {
			if (end < run + 6)
				continue;
			for (int next = 0; next < 2; next++) {
				size_t n = 0;

				memcpy(rec, "[\"", 2);
				memset(rec + 2, 'x', end - run - 2);
				memset(rec + end - run, '\\', run);
				n = end;
				n += (size_t)snprintf(rec + n, sizeof rec - n, "%s", next ? "n\"]" : "\"]");
				(void)same(rec, n);
				n = end;
				n += (size_t)snprintf(rec + n, sizeof rec - n, "%s", next ? "\"]" : "\",\"z\"]");
				(void)same(rec, n);
			}
		}
}
END_TEST

/* Numbers and literals that end at every offset around a boundary, with
 * what follows them. */
START_TEST(test_scalars_at_ends)
{
	static const char *const nums[] = {
		"1", "-0", "123456789012", "1.5", "1e5", "-2.5E-3", "0.0", "01", "1.", "1e", "-", "true",
		"false", "null", "tru", "nulll", "1x", "1.5.5", "--1",
	};
	static const char *const after[] = { "", "]", " ]", ",2]", "\r", " ", "x", "\"s\"]", "\t]" };
	char rec[512];

	for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
		for (size_t end = 55; end < 140; end++)
			for (size_t a = 0; a < sizeof after / sizeof after[0]; a++) {
				size_t nl = strlen(nums[k]), n;

				if (end < nl + 2)
					continue;
				rec[0] = '[';
				memset(rec + 1, ' ', end - nl - 1);
				memcpy(rec + end - nl, nums[k], nl);
				n = end + (size_t)snprintf(rec + end, sizeof rec - end, "%s", after[a]);
				(void)same(rec, n);
				(void)same(rec + 1, n - 1);	/* the scalar alone */
			}
	/* Numbers whose parts reach past the 64 digit bits json_fast.c reads
	 * at once: every length of each part from 55 to 70 digits. */
	for (size_t d = 55; d <= 70; d++)
		for (int form = 0; form < 6; form++) {
			static const char *const pre[] = { "[", "[-", "[1.", "[1e", "[", "[0" };
			char digits[80];
			int n;

			memset(digits, '7', d);
			digits[d] = '\0';
			if (form == 4)
				n = snprintf(rec, sizeof rec, "[%s.5e-%s]", digits, digits);
			else
				n = snprintf(rec, sizeof rec, "%s%s]", pre[form], digits);
			ck_assert_msg((same(rec, (size_t)n) == NULL) == (form != 5), "[%s]", rec);
		}
}
END_TEST

/* Nesting at and over the limit, arrays and objects, and a path into
 * the deepest level. */
START_TEST(test_depth)
{
	size_t cap = 8 * JSON_MAX_DEPTH + 64;
	char *rec = xmalloc(cap);

	for (int d = JSON_MAX_DEPTH - 1; d <= JSON_MAX_DEPTH + 1; d++)
		for (int kind = 0; kind < 3; kind++) {
			size_t n = 0;

			for (int i = 0; i < d; i++)
				n += (size_t)snprintf(rec + n, cap - n, "%s",
				    kind == 0 ? "[" : kind == 1 || i % 2 ? "{\"a\":" : "[");
			rec[n++] = '1';
			for (int i = d - 1; i >= 0; i--)
				rec[n++] = kind == 0 ? ']' : kind == 1 || i % 2 ? '}' : ']';
			const char *why = same(rec, n);

			if (d <= JSON_MAX_DEPTH)
				ck_assert_msg(why == NULL, "depth %d kind %d: %s", d, kind, why);
			else
				ck_assert_str_eq(why, "nested too deeply");
		}
	free(rec);
}
END_TEST

/* Keys: duplicates (the last wins, and forgets what the first held),
 * escaped keys that match their unescaped paths, keys that look like a
 * path's only before unescaping. */
START_TEST(test_keys)
{
	static const char *const recs[] = {
		"{\"a\":{\"b\":1,\"a\":{\"a\":2}},\"a\":{\"b\":3}}",
		"{\"a\":{\"b\":1},\"a\":7}", "{\"a\":1,\"a\":{\"b\":\"x\\ny\"}}",
		"{\"\\u0061\":{\"\\u0062\":\"\\\"\"}}", "{\"k\\\"q\":[1],\"\\u00e9\":\"\xc3\xa9\"}",
		"{\"\xc3\xa9\":true,\"\\u00E9\":false}", "{\"k\\u0022q\":null}", "{\"k\\\\\\\"q\":1}",
		"{\"b\":[{\"c\":1},{\"c\":2}],\"b\":[{\"c\":3}]}", "{\"b\":[0,[1,2],{\"c\":[3]}]}",
		"{\"c\":[0,1,[\"x\",\"y\"]],\"c\":[0,1,[[]]]}", "{ \"k\" : \"v\" , \"k\" : \"w\" }",
		"{\"a\" :\"s\"  ,\"b\" : [ 1 , 2 ] , \"k\":{ } }", "[{\"a\":1}]",
		"{\"a\":{\"a\":{\"a\":\"\\ud83d\\ude00\"}}}", "{\"\":1,\"a\":\"\"}",
	};

	for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++)
		ck_assert_msg(same_str(recs[i]) == NULL, "[%s]", recs[i]);
}
END_TEST

/* Records longer than the fast scanner takes: the scalar one decides. */
START_TEST(test_long)
{
	size_t len = JSON_FAST_MAX_LEN + 100;
	char *rec = xmalloc(len);

	memset(rec, ' ', len);
	memcpy(rec, "{\"a\":\"", 6);
	memset(rec + 6, 'x', JSON_FAST_MAX_LEN);
	memcpy(rec + 6 + JSON_FAST_MAX_LEN, "\"}", 2);
	ck_assert_ptr_null(same(rec, len));
	ck_assert(!json_scan_fast(NULL, rec, len, NULL));
	/* the longest it takes */
	memset(rec + 6, 'x', JSON_FAST_MAX_LEN - 8);
	memcpy(rec + JSON_FAST_MAX_LEN - 2, "\"}", 2);
	ck_assert_ptr_null(same(rec, JSON_FAST_MAX_LEN));
	ck_assert(json_scan_fast(NULL, rec, JSON_FAST_MAX_LEN, NULL) == (json_fast_level() > 0));
	free(rec);
}
END_TEST

/* A small generator of JSON text: random values from keys and strings
 * that reach the paths, with escapes, UTF-8 and white space. */
struct gen {
	char *p;
	size_t n, cap;
	unsigned long seed;
};

static unsigned rnd(struct gen *g, unsigned n)
{
	g->seed = g->seed * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(g->seed >> 33) % n;
}

static void put(struct gen *g, const char *s)
{
	size_t l = strlen(s);

	if (g->n + l < g->cap) {
		memcpy(g->p + g->n, s, l);
		g->n += l;
	}
}

static void gen_ws(struct gen *g)
{
	static const char *const w[] = { "", "", "", " ", "  ", "\t", "\r\n", " \n " };

	put(g, w[rnd(g, 8)]);
}

static void gen_string(struct gen *g)
{
	static const char *const parts[] = {
		"a", "b", "c", "k", "xyz", "k\\\"q", "\\u00e9", "\xc3\xa9", "\\\\", "\\/", "\\n",
		"\\ud83d\\ude00", "\xe6\x9d\xb1\xe4\xba\xac", "\xf0\x9f\x98\x80", "lorem ipsum dolor",
		"\\\"", "\\u0061", " ", "{[]}:,", "0123456789abcdef0123456789abcdef",
	};
	unsigned n = rnd(g, 4);

	put(g, "\"");
	for (unsigned i = 0; i < n; i++)
		put(g, parts[rnd(g, sizeof parts / sizeof parts[0])]);
	put(g, "\"");
}

static void gen_value(struct gen *g, int depth)
{
	static const char *const scalars[] = {
		"0", "-1", "1.5", "12345678901234567890", "2.5e-3", "1E+2", "true", "false", "null",
		"-0.0", "1709251200.100",
	};
	unsigned kind = rnd(g, depth > 5 ? 2 : 5);

	gen_ws(g);
	if (kind == 0) {
		put(g, scalars[rnd(g, sizeof scalars / sizeof scalars[0])]);
	} else if (kind == 1) {
		gen_string(g);
	} else if (kind == 2) {
		unsigned n = rnd(g, 5);

		put(g, "[");
		for (unsigned i = 0; i < n; i++) {
			if (i > 0)
				put(g, ",");
			gen_value(g, depth + 1);
		}
		gen_ws(g);
		put(g, "]");
	} else {
		unsigned n = rnd(g, 6);

		put(g, "{");
		for (unsigned i = 0; i < n; i++) {
			if (i > 0)
				put(g, ",");
			gen_ws(g);
			gen_string(g);
			gen_ws(g);
			put(g, ":");
			gen_value(g, depth + 1);
		}
		gen_ws(g);
		put(g, "}");
	}
	gen_ws(g);
}

/* Generated records as they are (valid) and mutated: a byte changed to
 * one JSON cares about, deleted, or inserted. */
START_TEST(test_generated)
{
	static const char special[] = "\"\\{}[]:, \t\x01\x80\xc3\xe6\xf0u0e-.";
	char buf[8192];
	struct gen g = { buf, 0, sizeof buf, 12345 };

	for (int i = 0; i < 6000; i++) {
		g.n = 0;
		gen_value(&g, 0);
		ck_assert_msg(same(buf, g.n) == NULL, "[%.*s]", (int)g.n, buf);
		for (int m = 0; m < 6 && g.n > 1; m++) {
			char mut[8192];
			size_t at = rnd(&g, (unsigned)g.n), n = g.n;
			char c = special[rnd(&g, sizeof special - 1)];

			memcpy(mut, buf, n);
			switch (rnd(&g, 3)) {
			case 0:
				mut[at] = c;
				break;
			case 1:
				memmove(mut + at, mut + at + 1, n - at - 1);
				n--;
				break;
			default:
				memmove(mut + at + 1, mut + at, n - at);
				mut[at] = c;
				n++;
				break;
			}
			(void)same(mut, n);
		}
	}
}
END_TEST

Suite *suite_jsonfast(void)
{
	Suite *s = suite_create("jsonfast");
	TCase *tc = tcase_create("jsonfast");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_faults);
	tcase_add_test(tc, test_boundaries);
	tcase_add_test(tc, test_backslash_runs);
	tcase_add_test(tc, test_scalars_at_ends);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_long);
	tcase_add_test(tc, test_generated);
	suite_add_tcase(s, tc);
	return s;
}
