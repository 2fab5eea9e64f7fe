/*
 * The JUnit sink over a hand-built results model: one workload per verdict,
 * text no workload should be able to break the XML with, the file checked
 * against the Jenkins junit-10 schema and read back with XPath.
 */
#include "lg_test.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "cli/run_setup.h"
#include "leakgate/junit.h"
#include "leakgate/junit_read.h"
#include "leakgate/metric.h"
#include "leakgate/result.h"

#ifndef LG_SOURCE_DIR
#define LG_SOURCE_DIR "."
#endif

#define SCHEMA LG_SOURCE_DIR "/tests/data/junit-10.xsd"
#define FFFD "\xef\xbf\xbd"
#define TAIL_LIMIT (100 * 1024)
#define TAIL_WRITTEN (150 * 1024)
/* 32 bytes, 5 of which XML cannot carry; the tail starts at a period. */
#define PATTERN "line <x> & \"q\" ]]> \x01\x1b\xff\xfe\0 okay!!\n"
#define PERIOD (sizeof(PATTERN) - 1)
#define STDERR_TEXT "warning: \x02 bell\a\0\n"

/* Wednesday 2 January 2024, 03:04:05 UTC. */
#define STARTED ((time_t)1704164645)

#define LEAK_MESSAGE "leaks 312 B/call (95% CI 305\xe2\x80\x93" "320 B) over " \
	"4,000 calls; also 1 fd/call fds <b>&amp;</b> \"quoted\" 'single' ]]>"
#define ERROR_MESSAGE "raised ValueError: bad \x01\x1b[31mred\xff\xfe input after 5 calls"
#define ERROR_MESSAGE_FILTERED "raised ValueError: bad " FFFD FFFD "[31mred" \
	FFFD FFFD " input after 5 calls"
#define TRACEBACK "Traceback (most recent call last):\n  File \"w.py\", line 3, " \
	"in run\n    raise ValueError('<bad>')\nValueError: bad ]]> input\n"
#define KNOWN_MESSAGE "known leak: leaks 96 B/call (95% CI 90\xe2\x80\x93" "100 B) " \
	"over 2,000 calls"
#define FIXED_MESSAGE "expected a leak but found none (clean: heap 0 B/call): " \
	"remove expect = leak"

typedef struct {
	char dir[64];
	char path[128];
	char cwd[4096];
	lg_run_result run;
} fixture;

static lg_workload_result *add(lg_run_result *run, const char *name,
			       const char *target, lg_verdict verdict,
			       lg_outcome outcome, const char *message)
{
	lg_workload wl;
	lg_workload_result *r;

	memset(&wl, 0, sizeof(wl));
	wl.name = (char *)name;
	wl.target = (char *)target;
	wl.python = (char *)"python3";
	wl.threshold = 16;
	wl.timeout = 120;
	wl.max_calls = 100000;
	wl.duration = 2;
	r = lg_test_run_push(run, &wl, TAIL_LIMIT, verdict, message);
	r->outcome = outcome;
	r->seconds = 0.5;
	return r;
}

static void identify(lg_workload_result *r, const char *module,
		     const char *function, const char *file, int line)
{
	lg_test_identify(r, module, function, file, line);
	r->python_version = lg_test_strdup("3.11.4");
	r->implementation = lg_test_strdup("cpython");
	r->platform = lg_test_strdup("linux");
	r->batch = 100;
	r->call_ns = 2500;
}

static void samples(lg_workload_result *r, int n, int64_t calls_each)
{
	lg_sample s;

	memset(&s, 0, sizeof(s));
	for (int i = 1; i <= n; i++) {
		s.calls = i * calls_each;
		assert_lg_ok(lg_series_push(&r->series, &s));
	}
}

static void fit(lg_workload_result *r, lg_metric m, double slope, double low,
		double high, int leaks)
{
	lg_fit *f = lg_test_fit(r, m, slope, low, high, leaks);

	f->tail_slope = slope - 2;
	f->warmup = 12;
	f->used = 48;
	f->calls = 4000;
	f->growth = slope * 4000;
	f->sustained = leaks;
}

