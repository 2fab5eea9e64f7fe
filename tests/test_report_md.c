/*
 * The markdown sink: a golden file for a small run (LG_UPDATE_GOLDEN=1
 * rewrites it), text from workloads that must not break the table or
 * inject markup, the Mermaid chart, and the size bound.
 */
#include "lg_test.h"

#include "leakgate/baseline.h"
#include "leakgate/metric.h"
#include "leakgate/report_md.h"

#ifndef LG_SOURCE_DIR
#define LG_SOURCE_DIR "."
#endif

#define GOLDEN LG_SOURCE_DIR "/tests/data/report_markdown.md"

static void fit(lg_workload_result *r, lg_metric m, double slope, double low,
		double high, int leaks)
{
	lg_fit *f = lg_test_fit(r, m, slope, low, high, leaks);

	f->tail_slope = slope;
	f->warmup = 10;
	f->used = 40;
}

static int setup(void **state)
{
	lg_run_result *run = calloc(1, sizeof(*run));
	lg_workload_result *r;

	assert_non_null(run);
	run->seconds = 4.25;
	r = lg_test_run_add(run, "clean | <b>bold</b>", "c.py:run", LG_VERDICT_CLEAN,
			    "clean: heap 0 B/call");
	lg_test_series_linear(r, LG_METRIC_HEAP_BYTES, 50, 1000, 8 << 20, 0);
	fit(r, LG_METRIC_HEAP_BYTES, 0, 0, 0, 0);
	r->seconds = 1.5;

	r = lg_test_run_add(run, "parse-order", "orders.py:parse_order",
			    LG_VERDICT_LEAK, "leaks 312 B/call (95% CI 305\xe2\x80\x93"
			    "320 B) over 40,000 calls");
	r->file = lg_test_strdup("orders.py");
	r->line = 12;
	lg_test_series_linear(r, LG_METRIC_HEAP_BYTES, 50, 1000, 8 << 20, 312);
	fit(r, LG_METRIC_HEAP_BYTES, 312, 305, 320, 1);
	/* The window after the warm-up: the calls column gives the message's
	 * figure, not the 50,000 calls made. */
	r->fits[LG_METRIC_HEAP_BYTES].calls = 40000;
	r->seconds = 1.25;

	r = lg_test_run_add(run, "import", "missing.py:run", LG_VERDICT_ERROR,
			    "raised ValueError: `x` | *y* after 3 calls");
	r->traceback = lg_test_strdup("Traceback (most recent call last):\n"
				      "  File \"m.py\", line 3, in run\n"
				      "    s = \"```\" </details>\n"
				      "ValueError: `x` | *y*\n");
	r->seconds = 0.5;

	lg_test_run_add(run, "known", "k.py:run", LG_VERDICT_EXPECTED_LEAK,
			"known leak: leaks 96 B/call");
	*state = run;
	return 0;
}

static int teardown(void **state)
{
	lg_run_result_dispose(*state);
	free(*state);
	return 0;
}

static char *render(const lg_run_result *run, const lg_markdown_options *opts)
{
	lg_buf out = LG_BUF_INIT;

	assert_lg_ok(lg_report_markdown(&out, run, opts));
	return lg_buf_detach(&out);
}

static size_t count(const char *text, const char *part)
{
	size_t n = 0;

	for (const char *p = strstr(text, part); p; p = strstr(p + 1, part))
		n++;
	return n;
}

static void test_golden(void **state)
{
	char *text = render(*state, NULL);

	lg_test_assert_golden(text, GOLDEN);
	free(text);
}

static void test_table(void **state)
{
	char *text = render(*state, NULL);
	const char *leak, *clean, *known;

	assert_non_null(strstr(text, "## \xe2\x9d\x8c leakgate: 4 workloads \xe2\x80\x94 1 leak, 1 error, 1 known leak, 1 clean (4.25 s)\n"));
	assert_non_null(strstr(text, "| | workload | verdict | growth per call | calls | time |\n"));
	/* Failing first, then known leaks, then clean. */
	leak = strstr(text, "| \xe2\x9d\x8c | parse-order | leak | 312 B/call (95% CI 305\xe2\x80\x93"
		      "320) | 40,000 | 1.25 s |\n");
	known = strstr(text, "| known |");
	clean = strstr(text, "| clean \\| &lt;b&gt;bold&lt;/b&gt; | clean |");
	assert_non_null(leak);
	assert_non_null(known);
	assert_non_null(clean);
	assert_true(leak < known && known < clean);
	/* No raw markup from a workload anywhere. */
	assert_null(strstr(text, "<b>"));
	free(text);
}

