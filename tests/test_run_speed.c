/*
 * Early stop and sensitivity through the real binary, with the defaults: a
 * run ends once its verdict is settled, clean code of the standard library
 * stays clean, one small object kept per 100 calls is a leak (its exact
 * object and block counts show it, its bytes do not), and --no-early-stop
 * makes exactly --calls calls.
 */
#include "lg_test.h"
#include "lg_run.h"

#include <stdio.h>

#include "leakgate/buf.h"

typedef lg_run_suite suite;

/* The functions of tests/workloads/clean_stdlib.py. */
static const char *const stdlib_functions[] = {
	"re_patterns", "json_roundtrip", "strptime", "urlsplit", "deque_maxlen",
	"logging_one_logger", "hashlib_digest", "decimal_math", "elementtree",
	"email_parse",
};

#define COUNT(a) (sizeof(a) / sizeof(*(a)))

static int suite_setup(void **state)
{
	static const char *const names[] = {
		"leak_one_per_100", "clean_cache_100k", "clean_lru_cache",
	};
	lg_buf text = LG_BUF_INIT;

	lg_run_config_workloads(&text, names, COUNT(names));
	for (size_t i = 0; i < COUNT(stdlib_functions); i++)
		assert_lg_ok(lg_buf_printf(&text, "[workload \"%s\"]\n\ttarget = "
					   "%s/tests/workloads/clean_stdlib.py:%s\n",
					   stdlib_functions[i], LG_SOURCE_DIR,
					   stdlib_functions[i]));
	*state = lg_run_suite_new("speed", lg_buf_cstr(&text), NULL);
	lg_buf_dispose(&text);
	return 0;
}

static char *property(const suite *s, const char *name, const char *key)
{
	return lg_run_property(s->doc, name, key);
}

static void assert_property(const suite *s, const char *name, const char *key,
			    const char *expected)
{
	char *v = property(s, name, key);

	if (strcmp(v, expected) != 0) {
		print_error("%s: %s is %s, expected %s\n", name, key, v, expected);
		lg_run_print_properties(s->doc, name);
	}
	assert_string_equal(v, expected);
	free(v);
}

static double number(const suite *s, const char *name, const char *key)
{
	char *v = property(s, name, key);
	double n = atof(v);

	free(v);
	return n;
}

static void test_one_object_per_100_calls_leaks(void **state)
{
	suite *s = *state;

	assert_property(s, "leak_one_per_100", "verdict", "leak");
	assert_property(s, "leak_one_per_100", "culprit", "blocks");
	/* Far below the byte threshold: the exact count finds it. */
	assert_property(s, "leak_one_per_100", "heap_bytes.leaks", "0");
	assert_true(number(s, "leak_one_per_100", "blocks.slope") > 0.0095);
	assert_true(number(s, "leak_one_per_100", "blocks.slope") < 0.0105);
}

static void test_standard_library_is_clean(void **state)
{
	suite *s = *state;

	for (size_t i = 0; i < COUNT(stdlib_functions); i++)
		assert_property(s, stdlib_functions[i], "verdict", "clean");
}

static void test_cache_filled_at_calls_is_clean(void **state)
{
	suite *s = *state;

	assert_property(s, "clean_cache_100k", "verdict", "clean");
	/* It fills at --calls: the run looked past it, within 4x. */
	assert_true(number(s, "clean_cache_100k", "calls") > 100000);
	assert_true(number(s, "clean_cache_100k", "calls") <= 400000);
}

static void test_clean_run_stops_early(void **state)
{
	suite *s = *state;

	/* Ended by the runner once settled: completed, not crashed. */
	assert_property(s, "clean_lru_cache", "verdict", "clean");
	assert_property(s, "clean_lru_cache", "outcome", "completed");
	if (number(s, "clean_lru_cache", "calls") >= 100000)
		lg_run_print_properties(s->doc, "clean_lru_cache");
	assert_true(number(s, "clean_lru_cache", "calls") < 100000);
	assert_true(number(s, "clean_lru_cache", "calls") >= 2000);
}

static void test_no_early_stop_makes_exactly_calls(void **state)
{
	char *dir = lg_run_tmpdir(), junit[4096], *calls;
	const char *args[] = {
		"run", "--no-early-stop", "--calls", "12345", "--no-explain",
		"--junit", junit,
		LG_SOURCE_DIR "/tests/workloads/clean_lru_cache.py:run", NULL
	};
	lg_run_output res;
	xmlDocPtr doc;

	(void)state;
	snprintf(junit, sizeof(junit), "%s/exact.xml", dir);
	lg_run_exec(&res, NULL, args);
	assert_int_equal(res.code, 0);
	doc = lg_run_load_junit(junit);
	calls = lg_run_property(doc, LG_SOURCE_DIR "/tests/workloads/clean_lru_cache.py:run",
				"calls");
	assert_string_equal(calls, "12345");
	free(calls);
	lg_run_cleanup(dir, &res, doc);
}