static void build(fixture *f)
{
	lg_run_result *run = &f->run;
	lg_workload_result *r;
	char file[4200];
	char *big;

	run->started = STARTED;
	run->seconds = 6.25;

	r = add(run, "clean_lru", "clean_lru.py:lookup", LG_VERDICT_CLEAN,
		LG_OUTCOME_COMPLETED, "clean: heap 0 B/call (95% CI 0\xe2\x80\x93" "0 B) "
		"over 60,000 calls");
	identify(r, "clean_lru", "lookup", "/nonexistent-leakgate-dir/clean_lru.py", 7);
	samples(r, 60, 1000);
	fit(r, LG_METRIC_HEAP_BYTES, 0, 0, 0, 0);
	r->fits[LG_METRIC_HEAP_BYTES].plateau = 1;

	r = add(run, "leaky", "tests/workloads/leak_fds.py:open_and_forget",
		LG_VERDICT_LEAK, LG_OUTCOME_COMPLETED, LEAK_MESSAGE);
	snprintf(file, sizeof(file), "%s/tests/workloads/leak_fds.py", f->cwd);
	identify(r, "leak_fds", "open_and_forget", file, 12);
	samples(r, 60, 100);
	fit(r, LG_METRIC_HEAP_BYTES, 312, 305, 320, 1);
	fit(r, LG_METRIC_PYMALLOC_BYTES, 300, 290, 310, 0);
	fit(r, LG_METRIC_FDS, 1, 1, 1, 1);
	r->culprit = LG_METRIC_HEAP_BYTES;
	r->fits[LG_METRIC_HEAP_BYTES].growth = 1.2e6;
	/* 150 KiB of nasty output into a 100 KiB tail. */
	big = malloc(TAIL_WRITTEN);
	assert_non_null(big);
	for (size_t i = 0; i < TAIL_WRITTEN; i++)
		big[i] = PATTERN[i % PERIOD];
	assert_lg_ok(lg_tail_add(&r->out, big, TAIL_WRITTEN));
	free(big);
	assert_lg_ok(lg_tail_add(&r->err, STDERR_TEXT, sizeof(STDERR_TEXT) - 1));

	/* Import error: the agent never said module or function. */
	r = add(run, "broken", "tests/workloads/error_import.py:run",
		LG_VERDICT_ERROR, LG_OUTCOME_EXCEPTION, ERROR_MESSAGE);
	r->traceback = lg_test_strdup(TRACEBACK);
	r->detail = lg_test_strdup("ValueError: bad input");

	r = add(run, "known", "examples.cache:grow", LG_VERDICT_EXPECTED_LEAK,
		LG_OUTCOME_COMPLETED, KNOWN_MESSAGE);
	r->workload.expect_leak = 1;
	identify(r, "examples.cache", "grow", NULL, 0);
	samples(r, 40, 50);
	fit(r, LG_METRIC_HEAP_BYTES, 96, 90, 100, 1);

	r = add(run, "fixed", "examples.cache:fixed", LG_VERDICT_LEAK_FIXED,
		LG_OUTCOME_COMPLETED, FIXED_MESSAGE);
	r->workload.expect_leak = 1;
	identify(r, "examples.cache", "fixed", NULL, 0);
	samples(r, 40, 50);
	fit(r, LG_METRIC_HEAP_BYTES, 0, 0, 0, 0);
	assert_lg_ok(lg_tail_add(&r->out, "fixed output\n", strlen("fixed output\n")));
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/lg-junit-XXXXXX");
	if (!mkdtemp(f->dir) || !getcwd(f->cwd, sizeof(f->cwd))) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/report.xml", f->dir);
	build(f);
	*state = f;
	return 0;
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int teardown(void **state)
{
	fixture *f = *state;

	lg_run_result_dispose(&f->run);
	remove_tree(f->dir);
	free(f);
	return 0;
}

/* Entries of dir other than . and .., and whether one looks temporary. */
static int entries(const char *dir, int *temporary)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	*temporary = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (strstr(e->d_name, ".tmp."))
			*temporary = 1;
	}
	closedir(d);
	return n;
}

