/*
 * Existing tests as workloads, through the real binary: the pytest suite in
 * tests/pysuite collected once with its own pytest.ini and conftest.py
 * (-m leakcheck), every test measured as a workload beside unittest cases
 * named in the configuration, with Debian's interpreter (where
 * python3-pytest is). Each test reads its verdict and names from the JUnit
 * file, which must validate against the schema.
 *
 * Debian has pytest 7. With LEAKGATE_PYTEST8_PATH set to a PYTHONPATH where
 * pytest 8.x and pluggy >= 1.5 import (their src/ directories: `git archive`
 * of a tag plus the src/_pytest/_version.py setuptools_scm would write),
 * every test runs again under that pytest.
 */
#include "lg_test.h"
#include "lg_run.h"

#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"
#define SUITE_DIR LG_SOURCE_DIR "/tests/pysuite"

typedef lg_run_suite suite;

/* The children's environment: NULL, or PYTHONPATH to another pytest. */
static const char *const *child_env;

static void exec_leakgate(lg_run_output *run, const char *dir, const char *const *args)
{
	lg_run_exec_env(run, dir, args, child_env);
}

/* As exec_leakgate, with one more variable set (PYTHONPATH joined). */
static void exec_leakgate_with(lg_run_output *run, const char *dir,
			       const char *const *args, const char *var)
{
	char joined[8192];
	const char *env[] = { var, NULL, NULL };

	if (child_env && strncmp(var, "PYTHONPATH=", 11) == 0) {
		snprintf(joined, sizeof(joined), "%s:%s", var, child_env[0] + 11);
		env[0] = joined;
	} else if (child_env) {
		env[1] = child_env[0];
	}
	lg_run_exec_env(run, dir, args, env);
}

static const char config[] =
	"[leakgate]\n"
	"\tpython = " PYTHON "\n"
	"\tduration = 0.3\n"
	"\tcalls = 3000\n"
	"\ttimeout = 60\n"
	"\tpytest = -m leakcheck\n"
	"[workload \"test_leaky.py::test_leaks_through_fixture\"]\n"
	"\texpect = leak\n"
	/* Files written and read on every call: slow calls, and pytest 7's
	 * file opens fill a cache over the first 300 or so (34 B/call over
	 * the 243 calls of 0.3 s). */
	"[workload \"test_clean.py::test_cache\"]\n"
	"\tduration = 2\n"
	"[workload \"unittest-clean\"]\n"
	"\ttarget = unittest:unit.test_cases.CleanCase.test_clean\n"
	"[workload \"unittest-leaks\"]\n"
	"\ttarget = unittest:unit.test_cases.LeakyCase.test_leaks\n"
	"[workload \"unittest-skipped\"]\n"
	"\ttarget = unittest:unit.test_cases.LeakyCase.test_skipped\n"
	"[workload \"unittest-fails\"]\n"
	"\ttarget = unittest:unit.test_cases.LeakyCase.test_fails\n";

/* The cache directory of a test's child that was killed just after a run
 * wrote there (a process gone): the suite's run must remove it. */
static char stale_cache[4096];

static void make_stale_cache(void)
{
	const char *tmp = getenv("TMPDIR");
	char file[4096 + 16];
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	snprintf(stale_cache, sizeof(stale_cache), "%s/leakgate-pytest-cache-%d",
		 tmp && *tmp ? tmp : "/tmp", (int)pid);
	snprintf(file, sizeof(file), "%s/v", stale_cache);
	assert_int_equal(mkdir(stale_cache, 0700), 0);
	lg_run_write_file(file, "{}");
}

/* One run of the whole suite in tests/pysuite, as a user runs it there. */
static int suite_setup(void **state)
{
	suite *s = calloc(1, sizeof(*s));
	char conf[4096], junit[4096];
	const char *args[] = { "run", "--config", conf, "--junit", junit, "-j", "2", NULL };

	assert_non_null(s);
	s->dir = lg_run_tmpdir();
	snprintf(conf, sizeof(conf), "%s/pysuite.conf", s->dir);
	snprintf(junit, sizeof(junit), "%s/pysuite.xml", s->dir);
	lg_run_write_file(conf, config);
	make_stale_cache();
	exec_leakgate(&s->run, SUITE_DIR, args);
	if (s->run.code != 1)
		print_error("stdout:\n%s\nstderr:\n%s\n", s->run.out, s->run.err);
	s->doc = lg_run_load_junit(junit);
	*state = s;
	return 0;
}

