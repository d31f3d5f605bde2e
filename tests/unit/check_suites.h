/* check_suites.h - the unit test suites, one per module. */
#ifndef FORKPIPE_CHECK_SUITES_H
#define FORKPIPE_CHECK_SUITES_H

#include <check.h>

Suite *suite_record(void);
Suite *suite_frame(void);
Suite *suite_shellwords(void);
Suite *suite_stage(void);
Suite *suite_config(void);
Suite *suite_chunker(void);
Suite *suite_expr(void);
Suite *suite_fields(void);
Suite *suite_sortkey(void);
Suite *suite_agg(void);
Suite *suite_gzindex(void);
Suite *suite_runs(void);
Suite *suite_gzip(void);
Suite *suite_report(void);
Suite *suite_json(void);
Suite *suite_jsonfast(void);

#endif