static xmlDocPtr load_valid(const char *path)
{
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	xmlSchemaParserCtxtPtr pctx;
	xmlSchemaValidCtxtPtr vctx;
	xmlSchemaPtr schema;
	int valid;

	assert_non_null(doc);
	pctx = xmlSchemaNewParserCtxt(SCHEMA);
	assert_non_null(pctx);
	schema = xmlSchemaParse(pctx);
	assert_non_null(schema);
	vctx = xmlSchemaNewValidCtxt(schema);
	assert_non_null(vctx);
	valid = xmlSchemaValidateDoc(vctx, doc);
	xmlSchemaFreeValidCtxt(vctx);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctx);
	assert_int_equal(valid, 0);
	return doc;
}

static xmlXPathObjectPtr eval(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr obj;

	assert_non_null(ctx);
	obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	xmlXPathFreeContext(ctx);
	if (!obj)
		print_error("bad XPath: %s\n", expr);
	assert_non_null(obj);
	return obj;
}

static double number(xmlDocPtr doc, const char *expr)
{
	xmlXPathObjectPtr obj = eval(doc, expr);
	double v = xmlXPathCastToNumber(obj);

	xmlXPathFreeObject(obj);
	return v;
}

/* The string value of expr; the caller frees it. */
static char *string(xmlDocPtr doc, const char *expr)
{
	xmlXPathObjectPtr obj = eval(doc, expr);
	xmlChar *s = xmlXPathCastToString(obj);
	char *copy;

	xmlXPathFreeObject(obj);
	assert_non_null(s);
	copy = lg_test_strdup((const char *)s);
	xmlFree(s);
	return copy;
}

static void assert_string_at(xmlDocPtr doc, const char *expr, const char *want)
{
	char *got = string(doc, expr);

	if (strcmp(got, want) != 0)
		print_error("%s\n  got:  %s\n  want: %s\n", expr, got, want);
	assert_string_equal(got, want);
	free(got);
}

#define SUITE(name) "//testsuite[@name='" name "']"
#define PROPERTY(suite, name) SUITE(suite) "/properties/property[@name='" name "']/@value"

/* An empty run (a shard with nothing to run): one suite of no tests, which
 * viewers need (xunit-viewer fails on a bare <testsuites>) and the reader
 * skips. */
static void test_empty_run(void **state)
{
	fixture *f = *state;
	lg_run_result empty = LG_RUN_RESULT_INIT, back;
	xmlDocPtr doc;

	assert_lg_ok(lg_run_write_junit(&empty, f->path));
	doc = load_valid(f->path);
	assert_int_equal((int)number(doc, "number(/testsuites/@tests)"), 0);
	assert_int_equal((int)number(doc, "count(/testsuites/testsuite)"), 1);
	assert_int_equal((int)number(doc, "number(/testsuites/testsuite/@tests)"), 0);
	assert_int_equal((int)number(doc, "count(//testcase)"), 0);
	xmlFreeDoc(doc);
	assert_lg_ok(lg_junit_read(&back, f->path));
	assert_int_equal(back.count, 0);
	lg_run_result_dispose(&back);
}

static void test_valid_and_counted(void **state)
{
	fixture *f = *state;
	xmlDocPtr doc;
	int temporary;

	assert_lg_ok(lg_run_write_junit(&f->run, f->path));
	assert_int_equal(entries(f->dir, &temporary), 1);
	assert_false(temporary);
	doc = load_valid(f->path);

	assert_string_at(doc, "string(/testsuites/@name)", "leakgate");
	assert_int_equal((int)number(doc, "number(/testsuites/@tests)"), 5);
	assert_int_equal((int)number(doc, "number(/testsuites/@failures)"), 1);
	assert_int_equal((int)number(doc, "number(/testsuites/@errors)"), 1);
	assert_string_at(doc, "string(/testsuites/@time)", "6.250");
	assert_int_equal((int)number(doc, "count(/testsuites/testsuite)"), 5);
	assert_int_equal((int)number(doc, "count(//testsuite[@tests='1'])"), 5);
	assert_int_equal((int)number(doc, "count(//testsuite/testcase)"), 5);
	assert_int_equal((int)number(doc, "count(//testsuite[@failures='1'])"), 1);
	assert_int_equal((int)number(doc, "count(" SUITE("leaky") "[@failures='1'])"), 1);
	assert_int_equal((int)number(doc, "count(" SUITE("broken") "[@errors='1'])"), 1);
	assert_int_equal((int)number(doc, "count(" SUITE("known") "[@skipped='1'])"), 1);
	assert_int_equal((int)number(doc, "sum(//testsuite/@skipped)"), 1);
	assert_string_at(doc, "string(" SUITE("clean_lru") "/@timestamp)",
			 "2024-01-02T03:04:05Z");
	assert_true(number(doc, "string-length(" SUITE("clean_lru") "/@hostname)") > 0);
	assert_string_at(doc, "string(" SUITE("clean_lru") "/@time)", "0.500");
	xmlFreeDoc(doc);
}

