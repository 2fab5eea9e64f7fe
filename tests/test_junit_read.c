/*
 * The JUnit reader: what lg_junit_render wrote comes back (identity,
 * verdicts, fits, tails, attachment, the kept samples), and bad files are
 * refused with a message naming the file, the line and what is wrong.
 */
#include "lg_test.h"

#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/run_setup.h"
#include "leakgate/baseline.h"
#include "leakgate/explain_text.h"
#include "leakgate/explanation.h"
#include "leakgate/junit.h"
#include "leakgate/junit_read.h"
#include "leakgate/metric.h"

#define STARTED ((time_t)1704164645) /* 2024-01-02T03:04:05Z */

typedef struct {
	char dir[64];
	char path[128];
	lg_run_result run;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/lg-junit-read-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/run.xml", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	lg_run_result_dispose(&f->run);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void fit(lg_workload_result *r, lg_metric m, double slope, double low,
		double high, int leaks)
{
	lg_fit *f = lg_test_fit(r, m, slope, low, high, leaks);

	f->tail_slope = slope * 0.75;
	f->warmup = 20;
	f->used = 80;
	f->sustained = leaks;
	f->plateau = !leaks && slope > 0;
}

static void identify(lg_workload_result *r, const char *module, const char *function,
		     const char *file, int line)
{
	lg_test_identify(r, module, function, file, line);
	r->python_version = lg_test_strdup("3.12.1");
	r->implementation = lg_test_strdup("cpython");
	r->platform = lg_test_strdup("linux-x86_64");
	r->batch = 250;
	r->call_ns = 4000;
}

