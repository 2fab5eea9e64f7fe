/* Workload settings: defaults, copies, and the FILE.py:FUNCTION target syntax. */
#include "lg_test.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/workload.h"

/* The parts of one parsed target; freed by teardown. */
typedef struct {
	char *path;
	char *function;
	int is_file;
} parsed;

static int setup(void **state)
{
	static parsed p;

	memset(&p, 0, sizeof(p));
	*state = &p;
	lg_error_clear();
	return 0;
}

static int teardown(void **state)
{
	parsed *p = *state;

	free(p->path);
	free(p->function);
	return 0;
}

static void assert_target(parsed *p, const char *target, const char *path,
			  const char *function, int is_file)
{
	assert_lg_ok(lg_workload_parse_target(&p->path, &p->function,
					      &p->is_file, target));
	assert_string_equal(p->path, path);
	assert_string_equal(p->function, function);
	assert_int_equal(p->is_file, is_file);
	free(p->path);
	free(p->function);
	p->path = p->function = NULL;
}

static void assert_bad_target(parsed *p, const char *target, const char *message)
{
	assert_int_equal(lg_workload_parse_target(&p->path, &p->function,
						  &p->is_file, target),
			 LG_EINVALID);
	assert_string_equal(lg_error_last(), message);
	assert_null(p->path);
	assert_null(p->function);
}

static void test_defaults(void **state)
{
	lg_workload wl;

	(void)state;
	assert_lg_ok(lg_workload_init_defaults(&wl));
	assert_string_equal(wl.python, LG_WORKLOAD_DEFAULT_PYTHON);
	assert_null(wl.name);
	assert_null(wl.target);
	assert_true(wl.threshold == LG_WORKLOAD_DEFAULT_THRESHOLD);
	assert_true(wl.timeout == LG_WORKLOAD_DEFAULT_TIMEOUT);
	assert_int_equal(wl.max_calls, LG_WORKLOAD_DEFAULT_MAX_CALLS);
	assert_true(wl.duration == LG_WORKLOAD_DEFAULT_DURATION);
	assert_int_equal(wl.memory_limit_mb, LG_WORKLOAD_DEFAULT_MEMORY_LIMIT_MB);
	assert_int_equal(wl.expect_leak, 0);
	lg_workload_dispose(&wl);
	assert_null(wl.python);
}

static void test_copy_is_deep(void **state)
{
	lg_workload wl, copy;

	(void)state;
	assert_lg_ok(lg_workload_init_defaults(&wl));
	assert_lg_ok(lg_string_set(&wl.name, "orders"));
	assert_lg_ok(lg_string_set(&wl.target, "orders.py:parse"));
	wl.threshold = 64;
	wl.expect_leak = 1;
	assert_lg_ok(lg_workload_copy(&copy, &wl));
	lg_workload_dispose(&wl);

	assert_string_equal(copy.name, "orders");
	assert_string_equal(copy.target, "orders.py:parse");
	assert_string_equal(copy.python, "python3");
	assert_true(copy.threshold == 64);
	assert_int_equal(copy.expect_leak, 1);
	lg_workload_dispose(&copy);
	assert_null(copy.name);
	assert_null(copy.target);
	assert_int_equal(copy.max_calls, 0);
}

static void test_copy_keeps_null_strings(void **state)
{
	lg_workload wl, copy;

	(void)state;
	assert_lg_ok(lg_workload_init_defaults(&wl));
	assert_lg_ok(lg_workload_copy(&copy, &wl));
	assert_null(copy.name);
	assert_null(copy.target);
	assert_non_null(copy.python);
	assert_ptr_not_equal(copy.python, wl.python);
	lg_workload_dispose(&wl);
	lg_workload_dispose(&copy);
}

static void test_set_string_replaces(void **state)
{
	char *field = NULL;

	(void)state;
	assert_lg_ok(lg_string_set(&field, "python3"));
	assert_string_equal(field, "python3");
	assert_lg_ok(lg_string_set(&field, "/usr/bin/python3.12"));
	assert_string_equal(field, "/usr/bin/python3.12");
	assert_lg_ok(lg_string_set(&field, NULL));
	assert_null(field);
}

static void test_dispose_accepts_null(void **state)
{
	(void)state;
	lg_workload_dispose(NULL);
}