static void test_verdict_elements(void **state)
{
	fixture *f = *state;
	xmlDocPtr doc;
	char *body;

	assert_lg_ok(lg_run_write_junit(&f->run, f->path));
	doc = load_valid(f->path);

	/* Leak: one failure with the message as it is, figures in the body. */
	assert_int_equal((int)number(doc, "count(//failure)"), 1);
	assert_string_at(doc, "string(" SUITE("leaky") "/testcase/failure/@type)", "leak");
	assert_string_at(doc, "string(" SUITE("leaky") "/testcase/failure/@message)",
			 LEAK_MESSAGE);
	body = string(doc, "string(" SUITE("leaky") "/testcase/failure)");
	assert_non_null(strstr(body, LEAK_MESSAGE "\n"));
	assert_non_null(strstr(body, "heap_bytes: 312 B/call (95% CI 305\xe2\x80\x93"
			       "320), tail 310 B/call, 48 samples after 12 warm-up, "
			       "growth 1.2 MB; leaks\n"));
	assert_non_null(strstr(body, "fds: 1 fd/call (95% CI 1\xe2\x80\x93" "1), tail "
			       "-1 fd/call, 48 samples after 12 warm-up, growth "
			       "4,000 fds; leaks\n"));
	assert_non_null(strstr(body, "pymalloc_bytes: 300 B/call"));
	/* Judged metrics before the informational ones. */
	assert_true(strstr(body, "fds:") < strstr(body, "pymalloc_bytes:"));
	assert_null(strstr(body, "stopped:"));
	assert_true(strlen(body) < 4096);
	free(body);

	/* Error: its outcome as type, the filtered message, the traceback. */
	assert_int_equal((int)number(doc, "count(//error)"), 1);
	assert_string_at(doc, "string(" SUITE("broken") "/testcase/error/@type)", "exception");
	assert_string_at(doc, "string(" SUITE("broken") "/testcase/error/@message)",
			 ERROR_MESSAGE_FILTERED);
	assert_string_at(doc, "string(" SUITE("broken") "/testcase/error)", TRACEBACK);

	/* Expected leak: skipped, nothing failing. */
	assert_int_equal((int)number(doc, "count(//skipped)"), 1);
	assert_string_at(doc, "string(" SUITE("known") "/testcase/skipped/@type)",
			 "expected-leak");
	assert_string_at(doc, "string(" SUITE("known") "/testcase/skipped/@message)",
			 KNOWN_MESSAGE);

	/* Leak fixed: passes, the note first in system-out. */
	assert_int_equal((int)number(doc, "count(" SUITE("fixed") "/testcase/*)"), 1);
	assert_string_at(doc, "string(" SUITE("fixed") "/testcase/system-out)",
			 FIXED_MESSAGE "\nfixed output\n");

	/* Clean: nothing at all inside the testcase. */
	assert_int_equal((int)number(doc, "count(" SUITE("clean_lru") "/testcase/*)"), 0);
	xmlFreeDoc(doc);
}