static void assert_verdict(const suite *s, const char *name, const char *verdict)
{
	lg_run_assert_verdict(s->doc, name, verdict);
}

/* The value at path under the workload's testcase is expected, or holds
 * it when partly. */
static void check_attr(const suite *s, const char *name, const char *path,
		       const char *expected, int partly)
{
	char expr[512], *value;

	snprintf(expr, sizeof(expr), "string(//testsuite[@name='%s']/testcase/%s)",
		 name, path);
	value = lg_run_xpath_string(s->doc, expr);
	if (partly ? !strstr(value, expected) : strcmp(value, expected) != 0)
		fail_msg("%s: %s is '%s', expected %s'%s'", name, path, value,
			 partly ? "a part " : "", expected);
	free(value);
}

static void assert_attr(const suite *s, const char *name, const char *path,
			const char *expected)
{
	check_attr(s, name, path, expected, 0);
}

static void assert_attr_has(const suite *s, const char *name, const char *path,
			    const char *part)
{
	check_attr(s, name, path, part, 1);
}

static void test_exit_code_and_selection(void **state)
{
	suite *s = *state;

	assert_int_equal(s->run.code, 1);
	/* 26 tests marked leakcheck (test_unmarked.py is deselected by -m),
	 * two of them with a section of their own, a file that cannot be
	 * collected, and 4 unittest sections. */
	assert_int_equal((int)lg_run_xpath_number(s->doc, "count(//testcase)"), 31);
	assert_int_equal((int)lg_run_xpath_number(s->doc,
		"count(//testsuite[@name='test_unmarked.py::test_unmarked'])"), 0);
	assert_int_equal((int)lg_run_xpath_number(s->doc, "number(/testsuites/@failures)"), 2);
	assert_int_equal((int)lg_run_xpath_number(s->doc, "number(/testsuites/@errors)"), 5);
}

static void test_clean_tests(void **state)
{
	static const char *const clean[] = {
		"test_clean.py::test_trivial", "test_clean.py::test_fixture_scopes",
		"test_clean.py::test_tmp_path", "test_clean.py::test_capsys",
		"test_clean.py::test_caplog", "test_clean.py::test_monkeypatch",
		"test_clean.py::test_output_and_warnings",
		"test_clean.py::test_fixture_by_name", "test_clean.py::test_cache",
		"test_clean.py::test_param[utf-8]", "test_clean.py::test_param[a b]",
		"test_clean.py::test_param[\\xe9t\\xe9]",
		"test_clean.py::TestGrouped::test_method",
		"test_clean.py::test_names_made_at_run_time",
		"test_clean.py::test_warning_registry_per_run",
		"test_clean.py::test_warning_filters_per_run",
		"test_clean.py::test_unicod\xc3\xa9_name", "unittest-clean",
		/* Run in the child that ran test_first, after it. */
		"test_served.py::test_first", "test_served.py::test_second",
	};
	suite *s = *state;

	/* pytest's bookkeeping (reports, captured output, log records,
	 * warnings, finalizers, markers, tmp_path directories, the cache)
	 * is not the test's. */
	for (size_t i = 0; i < sizeof(clean) / sizeof(*clean); i++)
		assert_verdict(s, clean[i], "clean");
	/* Nor does its cache pile up in the temporary directory. */
	assert_int_equal(access(stale_cache, F_OK), -1);
}

/* Names made at every run fill CPython's type cache for thousands of
 * runs (2,815 and 4,863 runs before the agent cleared it before a count):
 * cleared, the counts end flat in the first batches. */
static void test_type_cache_cleared_before_counts(void **state)
{
	const char *name = "test_clean.py::test_names_made_at_run_time";
	suite *s = *state;
	char *calls = lg_run_property(s->doc, name, "calls");
	char *flat = lg_run_property(s->doc, name, "flat_calls");

	if (atoi(calls) >= 1000 || atoi(flat) <= 0)
		lg_run_print_properties(s->doc, name);
	assert_true(atoi(calls) < 1000);
	assert_true(atoi(flat) > 0);
	free(calls);
	free(flat);
}