static void test_file_targets(void **state)
{
	parsed *p = *state;

	assert_target(p, "tests/leaks/orders.py:parse_orders",
		      "tests/leaks/orders.py", "parse_orders", 1);
	assert_target(p, "orders.py:run", "orders.py", "run", 1);
	assert_target(p, "/abs/path/w.py:_run2", "/abs/path/w.py", "_run2", 1);
	/* Split at the last ':', so the path may hold one. */
	assert_target(p, "odd:dir/w.py:run", "odd:dir/w.py", "run", 1);
	assert_target(p, "./my-tests/w.py:run", "./my-tests/w.py", "run", 1);
}

static void test_module_targets(void **state)
{
	parsed *p = *state;

	assert_target(p, "orders:run", "orders", "run", 0);
	assert_target(p, "pkg.sub_mod.orders:parse", "pkg.sub_mod.orders", "parse", 0);
	assert_target(p, "_private.M2:f", "_private.M2", "f", 0);
}

static void test_dotted_function(void **state)
{
	parsed *p = *state;

	assert_target(p, "orders.py:Parser.run", "orders.py", "Parser.run", 1);
	assert_target(p, "pkg.orders:Parser.Inner.run", "pkg.orders",
		      "Parser.Inner.run", 0);
}

static void test_malformed_targets(void **state)
{
	parsed *p = *state;

	assert_bad_target(p, "orders.py",
		"bad workload 'orders.py': expected FILE.py:FUNCTION or MODULE:FUNCTION");
	assert_bad_target(p, "",
		"bad workload '': expected FILE.py:FUNCTION or MODULE:FUNCTION");
	assert_bad_target(p, "orders.py:",
		"bad workload 'orders.py:': no function after ':'");
	assert_bad_target(p, ":run",
		"bad workload ':run': no file or module before ':'");
	assert_bad_target(p, "a b:run",
		"bad workload 'a b:run': 'a b' is not a module name");
	assert_bad_target(p, "pkg..mod:run",
		"bad workload 'pkg..mod:run': 'pkg..mod' is not a module name");
	assert_bad_target(p, ".pkg:run",
		"bad workload '.pkg:run': '.pkg' is not a module name");
	assert_bad_target(p, "pkg.:run",
		"bad workload 'pkg.:run': 'pkg.' is not a module name");
	assert_bad_target(p, "1pkg:run",
		"bad workload '1pkg:run': '1pkg' is not a module name");
	assert_bad_target(p, "p\xc3\xa9:run",
		"bad workload 'p\xc3\xa9:run': 'p\xc3\xa9' is not a module name");
	assert_bad_target(p, "a:b:run",
		"bad workload 'a:b:run': 'a:b' is not a module name");
	assert_bad_target(p, "dir/orders:run",
		"bad workload 'dir/orders:run': 'dir/orders' is not a .py file");
	assert_bad_target(p, "dir/orders.pyc:run",
		"bad workload 'dir/orders.pyc:run': 'dir/orders.pyc' is not a .py file");
	assert_bad_target(p, "dir/.py:run",
		"bad workload 'dir/.py:run': 'dir/.py' is not a .py file");
	assert_bad_target(p, ".py:run",
		"bad workload '.py:run': '.py' is not a .py file");
	assert_bad_target(p, "orders.py:run()",
		"bad workload 'orders.py:run()': 'run()' is not a function name");
	assert_bad_target(p, "orders.py:Parser.",
		"bad workload 'orders.py:Parser.': 'Parser.' is not a function name");
	assert_bad_target(p, "orders.py:.run",
		"bad workload 'orders.py:.run': '.run' is not a function name");
	assert_bad_target(p, "orders.py:2run",
		"bad workload 'orders.py:2run': '2run' is not a function name");
	assert_bad_target(p, "orders.py:run me",
		"bad workload 'orders.py:run me': 'run me' is not a function name");
}

static void test_null_target(void **state)
{
	parsed *p = *state;

	assert_int_equal(lg_workload_parse_target(&p->path, &p->function,
						  &p->is_file, NULL),
			 LG_EINVALID);
	assert_null(p->path);
}

