/*
 * Every verdict through the real binary on real Python workloads: one run of
 * tests/workloads (two at a time, as -j 2), then each test reads the verdict
 * of its workload from the JUnit file, which must validate against the schema.
 */
#include "lg_test.h"
#include "lg_run.h"

#include <stdio.h>

#include "leakgate/buf.h"

typedef lg_run_suite suite;

static const char *const workload_names[] = {
	"leak_global_cache", "leak_listeners", "leak_traceback", "leak_native",
	"leak_fds", "leak_threads", "leak_slow",
	"clean_lru_cache", "clean_cycles", "clean_random_alloc",
	"clean_flushed_buffer", "clean_noisy_output", "clean_bounded_dict",
	"clean_late_cache",
	"error_import", "error_exception", "error_abort", "error_hang",
	"error_args", "error_exit",
};

static int suite_setup(void **state)
{
	lg_buf text = LG_BUF_INIT;

	/* Short runs: the workloads are built to be unambiguous. */
	assert_lg_ok(lg_buf_puts(&text, "[leakgate]\n\tduration = 0.5\n\ttimeout = 30\n"));
	lg_run_config_workloads(&text, workload_names,
				sizeof(workload_names) / sizeof(*workload_names));
	assert_lg_ok(lg_buf_puts(&text, "[workload \"error_hang\"]\n\ttimeout = 3\n"));
	*state = lg_run_suite_new("suite", lg_buf_cstr(&text), NULL);
	lg_buf_dispose(&text);
	return 0;
}

static double number(const suite *s, const char *fmt, const char *name)
{
	char expr[512];

	snprintf(expr, sizeof(expr), fmt, name);
	return lg_run_xpath_number(s->doc, expr);
}

static char *string(const suite *s, const char *fmt, const char *name)
{
	char expr[512];

	snprintf(expr, sizeof(expr), fmt, name);
	return lg_run_xpath_string(s->doc, expr);
}

static void assert_verdict(const suite *s, const char *name, const char *verdict)
{
	lg_run_assert_verdict(s->doc, name, verdict);
}

static void assert_leak(const suite *s, const char *name, const char *metric)
{
	char *message, *culprit_leaks, key[128];

	assert_verdict(s, name, "leak");
	assert_int_equal((int)number(s,
		"count(//testsuite[@name='%s']/testcase/failure[@type='leak'])", name), 1);
	message = string(s, "string(//testsuite[@name='%s']/testcase/failure/@message)", name);
	assert_non_null(strstr(message, "leaks "));
	assert_non_null(strstr(message, "/call (95% CI "));
	free(message);
	snprintf(key, sizeof(key), "%s.leaks", metric);
	culprit_leaks = lg_run_property(s->doc, name, key);
	assert_string_equal(culprit_leaks, "1");
	free(culprit_leaks);
}

static void assert_clean(const suite *s, const char *name)
{
	assert_verdict(s, name, "clean");
	assert_int_equal((int)number(s,
		"count(//testsuite[@name='%s']/testcase/*[self::failure or self::error])",
		name), 0);
}

static void assert_error(const suite *s, const char *name, const char *outcome,
			 const char *message_part)
{
	char *type, *message;

	assert_verdict(s, name, "error");
	type = string(s, "string(//testsuite[@name='%s']/testcase/error/@type)", name);
	message = string(s, "string(//testsuite[@name='%s']/testcase/error/@message)", name);
	assert_string_equal(type, outcome);
	if (!strstr(message, message_part))
		fail_msg("%s: error message '%s' lacks '%s'", name, message, message_part);
	free(type);
	free(message);
}

static void test_exit_code_is_leak(void **state)
{
	suite *s = *state;

	/* Leaks and unmeasured workloads together: the leak decides. */
	assert_int_equal(s->run.code, 1);
	assert_int_equal((int)lg_run_xpath_number(s->doc, "count(//testcase)"),
			 (int)(sizeof(workload_names) / sizeof(*workload_names)));
	assert_int_equal((int)lg_run_xpath_number(s->doc, "number(/testsuites/@failures)"), 7);
	assert_int_equal((int)lg_run_xpath_number(s->doc, "number(/testsuites/@errors)"), 6);
}