static void test_leaky_tests(void **state)
{
	suite *s = *state;

	assert_verdict(s, "test_leaky.py::test_leaks_into_module_list", "leak");
	assert_verdict(s, "test_leaky.py::test_leaks_through_fixture", "expected-leak");
	assert_verdict(s, "unittest-leaks", "leak");
	/* The explanation points at the allocation in the test. */
	assert_attr(s, "test_leaky.py::test_leaks_into_module_list", "@file",
		    "test_leaky.py");
	assert_attr(s, "test_leaky.py::test_leaks_into_module_list", "@line", "13");
	assert_attr(s, "unittest-leaks", "@file", "unit/test_cases.py");
}

static void test_skipped_tests(void **state)
{
	suite *s = *state;

	assert_verdict(s, "test_clean.py::test_skipped", "skipped");
	assert_attr(s, "test_clean.py::test_skipped", "skipped/@message",
		    "not on this platform");
	assert_verdict(s, "test_clean.py::test_xfail", "skipped");
	assert_attr(s, "test_clean.py::test_xfail", "skipped/@message",
		    "xfail: known bug 42");
	/* The types pytest's junitxml gives them. */
	assert_attr(s, "test_clean.py::test_xfail", "skipped/@type", "pytest.xfail");
	assert_attr(s, "test_clean.py::test_skipped", "skipped/@type", "pytest.skip");
	assert_verdict(s, "unittest-skipped", "skipped");
	assert_attr(s, "unittest-skipped", "skipped/@message", "not today");
	assert_int_equal((int)lg_run_xpath_number(s->doc,
		"number(//testsuite[@name='test_clean.py::test_xfail']/@skipped)"), 1);
}

static void test_failing_tests(void **state)
{
	suite *s = *state;

	assert_verdict(s, "test_leaky.py::test_fails", "error");
	assert_attr_has(s, "test_leaky.py::test_fails", "error/@message",
			"test failed: AssertionError: arithmetic is broken");
	/* pytest's own failure text, not the agent's traceback. */
	assert_attr_has(s, "test_leaky.py::test_fails", "error", "assert (2 + 2) == 5");
	assert_verdict(s, "test_leaky.py::test_fails_on_second_run", "error");
	assert_attr_has(s, "test_leaky.py::test_fails_on_second_run", "error/@message",
			"test failed: AssertionError: passed 1 run, failed run 2 (in "
			"call): state left behind by an earlier run");
	/* The suite's warning filters hold in every run of a batch. */
	assert_verdict(s, "test_leaky.py::test_warns_late", "error");
	assert_attr_has(s, "test_leaky.py::test_warns_late", "error/@message",
			"UserWarning: passed 199 runs, failed run 200 (in call): a late warning");
	/* A file that cannot be imported is an error of its own; the rest
	 * of the suite is measured. */
	assert_verdict(s, "test_broken.py", "error");
	assert_attr_has(s, "test_broken.py", "error/@message", "pytest could not "
			"collect test_broken.py: No module named 'leakgate_no_such_module'");
	assert_attr(s, "test_broken.py", "@name", "test_broken");
	assert_verdict(s, "unittest-fails", "error");
	assert_attr_has(s, "unittest-fails", "error/@message", "AssertionError: 1 != 2");
}

static void test_junit_names(void **state)
{
	suite *s = *state;

	/* As pytest's junitxml names them: the dotted module (and class),
	 * the test with its parameters. */
	assert_attr(s, "test_clean.py::test_param[\\xe9t\\xe9]", "@classname",
		    "test_clean");
	assert_attr(s, "test_clean.py::test_param[\\xe9t\\xe9]", "@name",
		    "test_param[\\xe9t\\xe9]");
	assert_attr(s, "test_clean.py::test_unicod\xc3\xa9_name", "@name",
		    "test_unicod\xc3\xa9_name");
	assert_attr(s, "test_clean.py::test_param[a b]", "@name", "test_param[a b]");
	assert_attr(s, "test_clean.py::TestGrouped::test_method", "@classname",
		    "test_clean.TestGrouped");
	assert_attr(s, "test_clean.py::TestGrouped::test_method", "@name", "test_method");
	assert_attr(s, "unittest-clean", "@classname", "unit.test_cases.CleanCase");
	assert_attr(s, "unittest-clean", "@name", "test_clean");
	/* A clean test points at its definition; a failing one too. */
	assert_attr(s, "test_clean.py::test_trivial", "@file", "test_clean.py");
	assert_attr(s, "test_clean.py::test_trivial", "@line", "26");
	assert_attr(s, "test_leaky.py::test_fails", "@line", "25");
}