static void test_identity_and_location(void **state)
{
	fixture *f = *state;
	xmlDocPtr doc;

	assert_lg_ok(lg_run_write_junit(&f->run, f->path));
	doc = load_valid(f->path);

	assert_string_at(doc, "string(" SUITE("leaky") "/testcase/@classname)", "leak_fds");
	assert_string_at(doc, "string(" SUITE("leaky") "/testcase/@name)", "open_and_forget");
	/* Inside the current directory: relative, as CI annotations want. */
	assert_string_at(doc, "string(" SUITE("leaky") "/testcase/@file)",
			 "tests/workloads/leak_fds.py");
	assert_string_at(doc, "string(" SUITE("leaky") "/testcase/@line)", "12");
	assert_string_at(doc, "string(" SUITE("leaky") "/testcase/@time)", "0.500");
	/* Outside it: unchanged. */
	assert_string_at(doc, "string(" SUITE("clean_lru") "/testcase/@file)",
			 "/nonexistent-leakgate-dir/clean_lru.py");
	/* Unknown location: no attributes. */
	assert_int_equal((int)number(doc, "count(" SUITE("known") "/testcase/@file)"), 0);
	assert_int_equal((int)number(doc, "count(" SUITE("known") "/testcase/@line)"), 0);
	assert_string_at(doc, "string(" SUITE("known") "/testcase/@classname)",
			 "examples.cache");
	/* Not imported: the parts of the file target. */
	assert_string_at(doc, "string(" SUITE("broken") "/testcase/@classname)", "error_import");
	assert_string_at(doc, "string(" SUITE("broken") "/testcase/@name)", "run");
	assert_int_equal((int)number(doc, "count(" SUITE("broken") "/testcase/@file)"), 0);
	xmlFreeDoc(doc);
}

static void test_properties(void **state)
{
	fixture *f = *state;
	xmlDocPtr doc;

	assert_lg_ok(lg_run_write_junit(&f->run, f->path));
	doc = load_valid(f->path);

	assert_string_at(doc, PROPERTY("leaky", "target"),
			 "tests/workloads/leak_fds.py:open_and_forget");
	assert_string_at(doc, PROPERTY("leaky", "verdict"), "leak");
	assert_string_at(doc, PROPERTY("leaky", "outcome"), "completed");
	assert_string_at(doc, PROPERTY("leaky", "expect"), "clean");
	assert_string_at(doc, PROPERTY("known", "expect"), "leak");
	assert_string_at(doc, PROPERTY("leaky", "threshold"), "16");
	assert_string_at(doc, PROPERTY("leaky", "python"), "3.11.4");
	assert_string_at(doc, PROPERTY("leaky", "implementation"), "cpython");
	assert_string_at(doc, PROPERTY("leaky", "platform"), "linux");
	assert_string_at(doc, PROPERTY("leaky", "batch"), "100");
	assert_string_at(doc, PROPERTY("leaky", "call_ns"), "2500");
	assert_string_at(doc, PROPERTY("leaky", "calls"), "6000");
	assert_string_at(doc, PROPERTY("leaky", "samples"), "60");

	assert_string_at(doc, PROPERTY("leaky", "heap_bytes.slope"), "312");
	assert_string_at(doc, PROPERTY("leaky", "heap_bytes.ci_low"), "305");
	assert_string_at(doc, PROPERTY("leaky", "heap_bytes.ci_high"), "320");
	assert_string_at(doc, PROPERTY("leaky", "heap_bytes.tail_slope"), "310");
	assert_string_at(doc, PROPERTY("leaky", "heap_bytes.warmup"), "12");
	assert_string_at(doc, PROPERTY("leaky", "heap_bytes.used"), "48");
	assert_string_at(doc, PROPERTY("leaky", "heap_bytes.leaks"), "1");
	assert_string_at(doc, PROPERTY("leaky", "heap_bytes.plateau"), "0");
	assert_string_at(doc, PROPERTY("leaky", "fds.leaks"), "1");
	assert_string_at(doc, PROPERTY("leaky", "pymalloc_bytes.leaks"), "0");
	assert_string_at(doc, PROPERTY("clean_lru", "heap_bytes.plateau"), "1");
	/* The calls the fit spans, which the message names (not the 6000
	 * made): what the markdown's calls column shows. */
	assert_string_at(doc, PROPERTY("leaky", "heap_bytes.calls"), "4000");
	/* Nine figures per fitted metric, none for the others. */
	assert_int_equal((int)number(doc, "count(" SUITE("leaky")
				     "/properties/property[starts-with(@name, 'heap_bytes.')])"), 9);
	assert_int_equal((int)number(doc, "count(" SUITE("leaky")
				     "/properties/property[contains(@name, '.')])"), 27);
	assert_int_equal((int)number(doc, "count(" SUITE("leaky")
				     "/properties/property[starts-with(@name, 'threads.')])"), 0);
	/* The agent never reported: no python property, no fits. */
	assert_int_equal((int)number(doc, "count(" SUITE("broken")
				     "/properties/property[@name='python'])"), 0);
	assert_string_at(doc, PROPERTY("broken", "outcome"), "exception");
	assert_string_at(doc, PROPERTY("broken", "samples"), "0");
	xmlFreeDoc(doc);
}