static void build(lg_run_result *run)
{
	lg_workload_result *r;

	run->started = STARTED;
	run->seconds = 7.5;

	/* A leak of fds: 100 samples, so the file keeps 60 of them. */
	r = lg_test_run_add(run, "fd-leak", "tests/fd.py:run", LG_VERDICT_LEAK,
			    "leaks 1 fd/call (95% CI 1\xe2\x80\x93" "1 fds) over 25,000 calls");
	identify(r, "fd", "run", "tests/fd.py", 6);
	lg_test_series_linear(r, LG_METRIC_HEAP_BYTES, 100, 250, 7000000, 0.5);
	lg_test_series_linear(r, LG_METRIC_FDS, 100, 250, 9, 1);
	fit(r, LG_METRIC_HEAP_BYTES, 0.5, 0.25, 0.75, 0);
	fit(r, LG_METRIC_FDS, 1, 1, 1, 1);
	r->culprit = LG_METRIC_FDS;
	r->outcome = LG_OUTCOME_EXCEPTION;
	r->detail = lg_test_strdup("OSError: [Errno 24] Too many open files");
	r->attachment = lg_test_strdup("charts/fd-leak.svg");
	/* The explanation blames another line: the test case points there. */
	assert_lg_ok(lg_explanation_new(&r->explanation));
	r->explanation->kind = LG_LEAK_KIND_FDS;
	r->explanation->site_file = lg_test_strdup("tests/fd_helpers.py");
	r->explanation->site_line = 9;
	r->explanation->chain = lg_test_strdup("fd._open[3] \xe2\x86\x92 int");
	r->explanation->calls = 19000;
	r->seconds = 1.25;
	assert_lg_ok(lg_tail_add(&r->out, "line one\nline <two> & three\n", 28));
	r->out.dropped = 123;

	/* Clean, with a plateau on heap. */
	r = lg_test_run_add(run, "cache", "cache.py:run", LG_VERDICT_CLEAN,
			    "clean: heap 0 B/call; grew then plateaued (bounded cache?)");
	identify(r, "cache", "run", "cache.py", 13);
	lg_test_series_linear(r, LG_METRIC_HEAP_BYTES, 30, 1000, 8000000, 2);
	fit(r, LG_METRIC_HEAP_BYTES, 2, 0, 4, 0);
	r->outcome = LG_OUTCOME_COMPLETED;
	r->seconds = 2;
	r->cpu_seconds = 0.25;
	r->workload.fail_inconclusive = 1;
	assert_lg_ok(lg_tail_add(&r->err, "warning: x\n", 11));

	/* An error with a traceback and no samples kept but calls made. */
	r = lg_test_run_add(run, "broken", "pkg.mod:fn", LG_VERDICT_ERROR,
			    "raised ValueError: bad after 49 calls");
	r->outcome = LG_OUTCOME_EXCEPTION;
	r->detail = lg_test_strdup("ValueError: bad");
	r->traceback = lg_test_strdup("Traceback (most recent call last):\n"
				      "  File \"m.py\", line 3, in fn\nValueError: bad\n");
	{
		lg_sample s;

		memset(&s, 0, sizeof(s));
		s.calls = 49;
		assert_lg_ok(lg_series_push(&r->series, &s));
	}

	/* A known leak that stopped leaking: its note goes to system-out. */
	r = lg_test_run_add(run, "fixed", "f.py:run", LG_VERDICT_LEAK_FIXED,
			    "expected a leak but found none (clean: heap 0 B/call): "
			    "remove expect = leak");
	r->workload.expect_leak = 1;
	r->workload.threshold = 64;
	r->outcome = LG_OUTCOME_COMPLETED;
	assert_lg_ok(lg_tail_add(&r->out, "printed\n", 8));

	/* Worse than the baseline: the comparison comes back too. */
	r = lg_test_run_add(run, "regressed", "r.py:run", LG_VERDICT_REGRESSION,
			    "regressed: 512 B/call vs baseline 128 B/call at 1a2b3c4");
	r->outcome = LG_OUTCOME_COMPLETED;
	lg_test_series_linear(r, LG_METRIC_HEAP_BYTES, 10, 100, 1000, 512);
	fit(r, LG_METRIC_HEAP_BYTES, 512, 505, 520, 1);
	r->baseline = calloc(1, sizeof(*r->baseline));
	assert_non_null(r->baseline);
	r->baseline->status = LG_BASELINE_REGRESSION;
	r->baseline->rev = lg_test_strdup("1a2b3c4");
	r->baseline->store = lg_test_strdup("notes");
	r->baseline->entry.python_version = lg_test_strdup("3.12.1");
	r->baseline->entry.metrics[LG_METRIC_HEAP_BYTES] =
		(lg_baseline_metric){ 1, 128, 120, 131, 1 };
	r->baseline->entry.metrics[LG_METRIC_FDS] = (lg_baseline_metric){ 1, 0, 0, 0, 0 };

	r = lg_test_run_add(run, "known", "k.py:run", LG_VERDICT_EXPECTED_LEAK,
			    "known leak: leaks 96 B/call");
	r->workload.expect_leak = 1;
	r->outcome = LG_OUTCOME_COMPLETED;
	lg_test_series_linear(r, LG_METRIC_HEAP_BYTES, 10, 100, 1000, 96);
	fit(r, LG_METRIC_HEAP_BYTES, 96, 90, 100, 1);
}

static void assert_same_fit(const lg_fit *a, const lg_fit *b)
{
	assert_true(fabs(a->slope - b->slope) < 1e-6);
	assert_true(fabs(a->ci_low - b->ci_low) < 1e-6);
	assert_true(fabs(a->ci_high - b->ci_high) < 1e-6);
	assert_true(fabs(a->tail_slope - b->tail_slope) < 1e-6);
	assert_int_equal(a->warmup, b->warmup);
	assert_int_equal(a->used, b->used);
	assert_int_equal(a->leaks, b->leaks);
	assert_int_equal(a->plateau, b->plateau);
	assert_int_equal(a->enough, b->enough);
}

