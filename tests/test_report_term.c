/*
 * The terminal sink over a hand-built results model, compared with golden
 * files (the timings are part of the model, so the goldens are exact), and
 * the progress line. LG_UPDATE_GOLDEN=1 rewrites the goldens instead.
 */
#include "lg_test.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakgate/format.h"
#include "leakgate/metric.h"
#include "leakgate/report_term.h"
#include "leakgate/result.h"

#ifndef LG_SOURCE_DIR
#define LG_SOURCE_DIR "."
#endif

#define GOLDEN_PLAIN LG_SOURCE_DIR "/tests/data/report_plain.txt"
#define GOLDEN_VERBOSE LG_SOURCE_DIR "/tests/data/report_verbose.txt"
#define GOLDEN_NARROW LG_SOURCE_DIR "/tests/data/report_narrow.txt"
#define EN_DASH "\xe2\x80\x93"

typedef struct {
	char cwd[PATH_MAX];
	lg_run_result run;
} fixture;

static lg_workload_result *add(lg_run_result *run, const char *name,
			       lg_verdict verdict, lg_outcome outcome,
			       const char *message, double seconds)
{
	lg_workload wl;
	lg_workload_result *r;

	memset(&wl, 0, sizeof(wl));
	wl.name = (char *)name;
	wl.target = (char *)name;
	wl.python = (char *)"python3";
	wl.threshold = 16;
	r = lg_test_run_push(run, &wl, 4096, verdict, message);
	r->outcome = outcome;
	r->seconds = seconds;
	return r;
}

static lg_fit *fit(lg_workload_result *r, lg_metric m, double slope,
		   double low, double high, double tail, int leaks)
{
	lg_fit *f = lg_test_fit(r, m, slope, low, high, leaks);

	f->tail_slope = tail;
	f->warmup = 10;
	f->used = 40;
	f->calls = 1023;
	f->growth = slope * 1023;
	f->sustained = leaks;
	return f;
}