/* The shim's log (one line per start) says it was started once. */
static void assert_started_once(const char *log)
{
	int fd = open(log, O_RDONLY);
	char *starts;

	assert_true(fd >= 0);
	starts = lg_run_slurp_fd(fd);
	close(fd);
	assert_string_equal(starts, "started\n");
	free(starts);
}

/* A shim (a script, as pyenv's python3 is) is started for the first child
 * only: the others, and the explain child, start the interpreter it ran. */
static void test_shim_started_once(void **state)
{
	char *dir = lg_run_tmpdir(), shim[4096], log[4096];
	const char *args[] = {
		"run", "--calls", "3000", "--python", shim,
		LG_SOURCE_DIR "/tests/workloads/clean_lru_cache.py:run",
		LG_SOURCE_DIR "/tests/workloads/clean_cycles.py:run",
		LG_SOURCE_DIR "/tests/workloads/leak_global_cache.py:run", NULL
	};
	lg_run_output res;

	(void)state;
	snprintf(shim, sizeof(shim), "%s/python-shim", dir);
	snprintf(log, sizeof(log), "%s/starts", dir);
	lg_test_sh("printf '#!/bin/sh\\necho started >> %s\\nexec python3 \"$@\"\\n' > %s"
		   " && chmod +x %s", log, shim, shim);
	lg_run_exec(&res, NULL, args);
	if (res.code != 1)
		print_error("%s%s", res.out, res.err);
	assert_int_equal(res.code, 1);
	assert_contains(res.out, "held by leak_global_cache._cache");
	assert_started_once(log);
	lg_run_cleanup(dir, &res, NULL);
}

/* Write text to path. */
static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) < 0, 0);
	assert_int_equal(fclose(f), 0);
}

/* A shim that sets a variable and unsets another before it execs Python:
 * every child, the ones started past it and the explain child too, runs in
 * the environment it made (the workloads fail to load otherwise), and it
 * is still started once. */
static void test_shim_environment_kept(void **state)
{
	char *dir = lg_run_tmpdir(), shim[4096], log[4096], module[4096];
	char targets[3][4096 + 32];
	const char *args[] = {
		"run", "--calls", "3000", "--python", shim,
		targets[0], targets[1], targets[2], NULL
	};
	static const char *const functions[] = { "clean_sum", "clean_join", "leak" };
	lg_run_output res;

	(void)state;
	snprintf(shim, sizeof(shim), "%s/python-shim", dir);
	snprintf(log, sizeof(log), "%s/starts", dir);
	snprintf(module, sizeof(module), "%s/wrapped.py", dir);
	for (size_t i = 0; i < COUNT(functions); i++)
		snprintf(targets[i], sizeof(targets[i]), "%s:%s", module, functions[i]);
	lg_test_sh("printf '#!/bin/sh\\necho started >> %s\\nexport LG_WRAPPER_MARK=1\\n"
		   "unset LG_WRAPPER_DROP\\nexec python3 \"$@\"\\n' > %s && chmod +x %s",
		   log, shim, shim);
	write_file(module,
		   "import os\n"
		   "if os.environ.get('LG_WRAPPER_MARK') != '1':\n"
		   "    raise RuntimeError('LG_WRAPPER_MARK is not set: not the shim\\'s environment')\n"
		   "if 'LG_WRAPPER_DROP' in os.environ:\n"
		   "    raise RuntimeError('LG_WRAPPER_DROP is set: not the shim\\'s environment')\n"
		   "_cache = {}\n"
		   "def clean_sum():\n"
		   "    sum(range(100))\n"
		   "def clean_join():\n"
		   "    '-'.join(str(i) for i in range(20))\n"
		   "def leak():\n"
		   "    n = len(_cache)\n"
		   "    _cache[n] = ('%08d' % n) * 25\n");
	setenv("LG_WRAPPER_DROP", "1", 1);
	lg_run_exec(&res, NULL, args);
	unsetenv("LG_WRAPPER_DROP");
	if (res.code != 1)
		print_error("%s%s", res.out, res.err);
	assert_int_equal(res.code, 1);
	assert_contains(res.out, "held by wrapped._cache");
	assert_true(strstr(res.out, "RuntimeError") == NULL);
	assert_started_once(log);
	lg_run_cleanup(dir, &res, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_object_per_100_calls_leaks),
		cmocka_unit_test(test_standard_library_is_clean),
		cmocka_unit_test(test_cache_filled_at_calls_is_clean),
		cmocka_unit_test(test_clean_run_stops_early),
		cmocka_unit_test(test_no_early_stop_makes_exactly_calls),
		cmocka_unit_test(test_shim_started_once),
		cmocka_unit_test(test_shim_environment_kept),
	};

	return cmocka_run_group_tests_name("run: early stop and sensitivity", tests,
					   suite_setup, lg_run_suite_teardown);
}
