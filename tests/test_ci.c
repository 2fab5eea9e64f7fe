/*
 * What the command layer does inside CI (src/cli/ci.c): where charts go,
 * and writing them as the failing workloads' attachments.
 */
#include "lg_test.h"

#include <sys/stat.h>
#include <unistd.h>

#include "cli/ci.h"
#include "leakgate/metric.h"

/* A leak with samples and a clean workload. */
static void leaking_run(lg_run_result *run)
{
	lg_workload_result *r;
	lg_fit *f;

	r = lg_test_run_add(run, "w/leak", "w.py:run", LG_VERDICT_LEAK, "leaks");
	lg_test_series_linear(r, LG_METRIC_HEAP_BYTES, 20, 10, 5000, 100);
	f = lg_test_fit(r, LG_METRIC_HEAP_BYTES, 100, 90, 110, 1);
	f->warmup = 10;
	f->used = 40;
	r->culprit = LG_METRIC_HEAP_BYTES;
	r = lg_test_run_add(run, "clean", "c.py:run", LG_VERDICT_CLEAN, "clean");
	lg_test_series_linear(r, LG_METRIC_HEAP_BYTES, 20, 10, 5000, 0);
}

static void test_charts_written_and_attached(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	char dir[] = "/tmp/lg-ci-XXXXXX", charts[64], path[128];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(charts, sizeof(charts), "%s/a/charts", dir);
	leaking_run(&run);
	assert_int_equal(lg_ci_write_charts(&run, charts), 1);
	snprintf(path, sizeof(path), "%s/w_leak.svg", charts);
	assert_string_equal(run.items[0].attachment, path);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 0);
	assert_null(run.items[1].attachment);
	unlink(path);
	rmdir(charts);
	snprintf(path, sizeof(path), "%s/a", dir);
	rmdir(path);
	rmdir(dir);
	lg_run_result_dispose(&run);
}

static void test_charts_unwritable(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;

	(void)state;
	leaking_run(&run);
	assert_true(lg_ci_write_charts(&run, "/dev/null/charts") < 0);
	assert_non_null(strstr(lg_error_last(), "/dev/null"));
	assert_null(run.items[0].attachment);
	lg_run_result_dispose(&run);
}

static void test_charts_dir(void **state)
{
	lg_buf where = LG_BUF_INIT;

	(void)state;
	unsetenv("GITLAB_CI");
	assert_int_equal(lg_ci_charts_dir(&where, "given", "out/run.xml"), 1);
	assert_string_equal(where.ptr, "given");
	assert_int_equal(lg_ci_charts_dir(&where, NULL, "out/run.xml"), 0);
	setenv("GITLAB_CI", "true", 1);
	assert_int_equal(lg_ci_charts_dir(&where, NULL, "out/run.xml"), 1);
	assert_string_equal(where.ptr, "out/" LG_CI_CHARTS_DIR);
	assert_int_equal(lg_ci_charts_dir(&where, NULL, NULL), 0);
	assert_string_equal(lg_buf_cstr(&where), "");
	unsetenv("GITLAB_CI");
	lg_buf_dispose(&where);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_charts_written_and_attached),
		cmocka_unit_test(test_charts_unwritable),
		cmocka_unit_test(test_charts_dir),
	};

	return cmocka_run_group_tests_name("ci", tests, NULL, NULL);
}
