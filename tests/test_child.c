/* child.c: the one driver of a child's session, on a pytest collection's
 * records (session.h) from bytes and from a real child. */
#include "lg_test.h"

#include <string.h>

#include "leakgate/child.h"
#include "leakgate/pytest_suite.h"

#define HELLO "hello\tproto=2\tpython=3.11.2\timpl=cpython\tpid=7\tmetrics=\tmode=collect\n"

/* A child whose records go to a collection session of suite. */
static void collecting(lg_child *child, lg_session *session, lg_pytest_suite *suite)
{
	lg_child_init(child);
	lg_session_init_collection(session, suite);
	lg_child_begin_session(child, session);
}

static void test_records_torn_across_reads(void **state)
{
	static const char text[] = HELLO "test\tnode=a.py::t1\ntest\tnode=a.py::t2\n"
				   "end\treason=completed\tcount=2\n";
	lg_pytest_suite suite = LG_PYTEST_SUITE_INIT;
	lg_session session;
	lg_child child;

	(void)state;
	collecting(&child, &session, &suite);
	for (size_t at = 0; at < sizeof(text) - 1; at += 5)
		assert_lg_ok(lg_child_feed(&child, text + at,
					   sizeof(text) - 1 - at < 5 ? sizeof(text) - 1 - at : 5));
	assert_null(child.protocol_error);
	assert_int_equal(suite.count, 2);
	assert_string_equal(suite.nodes[1], "a.py::t2");
	assert_true(suite.ended);
	lg_child_dispose(&child);
	lg_pytest_suite_dispose(&suite);
}

static void test_a_broken_record_ends_the_session(void **state)
{
	lg_pytest_suite suite = LG_PYTEST_SUITE_INIT;
	lg_session session;
	lg_child child;

	(void)state;
	collecting(&child, &session, &suite);
	/* A test before hello: out of order. */
	assert_lg_ok(lg_child_feed(&child, "test\tnode=a.py::t\n", 18));
	assert_non_null(child.protocol_error);
	assert_non_null(strstr(child.protocol_error, "protocol"));
	/* Nothing after it is read. */
	assert_lg_ok(lg_child_feed(&child, HELLO, strlen(HELLO)));
	assert_int_equal(suite.count, 0);
	/* A new session starts clean, its bytes counted anew. */
	lg_child_begin_session(&child, &session);
	assert_null(child.protocol_error);
	child.record_bytes = LG_PROTO_MAX_BYTES - 2;
	assert_lg_ok(lg_child_feed(&child, "end", 3));
	assert_non_null(strstr(child.protocol_error, "MiB of records"));
	lg_child_dispose(&child);
	assert_null(child.protocol_error);
	lg_pytest_suite_dispose(&suite);
}

static void test_a_real_child_to_its_end(void **state)
{
	const char *argv[] = {
		"sh", "-c", "printf '" HELLO "test\\tnode=x.py::y\\n' >&3; echo printed; "
		"echo 'last words' >&2; printf 'end\\treason=completed\\tcount=1\\n' >&3", NULL
	};
	lg_pytest_suite suite = LG_PYTEST_SUITE_INIT;
	lg_tail err = LG_TAIL_INIT(4096);
	lg_session session;
	lg_child child;

	(void)state;
	collecting(&child, &session, &suite);
	child.proc.argv = argv;
	child.err = &err; /* stdout: read and dropped */
	assert_lg_ok(lg_proc_start(&child.proc));
	assert_lg_ok(lg_child_wait(&child, 30));
	assert_false(lg_child_open(&child));
	assert_null(child.protocol_error);
	assert_int_equal(suite.count, 1);
	assert_string_equal(suite.nodes[0], "x.py::y");
	assert_true(suite.ended);
	assert_string_equal(lg_buf_cstr(&err.data), "last words\n");
	lg_child_dispose(&child);
	lg_tail_dispose(&err);
	lg_pytest_suite_dispose(&suite);
}

static void test_a_child_past_its_deadline(void **state)
{
	const char *argv[] = { "sh", "-c", "sleep 30", NULL };
	lg_pytest_suite suite = LG_PYTEST_SUITE_INIT;
	lg_session session;
	lg_child child;
	double start = lg_proc_clock();

	(void)state;
	collecting(&child, &session, &suite);
	child.proc.argv = argv;
	assert_lg_ok(lg_proc_start(&child.proc));
	assert_int_equal(lg_child_wait(&child, 0.3), LG_EINVALID);
	assert_non_null(strstr(lg_error_last(), "no result after 0.3 s (timeout)"));
	lg_child_end(&child);
	assert_true(WIFSIGNALED(child.proc.status));
	assert_true(lg_proc_clock() - start < 10);
	lg_child_dispose(&child);
	lg_pytest_suite_dispose(&suite);
}

static void test_the_line_stderr_ends_with(void **state)
{
	lg_tail err = LG_TAIL_INIT(4096);
	char line[128];

	(void)state;
	lg_child_stderr_line(line, sizeof(line), &err);
	assert_string_equal(line, "");
	assert_lg_ok(lg_buf_puts(&err.data, "a warning\nImportError: no x\r\n\n"));
	lg_child_stderr_line(line, sizeof(line), &err);
	assert_string_equal(line, "ImportError: no x");
	/* faulthandler's innermost frame that is not the agent's. */
	lg_buf_clear(&err.data);
	assert_lg_ok(lg_buf_puts(&err.data,
		"Fatal Python error: Segmentation fault\n\n"
		"Current thread 0x1 (most recent call first):\n"
		"  File \"<leakgate>/common.py\", line 9 in call_batch\n"
		"  File \"/src/crash.py\", line 4 in run\n"
		"  File \"<string>\", line 1 in <module>\n"));
	lg_child_stderr_line(line, sizeof(line), &err);
	assert_string_equal(line, "File \"/src/crash.py\", line 4 in run");
	lg_tail_dispose(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_torn_across_reads),
		cmocka_unit_test(test_a_broken_record_ends_the_session),
		cmocka_unit_test(test_a_real_child_to_its_end),
		cmocka_unit_test(test_a_child_past_its_deadline),
		cmocka_unit_test(test_the_line_stderr_ends_with),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
