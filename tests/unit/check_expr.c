/* check_expr.c - filter expressions: parsing, binding names, evaluation
 * with awk's comparison rules. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "expr.h"
#include "fieldlist.h"
#include "fields.h"

static const struct format blanks = { FORMAT_BLANKS, '\t', false, NULL, false };
static const struct format colon = { FORMAT_DELIM, ':', false, NULL, false };

static struct expr *parse_ok(const char *text)
{
	char *err = NULL;
	struct expr *e = expr_parse(text, &err);

	ck_assert_msg(e != NULL, "[%s]: %s", text, err);
	return e;
}

/* Evaluate text against rec[0..len) split in format f. */
static bool eval_fmt(const char *text, const struct format *f, const char *rec, size_t len)
{
	struct expr *e = parse_ok(text);
	struct fieldvec fv = { 0 };
	const char *why = NULL;
	char *err = NULL;

	ck_assert_msg(expr_bind(e, NULL, &err) == 0, "[%s]: %s", text, err);
	ck_assert_int_eq(fields_split(f, rec, len, &fv, &why), 0);
	bool r = expr_eval(e, rec, len, fv.v, fv.n);

	ck_assert_ptr_null(expr_failed(e));
	fieldvec_free(&fv);
	expr_free(e);
	return r;
}

static bool ev(const char *text, const char *rec)
{
	return eval_fmt(text, &blanks, rec, strlen(rec));
}

static bool evd(const char *text, const char *rec)
{
	return eval_fmt(text, &colon, rec, strlen(rec));
}

#define TRUE(text, rec) ck_assert_msg(ev(text, rec), "[%s] on [%s] is false", text, rec)
#define FALSE(text, rec) ck_assert_msg(!ev(text, rec), "[%s] on [%s] is true", text, rec)
#define TRUE_D(text, rec) ck_assert_msg(evd(text, rec), "[%s] on [%s] is false", text, rec)
#define FALSE_D(text, rec) ck_assert_msg(!evd(text, rec), "[%s] on [%s] is true", text, rec)

static void parse_error(const char *text, const char *want)
{
	char *err = NULL;
	struct expr *e = expr_parse(text, &err);

	ck_assert_msg(e == NULL, "[%s] parsed", text);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strcmp(err, want) == 0, "[%s]: message [%s], expected [%s]", text, err, want);
	free(err);
}

/* --- parsing ----------------------------------------------------------- */

START_TEST(test_precedence)
{
	/* && binds tighter than ||. */
	TRUE("1 == 1 || 1 == 2 && 1 == 2", "");
	FALSE("(1 == 1 || 1 == 2) && 1 == 2", "");
	TRUE("1 == 2 && 1 == 2 || 1 == 1", "");
	/* ! binds tighter than comparisons, as in awk: (!$1) == 2. */
	FALSE("!$1 == 2", "3");
	TRUE("!$1 == 0", "3");
	TRUE("!($1 == 2)", "3");
	FALSE("!$1 ~ \"3\"", "3");
	TRUE("!$1 ~ \"0\"", "3");
	TRUE("!!$1", "3");
	TRUE("!!!$1", "0");
	/* A comparison's result is a number usable as an operand. */
	TRUE("($1 == 3) == 1", "3");
	TRUE("($1 < 4) == 1", "3");
	TRUE("(((($1))) == 3)", "3");
	TRUE("$1==3&&$2<1||1==2", "3 0.0");
}
END_TEST

START_TEST(test_literals)
{
	TRUE("-1.5e3 == -1500", "");
	TRUE(".5 == 0.5 && 5. == 5 && 1E+2 == 100 && 1e-2 == 0.01", "");
	TRUE("$1 == -3", "-3");
	TRUE("$1 == -.5", "-0.5");
	TRUE("$1==-3", "-3");
	TRUE("$1 == \"a\\\"b\"", "a\"b");
	TRUE("$1 == \"a\\\\b\"", "a\\b");
	TRUE_D("$1 == \"a\\tb\"", "a\tb:x");
	TRUE("$0 == \"\"", "");
	/* An unknown escape keeps its backslash: handy in patterns. */
	TRUE("$1 ~ \"^\\d+$\"", "123");
	FALSE("$1 ~ \"^\\d+$\"", "12a");
	TRUE("$1 == \"\\d\"", "\\d");
	/* Names: letters, digits, underscore, or anything inside ${}. */
	TRUE("$007 == \"g\"", "a b c d e f g");
	/* White space of any kind between tokens. */
	TRUE("\t$1\n==\r\n1 ", "1");
}
END_TEST

