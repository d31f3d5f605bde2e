/* check_shellwords.c - splitting stage specs into words. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "shellwords.h"

/* Split s and compare with the NULL-terminated list of expected words. */
static void check_split(const char *s, const char *const *want)
{
	char **argv = NULL, *err = NULL;
	int argc = -1, n = 0;

	while (want[n] != NULL)
		n++;
	ck_assert_msg(shellwords_split(s, &argc, &argv, &err) == 0, "split [%s]: %s", s, err);
	ck_assert_ptr_null(err);
	ck_assert_msg(argc == n, "split [%s]: %d words, want %d", s, argc, n);
	for (int i = 0; i < n; i++)
		ck_assert_msg(strcmp(argv[i], want[i]) == 0, "split [%s]: word %d is [%s], want [%s]",
		    s, i, argv[i], want[i]);
	ck_assert_ptr_null(argv[argc]);
	shellwords_free(argv);
}

/* Split s, expecting failure with a message containing why. */
static void check_error(const char *s, const char *why)
{
	char **argv = NULL, *err = NULL;
	int argc = -1;

	ck_assert_msg(shellwords_split(s, &argc, &argv, &err) == -1, "split [%s] succeeded", s);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, why) != NULL, "split [%s]: message [%s] lacks [%s]", s, err, why);
	ck_assert_ptr_null(argv);
	ck_assert_int_eq(argc, 0);
	free(err);
}

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

START_TEST(test_plain)
{
	check_split("grep foo", W("grep", "foo"));
	check_split("count", W("count"));
	check_split("a-b c.d/e =f", W("a-b", "c.d/e", "=f"));
}
END_TEST

START_TEST(test_blanks)
{
	check_split("", NONE);
	check_split("   \t\n ", NONE);
	check_split("  a \t b\n c  ", W("a", "b", "c"));
	check_split("a\t\t\tb", W("a", "b"));
}
END_TEST

START_TEST(test_single_quotes)
{
	check_split("grep 'a b'", W("grep", "a b"));
	/* Nothing is special inside single quotes. */
	check_split("'a\\b \"c\" $d `e`'", W("a\\b \"c\" $d `e`"));
	check_split("' lead' 'trail '", W(" lead", "trail "));
	check_split("'a\nb'", W("a\nb"));
}
END_TEST

START_TEST(test_double_quotes)
{
	check_split("\"a b\"", W("a b"));
	check_split("\"\\\"\"", W("\""));
	check_split("\"\\\\\"", W("\\"));
	check_split("\"\\$HOME\"", W("$HOME"));
	check_split("\"\\`\"", W("`"));
	/* Before any other byte the backslash is literal. */
	check_split("\"\\d+\\s\\n\"", W("\\d+\\s\\n"));
	check_split("\"a'b\"", W("a'b"));
	/* Backslash-newline is a line continuation. */
	check_split("\"a\\\nb\"", W("ab"));
}
END_TEST

START_TEST(test_backslash)
{
	check_split("a\\ b", W("a b"));
	check_split("\\'x\\'", W("'x'"));
	check_split("\\\"", W("\""));
	check_split("\\\\", W("\\"));
	check_split("\\d", W("d"));
	check_split("a\\\nb", W("ab"));
}
END_TEST

START_TEST(test_adjacent)
{
	check_split("a'b'\"c\"", W("abc"));
	check_split("'a'\"b\"c d", W("abc", "d"));
	check_split("-e'x y'", W("-ex y"));
	check_split("x\"\"y", W("xy"));
}
END_TEST

START_TEST(test_empty_word)
{
	check_split("''", W(""));
	check_split("\"\"", W(""));
	check_split("a '' b", W("a", "", "b"));
	check_split("'' \"\"", W("", ""));
}
END_TEST

START_TEST(test_no_expansion)
{
	check_split("$HOME ~ * ~/x ?.c [ab] ${X} $(ls) `ls`",
	    W("$HOME", "~", "*", "~/x", "?.c", "[ab]", "${X}", "$(ls)", "`ls`"));
	check_split("a;b|c&d>e<f", W("a;b|c&d>e<f"));
}
END_TEST

START_TEST(test_errors)
{
	check_error("'abc", "unterminated");
	check_error("grep 'a b", "unterminated single");
	check_error("\"abc", "unterminated double");
	check_error("\"abc\\\"", "unterminated");
	check_error("a \"b\" 'c", "unterminated");
	check_error("abc\\", "trailing backslash");
	check_error("\\", "trailing backslash");
}
END_TEST

Suite *suite_shellwords(void)
{
	Suite *s = suite_create("shellwords");
	TCase *tc;

	tc = tcase_create("core");
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_blanks);
	tcase_add_test(tc, test_single_quotes);
	tcase_add_test(tc, test_double_quotes);
	tcase_add_test(tc, test_backslash);
	tcase_add_test(tc, test_adjacent);
	tcase_add_test(tc, test_empty_word);
	tcase_add_test(tc, test_no_expansion);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return s;
}
