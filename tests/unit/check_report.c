/* check_report.c - the run report: JSON strings, durations, deadlines,
 * and a worker's figures from its meter to the supervisor's totals. */
#include "autoconfig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "clock.h"
#include "job.h"
#include "json.h"
#include "meter.h"
#include "stats.h"
#include "util.h"

/* --- JSON ------------------------------------------------------------ */

static void check_string(const char *in, size_t len, const char *want)
{
	struct buf b = { 0 };

	json_strn(&b, NULL, in, len);
	buf_putc(&b, '\0');
	ck_assert_msg(strcmp(b.data, want) == 0, "got %s, want %s", b.data, want);
	buf_free(&b);
}

#define STR(lit, want) check_string(lit, sizeof lit - 1, want)

START_TEST(test_json_escapes)
{
	STR("", "\"\"");
	STR("plain text", "\"plain text\"");
	STR("q\"b\\s/", "\"q\\\"b\\\\s/\"");
	STR("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	STR("\001\037\177", "\"\\u0001\\u001f\\u007f\"");
	STR("a\0b", "\"a\\u0000b\"");
	/* Valid UTF-8 is copied: 2, 3 and 4 bytes, the edges of each. */
	STR("caf\303\251", "\"caf\303\251\"");
	STR("\302\200 \337\277", "\"\302\200 \337\277\"");
	STR("\340\240\200 \355\237\277 \356\200\200 \357\277\277", "\"\340\240\200 \355\237\277 \356\200\200 \357\277\277\"");
	STR("\360\220\200\200 \364\217\277\277", "\"\360\220\200\200 \364\217\277\277\"");
}
END_TEST

/* A byte that is not part of valid UTF-8 is the code point of its
 * number; the bytes after it are looked at afresh. */
START_TEST(test_json_invalid_utf8)
{
	STR("\351t\351", "\"\\u00e9t\\u00e9\"");		/* Latin-1 */
	STR("\200", "\"\\u0080\"");			/* lone continuation */
	STR("\377\376", "\"\\u00ff\\u00fe\"");
	STR("\300\200", "\"\\u00c0\\u0080\"");		/* overlong NUL */
	STR("\301\277", "\"\\u00c1\\u00bf\"");
	STR("\340\200\200", "\"\\u00e0\\u0080\\u0080\"");	/* overlong 3-byte */
	STR("\360\200\200\200", "\"\\u00f0\\u0080\\u0080\\u0080\"");	/* overlong 4-byte */
	STR("\355\240\200", "\"\\u00ed\\u00a0\\u0080\"");	/* surrogate U+D800 */
	STR("\364\220\200\200", "\"\\u00f4\\u0090\\u0080\\u0080\"");	/* past U+10FFFF */
	STR("\365\200\200\200", "\"\\u00f5\\u0080\\u0080\\u0080\"");
	STR("\303", "\"\\u00c3\"");			/* truncated at the end */
	STR("\342\202", "\"\\u00e2\\u0082\"");
	STR("\342\202x", "\"\\u00e2\\u0082x\"");		/* truncated mid-string */
	STR("\303\251\351", "\"\303\251\\u00e9\"");
}
END_TEST

/* Members are separated, containers nest, numbers are finite. */
START_TEST(test_json_structure)
{
	struct buf b = { 0 };

	json_open(&b, NULL, '{');
	json_str(&b, "a", "x");
	json_str(&b, "n", NULL);
	json_u64(&b, "u", UINT64_MAX);
	json_int(&b, "i", -3);
	json_num(&b, "d", 1.5, 2);
	json_num(&b, "nan", NAN, 1);
	json_open(&b, "arr", '[');
	json_open(&b, NULL, '{');
	json_close(&b, '}');
	json_u64(&b, NULL, 7);
	json_open(&b, NULL, '[');
	json_close(&b, ']');
	json_close(&b, ']');
	json_open(&b, "o", '{');
	json_close(&b, '}');
	json_close(&b, '}');
	buf_putc(&b, '\0');
	ck_assert_str_eq(b.data, "{\"a\":\"x\",\"n\":null,\"u\":18446744073709551615,\"i\":-3,"
	    "\"d\":1.50,\"nan\":0.0,\"arr\":[{},7,[]],\"o\":{}}");
	buf_free(&b);
}
END_TEST

/* --- durations and deadlines ------------------------------------------ */

START_TEST(test_parse_duration)
{
	static const struct { const char *s; double v; } good[] = {
		{ "0", 0 }, { "10", 10 }, { "0.25", 0.25 }, { "2s", 2 }, { "1.5m", 90 },
		{ "2h", 7200 }, { "1d", 86400 }, { "366d", 366.0 * 86400 }, { "500ms", 0.5 },
		{ "1ms", 0.001 },
	};
	static const char *const bad[] = {
		"", "-1", " 1", "1x", "1msx", "1mss", "ms", "s", "1s2", "367d", "nan", "inf", "1e400",
	};
	double v;

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		ck_assert_msg(parse_duration(good[i].s, &v), "'%s' refused", good[i].s);
		ck_assert_msg(fabs(v - good[i].v) < 1e-9, "'%s': %g", good[i].s, v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!parse_duration(bad[i], &v), "'%s' accepted", bad[i]);
	ck_assert(!parse_duration(NULL, &v));
}
END_TEST