START_TEST(test_parse_errors)
{
	parse_error("$1 == )", "unexpected ')' at position 7");
	parse_error("", "unexpected end of expression at position 1");
	parse_error("   ", "unexpected end of expression at position 4");
	parse_error("$1 ==", "unexpected end of expression at position 6");
	parse_error("($1 == 1", "unexpected end of expression at position 9");
	parse_error("$1 == 1)", "unexpected ')' at position 8");
	parse_error("$1 = 1", "unexpected '=' at position 4 (compare with '==')");
	parse_error("$1 & 1", "unexpected '&' at position 4");
	parse_error("$1 | 1", "unexpected '|' at position 4");
	parse_error("$1 == 1 2", "unexpected '2' at position 9");
	/* Word operators: the message names the one meant. */
	parse_error("$9 == 404 and $1 == 2", "unexpected 'and' at position 11 (write '&&' for 'and')");
	parse_error("$9 == 404 OR $1 == 2", "unexpected 'OR' at position 11 (write '||' for 'or')");
	parse_error("not $9 == 404", "unexpected 'not' at position 1 (write '!' for 'not')");
	parse_error("$9 == 404 && not($1 == 2)", "unexpected 'not' at position 14 (write '!' for 'not')");
	parse_error("$9 == 404 andy", "unexpected 'a' at position 11");
	parse_error("$1 < 2 < 3", "unexpected '<' at position 8");
	parse_error("$1 == 1 ~ \"a\"", "unexpected '~' at position 9");
	parse_error("$1 ~ $2", "expected a string (the pattern) after '~' at position 6");
	parse_error("$1 !~ 5", "expected a string (the pattern) after '!~' at position 7");
	parse_error("$1 ~", "unexpected end of expression at position 5");
	parse_error("$1 == \"abc", "unterminated string at position 7");
	parse_error("$1 == \"abc\\\"", "unterminated string at position 7");
	parse_error("$ == 1", "'$' needs a field number or name at position 1");
	parse_error("$-1 == 1", "'$' needs a field number or name at position 1");
	parse_error("${a == 1", "unterminated '${' at position 1");
	parse_error("${} == 1", "empty field name '${}' at position 1");
	parse_error("$1 == 1e", "bad number '1e' at position 7");
	parse_error("$1 == 1.2.3", "bad number '1.2.3' at position 7");
	parse_error("$1 == 12abc", "bad number '12abc' at position 7");
	parse_error("$1 == 0x1A", "bad number '0x1A' at position 7");
	parse_error("$1 == - 1", "unexpected '-' at position 7");
	parse_error("$1 == .", "unexpected '.' at position 7");
	parse_error("$1 == abc", "unexpected 'a' at position 7");
	parse_error("$1 ~ \"(\"", "invalid regular expression at position 6: "
	    "missing closing parenthesis at offset 1");
	parse_error("$99999999999 == 1", "field number too large in '$99999999999' at position 1");
	parse_error("!", "unexpected end of expression at position 2");
	parse_error("()", "unexpected ')' at position 2");
	parse_error("$1 == \"a\" \"b\"", "unexpected '\"b\"' at position 11");
	parse_error("1 == \x01", "unexpected byte 0x01 at position 6");

	/* Deep nesting is refused, not a stack overflow. */
	char deep[2000];
	size_t n = 0;

	for (int i = 0; i < 600; i++)
		deep[n++] = '(';
	strcpy(deep + n, "1");
	char *err = NULL;

	ck_assert_ptr_null(expr_parse(deep, &err));
	ck_assert_ptr_nonnull(strstr(err, "nested too deeply"));
	free(err);
	memset(deep, '!', 600);
	strcpy(deep + 600, "1");
	ck_assert_ptr_null(expr_parse(deep, &err));
	ck_assert_ptr_nonnull(strstr(err, "nested too deeply"));
	free(err);
	/* ... while a reasonable depth is fine. */
	n = 0;
	for (int i = 0; i < 100; i++)
		deep[n++] = '(';
	deep[n++] = '1';
	for (int i = 0; i < 100; i++)
		deep[n++] = ')';
	deep[n] = '\0';
	TRUE(deep, "");
}
END_TEST

/* --- evaluation -------------------------------------------------------- */