static void test_global_cache_leaks(void **state) { assert_leak(*state, "leak_global_cache", "heap_bytes"); }
static void test_listeners_leak(void **state) { assert_leak(*state, "leak_listeners", "heap_bytes"); }
static void test_traceback_leaks(void **state) { assert_leak(*state, "leak_traceback", "heap_bytes"); }
static void test_slow_leak(void **state) { assert_leak(*state, "leak_slow", "heap_bytes"); }

static void test_native_leak(void **state)
{
	suite *s = *state;
	char *slope = lg_run_property(s->doc, "leak_native", "malloc_bytes.slope");

	assert_leak(s, "leak_native", "heap_bytes");
	/* malloc(512) per call: the C heap carries it, pymalloc does not. */
	assert_true(atof(slope) >= 512 && atof(slope) < 600);
	free(slope);
	slope = lg_run_property(s->doc, "leak_native", "pymalloc_bytes.leaks");
	assert_string_equal(slope, "0");
	free(slope);
}

static void test_fd_leak(void **state)
{
	suite *s = *state;
	char *message;

	assert_leak(s, "leak_fds", "fds");
	message = string(s, "string(//testsuite[@name='%s']/testcase/failure/@message)", "leak_fds");
	assert_non_null(strstr(message, "fd/call"));
	free(message);
}

static void test_thread_leak(void **state) { assert_leak(*state, "leak_threads", "threads"); }

static void test_lru_cache_is_clean(void **state) { assert_clean(*state, "clean_lru_cache"); }
static void test_random_alloc_is_clean(void **state) { assert_clean(*state, "clean_random_alloc"); }
static void test_flushed_buffer_is_clean(void **state) { assert_clean(*state, "clean_flushed_buffer"); }
static void test_bounded_dict_is_clean(void **state) { assert_clean(*state, "clean_bounded_dict"); }

static void test_late_cache_is_clean(void **state)
{
	suite *s = *state;
	char *calls = lg_run_property(s->doc, "clean_late_cache", "calls");

	assert_clean(s, "clean_late_cache");
	/* Still growing at the end of --calls: the agent looked further. */
	assert_true(atof(calls) > 100000);
	free(calls);
}

static void test_cycles_are_clean_and_said(void **state)
{
	suite *s = *state;
	char *collected = lg_run_property(s->doc, "clean_cycles", "gc_collected.slope");

	assert_clean(s, "clean_cycles");
	/* The cycle collector frees them: reported, not a leak. */
	assert_true(atof(collected) > 0);
	free(collected);
	assert_non_null(strstr(s->run.out, "cyclic garbage"));
}

static void test_noisy_output_is_kept_apart(void **state)
{
	suite *s = *state;

	assert_clean(s, "clean_noisy_output");
	assert_true(number(s, "string-length(//testsuite[@name='%s']/testcase/system-out)",
			   "clean_noisy_output") > 0);
	assert_true(number(s, "string-length(//testsuite[@name='%s']/testcase/system-err)",
			   "clean_noisy_output") > 0);
}

static void test_import_error(void **state) { assert_error(*state, "error_import", "import-error", "ModuleNotFoundError"); }
static void test_exception(void **state) { assert_error(*state, "error_exception", "exception", "ValueError: bad input"); }
static void test_abort(void **state)
{
	assert_error(*state, "error_abort", "crashed", "SIGABRT");
	/* faulthandler's innermost frame in the workload, not the agent's. */
	assert_error(*state, "error_abort", "crashed", "error_abort.py\", line ");
}
static void test_hang(void **state) { assert_error(*state, "error_hang", "timeout", "timeout"); }
static void test_arguments(void **state) { assert_error(*state, "error_args", "import-error", "no arguments"); }
static void test_sys_exit(void **state) { assert_error(*state, "error_exit", "exception", "SystemExit"); }

