/*
 * The explain pass through the real binary: for every kind of leak in
 * tests/workloads the report names the culprit (the growing type, the line
 * that allocates, the root that holds on, the kind, the native frames, the
 * fd's path, the thread's target), and JUnit points CI at that line. The
 * expected lines are found in the workload files by their "explain: site"
 * comments, never hard-coded. One run of them all (-j 2); then cycles,
 * --no-explain and bad configuration.
 */
#include "lg_test.h"
#include "lg_run.h"

#include <stdio.h>

#include "leakgate/buf.h"
#include "leakgate/explanation.h"

#define W(name) LG_SOURCE_DIR "/tests/workloads/" name ".py"
#define MARKER "explain: site"
#define ARROW_TEXT "\xe2\x86\x92"

typedef lg_run_suite suite;

/* tests/workloads/<name>.py, absolute. */
static const char *workload_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/tests/workloads/%s.py", LG_SOURCE_DIR, name);
	return out;
}

static const char *const leak_names[] = {
	"leak_global_cache", "leak_listeners", "leak_traceback", "leak_native",
	"leak_fds", "leak_threads", "leak_slow", "leak_logger", "leak_in_big_heap",
	"leak_untracked", "leak_class_key", "leak_c_refs", "leak_one_per_100",
};

/* Debian's interpreter, when it has multidict 6.0.4 (the leak of its
 * CIMultiDict.update, upstream issue #1134); the test is skipped without. */
#define MULTIDICT_PYTHON "/usr/bin/python3"

static int has_multidict(void)
{
	return system(MULTIDICT_PYTHON " -c 'import multidict, sys; "
		      "sys.exit(multidict.__version__ != \"6.0.4\")' 2>/dev/null") == 0;
}

static int suite_setup(void **state)
{
	lg_buf text = LG_BUF_INIT;
	const char *options[] = { "-v", NULL };

	assert_lg_ok(lg_buf_puts(&text, "[leakgate]\n\tduration = 0.3\n\ttimeout = 60\n"));
	lg_run_config_workloads(&text, leak_names,
				sizeof(leak_names) / sizeof(*leak_names));
	/* Every call starts a thread: fewer calls keep the run short. */
	assert_lg_ok(lg_buf_puts(&text, "[workload \"leak_threads\"]\n\tcalls = 2000\n"));
	assert_lg_ok(lg_buf_printf(&text,
		"[workload \"cycles\"]\n\ttarget = %s:run\n\texplain = always\n"
		"[workload \"cycles_strict\"]\n\ttarget = %s:run\n\tfail-on-cycles = true\n",
		W("clean_cycles"), W("clean_cycles")));
	if (has_multidict())
		assert_lg_ok(lg_buf_printf(&text, "[workload \"leak_multidict\"]\n\t"
					   "target = %s:run\n\tpython = %s\n",
					   W("leak_multidict"), MULTIDICT_PYTHON));
	*state = lg_run_suite_new("explain", lg_buf_cstr(&text), options);
	lg_buf_dispose(&text);
	return 0;
}

static char *testcase_attr(const suite *s, const char *workload, const char *attr)
{
	char expr[512];

	snprintf(expr, sizeof(expr), "string(//testsuite[@name='%s']/testcase/@%s)",
		 workload, attr);
	return lg_run_xpath_string(s->doc, expr);
}

static char *failure_body(const suite *s, const char *workload)
{
	char expr[512];

	snprintf(expr, sizeof(expr), "string(//testsuite[@name='%s']/testcase/failure)",
		 workload);
	return lg_run_xpath_string(s->doc, expr);
}

/* 1-based numbers of the lines of file that contain text (at most max). */
static size_t lines_with(int *out, size_t max, const char *file, const char *text)
{
	FILE *f = fopen(file, "r");
	char line[1024];
	size_t n = 0;
	int number = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		number++;
		if (strstr(line, text) && n < max)
			out[n++] = number;
	}
	fclose(f);
	return n;
}

static void assert_property(const suite *s, const char *workload,
			    const char *prop, const char *want)
{
	char *v = lg_run_property(s->doc, workload, prop);

	if (strcmp(v, want) != 0)
		fail_msg("%s: %s is '%s', expected '%s'\n%s", workload, prop, v, want,
			 s->run.out);
	free(v);
}

/* explain.chain contains part. */
static void assert_chain_has(const suite *s, const char *workload, const char *part)
{
	char *chain = lg_run_property(s->doc, workload, "explain.chain");

	if (!strstr(chain, part))
		fail_msg("%s: chain '%s' has no '%s'\n%s", workload, chain, part,
			 s->run.out);
	free(chain);
}

