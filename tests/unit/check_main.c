/* check_main.c - run every unit test suite.
 *
 * CK_VERBOSITY and CK_FORK work as Check documents them; CK_FORK=no runs
 * the tests in this process, for gdb. */
#include "autoconfig.h"

#include <stdlib.h>

#include "check_suites.h"

int main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(suite_record());
	srunner_add_suite(sr, suite_frame());
	srunner_add_suite(sr, suite_gzindex());
	srunner_add_suite(sr, suite_shellwords());
	srunner_add_suite(sr, suite_stage());
	srunner_add_suite(sr, suite_config());
	srunner_add_suite(sr, suite_chunker());
	srunner_add_suite(sr, suite_expr());
	srunner_add_suite(sr, suite_fields());
	srunner_add_suite(sr, suite_json());
	srunner_add_suite(sr, suite_jsonfast());
	srunner_add_suite(sr, suite_sortkey());
	srunner_add_suite(sr, suite_agg());
	srunner_add_suite(sr, suite_runs());
	srunner_add_suite(sr, suite_gzip());
	srunner_add_suite(sr, suite_report());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