static void test_file_and_line_point_at_the_function(void **state)
{
	suite *s = *state;
	char *file = string(s, "string(//testsuite[@name='%s']/testcase/@file)", "leak_fds");
	char *line = string(s, "string(//testsuite[@name='%s']/testcase/@line)", "leak_fds");
	char *classname = string(s, "string(//testsuite[@name='%s']/testcase/@classname)", "leak_fds");
	char *name = string(s, "string(//testsuite[@name='%s']/testcase/@name)", "leak_fds");

	assert_non_null(strstr(file, "tests/workloads/leak_fds.py"));
	assert_true(atoi(line) > 0);
	assert_string_equal(classname, "leak_fds");
	assert_string_equal(name, "run");
	free(file);
	free(line);
	free(classname);
	free(name);
}

/* Too few calls in the time allowed to judge a count that grows: a verdict
 * of its own, which passes (a skipped test case in the JUnit) unless asked
 * to fail. */
static void test_inconclusive_passes_unless_asked(void **state)
{
	char *dir = lg_run_tmpdir(), junit[4096];
	const char *args[] = {
		"run", "--threshold", "64", "--duration", "0.25", "--junit", junit,
		LG_SOURCE_DIR "/tests/workloads/inconclusive_slow_count.py:run", NULL, NULL
	};
	lg_run_output run;
	xmlDocPtr doc;

	(void)state;
	snprintf(junit, sizeof(junit), "%s/inconclusive.xml", dir);
	lg_run_exec(&run, NULL, args);
	if (run.code != 0)
		print_error("stdout:\n%s\nstderr:\n%s\n", run.out, run.err);
	assert_int_equal(run.code, 0);
	assert_non_null(strstr(run.out, "UNSURE"));
	assert_non_null(strstr(run.out, "inconclusive: heap "));
	assert_non_null(strstr(run.out, "blocks not judged"));
	assert_non_null(strstr(run.out, "1 inconclusive"));
	doc = lg_run_load_junit(junit);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testcase/skipped[@type='inconclusive'])"), 1);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//property[@name='verdict'][@value='inconclusive'])"), 1);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&run);
	/* --fail-inconclusive: the gate fails, the case is a failure. */
	args[8] = "--fail-inconclusive";
	lg_run_exec(&run, NULL, args);
	assert_int_equal(run.code, 1);
	doc = lg_run_load_junit(junit);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testcase/failure[@type='inconclusive'])"), 1);
	lg_run_cleanup(dir, &run, doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_code_is_leak),
		cmocka_unit_test(test_global_cache_leaks),
		cmocka_unit_test(test_listeners_leak),
		cmocka_unit_test(test_traceback_leaks),
		cmocka_unit_test(test_slow_leak),
		cmocka_unit_test(test_native_leak),
		cmocka_unit_test(test_fd_leak),
		cmocka_unit_test(test_thread_leak),
		cmocka_unit_test(test_lru_cache_is_clean),
		cmocka_unit_test(test_random_alloc_is_clean),
		cmocka_unit_test(test_flushed_buffer_is_clean),
		cmocka_unit_test(test_bounded_dict_is_clean),
		cmocka_unit_test(test_late_cache_is_clean),
		cmocka_unit_test(test_cycles_are_clean_and_said),
		cmocka_unit_test(test_noisy_output_is_kept_apart),
		cmocka_unit_test(test_import_error),
		cmocka_unit_test(test_exception),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_hang),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_sys_exit),
		cmocka_unit_test(test_file_and_line_point_at_the_function),
		cmocka_unit_test(test_inconclusive_passes_unless_asked),
	};

	return cmocka_run_group_tests_name("run: verdicts", tests, suite_setup,
					   lg_run_suite_teardown);
}