START_TEST(test_numeric_vs_string)
{
	/* A field that looks numeric compares numerically with a number... */
	TRUE("$1 == 10", "10.0");
	TRUE("$1 == 10", "1e1");
	TRUE("$1 == 10", "+10");
	TRUE("$1 == 10", "0010");
	/* ... and as bytes with a string. */
	FALSE("$1 == \"10\"", "10.0");
	TRUE("$1 == \"10.0\"", "10.0");
	TRUE("$1 < \"9\"", "10");
	FALSE("$1 < 9", "10");
	/* Two numeric fields compare as numbers. */
	TRUE("$1 == $2", "10.0 1e1");
	TRUE("$1 > $2", "10 9");
	/* One non-numeric side makes it a string comparison. */
	TRUE("$1 < $2", "10 9x");
	FALSE("$1 < 1", "abc");
	TRUE("$1 > 1", "abc");
	/* The number reads as awk prints it: an integer, or %.6g. */
	TRUE("\"10\" == 10", "");
	TRUE("\"1000\" == 1e3", "");
	TRUE("\"0.1\" == 0.10", "");
	TRUE("\"1e+30\" == 1e30", "");
	TRUE("\"0.333333\" == 0.3333333333", "");
	TRUE("$1 == 0.5", "0.50");
	FALSE("$1 == 0.5", "0.50x");
	/* Blanks around a number (delimited fields keep them). */
	TRUE_D("$1 == 10 && $1 != \"10\"", " 10 :x");
	TRUE_D("$1 == 10", "\t10\r:x");
	FALSE_D("$1 < 10", " 10 :x");
	/* Not numbers: hexadecimal, inf, nan, lone signs and points, blanks only. */
	FALSE("$1 == 26", "0x1A");
	FALSE("$1 == 0", "0x0");
	TRUE("$1 > 1000", "inf");
	FALSE("$1 == $1 && $1 < 0", "nan");
	TRUE("$1 < 0", "-");
	TRUE("$1 < 0", ".");
	FALSE("$1 == 1", "1e");
	FALSE("$1 == 5", "5x");
	FALSE_D("$1 == 5", "5 5:x");
	TRUE_D("$1 < 0", " :x");
	TRUE("$1 > 999", "1e999");
	/* Bytes compare unsigned; a prefix sorts first. */
	TRUE("$1 < \"abc\"", "ab");
	TRUE("$1 > \"z\"", "\xe9");
	TRUE("$1 >= \"ab\" && $1 <= \"ab\" && $1 == \"ab\"", "ab");
	/* Each operator. */
	TRUE("2 > 1 && 2 >= 2 && 1 < 2 && 2 <= 2 && 1 != 2 && 2 == 2", "");
	FALSE("2 < 1 || 2 <= 1 || 1 > 2 || 1 >= 2 || 1 != 1 || 1 == 2", "");
}
END_TEST

START_TEST(test_missing_and_empty)
{
	/* A missing field is the empty string, as in awk: "" < "1" but
	 * "" != "0". */
	TRUE("$3 < 1", "a");
	FALSE("$3 == 0", "a");
	TRUE("$3 == \"\"", "a");
	TRUE("$3 < -1", "a");
	TRUE("$3 < $1", "a");
	/* So is an empty delimited field. */
	TRUE_D("$2 == \"\" && $2 < 1 && $2 != 0", "a::c");
	FALSE_D("$2 == 0", "a::c");
	TRUE_D("$3 == \"c\"", "a::c");
	/* A bare operand: non-zero number or non-empty string. */
	TRUE("$1", "a");
	FALSE("$1", "0.0");
	TRUE("$1", "0.0x");
	FALSE("$2", "a");
	TRUE("!$2", "a");
	FALSE("0", "");
	TRUE("-0.5", "");
	TRUE("\"0\"", "");
	FALSE("\"\"", "");
	/* $0 is numeric too when it looks like a number. */
	TRUE("$0 == 5", "  5  ");
	TRUE("$0 == \"a  b\"", "a  b");
}
END_TEST

START_TEST(test_match)
{
	TRUE("$2 ~ \"^fo+$\"", "x foo");
	FALSE("$2 ~ \"^fo+$\"", "x foox");
	TRUE("$2 !~ \"^fo+$\"", "x foox");
	TRUE("$0 ~ \"x f\"", "x foo");
	TRUE("$3 ~ \"^$\"", "x foo");
	FALSE("$3 ~ \".\"", "x foo");
	TRUE("5 ~ \"^5$\" && 0.5 ~ \"^0\\\\.5$\"", "");
	TRUE("($1 == 1) ~ \"1\"", "1");
	/* $ only at the very end, as grep -P. */
	const char rec[] = "ab\n";

	ck_assert(!eval_fmt("$0 ~ \"b$\"", &blanks, rec, 3));
	ck_assert(eval_fmt("$0 ~ \"b\\n$\"", &blanks, rec, 3));
	/* No UTF: bytes. */
	TRUE("$1 ~ \"^.$\"", "\xe9");
	/* Bytes are matched, NULs included. */
	const char nul[] = "a\0b";

	ck_assert(eval_fmt("$0 ~ \"a\\\\x00b\"", &blanks, nul, 3));
	ck_assert(eval_fmt("$0 ~ \"^a.b$\"", &blanks, nul, 3));
}
END_TEST

