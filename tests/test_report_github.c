/*
 * GitHub workflow commands: the escaping rules of actions/toolkit
 * (command.ts escapeData / escapeProperty) and the annotations of a run.
 */
#include "lg_test.h"

#include <limits.h>
#include <unistd.h>

#include "leakgate/buf.h"
#include "leakgate/explanation.h"
#include "leakgate/report_github.h"

static void test_escape_data(void **state)
{
	lg_buf b = LG_BUF_INIT;

	(void)state;
	assert_lg_ok(lg_github_escape_data(&b, "100% done: a, b\r\nnext line\n"));
	assert_string_equal(b.ptr, "100%25 done: a, b%0D%0Anext line%0A");
	b.len = 0;
	/* Already escaped-looking text is escaped again, not decoded. */
	assert_lg_ok(lg_github_escape_data(&b, "%0A%25"));
	assert_string_equal(b.ptr, "%250A%2525");
	b.len = 0;
	assert_lg_ok(lg_github_escape_data(&b, ""));
	assert_string_equal(b.ptr, "");
	lg_buf_dispose(&b);
}

static void test_escape_property(void **state)
{
	lg_buf b = LG_BUF_INIT;

	(void)state;
	assert_lg_ok(lg_github_escape_property(&b, "dir,x/a:b.py\n%"));
	assert_string_equal(b.ptr, "dir%2Cx/a%3Ab.py%0A%25");
	lg_buf_dispose(&b);
}

static void test_annotations(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	lg_workload_result *r;
	lg_github_options opts = LG_GITHUB_OPTIONS_INIT;
	lg_buf out = LG_BUF_INIT;
	char cwd[PATH_MAX], file[PATH_MAX + 64];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	r = lg_test_run_add(&run, "leaky, really", "pkg/a:b.py:run", LG_VERDICT_LEAK,
			    "leaks 312 B/call: 100% sure\nsecond line");
	snprintf(file, sizeof(file), "%s/pkg/a:b,c.py", cwd);
	r->file = lg_test_strdup(file);
	r->line = 12;
	lg_test_run_add(&run, "clean", "c.py:run", LG_VERDICT_CLEAN, "clean: heap 0 B/call");
	lg_test_run_add(&run, "known", "k.py:run", LG_VERDICT_EXPECTED_LEAK, "known leak: ...");
	r = lg_test_run_add(&run, "fixed", "f.py:run", LG_VERDICT_LEAK_FIXED,
			    "expected a leak but found none: remove expect = leak");
	r->file = lg_test_strdup("/elsewhere/f.py");
	r->line = 3;
	lg_test_run_add(&run, "broken", "e.py:run", LG_VERDICT_ERROR,
			"import failed: ModuleNotFoundError: No module named 'x'");

	opts.root = cwd;
	assert_lg_ok(lg_report_github(&out, &run, &opts));
	assert_string_equal(out.ptr,
		"::error file=pkg/a%3Ab%2Cc.py,line=12,title=leakgate%3A leaky%2C "
		"really leaks::leaks 312 B/call: 100%25 sure%0Asecond line\n"
		/* Outside the repository: no file= GitHub could not place. */
		"::warning title=leakgate%3A fixed no longer leaks::expected a leak "
		"but found none: remove expect = leak\n"
		"::error title=leakgate%3A broken could not be measured::import "
		"failed: ModuleNotFoundError: No module named 'x'\n");
	lg_buf_dispose(&out);
	lg_run_result_dispose(&run);
}

/* A relative root or none: relative to the current directory. */
static void test_root_default(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	lg_workload_result *r;
	lg_buf out = LG_BUF_INIT;
	char cwd[PATH_MAX], file[PATH_MAX + 64];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	r = lg_test_run_add(&run, "w", "w.py:run", LG_VERDICT_REGRESSION, "regressed");
	snprintf(file, sizeof(file), "%s/tests/w.py", cwd);
	r->file = lg_test_strdup(file);
	r->line = 7;
	assert_lg_ok(lg_report_github(&out, &run, NULL));
	assert_string_equal(out.ptr, "::error file=tests/w.py,line=7,title=leakgate%3A "
			    "w regressed::regressed\n");
	lg_buf_dispose(&out);
	lg_run_result_dispose(&run);
}

/* The explanation's allocation site wins over the function, and its summary
 * follows the message. */
static void test_allocation_site(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	lg_workload_result *r;
	lg_buf out = LG_BUF_INIT;
	char cwd[PATH_MAX], file[PATH_MAX + 64];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	r = lg_test_run_add(&run, "w", "w.py:run", LG_VERDICT_LEAK, "leaks 8 B/call");
	snprintf(file, sizeof(file), "%s/w.py", cwd);
	r->file = lg_test_strdup(file);
	r->line = 3;
	assert_lg_ok(lg_explanation_new(&r->explanation));
	r->explanation->kind = LG_LEAK_KIND_PYTHON_OBJECTS;
	snprintf(file, sizeof(file), "%s/lib/cache.py", cwd);
	r->explanation->site_file = lg_test_strdup(file);
	r->explanation->site_line = 42;
	r->explanation->chain = lg_test_strdup("cache._d");
	assert_lg_ok(lg_report_github(&out, &run, NULL));
	assert_string_equal(out.ptr, "::error file=lib/cache.py,line=42,title=leakgate%3A "
			    "w leaks::leaks 8 B/call%0Akind: python-objects%0Aheld by cache._d\n");
	lg_buf_dispose(&out);
	lg_run_result_dispose(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_data),
		cmocka_unit_test(test_escape_property),
		cmocka_unit_test(test_annotations),
		cmocka_unit_test(test_root_default),
		cmocka_unit_test(test_allocation_site),
	};

	return cmocka_run_group_tests_name("report_github", tests, NULL, NULL);
}