/* Some explain.<table>.N (N = 1..5) contains part. */
static void assert_row(const suite *s, const char *workload, const char *table,
		       const char *part)
{
	char name[64];

	for (int i = 1; i <= LG_EXPLAIN_TOP; i++) {
		char *v;
		int found;

		snprintf(name, sizeof(name), "explain.%s.%d", table, i);
		v = lg_run_property(s->doc, workload, name);
		found = strstr(v, part) != NULL;
		free(v);
		if (found)
			return;
	}
	fail_msg("%s: no explain.%s.N contains '%s'\n%s", workload, table, part,
		 s->run.out);
}

/*
 * The testcase points at one of the marked lines of the workload's file;
 * the function's own place is kept as properties.
 */
static void assert_site(const suite *s, const char *workload)
{
	char path[1024], *file, *line, *function_line;
	int marked[8], def[1];
	size_t n, k;

	workload_path(path, sizeof(path), workload);
	n = lines_with(marked, 8, path, MARKER);
	assert_true(n > 0);
	assert_int_equal(lines_with(def, 1, path, "def run("), 1);
	file = testcase_attr(s, workload, "file");
	line = testcase_attr(s, workload, "line");
	if (!strstr(file, "tests/workloads/") || !strstr(file, workload))
		fail_msg("%s: testcase file '%s'", workload, file);
	for (k = 0; k < n && marked[k] != atoi(line); k++)
		;
	if (k == n)
		fail_msg("%s: testcase line %s is not a marked allocation site\n%s",
			 workload, line, s->run.out);
	function_line = lg_run_property(s->doc, workload, "function.line");
	assert_int_equal(atoi(function_line), def[0]);
	free(file);
	free(line);
	free(function_line);
}

/* A Python-objects leak: its growing type, the root that holds on, its line. */
static void assert_held(const suite *s, const char *workload, const char *type_row,
			const char *root)
{
	assert_property(s, workload, "explain.kind", "python-objects");
	assert_row(s, workload, "type", type_row);
	assert_property(s, workload, "explain.chain_root", root);
	assert_site(s, workload);
}

static void test_exit_code_and_summary(void **state)
{
	suite *s = *state;

	assert_int_equal(s->run.code, 1);
	/* -v: the whole explanation under each LEAK line. */
	assert_non_null(strstr(s->run.out, "kind: python-objects"));
	assert_non_null(strstr(s->run.out, "growing types:"));
	assert_non_null(strstr(s->run.out, "retainer chain: leak_global_cache._cache["));
	assert_int_equal((int)lg_run_xpath_number(s->doc,
		"count(//failure[@type='leak'])"),
		(int)(sizeof(leak_names) / sizeof(*leak_names)) + has_multidict());
	assert_int_equal((int)lg_run_xpath_number(s->doc,
		"count(//failure[@type='cycles'])"), 1);
}

static void test_global_cache(void **state)
{
	suite *s = *state;
	char *body = failure_body(s, "leak_global_cache");

	assert_held(s, "leak_global_cache", "str 1 objects/call", "leak_global_cache._cache");
	/* The failure says why, readably and bounded. */
	assert_non_null(strstr(body, "why (explain pass):"));
	assert_non_null(strstr(body, "allocated and kept at:"));
	assert_true(strlen(body) <= 8192);
	free(body);
}

static void test_listeners(void **state)
{
	suite *s = *state;

	assert_held(s, "leak_listeners", "leak_listeners.Handler 1 objects/call",
		    "leak_listeners.emitter.listeners");
}

static void test_traceback(void **state)
{
	suite *s = *state;

	assert_held(s, "leak_traceback", "frame ", "leak_traceback.errors");
}

static void test_slow(void **state)
{
	suite *s = *state;

	/* One 4 KiB bytes every 25 calls: 0.04 objects/call, still found. */
	assert_held(s, "leak_slow", "bytes 0.04", "leak_slow.kept");
}

/*
 * A logger per request: thousands of loggers point at logging's Manager, so
 * the walk back must take a level at a time, not the heap per object.
 */
static void test_logger(void **state)
{
	suite *s = *state;

	assert_held(s, "leak_logger", "logging.Logger 1 objects/call",
		    "logging.Logger.manager.loggerDict");
	assert_chain_has(s, "leak_logger", "logging.Logger.manager.loggerDict['request.");
	assert_chain_has(s, "leak_logger", "'] → logging.Logger");
}