START_TEST(test_deadlines)
{
	struct timespec ts;
	double now = clock_now();
	const struct timespec *t;

	ck_assert(deadline_min(0, 0) == 0);
	ck_assert(deadline_min(0, 5) == 5);
	ck_assert(deadline_min(5, 0) == 5);
	ck_assert(deadline_min(3, 5) == 3);
	ck_assert(deadline_min(deadline_min(7, 0), 2) == 2);
	ck_assert_ptr_null(deadline_timeout(0, &ts));
	/* past: at once */
	t = deadline_timeout(now - 10, &ts);
	ck_assert_ptr_eq(t, &ts);
	ck_assert(ts.tv_sec == 0 && ts.tv_nsec <= 1000000L);
	/* ahead: the time left, never less */
	t = deadline_timeout(now + 2.5, &ts);
	ck_assert(ts.tv_sec == 2 && ts.tv_nsec >= 400000000L && ts.tv_nsec <= 501000000L);
	ck_assert(clock_thread_ns() > 0);
}
END_TEST

/* --- a worker's figures, to the supervisor ----------------------------- */

static struct job *two_stage_job(long workers)
{
	struct job *job = job_new();
	char *err = NULL;
	int code;

	job->jobs = workers;
	job_add_stage(job, stage_from_spec("grep -F a", &err));
	job_add_stage(job, stage_from_spec("count", &err));
	ck_assert_int_eq(job_plan(job, &err, &code), 0);
	return job;
}

START_TEST(test_meter_to_stats)
{
	struct job *job = two_stage_job(2);
	struct meter m;
	struct stats s;
	char recs[] = "a 1\nb 2\na 3\n";
	struct block b = { recs, sizeof recs - 1, NREC_UNKNOWN, 0, 0, false, NULL, NULL, 0, NULL, NULL };
	unsigned char payload[METER_PAYLOAD(2)];
	struct rusage ru;

	/* Off, a meter counts nothing and leaves the block alone. */
	meter_init(&m, job, false, false);
	meter_in(&m, &b);
	ck_assert_uint_eq(b.nrec, NREC_UNKNOWN);
	ck_assert_uint_eq(meter_clock(&m, NULL), 0);
	meter_free(&m);

	meter_init(&m, job, true, false);
	meter_in(&m, &b);
	ck_assert_uint_eq(b.nrec, 3);	/* handed to the stages */
	ck_assert_uint_eq(m.records_in, 3);
	meter_out(&m, &b);
	ck_assert_uint_eq(m.records_out, 0);	/* not this process's to count */
	meter_charge(&m, 0, 5000);
	meter_charge(&m, 1, 7);
	meter_charge(&m, 9, 1);		/* no such stage: ignored */
	ck_assert_uint_eq(job->post, 2);
	meter_encode(&m, job->post, payload);

	stats_init(&s, job);
	ck_assert_int_eq(stats_take(&s, 0, 4, (const char *)payload, sizeof payload), -1);	/* not asked */
	stats_measure(&s, true);
	ck_assert_int_eq(stats_take(&s, 0, 4, (const char *)payload, sizeof payload - 8), -1);
	ck_assert_int_eq(stats_take(&s, 0, 4, (const char *)payload, sizeof payload + 8), -1);
	ck_assert_int_eq(stats_take(&s, 2, 4, (const char *)payload, sizeof payload), -1);	/* slot */
	ck_assert_int_eq(stats_take(&s, 1, 4, (const char *)payload, sizeof payload), 0);
	/* The figures count when their chunk completes, once. */
	ck_assert_uint_eq(stats_records_in(&s), 0);
	ck_assert_uint_eq(stats_chunk_done(&s, 1, 5), 0);
	ck_assert_uint_eq(stats_chunk_done(&s, 1, 4), 3);
	ck_assert_uint_eq(stats_chunk_done(&s, 1, 4), 0);
	ck_assert_uint_eq(stats_records_in(&s), 3);
	ck_assert_uint_eq(s.chunks_done, 1);
	ck_assert_uint_eq(s.slots[1].chunks, 1);
	ck_assert(stats_stage_seconds(&s, 0, false) == 5e-6);
	/* A worker that dies before its chunk is whole: the chunk runs again. */
	ck_assert_int_eq(stats_take(&s, 0, 6, (const char *)payload, sizeof payload), 0);
	memset(&ru, 0, sizeof ru);
	ru.ru_utime.tv_sec = 1;
	ru.ru_stime.tv_usec = 250000;
	ru.ru_maxrss = 900;
	stats_worker_reaped(&s, 0, &ru);
	ck_assert_uint_eq(stats_chunk_done(&s, 0, 6), 0);
	ck_assert_uint_eq(stats_records_in(&s), 3);
	/* The slot's processes add up; its peak memory is the largest. */
	ru.ru_maxrss = 700;
	stats_worker_reaped(&s, 0, &ru);
	ck_assert_uint_eq(s.slots[0].processes, 2);
	ck_assert_uint_eq(s.slots[0].user_us, 2000000);
	ck_assert_uint_eq(s.slots[0].sys_us, 500000);
	ck_assert_int_eq(s.slots[0].max_rss_kb, 900);
	/* The header is a record read and, when written, one out. */
	stats_header(&s, 10, true);
	ck_assert_uint_eq(stats_records_in(&s), 4);
	ck_assert_uint_eq(stats_records_out(&s), 1);
	/* The merger counts the output after a reducer. */
	ck_assert(s.local.count_out);
	meter_free(&m);
	stats_free(&s);
	job_free(job);
}
END_TEST

Suite *suite_report(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_json_escapes);
	tcase_add_test(tc, test_json_invalid_utf8);
	tcase_add_test(tc, test_json_structure);
	tcase_add_test(tc, test_parse_duration);
	tcase_add_test(tc, test_deadlines);
	tcase_add_test(tc, test_meter_to_stats);
	suite_add_tcase(s, tc);
	return s;
}
