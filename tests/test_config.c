/* The configuration file: git-config syntax read through libgit2. */
#include "lg_test.h"

#include <ftw.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakgate/config.h"
#include "leakgate/proc.h"

/* Each test runs inside its own temporary directory, so relative paths work. */
typedef struct {
	char dir[64];
	char cwd[4096];
	lg_workload base;
	lg_config cfg;
} sandbox;

static int setup(void **state)
{
	static sandbox s;

	memset(&s, 0, sizeof(s));
	strcpy(s.dir, "/tmp/lg-config-XXXXXX");
	if (!getcwd(s.cwd, sizeof(s.cwd)) || !mkdtemp(s.dir) || chdir(s.dir) < 0)
		return -1;
	if (lg_workload_init_defaults(&s.base) < 0)
		return -1;
	lg_error_clear();
	*state = &s;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	sandbox *s = *state;

	lg_config_dispose(&s->cfg);
	lg_workload_dispose(&s->base);
	if (chdir(s->cwd) < 0)
		return -1;
	return nftw(s->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void load(sandbox *s, const char *path, const char *text)
{
	write_file(path, text);
	assert_lg_ok(lg_config_load(&s->cfg, path, &s->base));
}

/* The load fails with exactly `message`, leaving nothing to free. */
static void assert_load_fails(sandbox *s, const char *text, int code,
			      const char *message)
{
	write_file("leakgate.conf", text);
	assert_int_equal(lg_config_load(&s->cfg, "leakgate.conf", &s->base), code);
	assert_string_equal(lg_error_last(), message);
	assert_null(s->cfg.workloads);
	assert_int_equal(s->cfg.count, 0);
	assert_null(s->cfg.defaults.python);
	assert_null(s->cfg.junit);
}

static void test_full_file(void **state)
{
	sandbox *s = *state;
	const lg_workload *orders, *cache, *abs;

	s->base.duration = 7;
	assert_int_equal(mkdir("examples", 0700), 0);
	load(s, "examples/leakgate.conf",
	     "# leakgate for the orders service\n"
	     "[workload \"parse-orders\"]\n"
	     "\ttarget = leaks/orders.py:parse_orders\n"
	     "\texpect = leak\n"
	     "\tthreshold = 64\n"
	     "[workload \"cache\"]\n"
	     "\ttarget = pkg.cache:Warm.run\n"
	     "\tpython = venv/bin/python\n"
	     "\tcalls = 500\n"
	     "\texpect = clean\n"
	     "[workload \"abs\"]\n"
	     "\ttarget = /opt/w.py:run\n"
	     "\tmemory-limit = 0\n"
	     "[leakgate]\n"
	     "\tpython = python3.12\n"
	     "\tthreshold = 8\n"
	     "\ttimeout = 30\n"
	     "\tcalls = 1000\n"
	     "\tmemory-limit = 512\n"
	     "\tjobs = 4\n"
	     "\tjunit = out/leakgate.xml\n");

	assert_string_equal(s->cfg.defaults.python, "python3.12");
	assert_true(s->cfg.defaults.threshold == 8);
	assert_true(s->cfg.defaults.timeout == 30);
	assert_int_equal(s->cfg.defaults.max_calls, 1000);
	assert_true(s->cfg.defaults.duration == 7);
	assert_int_equal(s->cfg.defaults.memory_limit_mb, 512);
	assert_null(s->cfg.defaults.name);
	assert_null(s->cfg.defaults.target);
	assert_int_equal(s->cfg.jobs, 4);
	assert_string_equal(s->cfg.junit, "out/leakgate.xml");

	assert_int_equal(s->cfg.count, 3);
	orders = &s->cfg.workloads[0];
	cache = &s->cfg.workloads[1];
	abs = &s->cfg.workloads[2];

	assert_string_equal(orders->name, "parse-orders");
	assert_string_equal(orders->target, "examples/leaks/orders.py:parse_orders");
	assert_int_equal(orders->expect_leak, 1);
	assert_true(orders->threshold == 64);
	assert_string_equal(orders->python, "python3.12");
	assert_true(orders->timeout == 30);
	assert_int_equal(orders->max_calls, 1000);
	assert_true(orders->duration == 7);
	assert_int_equal(orders->memory_limit_mb, 512);

	assert_string_equal(cache->name, "cache");
	assert_string_equal(cache->target, "pkg.cache:Warm.run");
	assert_string_equal(cache->python, "examples/venv/bin/python");
	assert_int_equal(cache->max_calls, 500);
	assert_int_equal(cache->expect_leak, 0);
	assert_true(cache->threshold == 8);

	assert_string_equal(abs->name, "abs");
	assert_string_equal(abs->target, "/opt/w.py:run");
	assert_int_equal(abs->memory_limit_mb, 0);
	assert_int_equal(abs->max_calls, 1000);
}

static void test_empty_file_keeps_base(void **state)
{
	sandbox *s = *state;

	s->base.threshold = 3;
	load(s, "leakgate.conf", "");
	assert_int_equal(s->cfg.count, 0);
	assert_null(s->cfg.workloads);
	assert_string_equal(s->cfg.defaults.python, "python3");
	assert_ptr_not_equal(s->cfg.defaults.python, s->base.python);
	assert_true(s->cfg.defaults.threshold == 3);
	assert_int_equal(s->cfg.jobs, 0);
	assert_null(s->cfg.junit);
}

static void test_paths_next_to_config_in_cwd(void **state)
{
	sandbox *s = *state;

	load(s, "leakgate.conf",
	     "[leakgate]\n\tpython = ./venv/bin/python\n"
	     "[workload \"x\"]\n\ttarget = x.py:f\n");
	assert_string_equal(s->cfg.defaults.python, "./venv/bin/python");
	assert_string_equal(s->cfg.workloads[0].target, "x.py:f");
	assert_string_equal(s->cfg.workloads[0].python, "./venv/bin/python");
}

static void test_paths_next_to_absolute_config(void **state)
{
	sandbox *s = *state;
	char path[128], expected[160];

	snprintf(path, sizeof(path), "%s/leakgate.conf", s->dir);
	load(s, path, "[workload \"x\"]\n\ttarget = sub/x.py:f\n\tpython = /usr/bin/python3\n");
	snprintf(expected, sizeof(expected), "%s/sub/x.py:f", s->dir);
	assert_string_equal(s->cfg.workloads[0].target, expected);
	assert_string_equal(s->cfg.workloads[0].python, "/usr/bin/python3");
}

static void test_comments_and_quotes(void **state)
{
	sandbox *s = *state;

	load(s, "leakgate.conf",
	     "; a semicolon comment\n"
	     "# a hash comment\n"
	     "[workload \"spaced out\"] ; after the header\n"
	     "\ttarget = \"dir with space/w.py:run\" # after the value\n"
	     "\tpython = \"py;thon#3\"\n"
	     "\tthreshold = 2.5 ; bytes per call\n");
	assert_int_equal(s->cfg.count, 1);
	assert_string_equal(s->cfg.workloads[0].name, "spaced out");
	assert_string_equal(s->cfg.workloads[0].target, "dir with space/w.py:run");
	assert_string_equal(s->cfg.workloads[0].python, "py;thon#3");
	assert_true(s->cfg.workloads[0].threshold == 2.5);
}

static void test_key_names_ignore_case(void **state)
{
	sandbox *s = *state;

	load(s, "leakgate.conf",
	     "[LeakGate]\n\tThreshold = 5\n\tMEMORY-LIMIT = 7\n"
	     "[Workload \"Orders\"]\n\tTarget = w.py:run\n\tExpect = leak\n");
	assert_true(s->cfg.defaults.threshold == 5);
	assert_int_equal(s->cfg.defaults.memory_limit_mb, 7);
	/* Subsection names keep their case, as in git. */
	assert_string_equal(s->cfg.workloads[0].name, "Orders");
	assert_int_equal(s->cfg.workloads[0].expect_leak, 1);
	assert_true(s->cfg.workloads[0].threshold == 5);
}

/* git's "the last wins" would let a second section quietly undo the
 * first (expect = clean after expect = leak): a repeated key is an error. */
static void test_repeats_are_errors(void **state)
{
	sandbox *s = *state;

	assert_load_fails(s, "[workload \"wa\"]\n\ttarget = a.py:run\n\texpect = leak\n"
			  "[workload \"wb\"]\n\ttarget = b.py:run\n"
			  "[workload \"wa\"]\n\texpect = clean\n", LG_EINVALID,
			  "leakgate.conf: workload.wa.expect is set twice (the second, "
			  "'clean', would win silently): set it once");
	assert_load_fails(s, "[leakgate]\n\tjobs = 2\n\tJobs = 3\n", LG_EINVALID,
			  "leakgate.conf: leakgate.jobs is set twice (the second, "
			  "'3', would win silently): set it once");
	/* A section may come back with other keys, as git allows. */
	load(s, "leakgate.conf",
	     "[workload \"b\"]\n\tthreshold = 2\n[workload \"a\"]\n\ttarget = a.py:run\n"
	     "[workload \"b\"]\n\ttarget = b2.py:run\n[leakgate]\n\tjobs = 3\n");
	assert_int_equal(s->cfg.jobs, 3);
	assert_string_equal(s->cfg.workloads[0].target, "b2.py:run");
	assert_true(s->cfg.workloads[0].threshold == 2);
}

/* jobs = auto: the processors leakgate may run on; the new settings. */
static void test_jobs_auto_and_fail_inconclusive(void **state)
{
	sandbox *s = *state;

	load(s, "leakgate.conf", "[leakgate]\n\tjobs = auto\n\tfail-inconclusive = yes\n"
	     "[workload \"a\"]\n\ttarget = a.py:run\n"
	     "[workload \"b\"]\n\ttarget = b.py:run\n\tfail-inconclusive = false\n");
	assert_int_equal(s->cfg.jobs, lg_proc_cpus());
	assert_true(s->cfg.jobs >= 1);
	assert_true(s->cfg.workloads[0].fail_inconclusive);
	assert_false(s->cfg.workloads[1].fail_inconclusive);
	lg_config_dispose(&s->cfg);
	assert_load_fails(s, "[leakgate]\n\tjobs = many\n", LG_EINVALID,
			  "leakgate.conf: leakgate.jobs: 'many' is not auto or a whole number");
	assert_load_fails(s, "[leakgate]\n\tfail-inconclusive = maybe\n", LG_EINVALID,
			  "leakgate.conf: leakgate.fail-inconclusive: 'maybe' is not true or false");
}

static void test_missing_file(void **state)
{
	sandbox *s = *state;

	assert_int_equal(lg_config_load(&s->cfg, "absent.conf", &s->base),
			 LG_ENOTFOUND);
	assert_string_equal(lg_error_last(), "absent.conf: No such file or directory");
	assert_null(s->cfg.defaults.python);
}

static void test_directory(void **state)
{
	sandbox *s = *state;

	assert_int_equal(mkdir("conf.d", 0700), 0);
	assert_int_equal(lg_config_load(&s->cfg, "conf.d", &s->base), LG_EINVALID);
	assert_string_equal(lg_error_last(),
			    "conf.d: is a directory, not a configuration file");
	assert_null(s->cfg.defaults.python);
}

static void test_syntax_error(void **state)
{
	sandbox *s = *state;

	write_file("leakgate.conf",
		   "[leakgate]\n\tthreshold = 5\n[workload \"orders\"\n\ttarget = w.py:f\n");
	assert_int_equal(lg_config_load(&s->cfg, "leakgate.conf", &s->base),
			 LG_EINVALID);
	/* libgit2 names the line itself: "... (in leakgate.conf:3)". */
	assert_string_equal(lg_error_last(),
			    "leakgate.conf: failed to parse config file: missing ']' "
			    "in section header (in leakgate.conf:3)");
	assert_null(s->cfg.defaults.python);
}

static void test_unknown_key(void **state)
{
	sandbox *s = *state;

	assert_load_fails(s, "[workload \"orders\"]\n\ttarget = w.py:f\n\ttreshold = 5\n",
			  LG_EINVALID,
			  "leakgate.conf: unknown key 'workload.orders.treshold'");
	/* jobs and junit are for the whole run, not one workload. */
	assert_load_fails(s, "[workload \"orders\"]\n\tjobs = 2\n", LG_EINVALID,
			  "leakgate.conf: unknown key 'workload.orders.jobs'");
	assert_load_fails(s, "[leakgate]\n\ttarget = w.py:f\n", LG_EINVALID,
			  "leakgate.conf: unknown key 'leakgate.target'");
}

static void test_unknown_section(void **state)
{
	sandbox *s = *state;

	assert_load_fails(s, "[server]\n\tport = 80\n", LG_EINVALID,
			  "leakgate.conf: unknown key 'server.port' (sections are "
			  "[leakgate] and [workload \"NAME\"])");
	assert_load_fails(s, "[include]\n\tpath = other.conf\n", LG_EINVALID,
			  "leakgate.conf: unknown key 'include.path' (sections are "
			  "[leakgate] and [workload \"NAME\"])");
	assert_load_fails(s, "[leakgate \"ci\"]\n\tjobs = 2\n", LG_EINVALID,
			  "leakgate.conf: unknown key 'leakgate.ci.jobs' "
			  "([leakgate] takes no name)");
	assert_load_fails(s, "jobs = 2\n", LG_EINVALID,
			  "leakgate.conf: unknown key 'jobs' (not in a section)");
}

static void test_workload_needs_a_name(void **state)
{
	sandbox *s = *state;

	assert_load_fails(s, "[workload]\n\ttarget = w.py:f\n", LG_EINVALID,
			  "leakgate.conf: unknown key 'workload.target' "
			  "([workload] needs a name: [workload \"NAME\"])");
	assert_load_fails(s, "[workload \"\"]\n\ttarget = w.py:f\n", LG_EINVALID,
			  "leakgate.conf: unknown key 'workload..target' "
			  "(the workload name is empty)");
}

static void test_bad_numbers(void **state)
{
	static const struct {
		const char *line;
		const char *message;
	} cases[] = {
		{ "threshold = abc", "workload.w.threshold: 'abc' is not a number" },
		{ "threshold = 5x", "workload.w.threshold: '5x' is not a number" },
		{ "threshold =", "workload.w.threshold: '' is not a number" },
		{ "threshold = inf", "workload.w.threshold: 'inf' is not a number" },
		{ "threshold = nan", "workload.w.threshold: 'nan' is not a number" },
		{ "threshold = 1e999", "workload.w.threshold: '1e999' is not a number" },
		{ "threshold = 0x10", "workload.w.threshold: '0x10' is not a number" },
		{ "threshold = -1", "workload.w.threshold: '-1' must be >= 0" },
		{ "timeout = 0", "workload.w.timeout: '0' must be > 0" },
		{ "duration = -0.5", "workload.w.duration: '-0.5' must be > 0" },
		{ "calls = 0", "workload.w.calls: '0' must be >= 1" },
		{ "calls = 1.5", "workload.w.calls: '1.5' is not a whole number" },
		{ "calls = 99999999999999999999",
		  "workload.w.calls: '99999999999999999999' is not a whole number" },
		{ "memory-limit = -1", "workload.w.memory-limit: '-1' is not a size: "
		  "MiB, or with a unit (512M, 2G, 1.5G; 0 = none)" },
		{ "memory-limit = 1k", "workload.w.memory-limit: '1k' is not a size: "
		  "MiB, or with a unit (512M, 2G, 1.5G; 0 = none)" },
		{ "memory-limit = 1.5", "workload.w.memory-limit: '1.5' is not a size: "
		  "MiB, or with a unit (512M, 2G, 1.5G; 0 = none)" },
		{ "memory-limit = 2X", "workload.w.memory-limit: '2X' is not a size: "
		  "MiB, or with a unit (512M, 2G, 1.5G; 0 = none)" },
	};
	sandbox *s = *state;
	char text[256], message[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[workload \"w\"]\n\ttarget = w.py:f\n\t%s\n",
			 cases[i].line);
		snprintf(message, sizeof(message), "leakgate.conf: %s", cases[i].message);
		assert_load_fails(s, text, LG_EINVALID, message);
	}
	assert_load_fails(s, "[leakgate]\n\tjobs = 0\n", LG_EINVALID,
			  "leakgate.conf: leakgate.jobs: '0' must be >= 1");
	assert_load_fails(s, "[leakgate]\n\tjobs = 3000000000\n", LG_EINVALID,
			  "leakgate.conf: leakgate.jobs: '3000000000' must be <= 2147483647");
}

/* memory-limit takes sizes with units; a bare number stays MiB. */
static void test_memory_limit_sizes(void **state)
{
	static const struct {
		const char *value;
		int64_t mb;
	} cases[] = {
		{ "512", 512 }, { "512M", 512 }, { "2G", 2048 }, { "1.5G", 1536 },
		{ "1g", 1024 }, { "3GiB", 3072 }, { "0", 0 },
	};
	sandbox *s = *state;
	char text[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[leakgate]\n\tmemory-limit = %s\n"
			 "[workload \"w\"]\n\ttarget = w.py:f\n", cases[i].value);
		write_file("leakgate.conf", text);
		assert_lg_ok(lg_config_load(&s->cfg, "leakgate.conf", &s->base));
		assert_int_equal(s->cfg.defaults.memory_limit_mb, cases[i].mb);
		assert_int_equal(s->cfg.workloads[0].memory_limit_mb, cases[i].mb);
		lg_config_dispose(&s->cfg);
	}
}

static void test_negative_threshold_in_defaults(void **state)
{
	sandbox *s = *state;

	assert_load_fails(s, "[leakgate]\n\tthreshold = -0.1\n", LG_EINVALID,
			  "leakgate.conf: leakgate.threshold: '-0.1' must be >= 0");
}

static void test_bad_expect(void **state)
{
	sandbox *s = *state;

	assert_load_fails(s, "[workload \"w\"]\n\ttarget = w.py:f\n\texpect = maybe\n",
			  LG_EINVALID,
			  "leakgate.conf: workload.w.expect: 'maybe' is not leak or clean");
}

static void test_workload_without_target(void **state)
{
	sandbox *s = *state;

	assert_load_fails(s, "[workload \"orders\"]\n\tthreshold = 5\n", LG_EINVALID,
			  "leakgate.conf: workload.orders.target: missing; every "
			  "[workload] needs 'target = FILE.py:FUNCTION' or a pytest "
			  "node id as its name");
}

static void test_pytest_suite_and_node_sections(void **state)
{
	sandbox *s = *state;

	/* git-config quoting: a node id with spaces, brackets, quotes and
	 * UTF-8 is a subsection name; its target is implied. */
	assert_int_equal(mkdir("sub", 0777), 0);
	load(s, "sub/leakgate.conf",
	     "[leakgate]\n\tpytest = tests/ -m \"leakcheck and not slow\"\n"
	     "[workload \"tests/test_a.py::test_b[x y-\\\"q\\\"-\xc3\xa9]\"]\n"
	     "\texpect = leak\n"
	     "[workload \"unit\"]\n\ttarget = unittest:pkg.test_u.Case.test_c\n");
	assert_string_equal(s->cfg.pytest, "tests/ -m leakcheck and not slow");
	assert_int_equal(s->cfg.count, 2);
	assert_string_equal(s->cfg.workloads[0].name,
			    "tests/test_a.py::test_b[x y-\"q\"-\xc3\xa9]");
	/* Node ids are pytest's: not relative to the file's directory. */
	assert_string_equal(s->cfg.workloads[0].target,
			    "pytest:tests/test_a.py::test_b[x y-\"q\"-\xc3\xa9]");
	assert_int_equal(s->cfg.workloads[0].expect_leak, 1);
	assert_string_equal(s->cfg.workloads[1].target,
			    "unittest:pkg.test_u.Case.test_c");
}

static void test_pytest_key_only_in_leakgate(void **state)
{
	sandbox *s = *state;

	assert_load_fails(s, "[workload \"w\"]\n\ttarget = w.py:f\n\tpytest = tests\n",
			  LG_EINVALID, "leakgate.conf: unknown key 'workload.w.pytest'");
	assert_load_fails(s, "[workload \"tests/a.py::\"]\n\texpect = leak\n",
			  LG_EINVALID, "leakgate.conf: [workload \"tests/a.py::\"]: "
			  "not a pytest node id (FILE.py::TEST)");
}

static void test_key_without_value(void **state)
{
	sandbox *s = *state;

	assert_load_fails(s, "[workload \"orders\"]\n\ttarget\n", LG_EINVALID,
			  "leakgate.conf: workload.orders.target: no value "
			  "(write 'target = VALUE')");
	assert_load_fails(s, "[leakgate]\n\tpython =\n", LG_EINVALID,
			  "leakgate.conf: leakgate.python: '' is not an interpreter");
}

static void test_malformed_target(void **state)
{
	sandbox *s = *state;

	assert_load_fails(s, "[workload \"orders\"]\n\ttarget = orders.py\n", LG_EINVALID,
			  "leakgate.conf: workload.orders.target: bad workload "
			  "'orders.py': expected FILE.py:FUNCTION or MODULE:FUNCTION");
	assert_load_fails(s, "[workload \"orders\"]\n\ttarget = a b:run\n", LG_EINVALID,
			  "leakgate.conf: workload.orders.target: bad workload "
			  "'a b:run': 'a b' is not a module name");
}

static void test_error_after_workloads_frees_them(void **state)
{
	sandbox *s = *state;

	assert_load_fails(s,
			  "[leakgate]\n\tjunit = out.xml\n\tpython = venv/bin/python\n"
			  "[workload \"a\"]\n\ttarget = a.py:run\n"
			  "[workload \"b\"]\n\ttarget = b.py:run\n"
			  "[workload \"c\"]\n\ttimeout = soon\n",
			  LG_EINVALID,
			  "leakgate.conf: workload.c.timeout: 'soon' is not a number");
}

/* The regression margin (baseline.h): defaults, [leakgate], per workload. */
static void test_regression_margin(void **state)
{
	sandbox *s = *state;

	load(s, "leakgate.conf",
	     "[leakgate]\n\tregression-floor = 64\n"
	     "[workload \"a\"]\n\ttarget = a.py:run\n\tregression-tolerance = 0.5\n"
	     "[workload \"b\"]\n\ttarget = b.py:run\n\tregression-floor = 0\n"
	     "\tRegression-Tolerance = 0\n");
	assert_true(s->base.regression_floor == LG_WORKLOAD_DEFAULT_REGRESSION_FLOOR);
	assert_true(s->base.regression_tolerance == LG_WORKLOAD_DEFAULT_REGRESSION_TOLERANCE);
	assert_true(s->cfg.defaults.regression_floor == 64);
	assert_true(s->cfg.defaults.regression_tolerance == 0.25);
	assert_true(s->cfg.workloads[0].regression_floor == 64);
	assert_true(s->cfg.workloads[0].regression_tolerance == 0.5);
	assert_true(s->cfg.workloads[1].regression_floor == 0);
	assert_true(s->cfg.workloads[1].regression_tolerance == 0);
	lg_config_dispose(&s->cfg);

	assert_load_fails(s, "[leakgate]\n\tregression-floor = -1\n", LG_EINVALID,
			  "leakgate.conf: leakgate.regression-floor: '-1' must be >= 0");
	assert_load_fails(s, "[workload \"w\"]\n\ttarget = w.py:f\n"
			  "\tregression-tolerance = 25%\n", LG_EINVALID,
			  "leakgate.conf: workload.w.regression-tolerance: '25%' "
			  "is not a number");
}

static void test_dispose_accepts_null(void **state)
{
	(void)state;
	lg_config_dispose(NULL);
}

#define SANDBOXED(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		SANDBOXED(test_full_file),
		SANDBOXED(test_empty_file_keeps_base),
		SANDBOXED(test_paths_next_to_config_in_cwd),
		SANDBOXED(test_paths_next_to_absolute_config),
		SANDBOXED(test_comments_and_quotes),
		SANDBOXED(test_key_names_ignore_case),
		SANDBOXED(test_repeats_are_errors),
		SANDBOXED(test_jobs_auto_and_fail_inconclusive),
		SANDBOXED(test_missing_file),
		SANDBOXED(test_directory),
		SANDBOXED(test_syntax_error),
		SANDBOXED(test_unknown_key),
		SANDBOXED(test_unknown_section),
		SANDBOXED(test_workload_needs_a_name),
		SANDBOXED(test_bad_numbers),
		SANDBOXED(test_memory_limit_sizes),
		SANDBOXED(test_negative_threshold_in_defaults),
		SANDBOXED(test_bad_expect),
		SANDBOXED(test_workload_without_target),
		SANDBOXED(test_pytest_suite_and_node_sections),
		SANDBOXED(test_pytest_key_only_in_leakgate),
		SANDBOXED(test_key_without_value),
		SANDBOXED(test_malformed_target),
		SANDBOXED(test_error_after_workloads_frees_them),
		SANDBOXED(test_regression_margin),
		cmocka_unit_test(test_dispose_accepts_null),
	};

	return cmocka_run_group_tests_name("config", tests, lg_test_libgit2_setup,
					   lg_test_libgit2_teardown);
}
