/* check_json.c - JSON Lines: jq-style paths (what parses, their steps),
 * the validating scanner's verdicts and reasons, the values it keeps
 * (duplicate keys: the last wins), field text (strings unescaped with
 * surrogate pairs joined, objects compacted), and cut's output shape. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "fields.h"
#include "jsonl.h"

START_TEST(test_paths)
{
	static const char *const good[] = {
		".", ".a", ".a.b", ".a_1", ".[0]", ".a[2]", ".a[2].b", ".\"odd key\"",
		".[\"odd key\"]", ".a[\"b\"][3]", ".a.\"b c\"", ".\"\\u00e9\"",
	};
	static const char *const bad[] = {
		"", "a", "..", ".1", ".a.", ".a[", ".a[x]", ".[-1]", ".\"open", ".a b", "$1",
		".[\"\\x\"]",
	};
	struct jpath p;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		ck_assert_msg(jpath_parse(good[i], &p), "[%s] refused", good[i]);
		jpath_free(&p);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!jpath_parse(bad[i], &p), "[%s] accepted", bad[i]);
	ck_assert(jpath_parse(".a[\"b c\"][12].\"\\u00e9\"", &p));
	ck_assert_uint_eq(p.nsteps, 4);
	ck_assert_str_eq(p.steps[0].key, "a");
	ck_assert_str_eq(p.steps[1].key, "b c");
	ck_assert_ptr_null(p.steps[2].key);
	ck_assert_uint_eq(p.steps[2].index, 12);
	ck_assert_str_eq(p.steps[3].key, "\xc3\xa9");
	jpath_free(&p);
	/* The lexer's view: where a path ends inside an expression. */
	ck_assert_uint_eq(jpath_span(".status >= 500"), 7);
	ck_assert_uint_eq(jpath_span(".a[\"x y\"].b)"), 11);
	ck_assert_uint_eq(jpath_span(".5"), 0);
}
END_TEST

/* The verdict on rec: NULL (valid) or the reason. */
static const char *verdict(const char *rec)
{
	const char *why = NULL;

	return json_scan(NULL, rec, strlen(rec), NULL, &why) ? NULL : why;
}