static void test_sections(void **state)
{
	char *text = render(*state, NULL);
	const char *chart = strstr(text, "```mermaid\nxychart-beta\n");
	const char *line;

	assert_non_null(strstr(text, "\n### \xe2\x9d\x8c parse-order: leak\n"));
	assert_non_null(strstr(text, "\nat orders.py:12\n"));
	/* One chart: the leak's (an error has no growth to show). */
	assert_non_null(chart);
	assert_int_equal(count(text, "```mermaid"), 1);
	assert_non_null(strstr(chart, "x-axis \"calls\" 1000 --> 50000\n"));
	assert_non_null(strstr(chart, "y-axis \"heap_bytes (KiB)\"\n"));
	/* Measured and fitted, 30 points each: 8 MiB + 312 B/call from 1,000
	 * calls (8,497 KiB) to 50,000 calls (23,426 KiB). */
	line = strstr(chart, "    line [8497, 9012, ");
	assert_non_null(line);
	assert_int_equal(count(chart, "    line ["), 2);
	assert_non_null(strstr(line, ", 23426]\n    line [8497, "));
	{
		char *values = strndup(line, (size_t)(strchr(line, ']') - line));

		assert_non_null(values);
		assert_int_equal(count(values, ", "), 29);
		free(values);
	}
	/* The traceback, in a fence its backticks cannot close. */
	assert_non_null(strstr(text, "<details><summary>Traceback</summary>\n\n````\n"));
	assert_non_null(strstr(text, "    s = \"```\" </details>\n"));
	assert_non_null(strstr(text, "ValueError: `x` | *y*\n````\n\n</details>\n"));
	/* The message of the error section is escaped inline text. */
	assert_non_null(strstr(text, "raised ValueError: \\`x\\` \\| \\*y\\* after 3 calls"));
	free(text);
}

/* Many large failing workloads: bounded, and it says what it left out. */
static void test_bounded(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	lg_markdown_options opts = LG_MARKDOWN_OPTIONS_INIT;
	char name[64], *message = malloc(5000), *text;

	(void)state;
	assert_non_null(message);
	memset(message, 'm', 4999);
	message[4999] = '\0';
	for (int i = 0; i < 3000; i++) {
		lg_workload_result *r;

		snprintf(name, sizeof(name), "a-longer-workload-name-%04d", i);
		r = lg_test_run_add(&run, name, "w.py:run", LG_VERDICT_ERROR, message);
		r->traceback = lg_test_strdup(message);
	}
	text = render(&run, NULL);
	assert_true(strlen(text) <= LG_MARKDOWN_LIMIT);
	assert_non_null(strstr(text, "more workloads not listed"));
	assert_non_null(strstr(text, "failing workloads not shown"));
	free(text);

	opts.limit = 20000;
	text = render(&run, &opts);
	assert_true(strlen(text) <= 20000);
	free(text);
	free(message);
	lg_run_result_dispose(&run);
}

/* With a baseline, a column shows its figure. */
static void test_baseline_column(void **state)
{
	lg_run_result *run = *state;
	lg_workload_result *r = &run->items[1];
	char *text;

	r->verdict = LG_VERDICT_REGRESSION;
	r->baseline = calloc(1, sizeof(*r->baseline));
	assert_non_null(r->baseline);
	r->baseline->status = LG_BASELINE_REGRESSION;
	r->baseline->rev = lg_test_strdup("1a2b3c4");
	r->baseline->entry.metrics[LG_METRIC_HEAP_BYTES] =
		(lg_baseline_metric){ 1, 128, 120, 131, 1 };
	text = render(run, NULL);
	assert_non_null(strstr(text, "| | workload | verdict | growth per call | "
			       "baseline | calls | time |\n"));
	assert_non_null(strstr(text, "| \xf0\x9f\x93\x88 | parse-order | regression | "
			       "312 B/call (95% CI 305\xe2\x80\x93" "320) | 128 B/call "
			       "(95% CI 120\xe2\x80\x93" "131) at 1a2b3c4 | 40,000 | 1.25 s |\n"));
	/* Workloads without one show a dash. */
	assert_non_null(strstr(text, "| known | known leak | \xe2\x80\x93 | \xe2\x80\x93 | 0 |"));
	free(text);
}

static void test_empty_run(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	char *text;

	(void)state;
	text = render(&run, NULL);
	assert_string_equal(text, "## \xe2\x9c\x85 leakgate: 0 workloads (0 s)\n\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_baseline_column, setup, teardown),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_empty_run),
	};

	return cmocka_run_group_tests_name("report_md", tests, NULL, NULL);
}