static void test_output_tails(void **state)
{
	fixture *f = *state;
	xmlDocPtr doc;
	char *out, *err;

	assert_lg_ok(lg_run_write_junit(&f->run, f->path));
	doc = load_valid(f->path);

	out = string(doc, "string(" SUITE("leaky") "/testcase/system-out)");
	assert_int_equal(strncmp(out, "[... 51200 bytes dropped]\n", 26), 0);
	/* "]]>", markup and quotes survive; what XML cannot carry is U+FFFD. */
	assert_non_null(strstr(out, "line <x> & \"q\" ]]> " FFFD FFFD FFFD FFFD FFFD " okay!!\n"));
	assert_null(strchr(out, '\x01'));
	assert_null(strchr(out, '\x1b'));
	/* 100 KiB of tail: 5 of every 32 bytes became 3. */
	assert_int_equal(PERIOD, 32);
	assert_int_equal(strlen(out), 26 + TAIL_LIMIT + TAIL_LIMIT / PERIOD * 5 * 2);
	free(out);
	err = string(doc, "string(" SUITE("leaky") "/testcase/system-err)");
	assert_string_equal(err, "warning: " FFFD " bell" FFFD FFFD "\n");
	free(err);
	/* Empty tails are left out. */
	assert_int_equal((int)number(doc, "count(" SUITE("clean_lru") "/testcase/system-out)"), 0);
	assert_int_equal((int)number(doc, "count(" SUITE("clean_lru") "/testcase/system-err)"), 0);
	xmlFreeDoc(doc);
}

static void test_every_kind_of_bad_byte(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "tab\tlf\ncr\r.", "tab\tlf\ncr\r." },
		{ "nul\x7f" "del", "nul\x7f" "del" },
		{ "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },              /* été */
		{ "\xf0\x9f\x90\x8d", "\xf0\x9f\x90\x8d" },                  /* U+1F40D */
		{ "a\xc0\xaf" "b", "a" FFFD FFFD "b" },                      /* overlong '/' */
		{ "a\xed\xa0\x80" "b", "a" FFFD FFFD FFFD "b" },             /* surrogate */
		{ "a\xef\xbf\xbe" "b\xef\xbf\xbf", "a" FFFD FFFD FFFD "b" FFFD FFFD FFFD },
		{ "cut\xe2\x80", "cut" FFFD FFFD },                          /* truncated */
		{ "big\xf4\x90\x80\x80", "big" FFFD FFFD FFFD FFFD },        /* > U+10FFFF */
		{ "\x1f\x0b\x0c", FFFD FFFD FFFD },
	};
	fixture *f = *state;
	lg_workload_result *r = &f->run.items[2];
	xmlDocPtr doc;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		free(r->message);
		r->message = lg_test_strdup(cases[i].in);
		assert_lg_ok(lg_run_write_junit(&f->run, f->path));
		doc = load_valid(f->path);
		assert_string_at(doc, "string(" SUITE("broken") "/testcase/error/@message)",
				 cases[i].out);
		xmlFreeDoc(doc);
	}
}

/* A huge message: whole in the attribute, the body stays bounded. */
static void test_failure_body_is_bounded(void **state)
{
	fixture *f = *state;
	lg_workload_result *r = &f->run.items[1];
	size_t len = 20000;
	xmlDocPtr doc;
	char *body, *message;

	free(r->message);
	r->message = malloc(len + 1);
	assert_non_null(r->message);
	for (size_t i = 0; i < len; i += 2)
		memcpy(r->message + i, "\xc3\xa9", 2); /* é: cut on a boundary */
	r->message[len] = '\0';
	assert_lg_ok(lg_run_write_junit(&f->run, f->path));
	doc = load_valid(f->path);
	message = string(doc, "string(//failure/@message)");
	assert_int_equal(strlen(message), len);
	free(message);
	body = string(doc, "string(//failure)");
	assert_true(strlen(body) <= 4096);
	assert_non_null(strstr(body, "\xc3\xa9\n[... truncated]\n"));
	assert_null(strstr(body, FFFD));
	free(body);
	xmlFreeDoc(doc);
}