START_TEST(test_verdicts)
{
	static const struct {
		const char *rec, *why;
	} cases[] = {
		{ "{}", NULL }, { " [1, -0, 2.5e-3, 1E+2, 12345678901234567890] \r", NULL },
		{ "\"\\ud83d\\ude00 \\u00e9 \xc3\xa9 \xf0\x9f\x98\x80\"", NULL },
		{ "true", NULL }, { "null", NULL }, { "{\"a\":{\"b\":[{}]}}", NULL },
		{ "", "empty line" }, { " \t", "empty line" },
		{ "{\"a\":\"x}", "unterminated string" },
		{ "\"\x01\"", "control character in string" },
		{ "\"\xc3\x28\"", "invalid UTF-8 in string" },
		{ "\"\xe0\x80\xaf\"", "invalid UTF-8 in string" },
		{ "\"\xed\xa0\x80\"", "invalid UTF-8 in string" },
		{ "\"\xf4\x90\x80\x80\"", "invalid UTF-8 in string" },
		{ "\"\\ud800\"", "lone surrogate in \\u escape" },
		{ "\"\\udc00\\ud800\"", "lone surrogate in \\u escape" },
		{ "\"\\u12g4\"", "invalid \\u escape in string" },
		{ "\"\\a\"", "invalid escape in string" },
		{ "01", "leading zero in number" }, { "1.", "invalid number" },
		{ "-", "invalid number" }, { "1e", "invalid number" },
		{ "nul", "invalid literal" }, { "[1,]", "expected a value" },
		{ "{\"a\" 1}", "expected ':' after a key" }, { "{1:2}", "expected a string key" },
		{ "[1 2]", "expected ',' or ']' in an array" },
		{ "{\"a\":1 \"b\":2}", "expected ',' or '}' in an object" },
		{ "1 2", "text after the value" }, { "\xef\xbb\xbf{}", "expected a value" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = verdict(cases[i].rec);

		if (cases[i].why == NULL)
			ck_assert_msg(got == NULL, "[%s]: %s", cases[i].rec, got);
		else
			ck_assert_msg(got != NULL && strcmp(got, cases[i].why) == 0, "[%s]: %s, not %s",
			    cases[i].rec, got ? got : "valid", cases[i].why);
	}
	char deep[2 * (JSON_MAX_DEPTH + 1) + 1];

	memset(deep, '[', JSON_MAX_DEPTH);
	memset(deep + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
	deep[2 * JSON_MAX_DEPTH] = '\0';
	ck_assert_ptr_null(verdict(deep));
	memset(deep, '[', JSON_MAX_DEPTH + 1);
	memset(deep + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
	deep[2 * JSON_MAX_DEPTH + 2] = '\0';
	ck_assert_str_eq(verdict(deep), "nested too deeply");
}
END_TEST

/* The fields of rec for the paths listed, joined with '|'. */
static const char *fields(const char *const *paths, size_t n, const char *rec)
{
	static char out[512];
	struct jpaths ps = { 0 };
	struct format f = { FORMAT_JSON, '\t', false, &ps, false };
	struct fieldvec fv = { 0 };
	const char *why = NULL;
	size_t at = 0;

	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(jpaths_add(&ps, paths[i]), (long)i);
	ck_assert_msg(fields_split(&f, rec, strlen(rec), &fv, &why) == 0, "[%s]: %s", rec, why);
	ck_assert_uint_eq(fv.n, n);
	for (size_t i = 0; i < fv.n; i++) {
		ck_assert(at + fv.v[i].len + 2 < sizeof out);
		if (i > 0)
			out[at++] = '|';
		memcpy(out + at, fv.v[i].p, fv.v[i].len);
		at += fv.v[i].len;
	}
	out[at] = '\0';
	fieldvec_free(&fv);
	jpaths_free(&ps);
	return out;
}

START_TEST(test_values)
{
	static const char *const p3[] = { ".a", ".b.c", ".d[1]" };
	static const char *const pdup[] = { ".a.b", ".a.c" };
	static const char *const pwhole[] = { ".", ".o" };

	ck_assert_str_eq(fields(p3, 3, "{\"a\":1.50,\"b\":{\"c\":\"x\\ty\\u00e9\\ud83d\\ude00\"},"
	    "\"d\":[true,null]}"), "1.50|x\ty\xc3\xa9\xf0\x9f\x98\x80|null");
	ck_assert_str_eq(fields(p3, 3, "{\"b\":5,\"d\":[1]}"), "null|null|null");
	ck_assert_str_eq(fields(p3, 3, "[1,2]"), "null|null|null");
	/* The last of duplicate keys wins, and forgets what the first held. */
	ck_assert_str_eq(fields(pdup, 2, "{\"a\":{\"b\":1,\"c\":2},\"a\":{\"b\":3}}"), "3|null");
	ck_assert_str_eq(fields(pdup, 2, "{\"a\":{\"b\":1},\"a\":7}"), "null|null");
	ck_assert_str_eq(fields(pwhole, 2, " { \"o\" : [ 1 , { \"k\" : \"a b\" } ] } "),
	    "{\"o\":[1,{\"k\":\"a b\"}]}|[1,{\"k\":\"a b\"}]");
	/* An escaped key matches its unescaped path. */
	ck_assert_str_eq(fields(p3, 3, "{\"\\u0061\":\"\\\"\"}"), "\"|null|null");
}
END_TEST

START_TEST(test_cut_shape)
{
	struct jpaths ps = { 0 };
	struct jval v[4];
	struct buf out = { 0 };
	const char *why;
	static const char rec[] = "{\"a\":{\"b\":1,\"z\":0},\"c\":[ 1 , 2 ],\"t\":[\"x\",\"y\"]}";
	size_t idx[4] = { 0, 1, 2, 3 };

	jpaths_add(&ps, ".a.b");
	jpaths_add(&ps, ".c");
	jpaths_add(&ps, ".t[1]");
	jpaths_add(&ps, ".\"new\\nkey\"");
	ck_assert(json_scan(&ps, rec, strlen(rec), v, &why));
	struct jout *o = jout_new(&ps, idx, 4);

	jout_write(o, v, &out);
	buf_putc(&out, '\0');
	ck_assert_str_eq(out.data, "{\"a\":{\"b\":1},\"c\":[1,2],\"t\":[null,\"y\"],\"new\\u000akey\":null}");
	jout_free(o);
	jpaths_add(&ps, ".t[4096]");
	idx[0] = 4;
	ck_assert_ptr_null(jout_new(&ps, idx, 1));
	buf_free(&out);
	jpaths_free(&ps);
}
END_TEST

Suite *suite_json(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_verdicts);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_cut_shape);
	suite_add_tcase(s, tc);
	return s;
}