/* A doctest's namespace is emptied by the doctest runner after every run:
 * each run gets it anew, so the second finds SEED. */
static void test_doctests_repeat(void **state)
{
	char *dir = lg_run_tmpdir(), path[4096], junit[4096];
	const char *args[] = {
		"run", "--python", PYTHON, "--duration", "0.2",
		"--pytest", "--doctest-modules mod.py", "--junit", junit, NULL
	};
	lg_run_output run;
	xmlDocPtr doc;

	(void)state;
	snprintf(path, sizeof(path), "%s/mod.py", dir);
	snprintf(junit, sizeof(junit), "%s/doctest.xml", dir);
	lg_run_write_file(path, "SEED = 2\n\n\ndef double(x):\n    \"\"\"\n"
			  "    >>> double(SEED)\n    4\n    \"\"\"\n    return 2 * x\n");
	exec_leakgate(&run, dir, args);
	if (run.code != 0)
		print_error("stdout:\n%s\nstderr:\n%s\n", run.out, run.err);
	assert_int_equal(run.code, 0);
	doc = lg_run_load_junit(junit);
	lg_run_assert_verdict(doc, "mod.py::mod.double", "clean");
	lg_run_cleanup(dir, &run, doc);
}

/* A test that prints, warns and logs at every run, run 20,000 times:
 * runs that share a batch's capture of output and of warnings leave the
 * heap as runs of their own do. Read at every batch's end too, the
 * captured output came in reads of every size and malloc kept more of
 * them as batches grew (1-2 KB past warm-up); so did a batch's warnings,
 * recorded at its end (15 KB). The heap past the first fifth of the
 * samples moves by less than 512 B (-96 to 80 B in a run of its own). */
static void test_batched_runs_leave_no_trace(void **state)
{
	char *dir = lg_run_tmpdir(), junit[4096], *samples;
	const char *args[] = {
		"run", "--python", PYTHON, "--duration", "2", "--calls", "20000",
		"--no-early-stop", "--pytest", "-m leakcheck test_clean.py::test_output_and_warnings",
		"--junit", junit, NULL
	};
	const char *name = "test_clean.py::test_output_and_warnings";
	long long values[256], moved;
	lg_run_output run;
	xmlDocPtr doc;
	size_t n = 0;

	(void)state;
	snprintf(junit, sizeof(junit), "%s/batched.xml", dir);
	exec_leakgate(&run, SUITE_DIR, args);
	if (run.code != 0)
		print_error("stdout:\n%s\nstderr:\n%s\n", run.out, run.err);
	assert_int_equal(run.code, 0);
	doc = lg_run_load_junit(junit);
	lg_run_assert_verdict(doc, name, "clean");
	samples = lg_run_property(doc, name, "heap_bytes.samples");
	for (char *p = samples; n < 256 && (p = strchr(p, ':')); p++)
		values[n++] = strtoll(p + 1, NULL, 10);
	assert_true(n >= 10);
	moved = values[n - 1] - values[n / 5];
	if (moved < -512 || moved > 512)
		print_error("heap samples: %s\n", samples);
	assert_true(moved >= -512 && moved <= 512);
	free(samples);
	lg_run_cleanup(dir, &run, doc);
}

/* The report names a test by its node id, as progress and errors do, so
 * it can be pasted into pytest:, --pytest or a [workload] section; the
 * junitxml names stay in the JUnit testcase only. */
