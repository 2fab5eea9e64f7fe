/*
 * The SVG sink: well-formed whatever the workload's text (parsed back with
 * libxml2), the samples and the fitted line drawn, and the chart files for
 * a run's failing workloads with their attachment paths.
 */
#include "lg_test.h"

#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "leakgate/metric.h"
#include "leakgate/report_svg.h"

static void leak_fit(lg_workload_result *r, lg_metric m, double slope)
{
	lg_fit *f = lg_test_fit(r, m, slope, slope * 0.9, slope * 1.1, 1);

	f->warmup = 10;
	f->used = 40;
	r->culprit = m;
}

static double xpath_number(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr obj;
	double v;

	assert_non_null(ctx);
	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
	obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	assert_non_null(obj);
	v = xmlXPathCastToNumber(obj);
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	return v;
}

static void test_well_formed(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	lg_workload_result *r;
	lg_buf out = LG_BUF_INIT;
	xmlDocPtr doc;

	(void)state;
	r = lg_test_run_add(&run, "w <&> \"q\"", "w.py:run", LG_VERDICT_LEAK,
			    "leaks 312 B/call \x01\x1b[31m <b>&amp; \xff\xfe ]]>");
	lg_test_series_linear(r, LG_METRIC_HEAP_BYTES, 50, 1000, 8 << 20, 312);
	leak_fit(r, LG_METRIC_HEAP_BYTES, 312);
	assert_lg_ok(lg_report_svg(&out, r));
	doc = xmlReadMemory(out.ptr, (int)out.len, "chart.svg", NULL, XML_PARSE_NONET);
	if (!doc)
		fail_msg("not well-formed:\n%s", out.ptr);
	assert_int_equal((int)xpath_number(doc, "count(/s:svg)"), 1);
	assert_int_equal((int)xpath_number(doc, "count(//s:polyline)"), 1);
	/* 50 samples: 50 points in the line, one dot each. */
	assert_int_equal((int)xpath_number(doc, "string-length(//s:polyline/@points) -"
					   " string-length(translate(//s:polyline/@points, ' ', ''))"), 49);
	assert_int_equal((int)xpath_number(doc, "count(//s:circle)"), 50);
	/* The fitted line, dashed, and both axis titles: 8 to 23 MiB. */
	assert_int_equal((int)xpath_number(doc, "count(//s:line[@stroke-dasharray])"), 2);
	assert_int_equal((int)xpath_number(doc, "count(//s:text[.='calls'])"), 1);
	assert_int_equal((int)xpath_number(doc, "count(//s:text[starts-with(., 'heap_bytes (MiB)')])"), 1);
	assert_int_equal((int)xpath_number(doc, "count(//s:title[starts-with(., 'w <&> \"q\"')])"), 1);
	xmlFreeDoc(doc);
	lg_buf_dispose(&out);
	lg_run_result_dispose(&run);
}

static void test_no_samples(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	lg_workload_result *r;
	lg_buf out = LG_BUF_INIT;

	(void)state;
	r = lg_test_run_add(&run, "broken", "b.py:run", LG_VERDICT_ERROR, "import failed");
	assert_int_equal(lg_report_svg(&out, r), LG_ENOTFOUND);
	assert_non_null(strstr(lg_error_last(), "broken: no samples to chart"));
	assert_int_equal(out.len, 0);
	lg_buf_dispose(&out);
	lg_run_result_dispose(&run);
}

/* Failing workloads with samples: fd/leak, then fd_leak (the same file
 * name once made safe); the clean one and the error without samples get
 * none. */
static void failing_run(lg_run_result *run)
{
	lg_workload_result *r;

	r = lg_test_run_add(run, "fd/leak", "f.py:run", LG_VERDICT_LEAK, "leaks 1 fd/call");
	lg_test_series_linear(r, LG_METRIC_FDS, 20, 10, 5, 1);
	leak_fit(r, LG_METRIC_FDS, 1);
	r = lg_test_run_add(run, "fd_leak", "g.py:run", LG_VERDICT_REGRESSION, "regressed");
	lg_test_series_linear(r, LG_METRIC_HEAP_BYTES, 20, 10, 5000, 100);
	leak_fit(r, LG_METRIC_HEAP_BYTES, 100);
	r = lg_test_run_add(run, "clean", "c.py:run", LG_VERDICT_CLEAN, "clean");
	lg_test_series_linear(r, LG_METRIC_HEAP_BYTES, 20, 10, 5000, 0);
	lg_test_run_add(run, "..", "e.py:run", LG_VERDICT_ERROR, "import failed");
}

static void test_charts(void **state)
{
	lg_run_result run = LG_RUN_RESULT_INIT;
	lg_svg_chart *charts;
	size_t count;

	(void)state;
	failing_run(&run);
	assert_lg_ok(lg_report_svg_charts(&charts, &count, &run, "out/charts"));
	assert_int_equal(count, 2);
	assert_int_equal(charts[0].item, 0);
	assert_string_equal(charts[0].path, "out/charts/fd_leak.svg");
	assert_int_equal(charts[1].item, 1);
	assert_string_equal(charts[1].path, "out/charts/fd_leak-2.svg");
	assert_non_null(strstr(lg_buf_cstr(&charts[0].svg), "<svg"));
	assert_non_null(strstr(lg_buf_cstr(&charts[1].svg), "<svg"));
	/* Read-only: nothing is attached by rendering. */
	for (size_t i = 0; i < run.count; i++)
		assert_null(run.items[i].attachment);
	lg_svg_charts_free(charts, count);
	lg_run_result_dispose(&run);
}

static int cleanup(void **state)
{
	(void)state;
	xmlCleanupParser();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_no_samples),
		cmocka_unit_test(test_charts),
	};

	return cmocka_run_group_tests_name("report_svg", tests, NULL, cleanup);
}
