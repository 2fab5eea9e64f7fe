/* A pytest suite's collection records, and the verdict of a skipped test. */
#include "lg_test.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/pytest_suite.h"
#include "leakgate/session.h"
#include "leakgate/verdict.h"
#include "cli/cli.h"

/* Apply a hello, then the records of text (one per line), to a collection
 * session of suite, as the runner does; the first error. */
static int apply(lg_pytest_suite *suite, const char *text)
{
	static const char hello[] = "hello\tproto=2\tpython=3.11.2\timpl=cpython\t"
				    "pid=7\tmetrics=\tmode=collect\n";
	lg_proto_reader rd = LG_PROTO_READER_INIT;
	lg_session session;
	lg_record rec;
	int rc;

	lg_session_init_collection(&session, suite);
	assert_lg_ok(lg_proto_reader_feed(&rd, hello, strlen(hello)));
	assert_lg_ok(lg_proto_reader_feed(&rd, text, strlen(text)));
	while ((rc = lg_proto_reader_next(&rd, &rec)) == 1) {
		rc = lg_session_apply(&session, &rec);
		lg_record_dispose(&rec);
		if (rc < 0)
			break;
	}
	lg_proto_reader_dispose(&rd);
	return rc;
}

static void test_collected_nodes(void **state)
{
	lg_pytest_suite suite = LG_PYTEST_SUITE_INIT;

	(void)state;
	/* Node ids keep their tabs and UTF-8 through the escapes. */
	assert_lg_ok(apply(&suite,
		"test\tnode=tests/test_a.py::test_b[x\\ty-\xc3\xa9]\n"
		"note\ttext=anything\n"
		"test\tnode=tests/test_a.py::TestC::test_d\n"
		"end\treason=completed\tcount=2\n"));
	assert_int_equal(suite.count, 2);
	assert_true(suite.ended);
	assert_null(suite.error);
	assert_string_equal(suite.nodes[0], "tests/test_a.py::test_b[x\ty-\xc3\xa9]");
	assert_string_equal(suite.nodes[1], "tests/test_a.py::TestC::test_d");
	lg_pytest_suite_dispose(&suite);
	assert_null(suite.nodes);
	assert_int_equal(suite.count, 0);
}

static void test_collection_errors(void **state)
{
	lg_pytest_suite suite = LG_PYTEST_SUITE_INIT;

	(void)state;
	/* Ours and pytest's usage errors read without their type. */
	assert_lg_ok(apply(&suite, "end\treason=import-error\texc_type=ImportError\t"
			   "message=pytest is not installed for /usr/bin/python3 "
			   "(No module named 'pytest')\n"));
	assert_string_equal(suite.error, "pytest is not installed for "
			    "/usr/bin/python3 (No module named 'pytest')");
	lg_pytest_suite_dispose(&suite);
	assert_lg_ok(apply(&suite, "end\treason=import-error\texc_type="
			   "_pytest.config.exceptions.UsageError\tmessage=file or "
			   "directory not found:\\n nope/\n"));
	/* pytest's lines kept, as pytest prints them. */
	assert_string_equal(suite.error, "file or directory not found:\n nope/");
	lg_pytest_suite_dispose(&suite);
	assert_lg_ok(apply(&suite, "end\treason=import-error\texc_type=SyntaxError\t"
			   "message=invalid syntax\n"));
	assert_string_equal(suite.error, "SyntaxError: invalid syntax");
	lg_pytest_suite_dispose(&suite);
}

/* A note of the collection is a warning for the user, one a line. */
static void test_collection_notes(void **state)
{
	lg_pytest_suite suite = LG_PYTEST_SUITE_INIT;

	(void)state;
	assert_lg_ok(apply(&suite, "test\tnode=a.py::b\n"
			   "note\ttext=the tests import pkg from the source tree\n"
			   "note\ttext=\n"
			   "note\ttext=another\n"
			   "end\treason=completed\n"));
	assert_string_equal(lg_buf_cstr(&suite.notes),
			    "the tests import pkg from the source tree\nanother\n");
	lg_pytest_suite_dispose(&suite);
	assert_int_equal(suite.notes.len, 0);
}