static void test_sparse_result(void **state)
{
	fixture *f = *state;
	lg_run_result run = LG_RUN_RESULT_INIT;
	xmlDocPtr doc;

	/* Nothing known but a name; no message, no timestamp. */
	add(&run, "bare", NULL, LG_VERDICT_ERROR, LG_OUTCOME_SPAWN_FAILED, NULL);
	assert_lg_ok(lg_run_write_junit(&run, f->path));
	doc = load_valid(f->path);
	assert_string_at(doc, "string(//testcase/@name)", "bare");
	assert_string_at(doc, "string(//error/@type)", "spawn-failed");
	assert_int_equal((int)number(doc, "count(//testsuite/@timestamp)"), 0);
	xmlFreeDoc(doc);
	lg_run_result_dispose(&run);

	/* No workloads at all. */
	assert_lg_ok(lg_run_write_junit(&run, f->path));
	doc = load_valid(f->path);
	assert_int_equal((int)number(doc, "number(/testsuites/@tests)"), 0);
	xmlFreeDoc(doc);
}

static void test_missing_directory(void **state)
{
	fixture *f = *state;
	char path[256];
	int temporary;
	int rc;

	snprintf(path, sizeof(path), "%s/missing/out.xml", f->dir);
	rc = lg_run_write_junit(&f->run, path);
	assert_true(rc < 0);
	assert_non_null(strstr(lg_error_last(), path));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(entries(f->dir, &temporary), 0);
}

static void test_replaces_existing_file(void **state)
{
	fixture *f = *state;
	FILE *fp = fopen(f->path, "w");
	char head[6] = { 0 };
	int temporary;

	assert_non_null(fp);
	fputs("old report", fp);
	assert_int_equal(fclose(fp), 0);
	assert_lg_ok(lg_run_write_junit(&f->run, f->path));
	fp = fopen(f->path, "r");
	assert_non_null(fp);
	assert_int_equal(fread(head, 1, 5, fp), 5);
	fclose(fp);
	assert_string_equal(head, "<?xml");
	assert_int_equal(entries(f->dir, &temporary), 1);
	assert_false(temporary);
	xmlFreeDoc(load_valid(f->path));
}

/* The file cannot grow past 4 KiB: the old report must stay as it was. */
static void test_failed_write_keeps_old_report(void **state)
{
	fixture *f = *state;
	struct rlimit saved, small;
	FILE *fp = fopen(f->path, "w");
	char old[32] = { 0 };
	int temporary, rc;

	assert_non_null(fp);
	fputs("old report", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	small = saved;
	small.rlim_cur = 4096;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	rc = lg_run_write_junit(&f->run, f->path);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, SIG_DFL);

	assert_int_equal(rc, LG_EOS);
	assert_non_null(strstr(lg_error_last(), f->path));
	assert_non_null(strstr(lg_error_last(), "large"));
	fp = fopen(f->path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(old, sizeof(old), fp));
	fclose(fp);
	assert_string_equal(old, "old report");
	assert_int_equal(entries(f->dir, &temporary), 1);
	assert_false(temporary);
}

/* The path is a directory: the rename fails and the temporary goes. */
static void test_failed_rename_leaves_nothing(void **state)
{
	fixture *f = *state;
	int temporary;

	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_true(lg_run_write_junit(&f->run, f->path) < 0);
	assert_non_null(strstr(lg_error_last(), f->path));
	assert_int_equal(entries(f->dir, &temporary), 1);
	assert_false(temporary);
}

static void test_bad_arguments(void **state)
{
	fixture *f = *state;

	lg_buf out = LG_BUF_INIT;

	assert_int_equal(lg_junit_render(&out, NULL), LG_EINVALID);
	assert_int_equal(lg_junit_render(NULL, &f->run), LG_EINVALID);
	assert_int_equal(lg_run_write_junit(&f->run, ""), LG_EINVALID);
	assert_int_equal(out.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verdict_elements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_and_location, setup, teardown),
		cmocka_unit_test_setup_teardown(test_properties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_tails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_kind_of_bad_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_body_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaces_existing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_keeps_old_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_rename_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("junit", tests, NULL, NULL);

	xmlCleanupParser();
	return failed;
}