static void test_report_names(void **state)
{
	suite *s = *state;

	assert_contains(s->run.out, "\nCLEAN    test_clean.py::test_param[a b]  ");
	assert_contains(s->run.out, "\nLEAK     test_leaky.py::test_leaks_into_module_list\n");
	assert_contains(s->run.err, "test_clean.py::test_trivial: clean\n");
	assert_null(strstr(s->run.out, "test_clean:test_"));
	assert_null(strstr(s->run.out, "test_leaky:test_"));
	/* The suite imports nothing it also has installed. */
	assert_null(strstr(s->run.err, "warning: the tests import"));
}

/* A run in dir that must fail with exit 2 and one line naming `part`. */
static void assert_usage_error(const char *dir, const char *const *args,
			       const char *part)
{
	lg_run_output run;

	exec_leakgate(&run, dir, args);
	assert_int_equal(run.code, 2);
	if (!strstr(run.err, part))
		fail_msg("stderr '%s' lacks '%s'", run.err, part);
	/* One line. */
	assert_non_null(strchr(run.err, '\n'));
	assert_string_equal(strchr(run.err, '\n'), "\n");
	lg_run_output_dispose(&run);
}

static void test_without_pytest(void **state)
{
	char *dir = lg_run_tmpdir(), path[4096];
	const char *args[] = { "run", "--python", PYTHON, "--pytest", "tests", NULL };

	(void)state;
	/* An interpreter that cannot import pytest (shadowed from the cwd). */
	snprintf(path, sizeof(path), "%s/pytest.py", dir);
	lg_run_write_file(path, "raise ImportError(\"No module named 'pytest'\")\n");
	assert_usage_error(dir, args, "leakgate run: --pytest 'tests': pytest is "
			   "not installed for " PYTHON);
	lg_run_cleanup(dir, NULL, NULL);
}

static void test_bad_suite_arguments(void **state)
{
	const char *missing[] = { "run", "--python", PYTHON, "--pytest", "nope/", NULL };
	const char *nothing[] = {
		"run", "--python", PYTHON, "--pytest", "test_clean.py -m nomark", NULL
	};

	(void)state;
	assert_usage_error(SUITE_DIR, missing, "file or directory not found: nope/");
	assert_usage_error(SUITE_DIR, nothing, "pytest collected no tests");
}

/* Lines fit the terminal (COLUMNS here): a node id longer than a third
 * of it gets a line of its own, the message wraps under it. */
static void test_report_width(void **state)
{
	const char *args[] = {
		"run", "--python", PYTHON, "--duration", "0.2", "-j", "2",
		"--pytest", "test_clean.py -k param", NULL
	};
	lg_run_output run;
	size_t col = 0;

	(void)state;
	exec_leakgate_with(&run, SUITE_DIR, args, "COLUMNS=50");
	if (run.code != 0)
		print_error("stdout:\n%s\nstderr:\n%s\n", run.out, run.err);
	assert_int_equal(run.code, 0);
	assert_contains(run.out, "CLEAN    test_clean.py::test_param[utf-8]\n"
			"         clean: ");
	for (const char *p = run.out; *p; p++) {
		col = *p == '\n' ? 0 : col + (((unsigned char)*p & 0xc0) != 0x80);
		if (col > 50)
			fail_msg("a line over 50 columns:\n%s", run.out);
	}
	lg_run_output_dispose(&run);
}

/* pytest's own usage error (an option of a plugin that is not installed,
 * in the project's addopts) as pytest prints it: its lines, pytest named. */
static void test_pytest_usage_error(void **state)
{
	char *dir = lg_run_tmpdir(), path[4096];
	const char *args[] = { "run", "--python", PYTHON, "--pytest", "tests", NULL };
	lg_run_output run;

	(void)state;
	snprintf(path, sizeof(path), "%s/pytest.ini", dir);
	lg_run_write_file(path, "[pytest]\naddopts = --cov=pkg\n");
	snprintf(path, sizeof(path), "%s/test_a.py", dir);
	lg_run_write_file(path, "def test_a():\n    pass\n");
	exec_leakgate(&run, dir, args);
	assert_int_equal(run.code, 2);
	assert_contains(run.err, "leakgate run: --pytest 'tests': usage: pytest [options]");
	assert_contains(run.err, "\npytest: error: unrecognized arguments: --cov=pkg\n"
			"  inifile: ");
	assert_null(strstr(run.err, "-c:"));
	assert_null(strstr(run.err, "-c [options]"));
	assert_string_equal(run.out, "");
	lg_run_cleanup(dir, &run, NULL);
}