static void test_collection_protocol_errors(void **state)
{
	lg_pytest_suite suite = LG_PYTEST_SUITE_INIT;

	(void)state;
	assert_int_equal(apply(&suite, "test\tnode=\n"), LG_EPROTO);
	assert_string_equal(lg_error_last(), "protocol: test record without a node id");
	assert_int_equal(apply(&suite, "sample\tcalls=1\n"), LG_EPROTO);
	assert_string_equal(lg_error_last(), "protocol: sample record after hello (collection)");
	assert_int_equal(apply(&suite, "end\treason=completed\n"
			       "test\tnode=a.py::b\n"), LG_EPROTO);
	assert_string_equal(lg_error_last(), "protocol: test record after end (collection)");
	assert_int_equal(suite.count, 0);
	lg_pytest_suite_dispose(&suite);
}

/* The collection's records are checked by the one state table: a hello
 * first, of this version. */
static void test_collection_needs_hello(void **state)
{
	lg_pytest_suite suite = LG_PYTEST_SUITE_INIT;
	lg_proto_reader rd = LG_PROTO_READER_INIT;
	lg_session session;
	lg_record rec;
	const char *lines[] = {
		"test\tnode=a.py::b\n", "hello\tproto=1\tmetrics=\n",
	};
	const char *errors[] = {
		"protocol: test record before hello (collection)",
		"protocol: agent speaks version 1, runner 2",
	};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		lg_session_init_collection(&session, &suite);
		assert_lg_ok(lg_proto_reader_feed(&rd, lines[i], strlen(lines[i])));
		assert_int_equal(lg_proto_reader_next(&rd, &rec), 1);
		assert_int_equal(lg_session_apply(&session, &rec), LG_EPROTO);
		assert_string_equal(lg_error_last(), errors[i]);
		lg_record_dispose(&rec);
	}
	assert_int_equal(suite.count, 0);
	lg_proto_reader_dispose(&rd);
	lg_pytest_suite_dispose(&suite);
}

static void test_skipped_verdict(void **state)
{
	lg_workload_result *r = *state;
	lg_fit_options fit = LG_FIT_OPTIONS_INIT;
	lg_run_result run = { .items = r, .count = 1 };

	/* Not measured, not an error, whatever expect says: it passes. */
	r->outcome = LG_OUTCOME_SKIPPED;
	r->detail = strdup("not on this platform");
	r->workload.expect_leak = 1;
	assert_lg_ok(lg_judge(r, &fit));
	assert_int_equal(r->verdict, LG_VERDICT_SKIPPED);
	assert_string_equal(r->message, "skipped: not on this platform");
	assert_string_equal(lg_verdict_name(r->verdict), "skipped");
	assert_int_equal(lg_cli_exit_code(&run), 0);
}

static void test_failed_test_message(void **state)
{
	lg_workload_result *r = *state;
	lg_fit_options fit = LG_FIT_OPTIONS_INIT;

	/* A test's failure names its run itself, not a count of calls. */
	assert_lg_ok(lg_string_set(&r->workload.target, "pytest:t.py::test_a"));
	r->outcome = LG_OUTCOME_EXCEPTION;
	r->detail = strdup("AssertionError: passed 1 run, failed run 2 (in call): x");
	assert_lg_ok(lg_judge(r, &fit));
	assert_int_equal(r->verdict, LG_VERDICT_ERROR);
	assert_string_equal(r->message, "test failed: AssertionError: passed 1 run, "
			    "failed run 2 (in call): x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collected_nodes),
		cmocka_unit_test(test_collection_errors),
		cmocka_unit_test(test_collection_notes),
		cmocka_unit_test(test_collection_protocol_errors),
		cmocka_unit_test(test_collection_needs_hello),
		cmocka_unit_test_setup_teardown(test_skipped_verdict, lg_test_result_setup,
						lg_test_result_teardown),
		cmocka_unit_test_setup_teardown(test_failed_test_message, lg_test_result_setup,
						lg_test_result_teardown),
	};

	return cmocka_run_group_tests_name("pytest_suite", tests, NULL, NULL);
}