START_TEST(test_long_number)
{
	char rec[400];

	memset(rec, '0', 300);
	strcpy(rec + 300, "1.5");
	TRUE("$1 == 1.5", rec);
	rec[0] = ' ';
	TRUE("$1 == 1.5", rec);
}
END_TEST

START_TEST(test_needs_fields)
{
	static const struct {
		const char *text;
		bool needs;
	} cases[] = {
		{ "$0 ~ \"x\"", false }, { "1 == 1", false }, { "$0 == 3 || !$0", false },
		{ "$1 == 1", true }, { "$0 ~ \"a\" && $2", true }, { "$name == 1", true },
		{ "${a b} == 1", true },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct expr *e = parse_ok(cases[i].text);

		ck_assert_msg(expr_needs_fields(e) == cases[i].needs, "[%s]", cases[i].text);
		expr_free(e);
	}
	/* $0 alone needs no fields: f may be NULL. */
	struct expr *e = parse_ok("$0 ~ \"^a\" && $0 != \"ab\"");

	ck_assert(expr_eval(e, "abc", 3, NULL, 0));
	ck_assert(!expr_eval(e, "ab", 2, NULL, 0));
	expr_free(e);
}
END_TEST

/* --- binding names ----------------------------------------------------- */

static void header_of(struct header *h, const char *rec)
{
	const char *why = NULL;

	memset(h, 0, sizeof *h);
	ck_assert_int_eq(fields_split(&colon, rec, strlen(rec), &h->fields, &why), 0);
}

static bool eval_bound(struct expr *e, const char *rec)
{
	struct fieldvec fv = { 0 };
	const char *why = NULL;

	ck_assert_int_eq(fields_split(&colon, rec, strlen(rec), &fv, &why), 0);
	bool r = expr_eval(e, rec, strlen(rec), fv.v, fv.n);

	fieldvec_free(&fv);
	return r;
}

START_TEST(test_bind)
{
	struct header h;
	char *err = NULL;
	struct expr *e;

	header_of(&h, "id:first name:age:x_1:2nd");
	e = parse_ok("$age > 30 && ${first name} == \"bob\" && $x_1 ~ \"^y\" && $2nd == 2");
	ck_assert_int_eq(expr_bind(e, &h, &err), 0);
	ck_assert(eval_bound(e, "1:bob:31:yes:2"));
	ck_assert(!eval_bound(e, "1:bob:30:yes:2"));
	ck_assert(!eval_bound(e, "1:bobby:31:yes:2"));
	ck_assert(!eval_bound(e, "1:bob:31:no:2"));
	/* Past the end of a short record: missing. */
	ck_assert(!eval_bound(e, "1:bob"));
	expr_free(e);

	/* ${...} holds any name, $digits is a number. */
	e = parse_ok("${id} == 7 && $1 == 7 && ${age} == \"\"");
	ck_assert_int_eq(expr_bind(e, &h, &err), 0);
	ck_assert(eval_bound(e, "7:x"));
	expr_free(e);

	/* Unknown names, and names without a header. */
	e = parse_ok("$age > 1 || $nosuch == 1");
	ck_assert_int_eq(expr_bind(e, &h, &err), -1);
	ck_assert_str_eq(err, "field '$nosuch': no such field in the header");
	free(err);
	ck_assert_int_eq(expr_bind(e, NULL, &err), -1);
	ck_assert_str_eq(err, "field '$age': field names need a header (--header)");
	free(err);
	expr_free(e);
	e = parse_ok("${a b} == 1");
	ck_assert_int_eq(expr_bind(e, &h, &err), -1);
	ck_assert_str_eq(err, "field '${a b}': no such field in the header");
	free(err);
	/* Unbound, a name reads as a missing field. */
	ck_assert(!eval_bound(e, "1:2"));
	expr_free(e);

	/* Numbers alone bind without a header. */
	e = parse_ok("$1 == 1");
	ck_assert_int_eq(expr_bind(e, NULL, &err), 0);
	expr_free(e);
	fieldvec_free(&h.fields);
}
END_TEST

Suite *suite_expr(void)
{
	Suite *s = suite_create("expr");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_literals);
	tcase_add_test(tc, test_parse_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("eval");
	tcase_add_test(tc, test_numeric_vs_string);
	tcase_add_test(tc, test_missing_and_empty);
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_long_number);
	tcase_add_test(tc, test_needs_fields);
	suite_add_tcase(s, tc);
	tc = tcase_create("bind");
	tcase_add_test(tc, test_bind);
	suite_add_tcase(s, tc);
	return s;
}