/* git-config removes plain double quotes from a value: the suite's -k
 * keeps its words together in single quotes, or in \"...\". */
static void test_config_quotes(void **state)
{
	static const char *const values[] = {
		"test_clean.py -k 'trivial or monkeypatch'",
		"test_clean.py -k \\\"trivial or monkeypatch\\\"",
	};
	char *dir = lg_run_tmpdir(), conf[4096], text[512];
	const char *args[] = { "run", "--config", conf, NULL };
	lg_run_output run;

	(void)state;
	snprintf(conf, sizeof(conf), "%s/quotes.conf", dir);
	for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++) {
		snprintf(text, sizeof(text), "[leakgate]\n\tpython = %s\n\t"
			 "duration = 0.2\n\tjobs = 2\n\tpytest = %s\n", PYTHON,
			 values[i]);
		lg_run_write_file(conf, text);
		exec_leakgate(&run, SUITE_DIR, args);
		if (run.code != 0)
			print_error("%s\nstdout:\n%s\nstderr:\n%s\n", text, run.out,
				    run.err);
		assert_int_equal(run.code, 0);
		assert_contains(run.out, "\n2 workloads: 0 leaks, 2 clean");
		lg_run_output_dispose(&run);
	}
	lg_run_cleanup(dir, NULL, NULL);
}

/* files: pairs of a path under dir and its text; directories made. */
static void write_tree(const char *dir, const char *const *files, size_t n)
{
	char path[4096];

	for (size_t i = 0; i + 1 < n; i += 2) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		for (char *p = strchr(path + strlen(dir) + 1, '/'); p; p = strchr(p + 1, '/')) {
			*p = '\0';
			mkdir(path, 0700);
			*p = '/';
		}
		lg_run_write_file(path, files[i + 1]);
	}
}

/* A src/ layout put first on sys.path (pythonpath = src) while the package
 * is installed too: the tests measure the tree, and leakgate says so. */
static void test_source_tree_warning(void **state)
{
	static const char *const files[] = {
		"proj/pytest.ini", "[pytest]\npythonpath = src\n",
		"proj/src/lgshadow/__init__.py", "VALUE = 'tree'\n",
		"proj/tests/test_shadow.py",
		"import lgshadow\n\ndef test_value():\n    assert lgshadow.VALUE\n",
		"site/site-packages/lgshadow/__init__.py", "VALUE = 'installed'\n",
	};
	char *dir = lg_run_tmpdir(), path[4096], var[4200];
	const char *args[] = {
		"run", "--python", PYTHON, "--duration", "0.2", "--pytest", "tests", NULL
	};
	lg_run_output run;

	(void)state;
	write_tree(dir, files, sizeof(files) / sizeof(*files));
	snprintf(var, sizeof(var), "PYTHONPATH=%s/site/site-packages", dir);
	snprintf(path, sizeof(path), "%s/proj", dir);
	exec_leakgate_with(&run, path, args, var);
	if (run.code != 0)
		print_error("stdout:\n%s\nstderr:\n%s\n", run.out, run.err);
	assert_int_equal(run.code, 0);
	assert_contains(run.err, "leakgate run: warning: the tests import lgshadow "
			"from the source tree (src/lgshadow/__init__.py), not the "
			"installed copy (");
	assert_contains(run.err, "/site/site-packages/lgshadow/__init__.py)");
	lg_run_cleanup(dir, &run, NULL);
}

/* The suite --pyargs names, of a test_clean and a TestLeaky::test_keeps
 * that keeps objects in KEPT, run beside lib/, not above it (the tests
 * are outside the rootdir): pytest names them prefix + "test_clean" and
 * so on. They run, served, and the leak is explained: the explain pass
 * finds its test again by that id, and the chain's root is root. */