/* A small leak in a heap of a million live objects: still a chain. */
static void test_big_heap(void **state)
{
	suite *s = *state;

	assert_held(s, "leak_in_big_heap", "leak_in_big_heap.Record 1 objects/call",
		    "leak_in_big_heap._history");
	assert_chain_has(s, "leak_in_big_heap", "] → leak_in_big_heap.Record");
}

/* Dicts of plain values are not tracked by gc: found from the list. */
static void test_untracked(void **state)
{
	suite *s = *state;

	assert_held(s, "leak_untracked", "dict 1 objects/call", "leak_untracked._seen");
	assert_row(s, "leak_untracked", "type", " untracked");
	assert_chain_has(s, "leak_untracked", "leak_untracked._seen[");
}

/* A float kept every 100th call: 0.4 B/call, still a site to point at. */
static void test_one_per_100(void **state)
{
	suite *s = *state;

	assert_held(s, "leak_one_per_100", "float 0.0", "leak_one_per_100.kept");
}

/* A cache keyed by a class made per call (pyrsistent 0.18.1's
 * _field_common._pmap_field_types): the chain starts at the module's
 * cache, not at the class nor its metaclass. */
static void test_class_key(void **state)
{
	suite *s = *state;

	assert_property(s, "leak_class_key", "explain.kind", "python-objects");
	assert_property(s, "leak_class_key", "explain.chain_root",
			"leak_class_key._field_types");
	assert_chain_has(s, "leak_class_key", "leak_class_key._field_types<key (");
	assert_chain_has(s, "leak_class_key", ARROW_TEXT " class leak_class_key.run."
			 "<locals>.Foo (enum.EnumType)");
	assert_site(s, "leak_class_key");
}

/* A reference C code keeps (Py_IncRef through ctypes): no Python referrer. */
static void test_c_refs(void **state)
{
	suite *s = *state;
	char *body = failure_body(s, "leak_c_refs");

	assert_property(s, "leak_c_refs", "explain.kind", "kept-by-c");
	assert_row(s, "leak_c_refs", "type", "list 1 objects/call");
	assert_non_null(strstr(body, "kept by C: no Python object refers to what grows"));
	assert_site(s, "leak_c_refs");
	free(body);
}

/* multidict 6.0.4: blocks kept by the extension; its method named. */
static void test_multidict(void **state)
{
	suite *s = *state;

	if (!has_multidict())
		skip();
	assert_property(s, "leak_multidict", "explain.kind", "kept-by-c");
	assert_property(s, "leak_multidict", "explain.c_call",
			"multidict._multidict.CIMultiDict.update");
	assert_site(s, "leak_multidict");
}

/* A saved run's report says what the run said: growing types and sites. */
static void test_report_of_saved_run(void **state)
{
	suite *s = *state;
	char junit[4096];
	const char *term[] = { "report", junit, NULL };
	const char *md[] = { "report", "--format", "markdown", junit, NULL };
	lg_run_output res;

	snprintf(junit, sizeof(junit), "%s/explain.xml", s->dir);
	lg_run_exec(&res, NULL, term);
	assert_int_equal(res.code, 0);
	assert_non_null(strstr(res.out, "growing: dict +1 object/call"));
	assert_non_null(strstr(res.out, "leak_untracked.py:8 ("));
	assert_non_null(strstr(res.out, "kept by C: "));
	lg_run_output_dispose(&res);
	lg_run_exec(&res, NULL, md);
	assert_non_null(strstr(res.out, "growing: dict +1 object/call"));
	assert_non_null(strstr(res.out, "allocated at "));
	lg_run_output_dispose(&res);
}

static void test_native(void **state)
{
	suite *s = *state;
	char *body = failure_body(s, "leak_native");

	assert_property(s, "leak_native", "explain.kind", "native");
	/* The shim's stack: malloc, called through libffi / _ctypes. */
	assert_row(s, "leak_native", "native", "512 B/call malloc@libc");
	assert_row(s, "leak_native", "native", "ffi_call@libffi");
	assert_non_null(strstr(body, "malloc (libc.so.6)"));
	assert_site(s, "leak_native");
	free(body);
}

static void test_fds(void **state)
{
	suite *s = *state;

	assert_property(s, "leak_fds", "explain.kind", "fds");
	assert_row(s, "leak_fds", "fd", "/dev/null at ");
	assert_site(s, "leak_fds");
}