static void assert_same_string(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void test_round_trip(void **state)
{
	fixture *f = *state;
	lg_run_result back;

	build(&f->run);
	assert_lg_ok(lg_run_write_junit(&f->run, f->path));
	assert_lg_ok(lg_junit_read(&back, f->path));
	assert_int_equal(back.count, f->run.count);
	assert_int_equal(back.started, STARTED);
	assert_true(fabs(back.seconds - 7.5) < 1e-9);
	for (size_t i = 0; i < back.count; i++) {
		const lg_workload_result *a = &f->run.items[i], *b = &back.items[i];

		assert_string_equal(b->workload.name, a->workload.name);
		assert_string_equal(b->workload.target, a->workload.target);
		assert_int_equal(b->workload.expect_leak, a->workload.expect_leak);
		assert_true(b->workload.threshold == a->workload.threshold);
		assert_int_equal(b->verdict, a->verdict);
		assert_true(fabs(b->cpu_seconds - a->cpu_seconds) < 1e-9);
		assert_true(b->flat_calls == a->flat_calls);
		assert_int_equal(b->workload.fail_inconclusive, a->workload.fail_inconclusive);
		assert_int_equal(b->outcome, a->outcome);
		assert_int_equal(b->culprit, a->culprit);
		assert_same_string(b->message, a->message);
		assert_same_string(b->detail, a->detail);
		assert_same_string(b->traceback, a->traceback);
		assert_same_string(b->file, a->file);
		assert_int_equal(b->line, a->line);
		assert_same_string(b->python_version, a->python_version);
		assert_same_string(b->implementation, a->implementation);
		assert_same_string(b->platform, a->platform);
		assert_int_equal(b->batch, a->batch);
		assert_int_equal(b->call_ns, a->call_ns);
		assert_same_string(b->attachment, a->attachment);
		assert_true(fabs(b->seconds - a->seconds) < 1e-3);
		assert_int_equal(b->fitted, a->fitted);
		for (int m = 0; m < LG_METRIC_COUNT; m++)
			if ((a->fitted >> m) & 1u)
				assert_same_fit(&b->fits[m], &a->fits[m]);
		assert_string_equal(lg_buf_cstr(&b->out.data), lg_buf_cstr(&a->out.data));
		assert_int_equal(b->out.dropped, a->out.dropped);
		assert_string_equal(lg_buf_cstr(&b->err.data), lg_buf_cstr(&a->err.data));
		/* The last sample, so calls made, always survives. */
		if (a->series.count)
			assert_int_equal(b->series.samples[b->series.count - 1].calls,
					 a->series.samples[a->series.count - 1].calls);
	}
	{
		const lg_baseline_cmp *a = f->run.items[4].baseline, *b = back.items[4].baseline;

		assert_non_null(b);
		assert_null(back.items[0].baseline);
		assert_int_equal(b->status, a->status);
		assert_string_equal(b->rev, a->rev);
		assert_string_equal(b->store, a->store);
		assert_null(b->reason);
		assert_string_equal(b->entry.python_version, a->entry.python_version);
		for (int m = 0; m < LG_METRIC_COUNT; m++) {
			assert_int_equal(b->entry.metrics[m].present, a->entry.metrics[m].present);
			assert_true(b->entry.metrics[m].slope == a->entry.metrics[m].slope);
			assert_true(b->entry.metrics[m].ci_low == a->entry.metrics[m].ci_low);
			assert_true(b->entry.metrics[m].ci_high == a->entry.metrics[m].ci_high);
		}
	}
	{
		const lg_explanation *e = back.items[0].explanation;

		assert_non_null(e);
		assert_null(back.items[1].explanation);
		assert_int_equal(e->kind, LG_LEAK_KIND_FDS);
		assert_string_equal(e->site_file, "tests/fd_helpers.py");
		assert_int_equal(e->site_line, 9);
		assert_string_equal(e->chain, "fd._open[3] \xe2\x86\x92 int");
		assert_int_equal(e->calls, 19000);
	}
	/* module and function fall back to the target's parts when the agent
	 * said nothing: they come back as JUnit shows them. */
	assert_string_equal(back.items[2].module, "pkg.mod");
	assert_string_equal(back.items[2].function, "fn");
	lg_run_result_dispose(&back);
}

/* 100 samples: 60 kept, evenly, first and last included; both charted
 * metrics at the same calls. */
static void test_samples_downsampled(void **state)
{
	fixture *f = *state;
	const lg_workload_result *a, *b;
	lg_run_result back;

	build(&f->run);
	assert_lg_ok(lg_run_write_junit(&f->run, f->path));
	assert_lg_ok(lg_junit_read(&back, f->path));
	a = &f->run.items[0];
	b = &back.items[0];
	assert_int_equal(b->series.count, LG_JUNIT_SAMPLES_MAX);
	assert_int_equal(b->series.present, (1u << LG_METRIC_HEAP_BYTES) |
					    (1u << LG_METRIC_FDS));
	assert_int_equal(b->series.samples[0].calls, a->series.samples[0].calls);
	for (size_t i = 0; i < b->series.count; i++) {
		const lg_sample *s = &b->series.samples[i];
		const lg_sample *o = &a->series.samples[s->calls / 250 - 1];

		assert_int_equal(s->calls, o->calls);
		assert_int_equal(s->value[LG_METRIC_FDS], o->value[LG_METRIC_FDS]);
		assert_int_equal(s->value[LG_METRIC_HEAP_BYTES],
				 o->value[LG_METRIC_HEAP_BYTES]);
		if (i)
			/* evenly: 99 gaps of 250 calls over 59 steps */
			assert_in_range(s->calls - b->series.samples[i - 1].calls,
					250, 500);
	}
	/* The clean workload has 30 samples: all kept. */
	assert_int_equal(back.items[1].series.count, 30);
	lg_run_result_dispose(&back);
}

static void assert_read_fails(const char *xml, int code, const char *part)
{
	lg_run_result run;

	assert_int_equal(lg_junit_read_memory(&run, xml, strlen(xml), "bad.xml"), code);
	assert_null(run.items);
	if (!strstr(lg_error_last(), part))
		fail_msg("'%s' not in '%s'", part, lg_error_last());
	assert_non_null(strstr(lg_error_last(), "bad.xml"));
}

#define SUITE(props) "<?xml version=\"1.0\"?>\n<testsuites>\n" \
	"<testsuite name=\"w\" tests=\"1\">\n<properties>\n" props \
	"</properties>\n<testcase name=\"run\"/>\n</testsuite>\n</testsuites>\n"

static void test_bad_input(void **state)
{
	(void)state;
	assert_read_fails("<testsuites><testsuite>", LG_EINVALID,
			  "line 1: not well-formed XML");
	assert_read_fails("", LG_EINVALID, "not well-formed XML");
	assert_read_fails("<?xml version=\"1.0\"?>\n<html/>", LG_EINVALID,
			  "line 2: the root element is <html>");
	assert_read_fails(SUITE("<property name=\"target\" value=\"w.py:run\"/>\n"),
			  LG_EINVALID, "line 4: testsuite 'w': no 'verdict' property");
	assert_read_fails(SUITE("<property name=\"verdict\" value=\"leak\"/>\n"
				"<property name=\"heap_bytes.slope\" value=\"abc\"/>\n"),
			  LG_EINVALID, "line 6: testsuite 'w': property "
			  "'heap_bytes.slope': 'abc' is not a number");
	assert_read_fails(SUITE("<property name=\"verdict\" value=\"sideways\"/>\n"),
			  LG_EINVALID, "unknown verdict 'sideways'");
	assert_read_fails(SUITE("<property name=\"verdict\" value=\"leak\"/>\n"
				"<property name=\"heap_bytes.samples\" value=\"1:2 3\"/>\n"),
			  LG_EINVALID, "'heap_bytes.samples': '1:2 3' is not a list");
	assert_read_fails(SUITE("<property name=\"verdict\" value=\"leak\"/>\n"
				"<property name=\"heap_bytes.samples\" value=\"1:2 3:4\"/>\n"
				"<property name=\"fds.samples\" value=\"1:2 5:4\"/>\n"),
			  LG_EINVALID, "'fds.samples': its calls differ");
	assert_read_fails(SUITE("<property name=\"verdict\" value=\"leak\"/>\n"
				"<property name=\"heap_bytes.samples\" value=\"5:2 3:4\"/>\n"),
			  LG_EINVALID, "'heap_bytes.samples': calls do not increase at 3");
	assert_read_fails("<?xml version=\"1.0\"?>\n<testsuites>\n<testsuite "
			  "name=\"w\">\n<testcase name=\"x\"/>\n</testsuite>\n"
			  "</testsuites>\n", LG_EINVALID,
			  "testsuite 'w': no <properties>");
}

static void test_missing_file(void **state)
{
	lg_run_result run;

	(void)state;
	assert_int_equal(lg_junit_read(&run, "/nonexistent/run.xml"), LG_ENOTFOUND);
	assert_non_null(strstr(lg_error_last(), "/nonexistent/run.xml"));
}

/* The explanation's growing types, allocation sites and what C keeps come
 * back, so that a saved run's report shows what the run printed. */
static void test_explanation_rows(void **state)
{
	static const char xml[] = SUITE(
		"<property name=\"verdict\" value=\"leak\"/>\n"
		"<property name=\"explain.kind\" value=\"kept-by-c\"/>\n"
		"<property name=\"explain.c_call\" value=\"m._m.D.update\"/>\n"
		"<property name=\"explain.c_library\" value=\"_m.so\"/>\n"
		"<property name=\"explain.c_at\" value=\"t/md.py:14\"/>\n"
		"<property name=\"explain.type.1\" value=\"dict 1 objects/call 184 B/call untracked\"/>\n"
		"<property name=\"explain.type.2\" value=\"list 0 objects/call 7.6 B/call\"/>\n"
		"<property name=\"explain.site.1\" value=\"my dir/a.py:8 241.5 B/call\"/>\n");
	lg_run_result run;
	const lg_explanation *e;
	lg_buf text = LG_BUF_INIT;

	(void)state;
	assert_lg_ok(lg_junit_read_memory(&run, xml, sizeof(xml) - 1, "e.xml"));
	e = run.items[0].explanation;
	assert_non_null(e);
	assert_int_equal(e->kind, LG_LEAK_KIND_KEPT_BY_C);
	assert_int_equal(e->type_count, 2);
	assert_string_equal(e->types[0].name, "dict");
	assert_true(e->types[0].untracked);
	assert_float_equal(e->types[1].bytes_per_call, 7.6, 1e-9);
	assert_false(e->types[1].untracked);
	assert_int_equal(e->site_count, 1);
	assert_string_equal(e->sites[0].at.file, "my dir/a.py");
	assert_int_equal(e->sites[0].at.line, 8);
	assert_float_equal(e->sites[0].bytes_per_call, 241.5, 1e-9);
	assert_string_equal(e->c_call, "m._m.D.update");
	assert_string_equal(e->c_library, "_m.so");
	assert_int_equal(e->c_at.line, 14);
	assert_lg_ok(lg_explain_render(&text, e, "", 0));
	assert_string_equal(lg_buf_cstr(&text),
		"kind: kept-by-c (no Python object holds it: an extension that never "
		"releases it, or ctypes); growing: dict +1 object/call, 184 B/call "
		"(not gc-tracked); list 7.6 B/call (existing objects grow)\n"
		"allocated at my dir/a.py:8 (242 B/call)\n"
		"kept by C: m._m.D.update (_m.so), called from t/md.py:14\n");
	lg_buf_dispose(&text);
	lg_run_result_dispose(&run);
	assert_read_fails(SUITE("<property name=\"verdict\" value=\"leak\"/>\n"
				"<property name=\"explain.type.1\" value=\"dict 1 B/call\"/>\n"),
			  LG_EINVALID, "'explain.type.1': 'dict 1 B/call' is not what");
	assert_read_fails(SUITE("<property name=\"verdict\" value=\"leak\"/>\n"
				"<property name=\"explain.site.1\" value=\"a.py 2 B/call\"/>\n"),
			  LG_EINVALID, "'explain.site.1'");
}

/* What is not a JUnit file says what it is; a FIFO that nothing writes
 * does not hang; past libxml2's limit, the limit is said. */
static void test_not_files(void **state)
{
	char dir[] = "/tmp/lg-junit-XXXXXX", path[64];
	lg_run_result run;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(lg_junit_read(&run, dir), LG_EINVALID);
	assert_contains(lg_error_last(), ": a directory, not a JUnit file");
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(lg_junit_read(&run, path), LG_EINVALID);
	assert_contains(lg_error_last(), "fifo: a FIFO that nothing writes");
	unlink(path);
	snprintf(path, sizeof(path), "%s/big.xml", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"", f);
	for (int i = 0; i < 11000; i++)
		fprintf(f, "%01000d", 0);
	fputs("\"/></testsuites>\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(lg_junit_read(&run, path), LG_EINVALID);
	assert_contains(lg_error_last(), "big.xml: line 2: not well-formed XML: a "
			"text or attribute over libxml2's limit of 10000000 bytes");
	unlink(path);
	rmdir(dir);
}

/* Properties and elements a later version might add are ignored. */
static void test_unknown_is_ignored(void **state)
{
	static const char xml[] = SUITE(
		"<property name=\"verdict\" value=\"clean\"/>\n"
		"<property name=\"explain.kind\" value=\"native\"/>\n"
		"<property name=\"heap_bytes.new_figure\" value=\"x\"/>\n"
		"<property name=\"something\" value=\"else\"/>\n");
	lg_run_result run;

	(void)state;
	assert_lg_ok(lg_junit_read_memory(&run, xml, sizeof(xml) - 1, "new.xml"));
	assert_int_equal(run.count, 1);
	assert_int_equal(run.items[0].verdict, LG_VERDICT_CLEAN);
	assert_string_equal(run.items[0].workload.target, "w");
	lg_run_result_dispose(&run);
}

/* References in attribute values come back as the tree would hold them:
 * the predefined entities, character references ('&' among them, which
 * the parser leaves for the tree builder) and an entity of the DTD. */
static void test_attribute_references(void **state)
{
	static const char xml[] = "<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE testsuites [<!ENTITY who \"w&#38;#38;x\">]>\n"
		"<testsuites>\n"
		"<testsuite name=\"a &amp; b &#38; &#x41;&#66; &lt;c&gt; &quot;d&apos;\" tests=\"1\">\n"
		"<properties>\n"
		"<property name=\"verdict\" value=\"clean\"/>\n"
		"<property name=\"target\" value=\"&who;:run &#233;\"/>\n"
		"</properties>\n<testcase name=\"run\"/>\n</testsuite>\n</testsuites>\n";
	lg_run_result run;

	(void)state;
	assert_lg_ok(lg_junit_read_memory(&run, xml, sizeof(xml) - 1, "refs.xml"));
	assert_int_equal(run.count, 1);
	assert_string_equal(run.items[0].workload.name, "a & b & AB <c> \"d'");
	assert_string_equal(run.items[0].workload.target, "w&x:run \xc3\xa9");
	lg_run_result_dispose(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_samples_downsampled, setup, teardown),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_unknown_is_ignored),
		cmocka_unit_test(test_explanation_rows),
		cmocka_unit_test(test_attribute_references),
		cmocka_unit_test(test_not_files),
	};

	return cmocka_run_group_tests_name("junit_read", tests, NULL, NULL);
}
