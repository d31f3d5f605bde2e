/* check_fields.c - splitting records into fields (blanks, delimited,
 * CSV with quotes, lax CSV, the first N fields only) and joining them. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "fields.h"

static const struct format blanks = { FORMAT_BLANKS, '\t', false, NULL, false };
static const struct format tsv = { FORMAT_DELIM, '\t', false, NULL, false };
static const struct format csv = { FORMAT_CSV, ',', false, NULL, false };
static const struct format csv_lax = { FORMAT_CSV, ',', true, NULL, false };

/* Split rec and return the fields joined with '|' (a static buffer). */
static const char *split(const struct format *f, const char *rec, size_t max)
{
	static char out[512];
	struct fieldvec fv = { 0 };
	const char *why = NULL;
	size_t n = 0;

	ck_assert_msg(fields_split_upto(f, rec, strlen(rec), max, &fv, &why) == 0, "[%s]: %s",
	    rec, why);
	out[0] = '\0';
	for (size_t i = 0; i < fv.n; i++) {
		ck_assert(n + fv.v[i].len + 2 < sizeof out);
		if (i > 0)
			out[n++] = '|';
		memcpy(out + n, fv.v[i].p, fv.v[i].len);
		n += fv.v[i].len;
	}
	out[n] = '\0';
	fieldvec_free(&fv);
	return out;
}

static const char *split_error(const struct format *f, const char *rec)
{
	struct fieldvec fv = { 0 };
	const char *why = NULL;

	ck_assert_int_eq(fields_split(f, rec, strlen(rec), &fv, &why), -1);
	fieldvec_free(&fv);
	return why;
}

START_TEST(test_blanks_and_delim)
{
	ck_assert_str_eq(split(&blanks, "  a \t b c  ", SIZE_MAX), "a|b|c");
	ck_assert_str_eq(split(&blanks, "a b c d", 2), "a|b");
	ck_assert_str_eq(split(&blanks, "   ", SIZE_MAX), "");
	ck_assert_str_eq(split(&tsv, "a\t\tc\t", SIZE_MAX), "a||c|");
	ck_assert_str_eq(split(&tsv, "a\tb\tc", 1), "a");
	ck_assert_str_eq(split(&tsv, "", SIZE_MAX), "");
}
END_TEST

START_TEST(test_csv_quotes)
{
	ck_assert_str_eq(split(&csv, "a,\"b,c\",d", SIZE_MAX), "a|b,c|d");
	ck_assert_str_eq(split(&csv, "\"x\"\"y\",\"\"\"\",\"\"", SIZE_MAX), "x\"y|\"|");
	ck_assert_str_eq(split(&csv, "\"two\nlines\",z\r", SIZE_MAX), "two\nlines|z");
	ck_assert_str_eq(split(&csv, ",,", SIZE_MAX), "||");
	ck_assert_str_eq(split(&csv, "", SIZE_MAX), "");
	/* Values with and without doubled quotes mixed, so some are unescaped
	 * into scratch and some stay in place. */
	ck_assert_str_eq(split(&csv, "\"a\"\"\",b,\"c\",\"\"\"d\"\"\"", SIZE_MAX),
	    "a\"|b|c|\"d\"");
}
END_TEST

START_TEST(test_csv_upto)
{
	ck_assert_str_eq(split(&csv, "a,\"b,c\",d,e", 2), "a|b,c");
	ck_assert_str_eq(split(&csv, "a,b", 5), "a|b");
	ck_assert_str_eq(split(&csv, "a,b", 0), "");
	/* Later fields are not looked at: a stray quote there is not seen. */
	ck_assert_str_eq(split(&csv, "a,b\"c", 1), "a");
}
END_TEST

START_TEST(test_csv_errors)
{
	ck_assert_str_eq(split_error(&csv, "a,b\"c"),
	    "quote inside an unquoted field (--csv-lax accepts it)");
	ck_assert_str_eq(split_error(&csv, "\"ab"), "unterminated quoted field");
	ck_assert_str_eq(split_error(&csv, "\"a\"b,c"), "text after a closing quote");
	ck_assert_str_eq(split_error(&csv, "x,\"a\"\""), "unterminated quoted field");
}
END_TEST

START_TEST(test_csv_lax)
{
	ck_assert_str_eq(split(&csv_lax, "a,b\"c,d", SIZE_MAX), "a|b\"c|d");
	ck_assert_str_eq(split(&csv_lax, "\"a\"b,c", SIZE_MAX), "ab|c");
	ck_assert_str_eq(split(&csv_lax, "\"x\"\"y\"z,\"\"t", SIZE_MAX), "x\"yz|t");
}
END_TEST

/* An empty record whose buffer is NULL (an empty header read from a
 * partial file) is one empty field in every format, with no arithmetic
 * on the null pointer (clang's UBSan reports NULL + 0; found by
 * fuzz/partial.c). */
START_TEST(test_empty_null)
{
	const struct format *fs[] = { &blanks, &tsv, &csv, &csv_lax };

	for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++) {
		struct fieldvec fv = { 0 };
		const char *why = NULL;

		ck_assert_int_eq(fields_split(fs[k], NULL, 0, &fv, &why), 0);
		ck_assert_uint_le(fv.n, 1);
		for (size_t i = 0; i < fv.n; i++) {
			ck_assert_uint_eq(fv.v[i].len, 0);
			ck_assert_ptr_nonnull(fv.v[i].p);
		}
		fieldvec_free(&fv);
	}
}
END_TEST

START_TEST(test_join)
{
	struct field v[] = { { "a,b", 3 }, { "c", 1 }, { "d\"e", 3 }, { "", 0 } };
	struct buf out = { 0 };

	fields_join(&csv, v, 4, &out);
	ck_assert_int_eq(out.len, strlen("\"a,b\",c,\"d\"\"e\","));
	ck_assert(memcmp(out.data, "\"a,b\",c,\"d\"\"e\",", out.len) == 0);
	out.len = 0;
	fields_join(&tsv, v, 2, &out);
	ck_assert(out.len == 5 && memcmp(out.data, "a,b\tc", 5) == 0);
	buf_free(&out);
}
END_TEST

Suite *suite_fields(void)
{
	Suite *s = suite_create("fields");
	TCase *tc = tcase_create("split");

	tcase_add_test(tc, test_blanks_and_delim);
	tcase_add_test(tc, test_csv_quotes);
	tcase_add_test(tc, test_csv_upto);
	tcase_add_test(tc, test_csv_errors);
	tcase_add_test(tc, test_csv_lax);
	tcase_add_test(tc, test_empty_null);
	tcase_add_test(tc, test_join);
	suite_add_tcase(s, tc);
	return s;
}