static void check_pyargs(const char *const *files, size_t nfiles, const char *pyargs,
			 const char *prefix, const char *root_expected)
{
	char *dir = lg_run_tmpdir(), path[4096], var[4200], junit[4096], *root;
	char clean[256], leaky[256];
	const char *args[] = {
		"run", "--python", PYTHON, "--duration", "0.3", "--calls", "3000",
		"--pytest", pyargs, "--junit", junit, NULL
	};
	lg_run_output run;
	xmlDocPtr doc;

	write_tree(dir, files, nfiles);
	snprintf(junit, sizeof(junit), "%s/out.xml", dir);
	snprintf(var, sizeof(var), "PYTHONPATH=%s/lib", dir);
	snprintf(path, sizeof(path), "%s/run", dir);
	snprintf(clean, sizeof(clean), "%stest_clean", prefix);
	snprintf(leaky, sizeof(leaky), "%sTestLeaky::test_keeps", prefix);
	exec_leakgate_with(&run, path, args, var);
	if (run.code != 1)
		print_error("stdout:\n%s\nstderr:\n%s\n", run.out, run.err);
	assert_int_equal(run.code, 1);
	assert_null(strstr(run.out, "explain pass stopped"));
	doc = lg_run_load_junit(junit);
	lg_run_assert_verdict(doc, clean, "clean");
	lg_run_assert_verdict(doc, leaky, "leak");
	root = lg_run_property(doc, leaky, "explain.chain_root");
	assert_non_null(root);
	assert_string_equal(root, root_expected);
	free(root);
	lg_run_cleanup(dir, &run, doc);
}

#define LEAKY_MODULE \
	"KEPT = []\n\n\ndef test_clean():\n    assert sum(range(9))\n\n\n" \
	"class TestLeaky:\n    def test_keeps(self):\n        KEPT.append(object())\n"

/* `--pyargs pkg.module`: pytest names the module's tests "::test_x" (the
 * module is the path its ids are relative to). */
static void test_pyargs_module(void **state)
{
	static const char *const files[] = {
		"lib/lgpyargs/__init__.py", "",
		"lib/lgpyargs/test_mod.py", LEAKY_MODULE,
		"run/.keep", "",
	};

	(void)state;
	check_pyargs(files, sizeof(files) / sizeof(*files), "--pyargs lgpyargs.test_mod",
		     "::", "lgpyargs.test_mod.KEPT");
}

/* `--pyargs pkg`, the package's tests in pkg/tests/: pytest names them
 * "tests/test_mod.py::…", relative to the package, not to the rootdir or
 * the cwd (simplejson's own suite, `--pyargs simplejson`, lost its
 * explanation: "explain pass stopped: import failed"). */
static void test_pyargs_package(void **state)
{
	static const char *const files[] = {
		"lib/lgpyargspkg/__init__.py", "",
		"lib/lgpyargspkg/tests/__init__.py", "",
		"lib/lgpyargspkg/tests/test_mod.py", LEAKY_MODULE,
		"run/.keep", "",
	};

	(void)state;
	check_pyargs(files, sizeof(files) / sizeof(*files), "--pyargs lgpyargspkg",
		     "tests/test_mod.py::", "lgpyargspkg.tests.test_mod.KEPT");
}

/* A conftest.py with runtest hooks in a directory beside the test's: with
 * pytest 7 and pluggy 1.0 every item.ihook of the test makes hook callers
 * that pluggy keeps for good (1.7 KB a run). pytest's, not the test's. */
static void test_conftest_elsewhere(void **state)
{
	static const char *const files[] = {
		"pytest.ini", "[pytest]\n",
		"tests/a/conftest.py", "def pytest_runtest_setup(item):\n    pass\n\n\n"
				       "def pytest_runtest_makereport(item, call):\n    pass\n",
		"tests/a/test_a.py", "def test_a():\n    pass\n",
		"tests/b/test_b.py", "def test_b():\n    pass\n",
	};
	char *dir = lg_run_tmpdir();
	const char *args[] = {
		"run", "--python", PYTHON, "--duration", "0.3", "--pytest", "tests", NULL
	};
	lg_run_output run;

	(void)state;
	write_tree(dir, files, sizeof(files) / sizeof(*files));
	exec_leakgate(&run, dir, args);
	if (run.code != 0)
		print_error("stdout:\n%s\nstderr:\n%s\n", run.out, run.err);
	assert_int_equal(run.code, 0);
	assert_contains(run.out, "2 workloads: 0 leaks, 2 clean");
	lg_run_cleanup(dir, &run, NULL);
}