static void build(fixture *f)
{
	lg_run_result *run = &f->run;
	lg_workload_result *r;
	char file[PATH_MAX + 64];

	run->started = 1704164645;
	run->seconds = 6.2;

	r = add(run, "leak_fds", LG_VERDICT_LEAK, LG_OUTCOME_EXCEPTION,
		"leaks 1 fd/call (95% CI 1" EN_DASH "1 fds) over 1,023 calls; "
		"stopped at call 1,023: OSError: [Errno 24] Too many open files", 0.84);
	/* Absolute inside the current directory: shown relative. */
	snprintf(file, sizeof(file), "%s/tests/workloads/leak_fds.py", f->cwd);
	lg_test_identify(r, "leak_fds", "open_and_forget", file, 12);
	r->detail = lg_test_strdup("OSError: [Errno 24] Too many open files");
	fit(r, LG_METRIC_HEAP_BYTES, 1.25, 0.5, 2, 1.5, 0);
	fit(r, LG_METRIC_FDS, 1, 1, 1, 1, 1);
	fit(r, LG_METRIC_GC_OBJECTS, 0.0004, 0, 0.001, 0, 0);

	r = add(run, "clean_lru", LG_VERDICT_CLEAN, LG_OUTCOME_COMPLETED,
		"clean: heap 0 B/call (95% CI 0" EN_DASH "0 B) over 60,000 calls; "
		"grew then plateaued (bounded cache?)", 2.1);
	lg_test_identify(r, "clean_lru", "lookup", "tests/workloads/clean_lru.py", 5);
	fit(r, LG_METRIC_HEAP_BYTES, 0, 0, 0, 0, 0)->plateau = 1;
	fit(r, LG_METRIC_GC_COLLECTED, 12, 12, 12, 12, 0);

	r = add(run, "tests/workloads/error_import.py:run", LG_VERDICT_ERROR,
		LG_OUTCOME_IMPORT_ERROR,
		"import failed: ModuleNotFoundError: No module named 'nope\x1b[2J'", 0.05);
	r->detail = lg_test_strdup("ModuleNotFoundError: No module named 'nope\x1b[2J'");

	r = add(run, "cache", LG_VERDICT_EXPECTED_LEAK, LG_OUTCOME_COMPLETED,
		"known leak: leaks 96 B/call (95% CI 90" EN_DASH "100 B) over 2,000 calls",
		1.5);
	r->workload.expect_leak = 1;
	lg_test_identify(r, "examples.cache", "grow", NULL, 0);
	fit(r, LG_METRIC_HEAP_BYTES, 96, 90, 100, 95.5, 1);

	r = add(run, "remember", LG_VERDICT_LEAK, LG_OUTCOME_COMPLETED,
		"leaks 312 B/call (95% CI 305" EN_DASH "320 B) over 4,000 calls", 1.2);
	lg_test_identify(r, "leak_cache", "remember",
			 "/nonexistent-leakgate-dir/leak_cache.py", 3);
	fit(r, LG_METRIC_HEAP_BYTES, 312, 305, 320, 310, 1);
	fit(r, LG_METRIC_PYMALLOC_BYTES, 312, 305, 320, 310, 0);
	fit(r, LG_METRIC_MALLOC_BYTES, 0, 0, 0, 0, 0);

	r = add(run, "fixed", LG_VERDICT_LEAK_FIXED, LG_OUTCOME_COMPLETED,
		"expected a leak but found none (clean: heap 0 B/call (95% CI 0"
		EN_DASH "0 B) over 2,000 calls): remove expect = leak", 0.5);
	r->workload.expect_leak = 1;
	lg_test_identify(r, "examples.cache", "fixed", NULL, 0);
	fit(r, LG_METRIC_HEAP_BYTES, 0, 0, 0, 0, 0);

	/* A node id longer than the name column, as the suite names it (the
	 * agent's module and function are junitxml's, not the name). */
	r = add(run, "tests/test_encoder.py::test_dump_to_file[c-canonical-"
		"timezone-aware]", LG_VERDICT_CLEAN, LG_OUTCOME_COMPLETED,
		"clean: heap 0.05 B/call (95% CI -0.5" EN_DASH "0.6 B) over 8,000 "
		"calls", 2.02);
	lg_test_identify(r, "tests.test_encoder", "test_dump_to_file[c-canonical-"
			 "timezone-aware]", NULL, 0);
	fit(r, LG_METRIC_HEAP_BYTES, 0.05, -0.5, 0.6, 0, 0);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (!f || !getcwd(f->cwd, sizeof(f->cwd))) {
		free(f);
		return -1;
	}
	build(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	lg_run_result_dispose(&f->run);
	free(f);
	return 0;
}

/* What lg_report_terminal wrote at width columns; the caller frees it. */
static char *render_width(const lg_run_result *run, int verbose, int color,
			  size_t width)
{
	lg_report_options opts = LG_REPORT_OPTIONS_INIT;
	lg_buf out = LG_BUF_INIT;
	char *text;

	opts.verbose = verbose;
	opts.color = color;
	opts.width = width;
	assert_lg_ok(lg_report_terminal(&out, run, &opts));
	text = lg_test_strdup(lg_buf_cstr(&out));
	assert_int_equal(strlen(text), out.len);
	lg_buf_dispose(&out);
	return text;
}

static char *render(const lg_run_result *run, int verbose, int color)
{
	return render_width(run, verbose, color, 0);
}

/* The longest line of text, in columns (code points). */
static size_t widest(const char *text)
{
	size_t w = 0, n = 0;

	for (; *text; text++) {
		if (*text == '\n')
			n = 0;
		else
			n += ((unsigned char)*text & 0xc0) != 0x80;
		if (n > w)
			w = n;
	}
	return w;
}

/* Verdict first, each workload under the name it is run by, and no line
 * padded to the longest node id: a long one gets a line of its own. */
static void test_names_and_column(void **state)
{
	fixture *f = *state;
	char *text = render(&f->run, 0, 0), line[128];

	assert_non_null(strstr(text, "\nKNOWN    cache   "));
	assert_null(strstr(text, "examples.cache:grow"));
	assert_non_null(strstr(text, "\nCLEAN    tests/test_encoder.py::test_dump_to_file"
			       "[c-canonical-timezone-aware]\n         clean: heap"));
	assert_null(strstr(text, "tests.test_encoder"));
	/* Without a terminal nothing is wrapped, but the column stays narrow:
	 * only the messages make a line long. */
	snprintf(line, sizeof(line), "LEAK     %-40s  leaks 1 fd/call", "leak_fds");
	assert_non_null(strstr(text, line));
	free(text);
}

/* At a terminal's width every line fits; the wrapped text is the same. */
static void test_narrow_golden(void **state)
{
	fixture *f = *state;
	char *text = render_width(&f->run, 0, 0, 72);

	lg_test_assert_golden(text, GOLDEN_NARROW);
	/* A node id stays whole, to be copied: only its own line passes. */
	*strstr(text, "tests/test_encoder.py") = '\0';
	assert_true(widest(text) <= 72);
	free(text);
	text = render_width(&f->run, 0, 0, 40);
	/* Words and the time never cut; names longer than a third of the
	 * width on their own line. */
	assert_non_null(strstr(text, "LEAK     remember       leaks 312 B/call\n"
			       "         (95% CI 305" EN_DASH "320 B) over 4,000\n"
			       "         calls   1.20 s\n"));
	*strstr(text, "ERROR    tests/workloads/error_import.py") = '\0';
	assert_true(widest(text) <= 40);
	free(text);
}

/* An interrupted suite: the tests it never started are one line, the one
 * it stopped keeps its own. */
static void test_not_started(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	lg_workload_result *r;
	char name[64], *text;

	(void)state;
	r = add(&run, "tests/test_a.py::test_started", LG_VERDICT_ERROR,
		LG_OUTCOME_CANCELLED, "cancelled: leakgate was interrupted (SIGINT)",
		0.4);
	for (int i = 0; i < 603; i++) {
		snprintf(name, sizeof(name), "tests/test_a.py::test_%d", i);
		r = add(&run, name, LG_VERDICT_ERROR, LG_OUTCOME_CANCELLED,
			"cancelled: not started: leakgate was interrupted (SIGINT)", 0);
		r->detail = lg_test_strdup("not started: leakgate was interrupted (SIGINT)");
	}
	run.seconds = 3;
	run.cancelled = 2;
	text = render(&run, 0, 0);
	assert_string_equal(text,
		"ERROR    tests/test_a.py::test_started  cancelled: leakgate was "
		"interrupted (SIGINT)   0.40 s\n"
		"ERROR    603 workloads not started: leakgate was interrupted (SIGINT)\n"
		"604 workloads: 0 leaks, 0 clean, 604 errors, 0 known leaks, 0 fixed "
		"in 3.0 s\n");
	free(text);
	lg_run_result_dispose(&run);
}

static void test_plain_golden(void **state)
{
	fixture *f = *state;
	char *text = render(&f->run, 0, 0);

	lg_test_assert_golden(text, GOLDEN_PLAIN);
	/* Workload text cannot drive the terminal. */
	assert_null(strchr(text, '\033'));
	free(text);
}

static void test_verbose_golden(void **state)
{
	fixture *f = *state;
	char *text = render(&f->run, 1, 0);

	lg_test_assert_golden(text, GOLDEN_VERBOSE);
	assert_null(strchr(text, '\033'));
	free(text);
}

static void test_color(void **state)
{
	fixture *f = *state;
	char *plain = render(&f->run, 0, 0);
	char *text = render(&f->run, 0, 1);

	assert_non_null(strstr(text, "\033[1;31mLEAK\033[0m     leak_fds  "));
	assert_non_null(strstr(text, "\033[32mCLEAN\033[0m    clean_lru  "));
	assert_non_null(strstr(text, "\033[1;35mERROR\033[0m"));
	assert_non_null(strstr(text, "\033[33mKNOWN\033[0m"));
	assert_non_null(strstr(text, "\033[36mFIXED\033[0m"));
	/* The same text otherwise: 7 lines, two escapes each. */
	assert_int_equal(strlen(text), strlen(plain) + 7 * (strlen("\033[0m")) +
			 2 * strlen("\033[1;31m") + 2 * strlen("\033[32m") +
			 strlen("\033[1;35m") + strlen("\033[33m") + strlen("\033[36m"));
	free(text);
	free(plain);
}

static void test_totals_pluralise(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	char *text;

	(void)state;
	text = render(&run, 0, 0);
	assert_string_equal(text, "0 workloads: 0 leaks, 0 clean, 0 errors, "
			    "0 known leaks, 0 fixed in 0.0 s\n");
	free(text);

	add(&run, "one", LG_VERDICT_ERROR, LG_OUTCOME_COMPLETED,
	    "too few samples to judge (3): raise --calls or --duration", 0.25);
	fit(&run.items[0], LG_METRIC_FDS, 0, 0, 0, 0, 0)->enough = 0;
	run.seconds = 0.25;
	text = render(&run, 1, 0);
	assert_string_equal(text,
		"ERROR    one  too few samples to judge (3): raise --calls or --duration   0.25 s\n"
		"         fds             too few samples to fit (40 after 10 warm-up)\n"
		"1 workload: 0 leaks, 0 clean, 1 error, 0 known leaks, 0 fixed in 0.2 s\n");
	free(text);
	lg_run_result_dispose(&run);
}

static void test_bad_arguments(void **state)
{
	fixture *f = *state;
	lg_report_options opts = LG_REPORT_OPTIONS_INIT;

	assert_int_equal(lg_report_terminal(NULL, &f->run, &opts), LG_EINVALID);
	assert_non_null(strstr(lg_error_last(), "report"));
}

static void test_progress(void **state)
{
	lg_buf out = LG_BUF_INIT;

	(void)state;
	assert_lg_ok(lg_report_progress(&out, 3, 10, "orders:parse", 1.24, 0));
	assert_string_equal(out.ptr, "\r\033[K[3/10] running orders:parse (1.2 s)");
	lg_buf_clear(&out);
	/* Workload text cannot drive the terminal. */
	assert_lg_ok(lg_report_progress(&out, 10, 10, "bad\033]0;title\a", 12, 0));
	assert_string_equal(out.ptr, LG_PROGRESS_CLEAR
			    "[10/10] running bad?]0;title? (12.0 s)");
	lg_buf_clear(&out);
	/* A line that would wrap could not be cleared: the name loses its
	 * start (whole characters), the line one column short of the width. */
	assert_lg_ok(lg_report_progress(&out, 3, 610, "tests/test_encod\xc3\xa9.py::"
					"test_dump[c-x]", 1.24, 46));
	assert_string_equal(out.ptr, LG_PROGRESS_CLEAR "[3/610] running "
			    "\xe2\x80\xa6\xc3\xa9.py::test_dump[c-x] (1.2 s)");
	assert_int_equal(widest(out.ptr + strlen(LG_PROGRESS_CLEAR)), 45);
	lg_buf_dispose(&out);
}

static void assert_path(const char *path, const char *want)
{
	char out[PATH_MAX];

	assert_string_equal(lg_format_path(out, sizeof(out), path), want);
}

static void test_format_path(void **state)
{
	fixture *f = *state;
	char path[PATH_MAX + 64], dir[] = "/tmp/lg-path-XXXXXX", link[64];
	char small[4];
	FILE *fp;

	assert_path(NULL, "");
	assert_path("tests/x.py", "tests/x.py");
	assert_path("/nonexistent-leakgate-dir/x.py", "/nonexistent-leakgate-dir/x.py");
	snprintf(path, sizeof(path), "%s/tests/x.py", f->cwd);
	assert_path(path, "tests/x.py");
	snprintf(path, sizeof(path), "%s//x.py", f->cwd);
	assert_path(path, "x.py");
	assert_path(f->cwd, ".");
	snprintf(path, sizeof(path), "%sx/y.py", f->cwd); /* a sibling, not inside */
	if (strcmp(f->cwd, "/") != 0)
		assert_path(path, path);
	snprintf(path, sizeof(path), "%s/abcdef", f->cwd);
	assert_string_equal(lg_format_path(small, sizeof(small), path), "abc");

	/* Through a symlink to the current directory. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f.py", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(link, sizeof(link), "%s.link", dir);
	assert_int_equal(symlink(dir, link), 0);
	assert_int_equal(chdir(dir), 0);
	snprintf(path, sizeof(path), "%s/f.py", link);
	assert_path(path, "f.py");
	assert_int_equal(chdir(f->cwd), 0);
	snprintf(path, sizeof(path), "%s/f.py", dir);
	unlink(path);
	unlink(link);
	rmdir(dir);
}

static void test_format_rate(void **state)
{
	const lg_metric_info *heap = lg_metric_get(LG_METRIC_HEAP_BYTES);
	const lg_metric_info *fds = lg_metric_get(LG_METRIC_FDS);
	char out[LG_FORMAT_RATE_SIZE], small[8];

	(void)state;
	assert_string_equal(lg_format_rate(out, sizeof(out), 312, 305, 320, heap,
					   0.95, 0),
			    "312 B/call (95% CI 305" EN_DASH "320)");
	assert_string_equal(lg_format_rate(out, sizeof(out), 312, 305, 320, heap,
					   0.95, LG_FORMAT_RATE_UNITS),
			    "312 B/call (95% CI 305" EN_DASH "320 B)");
	assert_string_equal(lg_format_rate(out, sizeof(out), 1, 1, 1, fds, 0.99,
					   LG_FORMAT_RATE_NAME),
			    "fds: 1 fd/call (99% CI 1" EN_DASH "1)");
	assert_string_equal(lg_format_rate(out, sizeof(out), 0.0004, -0.25, 1.25,
					   fds, 0.9, LG_FORMAT_RATE_NAME |
					   LG_FORMAT_RATE_UNITS),
			    "fds: 0.0004 fd/call (90% CI -0.25" EN_DASH "1.25 fds)");
	/* Cut to the buffer, like the other lg_format_* helpers. */
	assert_string_equal(lg_format_rate(small, sizeof(small), 312, 305, 320,
					   heap, 0.95, 0), "312 B/c");
	/* The longest numbers still fit the documented size. */
	lg_format_rate(out, sizeof(out), 1e300, -1e300, 1e300,
		       lg_metric_get(LG_METRIC_PYMALLOC_BYTES), 1e300,
		       LG_FORMAT_RATE_NAME | LG_FORMAT_RATE_UNITS);
	assert_true(strlen(out) < sizeof(out) - 1);
	assert_string_equal(out + strlen(out) - 3, " B)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verbose_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_color, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_and_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_narrow_golden, setup, teardown),
		cmocka_unit_test(test_not_started),
		cmocka_unit_test(test_totals_pluralise),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test(test_progress),
		cmocka_unit_test_setup_teardown(test_format_path, setup, teardown),
		cmocka_unit_test(test_format_rate),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