static void test_threads(void **state)
{
	suite *s = *state;

	assert_property(s, "leak_threads", "explain.kind", "threads");
	/* Name and target of the threads that stay. */
	assert_row(s, "leak_threads", "thread", "target threading.Event.wait");
	assert_site(s, "leak_threads");
	/* The chain's sample is a class of threading (the Thread or its
	 * Condition), not the deque of its lock. */
	assert_property(s, "leak_threads", "explain.chain_root", "threading._active");
	assert_chain_has(s, "leak_threads", " → threading.");
}

static void test_cycles_warn_or_fail(void **state)
{
	suite *s = *state;
	char *message = lg_run_property(s->doc, "cycles", "message");
	char *type;

	/* Cyclic garbage is not a leak: it passes, with the warning, and the
	 * explanation (explain = always) names the types in the cycles. */
	assert_property(s, "cycles", "verdict", "clean");
	assert_non_null(strstr(message, "cyclic garbage"));
	free(message);
	assert_property(s, "cycles", "explain.kind", "cycles");
	assert_row(s, "cycles", "cycle", "clean_cycles.Node 2 objects/call");
	/* fail-on-cycles = true: a failure of its own type. */
	assert_property(s, "cycles_strict", "verdict", "leak");
	type = lg_run_xpath_string(s->doc,
		"string(//testsuite[@name='cycles_strict']/testcase/failure/@type)");
	assert_string_equal(type, "cycles");
	free(type);
	assert_property(s, "cycles_strict", "explain.kind", "cycles");
}

static void test_options(void **state)
{
	suite *s = *state;
	char junit[4096];
	const char *no_explain[] = { "run", "--duration", "0.3", "--no-explain",
				     "--junit", junit, W("leak_slow") ":run", NULL };
	const char *fail_cycles[] = { "run", "--duration", "0.3", "--fail-on-cycles",
				      W("clean_cycles") ":run", NULL };
	lg_run_output res;
	xmlDocPtr doc;

	snprintf(junit, sizeof(junit), "%s/options.xml", s->dir);
	lg_run_exec(&res, NULL, no_explain);
	assert_int_equal(res.code, 1);
	assert_null(strstr(res.out, "kind:"));
	doc = lg_run_load_junit(junit);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//property[starts-with(@name, 'explain.')])"), 0);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);

	lg_run_exec(&res, NULL, fail_cycles);
	assert_int_equal(res.code, 1);
	assert_non_null(strstr(res.out, "fail-on-cycles"));
	assert_non_null(strstr(res.out, "kind: cycles"));
	lg_run_output_dispose(&res);
}

static void test_bad_configuration(void **state)
{
	suite *s = *state;
	char conf[4096], text[1024];
	const char *args[] = { "run", "--config", conf, NULL };
	lg_run_output res;

	snprintf(conf, sizeof(conf), "%s/bad.conf", s->dir);
	snprintf(text, sizeof(text), "[workload \"x\"]\n\ttarget = %s:run\n"
		 "\texplain = sometimes\n", W("leak_slow"));
	lg_run_write_file(conf, text);
	lg_run_exec(&res, NULL, args);
	assert_int_equal(res.code, 2);
	assert_non_null(strstr(res.err, "explain: 'sometimes'"));
	lg_run_output_dispose(&res);

	snprintf(text, sizeof(text), "[leakgate]\n\tfail-on-cycles = maybe\n"
		 "[workload \"x\"]\n\ttarget = %s:run\n", W("leak_slow"));
	lg_run_write_file(conf, text);
	lg_run_exec(&res, NULL, args);
	assert_int_equal(res.code, 2);
	assert_non_null(strstr(res.err, "fail-on-cycles: 'maybe'"));
	lg_run_output_dispose(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_code_and_summary),
		cmocka_unit_test(test_global_cache),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_traceback),
		cmocka_unit_test(test_slow),
		cmocka_unit_test(test_logger),
		cmocka_unit_test(test_big_heap),
		cmocka_unit_test(test_untracked),
		cmocka_unit_test(test_class_key),
		cmocka_unit_test(test_one_per_100),
		cmocka_unit_test(test_c_refs),
		cmocka_unit_test(test_multidict),
		cmocka_unit_test(test_report_of_saved_run),
		cmocka_unit_test(test_native),
		cmocka_unit_test(test_fds),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_cycles_warn_or_fail),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_bad_configuration),
	};

	return cmocka_run_group_tests_name("run: explain", tests, suite_setup,
					   lg_run_suite_teardown);
}
