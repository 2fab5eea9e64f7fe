/*
 * The command line through the real binary: exit codes, bad input (one
 * line naming the culprit, exit 2, no half-written files), expected leaks,
 * module targets, a missing interpreter.
 */
#include "lg_test.h"
#include "lg_run.h"

#include <stdio.h>

#define W(name) LG_SOURCE_DIR "/tests/workloads/" name

typedef lg_run_fixture fixture;

static const char *in_dir(fixture *f, const char *name)
{
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
	return f->path;
}

/* Exit 2 with exactly one line on stderr that contains `part`. */
static void assert_usage_error(const char *const *args, const char *part)
{
	lg_run_output res;
	const char *nl;

	lg_run_exec(&res, NULL, args);
	if (res.code != 2 || !strstr(res.err, part))
		fail_msg("expected exit 2 mentioning '%s', got %d: %s", part,
			 res.code, res.err);
	nl = strchr(res.err, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
	assert_string_equal(res.out, "");
	lg_run_output_dispose(&res);
}

static void test_bad_arguments(void **state)
{
	static const char *const none[] = { "run", NULL };
	static const char *const unknown[] = { "run", "--bogus", NULL };
	static const char *const calls[] = { "run", "--calls", "ten", W("clean_cycles.py:run"), NULL };
	static const char *const threshold[] = { "run", "--threshold", "-1", W("clean_cycles.py:run"), NULL };
	static const char *const value[] = { "run", W("clean_cycles.py:run"), "--timeout", NULL };
	static const char *const target[] = { "run", "orders.py", NULL };
	static const char *const command[] = { "frobnicate", NULL };

	(void)state;
	assert_usage_error(none, "no workloads");
	assert_usage_error(unknown, "--bogus");
	assert_usage_error(calls, "--calls: 'ten'");
	assert_usage_error(threshold, "--threshold");
	assert_usage_error(value, "--timeout");
	assert_usage_error(target, "orders.py");
	assert_usage_error(command, "frobnicate");
}

static void test_missing_files(void **state)
{
	fixture *f = *state;
	static const char *const file[] = { "run", W("no_such_workload.py:run"), NULL };
	const char *config[] = { "run", "--config", in_dir(f, "absent.conf"), NULL };

	assert_usage_error(file, "no_such_workload.py");
	assert_usage_error(config, "absent.conf");
}

static void test_bad_config(void **state)
{
	fixture *f = *state;
	const char *args[] = { "run", "--config", NULL, NULL };
	char conf[4096];

	snprintf(conf, sizeof(conf), "%s", in_dir(f, "syntax.conf"));
	lg_run_write_file(conf, "[leakgate]\n\tthreshold = 4\n[workload \"x\"\n");
	args[2] = conf;
	assert_usage_error(args, "syntax.conf");

	snprintf(conf, sizeof(conf), "%s", in_dir(f, "typo.conf"));
	lg_run_write_file(conf, "[workload \"x\"]\n\ttarget = a.py:run\n\ttreshold = 4\n");
	assert_usage_error(args, "treshold");

	snprintf(conf, sizeof(conf), "%s", in_dir(f, "value.conf"));
	lg_run_write_file(conf, "[workload \"x\"]\n\ttarget = a.py:run\n\tthreshold = lots\n");
	assert_usage_error(args, "lots");
}

static void test_help_lists_exit_codes(void **state)
{
	static const char *const help[] = { "--help", NULL };
	static const char *const run_help[] = { "run", "--help", NULL };
	lg_run_output res;

	(void)state;
	lg_run_exec(&res, NULL, help);
	assert_int_equal(res.code, 0);
	assert_non_null(strstr(res.out, "exit codes"));
	assert_non_null(strstr(res.out, "heap_bytes"));
	lg_run_output_dispose(&res);
	lg_run_exec(&res, NULL, run_help);
	assert_int_equal(res.code, 0);
	assert_non_null(strstr(res.out, "--threshold"));
	lg_run_output_dispose(&res);
}

/* Run one workload to a JUnit file; returns the exit code, *doc the file. */
static int run_one(fixture *f, const char *workload, const char *extra,
		   xmlDocPtr *doc, lg_run_output *res)
{
	char junit[4096];
	const char *args[] = { "run", "--duration", "0.3", "--junit", junit,
			       workload, extra, NULL };

	snprintf(junit, sizeof(junit), "%s", in_dir(f, "one.xml"));
	lg_run_exec(res, NULL, args);
	*doc = lg_run_load_junit(junit);
	return res->code;
}

static void test_reference_leak_needs_a_debug_build(void **state)
{
	fixture *f = *state;
	char junit[4096];
	const char *args[] = { "run", "--duration", "0.3", "--no-explain",
			       "--junit", junit, "--python", "python3-dbg",
			       W("leak_refs.py:run"), NULL };
	lg_run_output res;
	xmlDocPtr doc;

	/* No byte is lost: the release build sees nothing... */
	assert_int_equal(run_one(f, W("leak_refs.py:run"), NULL, &doc, &res), 0);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
	/* ...a debug build's total reference count does (python3-dbg comes
	 * from ci/install-deps.sh). */
	snprintf(junit, sizeof(junit), "%s", in_dir(f, "refs.xml"));
	lg_run_exec(&res, NULL, args);
	assert_int_equal(res.code, 1);
	doc = lg_run_load_junit(junit);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//property[@name='refs.leaks' and @value='1'])"), 1);
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//failure[@type='leak'])"), 1);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

/* A workload that eats memory at once is killed at --memory-limit and is an
 * error; one that leaks into the limit is the leak it is. */
static void test_memory_limit(void **state)
{
	fixture *f = *state;
	char junit[4096];
	const char *args[] = { "run", "--duration", "2", "--no-explain",
			       "--memory-limit", "200", "--junit", junit,
			       W("error_memory.py:run"), W("leak_big.py:run"), NULL };
	lg_run_output res;
	xmlDocPtr doc;

	snprintf(junit, sizeof(junit), "%s", in_dir(f, "memory.xml"));
	lg_run_exec(&res, NULL, args);
	assert_int_equal(res.code, 1);
	doc = lg_run_load_junit(junit);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testcase[@classname='error_memory']/error[@type='memory-limit'])"), 1);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testcase[@classname='leak_big']/failure[@type='leak' and "
		"contains(@message, 'limit 200 MiB')])"), 1);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_clean_exits_0(void **state)
{
	lg_run_output res;
	xmlDocPtr doc;

	assert_int_equal(run_one(*state, W("clean_lru_cache.py:run"), NULL, &doc, &res), 0);
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//failure|//error)"), 0);
	/* Not a terminal: a plain line per finished workload on stderr. */
	assert_non_null(strstr(res.err, "[1/1]"));
	assert_non_null(strstr(res.out, "CLEAN"));
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_leak_exits_1(void **state)
{
	lg_run_output res;
	xmlDocPtr doc;

	assert_int_equal(run_one(*state, W("leak_global_cache.py:run"), NULL, &doc, &res), 1);
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//failure)"), 1);
	assert_non_null(strstr(res.out, "LEAK"));
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_unmeasured_exits_3(void **state)
{
	lg_run_output res;
	xmlDocPtr doc;

	assert_int_equal(run_one(*state, W("error_exception.py:run"), NULL, &doc, &res), 3);
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//error)"), 1);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_missing_interpreter_is_an_error(void **state)
{
	fixture *f = *state;
	char junit[4096];
	const char *args[] = { "run", "--python", "/nonexistent/python3", "--junit",
			       junit, W("clean_cycles.py:run"), NULL };
	lg_run_output res;
	xmlDocPtr doc;
	char *message;

	snprintf(junit, sizeof(junit), "%s", in_dir(f, "nopython.xml"));
	lg_run_exec(&res, NULL, args);
	assert_int_equal(res.code, 3);
	doc = lg_run_load_junit(junit);
	message = lg_run_xpath_string(doc, "string(//error/@message)");
	assert_non_null(strstr(message, "/nonexistent/python3"));
	free(message);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_expected_leak_and_fixed_leak_pass(void **state)
{
	fixture *f = *state;
	char conf[4096], junit[4096], text[2048];
	const char *args[] = { "run", "--config", conf, "--junit", junit, NULL };
	lg_run_output res;
	xmlDocPtr doc;
	char *message;

	snprintf(junit, sizeof(junit), "%s", in_dir(f, "expect.xml"));
	snprintf(conf, sizeof(conf), "%s", in_dir(f, "expect.conf"));
	snprintf(text, sizeof(text),
		 "[leakgate]\n\tduration = 0.3\n"
		 "[workload \"known\"]\n\ttarget = %s\n\texpect = leak\n"
		 "[workload \"fixed\"]\n\ttarget = %s\n\texpect = leak\n",
		 W("leak_global_cache.py:run"), W("clean_lru_cache.py:run"));
	lg_run_write_file(conf, text);
	lg_run_exec(&res, NULL, args);
	assert_int_equal(res.code, 0);
	doc = lg_run_load_junit(junit);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testsuite[@name='known']/testcase/skipped[@type='expected-leak'])"), 1);
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//failure|//error)"), 0);
	message = lg_run_xpath_string(doc,
		"string(//testsuite[@name='fixed']/testcase/system-out)");
	assert_non_null(strstr(message, "expect = leak"));
	free(message);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_module_target(void **state)
{
	fixture *f = *state;
	char junit[4096];
	const char *args[] = { "run", "--duration", "0.3", "--junit", junit,
			       "pkgdemo.ops:run", "pkgdemo.ops:leak", NULL };
	lg_run_output res;
	xmlDocPtr doc;

	snprintf(junit, sizeof(junit), "%s", in_dir(f, "module.xml"));
	lg_run_exec(&res, LG_SOURCE_DIR "/tests/workloads", args);
	assert_int_equal(res.code, 1);
	doc = lg_run_load_junit(junit);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testcase[@classname='pkgdemo.ops' and @name='run']/failure)"), 0);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testcase[@classname='pkgdemo.ops' and @name='leak']/failure)"), 1);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_junit_is_never_half_written(void **state)
{
	fixture *f = *state;
	char junit[4096];
	const char *args[] = { "run", "--duration", "0.2", "--junit", junit,
			       W("clean_cycles.py:run"), NULL };
	lg_run_output res;

	snprintf(junit, sizeof(junit), "%s", in_dir(f, "missing-dir/out.xml"));
	lg_run_exec(&res, NULL, args);
	assert_int_equal(res.code, 2);
	assert_non_null(strstr(res.err, "missing-dir/out.xml"));
	assert_int_equal(access(junit, F_OK), -1);
	lg_run_output_dispose(&res);
}

/* On a terminal (util-linux's script gives it one) the progress line's
 * clock moves while a workload runs, not only when one starts or ends. */
static void test_progress_ticks(void **state)
{
	char command[8192];
	const char *argv[] = { "/usr/bin/script", "-qfec", command, "/dev/null", NULL };
	lg_run_output res;
	size_t draws = 0;

	(void)state;
	if (access(argv[0], X_OK) != 0)
		skip();
	snprintf(command, sizeof(command), "%s run --calls 1000000 "
		 "--no-early-stop %s", lg_run_binary(), W("clean_cycles.py:run"));
	lg_run_spawn(&res, NULL, argv, NULL);
	assert_int_equal(res.code, 0);
	for (const char *p = res.out; (p = strstr(p, "\r\033[K[0/1] running ")); p++)
		draws++;
	if (draws < 5)
		fail_msg("%zu progress lines in a second: %s", draws, res.out);
	lg_run_output_dispose(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_arguments),
		lg_run_fixture_test(test_missing_files),
		lg_run_fixture_test(test_bad_config),
		cmocka_unit_test(test_help_lists_exit_codes),
		lg_run_fixture_test(test_clean_exits_0),
		lg_run_fixture_test(test_reference_leak_needs_a_debug_build),
		lg_run_fixture_test(test_memory_limit),
		lg_run_fixture_test(test_leak_exits_1),
		lg_run_fixture_test(test_unmeasured_exits_3),
		lg_run_fixture_test(test_missing_interpreter_is_an_error),
		lg_run_fixture_test(test_expected_leak_and_fixed_leak_pass),
		lg_run_fixture_test(test_module_target),
		lg_run_fixture_test(test_junit_is_never_half_written),
		cmocka_unit_test(test_progress_ticks),
	};

	return cmocka_run_group_tests_name("run: command line", tests, NULL, NULL);
}