static void test_shard_of_a_suite(void **state)
{
	char *dir = lg_run_tmpdir(), junit[4096];
	const char *args[] = {
		"run", "--python", PYTHON, "--duration", "0.2", "--shard", "2/2",
		"--pytest", "test_clean.py -k 'trivial or monkeypatch'",
		"--junit", junit, NULL
	};
	lg_run_output run;
	xmlDocPtr doc;

	(void)state;
	snprintf(junit, sizeof(junit), "%s/shard.xml", dir);
	exec_leakgate(&run, SUITE_DIR, args);
	if (run.code != 0)
		print_error("stderr:\n%s\n", run.err);
	assert_int_equal(run.code, 0);
	/* Sorted by node id: the second of the two. */
	assert_non_null(strstr(run.err, "shard 2/2: 1 of 2 workloads"));
	doc = lg_run_load_junit(junit);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testsuite[@name='test_clean.py::test_trivial'])"), 1);
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//testcase)"), 1);
	lg_run_cleanup(dir, &run, doc);
}

/* The version of pytest the children import, e.g. "8.3.5". */
static char *pytest_version(void)
{
	const char *argv[] = {
		PYTHON, "-c", "import pytest; print(pytest.__version__)", NULL
	};
	lg_run_output run;
	char *version;

	lg_run_spawn(&run, "/", argv, child_env);
	version = strdup(run.out);
	assert_non_null(version);
	version[strcspn(version, "\n")] = '\0';
	lg_run_output_dispose(&run);
	return version;
}

static int run_all(const char *pytest)
{
	const struct CMUnitTest suite_tests[] = {
		cmocka_unit_test(test_exit_code_and_selection),
		cmocka_unit_test(test_clean_tests),
		cmocka_unit_test(test_type_cache_cleared_before_counts),
		cmocka_unit_test(test_leaky_tests),
		cmocka_unit_test(test_skipped_tests),
		cmocka_unit_test(test_failing_tests),
		cmocka_unit_test(test_junit_names),
		cmocka_unit_test(test_report_names),
	};
	const struct CMUnitTest other_tests[] = {
		cmocka_unit_test(test_without_pytest),
		cmocka_unit_test(test_bad_suite_arguments),
		cmocka_unit_test(test_shard_of_a_suite),
		cmocka_unit_test(test_doctests_repeat),
		cmocka_unit_test(test_batched_runs_leave_no_trace),
		cmocka_unit_test(test_report_width),
		cmocka_unit_test(test_pytest_usage_error),
		cmocka_unit_test(test_config_quotes),
		cmocka_unit_test(test_source_tree_warning),
		cmocka_unit_test(test_pyargs_module),
		cmocka_unit_test(test_pyargs_package),
		cmocka_unit_test(test_conftest_elsewhere),
	};
	char suite_name[64], runs_name[64];
	int failed;

	snprintf(suite_name, sizeof(suite_name), "pytest %s suite", pytest);
	snprintf(runs_name, sizeof(runs_name), "pytest %s runs", pytest);
	failed = cmocka_run_group_tests_name(suite_name, suite_tests, suite_setup,
					     lg_run_suite_teardown);
	return failed + cmocka_run_group_tests_name(runs_name, other_tests, NULL, NULL);
}

int main(void)
{
	const char *path = getenv("LEAKGATE_PYTEST8_PATH");
	static char pythonpath[4096];
	const char *env[] = { pythonpath, NULL };
	char *version = pytest_version();
	int failed = run_all(version);

	free(version);
	if (!path || !*path) {
		printf("pytest 8: not run (LEAKGATE_PYTEST8_PATH is not set)\n");
		return failed;
	}
	snprintf(pythonpath, sizeof(pythonpath), "PYTHONPATH=%s", path);
	child_env = env;
	version = pytest_version();
	if (strncmp(version, "8.", 2) != 0) {
		printf("LEAKGATE_PYTEST8_PATH=%s: pytest is '%s', not 8.x\n", path, version);
		free(version);
		return failed + 1;
	}
	failed += run_all(version);
	free(version);
	return failed;
}