static void test_pytest_targets(void **state)
{
	parsed *p = *state;

	/* The names pytest's junitxml gives; is_file 0: a node id is
	 * relative to pytest's rootdir, not checked here. */
	assert_target(p, "pytest:tests/test_api.py::TestApi::test_get[utf-8]",
		      "tests.test_api.TestApi", "test_get[utf-8]", 0);
	assert_target(p, "pytest:test_a.py::test_b", "test_a", "test_b", 0);
	/* Parameters keep spaces, "::", dots, '/' and any UTF-8. */
	assert_target(p, "pytest:t/test_x.py::test_y[a b::c/d.py-\xc3\xa9t\xc3\xa9]",
		      "t.test_x", "test_y[a b::c/d.py-\xc3\xa9t\xc3\xa9]", 0);
	assert_target(p, "pytest:pkg/test_m.py::Outer::Inner::test_z",
		      "pkg.test_m.Outer.Inner", "test_z", 0);
	/* A file that failed to collect: no classname, as junitxml. */
	assert_target(p, "pytest:tests/test_broken.py", "", "tests.test_broken", 0);
	/* The module `--pyargs pkg.module` collects: pytest's ids name no file. */
	assert_target(p, "pytest:::test_b", "", "test_b", 0);
	assert_target(p, "pytest:::TestB::test_c", ".TestB", "test_c", 0);
	assert_int_equal(lg_workload_target_kind("pytest:a.py::b"), LG_TARGET_PYTEST);
	assert_int_equal(lg_workload_target_kind("tests/pytest:x.py:f"),
			 LG_TARGET_FUNCTION);
}

static void test_unittest_targets(void **state)
{
	parsed *p = *state;

	assert_target(p, "unittest:pkg.tests.test_api.ApiTest.test_get",
		      "pkg.tests.test_api.ApiTest", "test_get", 0);
	assert_target(p, "unittest:test_a.Case.test_b", "test_a.Case", "test_b", 0);
	assert_int_equal(lg_workload_target_kind("unittest:a.B.c"), LG_TARGET_UNITTEST);
}

static void test_malformed_test_targets(void **state)
{
	parsed *p = *state;

	assert_bad_target(p, "pytest:", "bad workload 'pytest:': expected "
			  "pytest:FILE.py::TEST (a pytest node id)");
	assert_bad_target(p, "pytest:a.py::", "bad workload 'pytest:a.py::': "
			  "expected pytest:FILE.py::TEST (a pytest node id)");
	assert_bad_target(p, "pytest:::", "bad workload 'pytest:::': "
			  "expected pytest:FILE.py::TEST (a pytest node id)");
	assert_bad_target(p, "pytest:a.py::b\nc", "bad workload 'pytest:a.py::b\nc': "
			  "a node id has no line breaks");
	assert_bad_target(p, "unittest:Case.test_b", "bad workload "
			  "'unittest:Case.test_b': expected unittest:MODULE.CLASS.METHOD");
	assert_bad_target(p, "unittest:a.B.c d", "bad workload 'unittest:a.B.c d': "
			  "expected unittest:MODULE.CLASS.METHOD");
}

static void test_test_names_of_functions(void **state)
{
	char *classname, *name;

	(void)state;
	assert_int_equal(lg_workload_test_names(&classname, &name, "a.py:f"),
			 LG_EINVALID);
	assert_null(classname);
	assert_null(name);
}

static void test_copy_keeps_pytest_args(void **state)
{
	lg_workload wl, copy;

	(void)state;
	assert_lg_ok(lg_workload_init_defaults(&wl));
	assert_lg_ok(lg_string_set(&wl.pytest_args, "tests/ -m leakcheck"));
	assert_lg_ok(lg_workload_copy(&copy, &wl));
	assert_ptr_not_equal(copy.pytest_args, wl.pytest_args);
	lg_workload_dispose(&wl);
	assert_string_equal(copy.pytest_args, "tests/ -m leakcheck");
	lg_workload_dispose(&copy);
	assert_null(copy.pytest_args);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_copy_is_deep),
		cmocka_unit_test(test_copy_keeps_null_strings),
		cmocka_unit_test(test_set_string_replaces),
		cmocka_unit_test(test_dispose_accepts_null),
		cmocka_unit_test_setup_teardown(test_file_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotted_function, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pytest_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unittest_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_test_targets, setup, teardown),
		cmocka_unit_test(test_test_names_of_functions),
		cmocka_unit_test(test_copy_keeps_pytest_args),
	};

	return cmocka_run_group_tests_name("workload", tests, NULL, NULL);
}
