/* schedule.c: which workload a slot starts next. */
#include "lg_test.h"

#include "leakgate/schedule.h"

static lg_workload wl(char *target, char *args)
{
	lg_workload w;

	memset(&w, 0, sizeof(w));
	w.target = target;
	w.python = "python3";
	w.pytest_args = args;
	return w;
}

static void test_file_of_a_suite_test(void **state)
{
	lg_workload a = wl("pytest:tests/test_a.py::TestA::test_b[x::y]", "tests"),
		    broken = wl("pytest:tests/test_broken.py", "tests"),
		    pyargs = wl("pytest:::TestA::test_b", "--pyargs pkg.test_a"),
		    alone = wl("pytest:tests/test_a.py::test_c", NULL),
		    function = wl("tests/f.py:run", "tests");
	const char *file = NULL;
	size_t len = 1;

	(void)state;
	assert_true(lg_schedule_file(&a, &file, &len));
	assert_int_equal(len, strlen("tests/test_a.py"));
	assert_memory_equal(file, "tests/test_a.py", strlen("tests/test_a.py"));
	/* A file that failed to collect is its own node. */
	assert_true(lg_schedule_file(&broken, &file, &len));
	assert_int_equal(len, strlen("tests/test_broken.py"));
	/* The module --pyargs names: a suite's test, of a file without a name. */
	assert_true(lg_schedule_file(&pyargs, &file, &len));
	assert_int_equal(len, 0);
	/* Not a suite's: a child of its own. */
	assert_false(lg_schedule_file(&alone, &file, &len));
	assert_false(lg_schedule_file(&function, &file, &len));
}

static void test_shares_child(void **state)
{
	lg_workload a = wl("pytest:t/a.py::x", "t"), b = wl("pytest:t/b.py::y", "t"),
		    other_args = wl("pytest:t/b.py::y", "t -k y"),
		    other_python = wl("pytest:t/b.py::y", "t"),
		    function = wl("t/f.py:run", "t");

	(void)state;
	other_python.python = "/opt/py/bin/python3";
	assert_true(lg_schedule_shares_child(&a, &b));
	assert_false(lg_schedule_shares_child(&a, &other_args));
	assert_false(lg_schedule_shares_child(&a, &other_python));
	assert_false(lg_schedule_shares_child(&a, &function));
}

static void test_next_keeps_files_apart(void **state)
{
	lg_workload all[] = {
		wl("pytest:t/a.py::one", "t"), wl("pytest:t/b.py::one", "t"),
		wl("pytest:t/a.py::two", "t"), wl("t/f.py:run", "t"),
		wl("pytest:t/b.py::two", "t"),
	};
	unsigned char started[5] = { 0 };
	const lg_workload *running[2] = { NULL, NULL };

	(void)state;
	/* A free slot takes the first. */
	assert_int_equal(lg_schedule_next(all, 5, started, 0, running, 0, NULL), 0);
	started[0] = 1;
	/* Beside a.py's test, another slot takes b.py's, not a.py's second. */
	running[0] = &all[0];
	assert_int_equal(lg_schedule_next(all, 5, started, 1, running, 1, NULL), 1);
	started[1] = 1;
	running[1] = &all[1];
	/* Both files busy: the function. */
	assert_int_equal(lg_schedule_next(all, 5, started, 2, running, 2, NULL), 3);
	/* A child that ran a.py's first goes on with a.py's second, though
	 * b.py's came first... */
	running[0] = &all[1];
	assert_int_equal(lg_schedule_next(all, 5, started, 2, running, 1, &all[0]), 2);
	started[2] = 1;
	/* ...then takes what it can run, never the function... */
	running[0] = &all[3];
	assert_int_equal(lg_schedule_next(all, 5, started, 3, running, 1, &all[2]), 4);
	/* ...nor a test whose file runs beside it. */
	running[0] = &all[1];
	assert_int_equal(lg_schedule_next(all, 5, started, 3, running, 1, &all[2]), -1);
	started[3] = started[4] = 1;
	assert_int_equal(lg_schedule_next(all, 5, started, 3, running, 0, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_of_a_suite_test),
		cmocka_unit_test(test_shares_child),
		cmocka_unit_test(test_next_keeps_files_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
