/*
 * The CI integrations through the real binary and the real scripts, under
 * simulated GitHub Actions and GitLab CI environments, on real workloads:
 * annotations and the step summary, SVG charts attached to the JUnit test
 * cases, `report` and `merge`, the GitLab template's script running two
 * shards and merging them, the action's script and its outputs, and the
 * YAML files parsing. LEAKGATE_TEST_PYTHON measures with another
 * interpreter.
 */
#include "lg_test.h"
#include "lg_run.h"

#include <stdio.h>

#include "leakgate/buf.h"

#define W(name) LG_SOURCE_DIR "/tests/workloads/" name

typedef struct {
	char *dir;
	char conf[4096];
	char junit[4096];    /* run A's JUnit file */
	char summary[4096];  /* run A's step summary */
	char leakgate_env[4200]; /* LEAKGATE=the binary, for the CI scripts */
	char config_env[4200];   /* LEAKGATE_CONFIG=ci.conf */
	lg_run_output run;   /* run A */
} suite;

static char *path_in(const suite *s, const char *name)
{
	static char path[8][4096];
	static int next;
	char *p = path[next++ % 8];

	snprintf(p, sizeof(path[0]), "%s/%s", s->dir, name);
	return p;
}

static size_t count(const char *text, const char *part)
{
	size_t n = 0;

	for (const char *p = strstr(text, part); p; p = strstr(p + 1, part))
		n++;
	return n;
}

/* Run A: in GitHub Actions and GitLab CI at once (both outputs), from the
 * suite's directory; the tests look at what it left. */
static int suite_setup(void **state)
{
	suite *s = calloc(1, sizeof(*s));
	const char *python = getenv("LEAKGATE_TEST_PYTHON");
	char summary_env[4200], workspace_env[4200];
	lg_buf text = LG_BUF_INIT;
	const char *argv[] = { lg_run_binary(), "run", "-c", s->conf, "-j", "2",
			       "--junit", "out/run.xml", NULL };
	const char *env[] = { "GITHUB_ACTIONS=true", summary_env, workspace_env,
			      "GITLAB_CI=true", "NO_COLOR=1", NULL };

	assert_non_null(s);
	s->dir = lg_run_tmpdir();
	snprintf(s->conf, sizeof(s->conf), "%s/ci.conf", s->dir);
	snprintf(s->junit, sizeof(s->junit), "%s/out/run.xml", s->dir);
	snprintf(s->summary, sizeof(s->summary), "%s/summary.md", s->dir);
	snprintf(s->leakgate_env, sizeof(s->leakgate_env), "LEAKGATE=%s", lg_run_binary());
	snprintf(s->config_env, sizeof(s->config_env), "LEAKGATE_CONFIG=%s", s->conf);
	argv[3] = s->conf;
	/* A heap leak that the explain pass explains quickly, a clean
	 * workload and an error: short runs, the workloads are unambiguous. */
	assert_lg_ok(lg_buf_printf(&text, "[leakgate]\n\tduration = 0.3\n\ttimeout = 30\n"
				   "%s%s%s"
				   "[workload \"leak\"]\n\ttarget = %s\n"
				   "[workload \"clean\"]\n\ttarget = %s\n"
				   "[workload \"error\"]\n\ttarget = %s\n",
				   python ? "\tpython = " : "", python ? python : "",
				   python ? "\n" : "", W("leak_native.py:run"),
				   W("clean_lru_cache.py:run"), W("error_exception.py:run")));
	lg_run_write_file(s->conf, text.ptr);
	lg_buf_dispose(&text);
	/* A step summary that an earlier step wrote: appended to, not lost. */
	lg_run_write_file(s->summary, "earlier step\n");
	snprintf(summary_env, sizeof(summary_env), "GITHUB_STEP_SUMMARY=%s", s->summary);
	snprintf(workspace_env, sizeof(workspace_env), "GITHUB_WORKSPACE=%s", LG_SOURCE_DIR);
	lg_run_spawn(&s->run, s->dir, argv, env);
	if (s->run.code != 1)
		print_error("exit %d\nstdout:\n%s\nstderr:\n%s\n", s->run.code,
			    s->run.out, s->run.err);
	*state = s;
	return 0;
}

static int suite_teardown(void **state)
{
	suite *s = *state;

	lg_run_cleanup(s->dir, &s->run, NULL);
	free(s);
	return 0;
}

static void test_github_annotations(void **state)
{
	suite *s = *state;

	assert_int_equal(s->run.code, 1);
	/* Relative to GITHUB_WORKSPACE; the leak at its allocation site when
	 * the explain pass found one, else at the function. */
	assert_contains(s->run.out, "::error file=tests/workloads/leak_native.py,line=");
	assert_contains(s->run.out, ",title=leakgate%3A leak leaks::leaks ");
	/* An error at the line that raised (9), not the function's def (6). */
	assert_contains(s->run.out, "::error file=tests/workloads/error_exception.py,"
			"line=9,title=leakgate%3A error could not be measured::raised "
			"ValueError: bad input after ");
	assert_int_equal(count(s->run.out, "::error "), 2);
	assert_int_equal(count(s->run.out, "::warning "), 0);
	/* One command per line: newlines in messages are escaped. */
	for (const char *p = strstr(s->run.out, "::error "); p; p = strstr(p + 1, "::error "))
		assert_true(p == s->run.out || p[-1] == '\n');
}

static void test_step_summary(void **state)
{
	suite *s = *state;
	char *md = lg_test_slurp(s->summary);

	assert_true(strncmp(md, "earlier step\n## \xe2\x9d\x8c leakgate: 3 workloads", 40) == 0);
	assert_contains(md, "| | workload | verdict | growth per call | calls | time |\n");
	assert_contains(md, "| \xe2\x9d\x8c | leak | leak | ");
	assert_contains(md, "| \xf0\x9f\x92\xa5 | error | error | ");
	assert_contains(md, "| \xe2\x9c\x85 | clean | clean | ");
	assert_contains(md, "\n### \xe2\x9d\x8c leak: leak\n");
	{
		/* The calls column gives the message's figure: the calls the
		 * fit spans, not every call made. */
		const char *over = strstr(strstr(md, "\n### \xe2\x9d\x8c leak: leak\n"), " over ");
		char figure[64], cell[80];

		assert_non_null(over);
		assert_int_equal(sscanf(over, " over %63[0-9,] calls", figure), 1);
		snprintf(cell, sizeof(cell), " | %s | ", figure);
		assert_non_null(strstr(strstr(md, "| \xe2\x9d\x8c | leak | leak | "), cell));
	}
	assert_contains(md, "```mermaid\nxychart-beta\n    title \"leak: heap_bytes against calls\"\n");
	assert_contains(md, "<details><summary>Traceback</summary>");
	assert_contains(md, "ValueError: bad input\n");
	/* The traceback starts at the workload: none of the agent's frames. */
	assert_contains(md, "Traceback (most recent call last):\n  File \""
			LG_SOURCE_DIR "/tests/workloads/error_exception.py\", line 9, in run\n");
	assert_true(strstr(md, "File \"<string>\"") == NULL);
	assert_int_equal(count(md, "```mermaid"), 1);
	free(md);
}

/* GitLab: a chart per failing workload by the JUnit file, attached to its
 * test case with a path relative to the project directory. */
static void test_gitlab_charts(void **state)
{
	suite *s = *state;
	xmlDocPtr doc = lg_run_load_junit(s->junit), chart;
	char *out;

	out = lg_run_xpath_string(doc, "string(//testsuite[@name='leak']/testcase/system-out)");
	assert_true(strncmp(out, "[[ATTACHMENT|out/leakgate-charts/leak.svg]]\n", 44) == 0);
	free(out);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testsuite[@name='clean']/testcase/system-out)"), 0);
	/* GitLab shows an attachment only on a <failure>: the error, which
	 * has a chart, is one, of its outcome's type; its verdict stays. */
	out = lg_run_xpath_string(doc, "string(//testsuite[@name='error']/testcase/system-out)");
	assert_true(strncmp(out, "[[ATTACHMENT|out/leakgate-charts/error.svg]]\n", 45) == 0);
	free(out);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testsuite[@name='error']/testcase/failure[@type='exception'])"), 1);
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//testcase/error)"), 0);
	out = lg_run_xpath_string(doc, "string(//testsuite[@name='error']"
				  "//property[@name='verdict']/@value)");
	assert_string_equal(out, "error");
	free(out);
	xmlFreeDoc(doc);

	chart = xmlReadFile(path_in(s, "out/leakgate-charts/leak.svg"), NULL, XML_PARSE_NONET);
	assert_non_null(chart);
	assert_string_equal((const char *)xmlDocGetRootElement(chart)->name, "svg");
	xmlFreeDoc(chart);
	assert_int_equal(access(path_in(s, "out/leakgate-charts/clean.svg"), F_OK), -1);
}

static void report(lg_run_output *res, const suite *s, const char *const *args,
		   const char *const *env)
{
	const char *argv[16] = { lg_run_binary(), "report" };
	size_t n = 2;

	while (*args && n < 14)
		argv[n++] = *args++;
	argv[n] = NULL;
	lg_run_spawn(res, s->dir, argv, env);
}

static void test_report_command(void **state)
{
	suite *s = *state;
	lg_run_output res;
	const char *markdown[] = { "--format", "markdown", s->junit, NULL };
	const char *github[] = { "-f", "github", s->junit, NULL };
	const char *terminal[] = { s->junit, NULL };
	const char *svg[] = { "-f", "svg", "--workload", "leak", "-o", "leak.svg", s->junit, NULL };
	const char *svg_which[] = { "-f", "svg", s->junit, NULL };
	const char *unknown[] = { "-w", "nope", s->junit, NULL };
	const char *format[] = { "-f", "html", s->junit, NULL };
	const char *missing[] = { "missing.xml", NULL };
	const char *workspace[] = { "GITHUB_WORKSPACE=" LG_SOURCE_DIR, NULL };
	xmlDocPtr doc;

	report(&res, s, markdown, NULL);
	assert_int_equal(res.code, 0);
	assert_contains(res.out, "| \xe2\x9d\x8c | leak | leak | ");
	/* The chart comes from the samples kept in the JUnit file. */
	assert_contains(res.out, "```mermaid\nxychart-beta\n");
	lg_run_output_dispose(&res);

	report(&res, s, github, workspace);
	assert_int_equal(res.code, 0);
	assert_contains(res.out, "::error file=tests/workloads/leak_native.py,line=");
	assert_contains(res.out, "::error file=tests/workloads/error_exception.py,line=9,");
	assert_int_equal(count(res.out, "::error "), 2);
	lg_run_output_dispose(&res);

	report(&res, s, terminal, NULL);
	assert_int_equal(res.code, 0);
	/* Named as the run and the markdown name it: its section. */
	assert_contains(res.out, "LEAK     leak   leaks ");
	assert_contains(res.out, "3 workloads: 1 leak, 1 clean, 1 error");
	lg_run_output_dispose(&res);

	report(&res, s, svg, NULL);
	assert_int_equal(res.code, 0);
	assert_string_equal(res.out, "");
	doc = xmlReadFile(path_in(s, "leak.svg"), NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);

	report(&res, s, svg_which, NULL);
	assert_int_equal(res.code, 2);
	assert_contains(res.err, "give --workload NAME");
	lg_run_output_dispose(&res);
	report(&res, s, unknown, NULL);
	assert_int_equal(res.code, 2);
	assert_contains(res.err, "no workload 'nope' in ");
	lg_run_output_dispose(&res);
	report(&res, s, format, NULL);
	assert_int_equal(res.code, 2);
	assert_contains(res.err, "--format: 'html'");
	lg_run_output_dispose(&res);
	report(&res, s, missing, NULL);
	assert_int_equal(res.code, 2);
	assert_contains(res.err, "cannot read 'missing.xml'");
	lg_run_output_dispose(&res);
}

/* Exit 2, one line on stderr naming part, no output file. */
static void assert_merge_fails(const suite *s, const char *const *args,
			       const char *part)
{
	const char *argv[16] = { lg_run_binary(), "merge" };
	lg_run_output res;
	size_t n = 2;

	while (*args && n < 14)
		argv[n++] = *args++;
	argv[n] = NULL;
	lg_run_spawn(&res, s->dir, argv, NULL);
	if (res.code != 2 || !strstr(res.err, part))
		fail_msg("expected exit 2 mentioning '%s', got %d: %s", part,
			 res.code, res.err);
	assert_int_equal(count(res.err, "\n"), 1);
	assert_int_equal(access(path_in(s, "bad-merge.xml"), F_OK), -1);
	lg_run_output_dispose(&res);
}

static void test_merge_bad_input(void **state)
{
	suite *s = *state;
	const char *missing[] = { "-o", "bad-merge.xml", s->junit, "nope.xml", NULL };
	const char *garbage[] = { "-o", "bad-merge.xml", "ci.conf", NULL };
	const char *twice[] = { "-o", "bad-merge.xml", s->junit, s->junit, NULL };
	const char *no_output[] = { s->junit, NULL };
	const char *no_files[] = { "-o", "bad-merge.xml", NULL };
	const char *entity[] = { "-o", "bad-merge.xml", s->junit, "dtd.xml", NULL };

	/* Copied as written, its suites would name an entity that the merged
	 * file does not declare. */
	lg_run_write_file(path_in(s, "dtd.xml"), "<?xml version=\"1.0\"?>\n"
			  "<!DOCTYPE testsuites [<!ENTITY co \"ACME\">]>\n<testsuites/>\n");
	assert_merge_fails(s, entity, "dtd.xml: line 2: declares entity 'co'");
	assert_merge_fails(s, missing, "cannot read 'nope.xml'");
	assert_merge_fails(s, garbage, "ci.conf: line 1: not well-formed XML");
	assert_merge_fails(s, twice, "the shards overlap");
	assert_merge_fails(s, no_output, "-o OUT.xml");
	assert_merge_fails(s, no_files, "give the shards' JUnit files");
}

/* A shard that breaks off after the first files merged: the output that
 * was there stays as it was, and no temporary file is left. */
static void test_merge_bad_shard_midway(void **state)
{
	suite *s = *state;
	const char *argv[] = { lg_run_binary(), "merge", "-o", "kept.xml", s->junit,
			       "cut.xml", NULL };
	lg_run_output res;
	char *text;
	DIR *dir;
	struct dirent *e;

	lg_run_write_file(path_in(s, "kept.xml"), "before\n");
	lg_run_write_file(path_in(s, "cut.xml"), "<?xml version=\"1.0\"?>\n"
			  "<testsuites>\n  <testsuite name=\"x\"><properties>\n");
	lg_run_spawn(&res, s->dir, argv, NULL);
	assert_int_equal(res.code, 2);
	assert_contains(res.err, "cut.xml: line ");
	assert_contains(res.err, ": not well-formed XML: ");
	lg_run_output_dispose(&res);
	text = lg_test_slurp(path_in(s, "kept.xml"));
	assert_string_equal(text, "before\n");
	free(text);
	assert_non_null(dir = opendir(s->dir));
	while ((e = readdir(dir)))
		if (strstr(e->d_name, ".tmp."))
			fail_msg("left behind: %s", e->d_name);
	closedir(dir);
}

static void sh(lg_run_output *res, const char *cwd, const char *script,
	       const char *arg, const char *const *env)
{
	const char *argv[] = { "/bin/sh", script, arg, NULL };

	lg_run_spawn(res, cwd, argv, env);
}

/* Names of the testsuites of a JUnit file, sorted by the schema order. */
static char *suite_names(const char *path)
{
	xmlDocPtr doc = lg_run_load_junit(path);
	char *names = lg_run_xpath_string(doc, "concat(//testsuite[1]/@name, ' ', "
					  "//testsuite[2]/@name, ' ', //testsuite[3]/@name)");

	xmlFreeDoc(doc);
	return names;
}

/* A CI script's gate (script relative to the source), run in dir with
 * env; it must exit want. */
static void ci_gate(lg_run_output *res, const char *dir, const char *script,
		    const char *const *env, int want, const char *job)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", LG_SOURCE_DIR, script);
	sh(res, dir, path, "gate", env);
	if (res->code != want)
		fail_msg("%s: exit %d\n%s\n%s", job, res->code, res->out, res->err);
}

/* The template's gate job, run in dir with env; it must exit want. */
static void gitlab_gate(lg_run_output *res, const char *dir, const char *const *env,
			int want, const char *job)
{
	ci_gate(res, dir, "ci/gitlab-run.sh", env, want, job);
}

/* The template's script as GitLab runs it: LEAKGATE_SHARD=auto with
 * parallel: 2 (CI_NODE_INDEX 1 and 2 of CI_NODE_TOTAL=2), the JUnit files in
 * a folder that does not exist yet, then the merge job. */
static void test_gitlab_shards_and_merge(void **state)
{
	suite *s = *state;
	char *dir = path_in(s, "gitlab");
	const char *env1[] = { "GITLAB_CI=true", "CI_NODE_INDEX=1", "CI_NODE_TOTAL=2",
			       "LEAKGATE_SHARD=auto", "LEAKGATE_JUNIT=out/leakgate.xml",
			       s->leakgate_env, s->config_env, "LEAKGATE_BASELINE=none",
			       "LEAKGATE_ARGS=-j 2", NULL };
	const char *env2[] = { "GITLAB_CI=true", "CI_NODE_INDEX=2", "CI_NODE_TOTAL=2",
			       "LEAKGATE_SHARD=auto", "LEAKGATE_JUNIT=out/leakgate.xml",
			       s->leakgate_env, s->config_env, "LEAKGATE_BASELINE=none", NULL };
	const char *env_merge[] = { "GITLAB_CI=true", s->leakgate_env,
				    "LEAKGATE_JUNIT=out/leakgate.xml", NULL };
	lg_run_output res;
	xmlDocPtr doc;
	char *names, *md;

	assert_int_equal(mkdir(dir, 0777), 0);

	/* Sorted names clean, error, leak, dealt round-robin. */
	gitlab_gate(&res, dir, env1, 1, "shard 1");
	lg_run_output_dispose(&res);
	gitlab_gate(&res, dir, env2, 3, "shard 2");
	assert_contains(res.out, "--shard auto");
	lg_run_output_dispose(&res);

	names = suite_names(path_in(s, "gitlab/out/leakgate-1.xml"));
	assert_string_equal(names, "leak clean "); /* in configuration order */
	free(names);
	names = suite_names(path_in(s, "gitlab/out/leakgate-2.xml"));
	assert_string_equal(names, "error  ");
	free(names);
	{
		/* Merged alone, the error shard exits as its run did. */
		const char *argv[] = { lg_run_binary(), "merge", "-o", "errors.xml",
				       "out/leakgate-2.xml", NULL };

		lg_run_spawn(&res, dir, argv, NULL);
		assert_int_equal(res.code, 3);
		lg_run_output_dispose(&res);
		unlink(path_in(s, "gitlab/errors.xml"));
	}
	assert_int_equal(access(path_in(s, "gitlab/out/leakgate-1.md"), F_OK), 0);
	assert_int_equal(access(path_in(s, "gitlab/out/leakgate-charts/leak.svg"), F_OK), 0);

	sh(&res, dir, LG_SOURCE_DIR "/ci/gitlab-run.sh", "merge", env_merge);
	if (res.code != 1)
		fail_msg("merge: exit %d\n%s\n%s", res.code, res.out, res.err);
	lg_run_output_dispose(&res);
	doc = lg_run_load_junit(path_in(s, "gitlab/out/leakgate.xml"));
	assert_int_equal((int)lg_run_xpath_number(doc, "count(/testsuites/testsuite)"), 3);
	assert_int_equal((int)lg_run_xpath_number(doc, "number(/testsuites/@tests)"), 3);
	/* The error has a chart, so it is a <failure> (GitLab shows
	 * attachments on failures only). */
	assert_int_equal((int)lg_run_xpath_number(doc, "number(/testsuites/@failures)"), 2);
	assert_int_equal((int)lg_run_xpath_number(doc, "number(/testsuites/@errors)"), 0);
	/* Copied as the shards wrote them: the attachment is still there. */
	names = lg_run_xpath_string(doc, "string(//testsuite[@name='leak']/testcase/system-out)");
	assert_true(strncmp(names, "[[ATTACHMENT|out/leakgate-charts/leak.svg]]", 43) == 0);
	free(names);
	xmlFreeDoc(doc);
	md = lg_test_slurp(path_in(s, "gitlab/out/leakgate.md"));
	assert_contains(md, "leakgate: 3 workloads \xe2\x80\x94 1 leak, 1 error, 1 clean");
	free(md);
}

/* A pytest suite without a configuration file: the action's pytest input
 * (a matrix of two shards) and the template's LEAKGATE_PYTEST split its
 * tests by node id, sorted and dealt round-robin. */
static void test_pytest_suite_shards(void **state)
{
	suite *s = *state;
	char dir[4096], output_env[4200], summary_env[4200], *names;
	const char *action[] = { "GITHUB_ACTIONS=true", s->leakgate_env, output_env,
				 summary_env, "INPUT_PYTEST=test_s.py -k 'sum or join'",
				 "INPUT_PYTHON=/usr/bin/python3", "INPUT_BASELINE=none",
				 "INPUT_ARGS=--duration 0.2", "INPUT_SHARD=1/2",
				 "INPUT_JUNIT=shards/leakgate-1.xml", NULL };
	const char *gitlab[] = { "GITLAB_CI=true", "CI_NODE_INDEX=2", "CI_NODE_TOTAL=2",
				 "LEAKGATE_SHARD=auto", s->leakgate_env,
				 "LEAKGATE_PYTEST=test_s.py -k 'sum or join'",
				 "LEAKGATE_PYTHON=/usr/bin/python3", "LEAKGATE_BASELINE=none",
				 "LEAKGATE_ARGS=--duration 0.2", NULL };
	lg_run_output res;

	snprintf(dir, sizeof(dir), "%s", path_in(s, "suite-ci"));
	assert_int_equal(mkdir(dir, 0777), 0);
	snprintf(output_env, sizeof(output_env), "GITHUB_OUTPUT=%s/outputs", dir);
	snprintf(summary_env, sizeof(summary_env), "GITHUB_STEP_SUMMARY=%s/summary.md", dir);
	lg_run_write_file(path_in(s, "suite-ci/test_s.py"),
			  "import pytest\n\n\n@pytest.mark.parametrize('n', [1, 2, 3])\n"
			  "def test_sum(n):\n    assert sum(range(n)) >= 0\n\n\n"
			  "def test_join():\n    assert '-'.join('ab') == 'a-b'\n\n\n"
			  "def test_other():\n    pass\n");

	ci_gate(&res, dir, "action/run.sh", action, 0, "action");
	assert_contains(res.out, "--pytest test_s.py -k 'sum or join'");
	lg_run_output_dispose(&res);
	names = suite_names(path_in(s, "suite-ci/shards/leakgate-1.xml"));
	/* In pytest's order within the shard. */
	assert_string_equal(names, "test_s.py::test_sum[2] test_s.py::test_join ");
	free(names);

	gitlab_gate(&res, dir, gitlab, 0, "LEAKGATE_PYTEST, shard 2");
	lg_run_output_dispose(&res);
	names = suite_names(path_in(s, "suite-ci/leakgate-2.xml"));
	assert_string_equal(names, "test_s.py::test_sum[1] test_s.py::test_sum[3] ");
	free(names);
}

/* Without LEAKGATE_SHARD every job runs every workload: a plain job
 * (CI_NODE_TOTAL=1, no index) and a parallel: matrix: cell alike. */
static void test_gitlab_unsharded(void **state)
{
	suite *s = *state;
	char *dir = path_in(s, "gitlab-plain");
	const char *plain[] = { "GITLAB_CI=true", "CI_NODE_INDEX", "CI_NODE_TOTAL=1",
				"LEAKGATE_SHARD=auto", s->leakgate_env, s->config_env,
				"LEAKGATE_BASELINE=none", "LEAKGATE_WORKLOADS=clean error",
				NULL };
	const char *cell[] = { "GITLAB_CI=true", "CI_NODE_INDEX=2", "CI_NODE_TOTAL=2",
			       "LEAKGATE_SHARD", s->leakgate_env, s->config_env,
			       "LEAKGATE_BASELINE=none", "LEAKGATE_WORKLOADS=clean error",
			       "LEAKGATE_JUNIT=cell/leakgate.xml", NULL };
	lg_run_output res;
	char *names;

	assert_int_equal(mkdir(dir, 0777), 0);

	gitlab_gate(&res, dir, plain, 3, "plain job");
	lg_run_output_dispose(&res);
	names = suite_names(path_in(s, "gitlab-plain/leakgate.xml"));
	assert_string_equal(names, "clean error ");
	free(names);

	gitlab_gate(&res, dir, cell, 3, "matrix cell");
	assert_contains(res.out, "LEAKGATE_SHARD unset: this job runs every workload");
	assert_true(strstr(res.out, "--shard") == NULL);
	lg_run_output_dispose(&res);
	names = suite_names(path_in(s, "gitlab-plain/cell/leakgate.xml"));
	assert_string_equal(names, "clean error ");
	free(names);
}

/* Runs argv in the suite's directory; it must exit want. Then the number
 * xpath gives on the JUnit file it wrote (junit, in that directory). */
static int junit_after(const suite *s, const char *const *argv, int want,
		       const char *junit, const char *xpath)
{
	lg_run_output res;
	xmlDocPtr doc;
	int n;

	lg_run_spawn(&res, s->dir, argv, NULL);
	if (res.code != want)
		fail_msg("%s: exit %d, not %d\n%s", argv[1], res.code, want, res.err);
	lg_run_output_dispose(&res);
	doc = lg_run_load_junit(path_in(s, junit));
	n = (int)lg_run_xpath_number(doc, xpath);
	xmlFreeDoc(doc);
	return n;
}

/* Merged into a pipe (as /dev/null or /dev/stdout would be): written as
 * it is, not replaced by a file renamed over it. */
static void test_merge_to_pipe(void **state)
{
	suite *s = *state;
	const char *argv[] = { lg_run_binary(), "merge", "-o", "merged.fifo", s->junit,
			       NULL };
	char got[64] = { 0 };
	lg_run_output res;
	struct stat st;
	int reader;

	assert_int_equal(mkfifo(path_in(s, "merged.fifo"), 0600), 0);
	/* Open first, without waiting: the merge's writes (3 workloads)
	 * fit in the pipe. */
	reader = open(path_in(s, "merged.fifo"), O_RDONLY | O_NONBLOCK);
	assert_true(reader >= 0);
	lg_run_spawn(&res, s->dir, argv, NULL);
	if (res.code != 1)
		fail_msg("merge: exit %d\n%s", res.code, res.err);
	lg_run_output_dispose(&res);
	assert_true(read(reader, got, sizeof(got) - 1) > 0);
	assert_contains(got, "<?xml");
	close(reader);
	assert_int_equal(stat(path_in(s, "merged.fifo"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
}

/* What the reader does not know (attributes, elements, comments, CDATA,
 * namespaces, properties of later versions) reaches the merged file. */
static void test_merge_keeps_unknown(void **state)
{
	suite *s = *state;
	const char *argv[] = { lg_run_binary(), "merge", "-o", "unknown-merged.xml",
			       "unknown.xml", s->junit, NULL };
	const char *checks[][2] = {
		{ "string(//testsuite[@name='extra']/@team)", "a & b" },
		{ "string(//testsuite[@name='extra']//property[@name='later.figure']/@value)",
		  "3" },
		{ "string(//*[local-name()='note']/@level)", "2" },
		{ "string(//*[local-name()='note'])", "kept <as is> raw <b>" },
		{ "namespace-uri(//*[local-name()='note'])", "urn:x" },
		{ "string(//testsuite[@name='extra']/comment())", " a comment " },
		{ "string(//testcase[@name='extra']/@flaky)", "no" },
		{ "string(/testsuites/@tests)", "4" },
		{ "string(count(/testsuites/testsuite))", "4" },
	};
	lg_run_output res;
	xmlDocPtr doc;

	lg_run_write_file(path_in(s, "unknown.xml"),
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"leakgate\" tests=\"1\" time=\"1.000\">\n"
		"  <testsuite name=\"extra\" tests=\"1\" failures=\"0\" "
		"errors=\"0\" team=\"a &amp; b\">\n"
		"    <!-- a comment -->\n"
		"    <properties>\n"
		"      <property name=\"verdict\" value=\"clean\"/>\n"
		"      <property name=\"later.figure\" value=\"3\"/>\n"
		"    </properties>\n"
		"    <x:note xmlns:x=\"urn:x\" level=\"2\">kept &lt;as is&gt;"
		"<![CDATA[ raw <b>]]></x:note>\n"
		"    <testcase classname=\"m\" name=\"extra\" time=\"1.000\" "
		"flaky=\"no\"/>\n"
		"  </testsuite>\n"
		"</testsuites>\n");
	lg_run_spawn(&res, s->dir, argv, NULL);
	if (res.code != 1)
		fail_msg("merge: exit %d\n%s", res.code, res.err);
	lg_run_output_dispose(&res);
	/* Not the schema's (lg_run_load_junit): it has what JUnit does not. */
	doc = xmlReadFile(path_in(s, "unknown-merged.xml"), NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	for (size_t i = 0; i < sizeof(checks) / sizeof(*checks); i++) {
		char *got = lg_run_xpath_string(doc, checks[i][0]);

		if (strcmp(got, checks[i][1]) != 0)
			fail_msg("%s: '%s', not '%s'", checks[i][0], got, checks[i][1]);
		xmlFree(got);
	}
	xmlFreeDoc(doc);
}

/* More shards than workloads: the empty one passes, writes a suite of no
 * tests (viewers need one), and merges to nothing. */
static void test_empty_shard(void **state)
{
	suite *s = *state;
	const char *run[] = { lg_run_binary(), "run", "-c", s->conf, "--shard", "4/4",
			      "--junit", "empty.xml", NULL };
	const char *with_a[] = { lg_run_binary(), "merge", "-o", "with-empty.xml",
				 "empty.xml", s->junit, NULL };
	const char *alone[] = { lg_run_binary(), "merge", "-o", "only-empty.xml",
				"empty.xml", "empty.xml", NULL };
	const char *empty_suite = "count(/testsuites/testsuite[@tests='0'])";

	assert_int_equal(junit_after(s, run, 0, "empty.xml", empty_suite), 1);
	/* Merged with run A: its three workloads, no empty suite. */
	assert_int_equal(junit_after(s, with_a, 1, "with-empty.xml",
				     "count(/testsuites/testsuite)"), 3);
	assert_int_equal(junit_after(s, with_a, 1, "with-empty.xml", empty_suite), 0);
	assert_int_equal(junit_after(s, alone, 0, "only-empty.xml", empty_suite), 1);
}

/* The lines NAME=VALUE of a GITHUB_OUTPUT file must include want. */
static void assert_output(const char *outputs, const char *want)
{
	size_t n = strlen(want);

	for (const char *line = outputs; *line; line = strchr(line, '\n') + 1) {
		if (strncmp(line, want, n) == 0 && line[n] == '\n')
			return;
		if (!strchr(line, '\n'))
			break;
	}
	fail_msg("output '%s' not in:\n%s", want, outputs);
}

/*
 * The GitLab record job, twice at once in two clones of one remote, with
 * workloads wa wb and wc wd (and an erroring one in the first): every
 * workload measured ends up in the remote's note, and the job that met
 * an error pushes what finished and exits 3.
 */
static void test_gitlab_record_races(void **state)
{
	suite *s = *state;
	const char *python = getenv("LEAKGATE_TEST_PYTHON");
	char dir[4096], script[16384], config[4096];
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	const char *pushed[] = { "/bin/sh", "-c", "git --git-dir=origin.git notes "
				 "--ref=leakgate show $(git -C one rev-parse HEAD)",
				 NULL };
	lg_run_output res;

	snprintf(dir, sizeof(dir), "%s", path_in(s, "race"));
	assert_int_equal(mkdir(dir, 0777), 0);
	snprintf(config, sizeof(config), "[leakgate]\n\tduration = 0.3\n%s%s%s"
		 "[workload \"wa\"]\n\ttarget = %s\n[workload \"wb\"]\n\ttarget = %s\n"
		 "[workload \"wc\"]\n\ttarget = %s\n[workload \"wd\"]\n\ttarget = %s\n"
		 "[workload \"error\"]\n\ttarget = %s\n",
		 python ? "\tpython = " : "", python ? python : "", python ? "\n" : "",
		 W("clean_lru_cache.py:run"), W("clean_lru_cache.py:run"),
		 W("clean_lru_cache.py:run"), W("clean_lru_cache.py:run"),
		 W("error_exception.py:run"));
	snprintf(script, sizeof(script),
		 "git init -q --bare -b main origin.git && git init -q seed && "
		 "git -C seed -c user.name=t -c user.email=t@example.com commit -q "
		 "--allow-empty -m one && git -C seed push -q ../origin.git HEAD:main && "
		 "git clone -q origin.git one && git clone -q origin.git two && "
		 "cat > one/leakgate.conf <<'EOF'\n%sEOF\n"
		 "cp one/leakgate.conf two/ || exit 1; export LEAKGATE='%s' "
		 "LEAKGATE_PUSH_TOKEN=x; "
		 "(cd one && LEAKGATE_PUSH_URL=../origin.git LEAKGATE_WORKLOADS='wa wb error' "
		 "sh %s/ci/gitlab-run.sh record > ../one.log 2>&1; echo $? > ../one.rc) & "
		 "(cd two && LEAKGATE_PUSH_URL=../origin.git LEAKGATE_WORKLOADS='wc wd' "
		 "sh %s/ci/gitlab-run.sh record > ../two.log 2>&1; echo $? > ../two.rc) & "
		 "wait; cat one.rc two.rc one.log two.log",
		 config, lg_run_binary(), LG_SOURCE_DIR, LG_SOURCE_DIR);
	lg_run_spawn(&res, dir, argv, NULL);
	if (res.code != 0 || strncmp(res.out, "3\n0\n", 4) != 0)
		fail_msg("records: exit %d\n%s\n%s", res.code, res.out, res.err);
	assert_contains(res.out, "workload 'error' not recorded");
	lg_run_output_dispose(&res);
	lg_run_spawn(&res, dir, pushed, NULL);
	assert_int_equal(res.code, 0);
	for (const char *w = "abcd"; *w; w++) {
		char section[32];

		snprintf(section, sizeof(section), "[baseline \"w%c\"]", *w);
		assert_contains(res.out, section);
	}
	lg_run_output_dispose(&res);
}

static void test_action_script(void **state)
{
	suite *s = *state;
	char dir[4096];
	char output_env[4200], summary_env[4200], junit_env[4200],
	     config_env[4200], merge_env[4200], workspace_env[4200];
	const char *env_run[] = { "GITHUB_ACTIONS=true", s->leakgate_env, output_env,
				  summary_env, workspace_env, config_env,
				  "INPUT_WORKLOADS=clean", "INPUT_JUNIT=clean.xml",
				  "INPUT_BASELINE=auto", "INPUT_ARGS=--duration 0.3", NULL };
	const char *env_merge[] = { "GITHUB_ACTIONS=true", s->leakgate_env, output_env,
				    summary_env, merge_env, junit_env, NULL };
	const char *env_key[] = { output_env, NULL };
	const char *env_record[] = { "GITHUB_ACTIONS=true", s->leakgate_env, output_env,
				     config_env, "INPUT_MODE=record", "INPUT_WORKLOADS=clean",
				     "INPUT_ARGS=--duration 0.3", NULL };
	/* origin: where the record mode pushes the notes. */
	const char *git_init[] = { "/bin/sh", "-c", "git init -q . && git -c user.name=t "
				   "-c user.email=t@example.com commit -q --allow-empty -m one"
				   " && git init -q --bare ../origin.git"
				   " && git remote add origin ../origin.git", NULL };
	const char *pushed[] = { "/bin/sh", "-c", "git --git-dir=../origin.git notes "
				 "--ref=leakgate show $(git rev-parse HEAD)", NULL };
	const char *os_key[] = { "/bin/sh", "-c", ". /etc/os-release && "
				 "echo \"key=leakgate-$ID-$VERSION_ID-$(uname -m)-\"", NULL };
	lg_run_output res;
	char *outputs, *md;

	/* A copy: path_in's buffers are reused. */
	snprintf(dir, sizeof(dir), "%s", path_in(s, "action"));
	assert_int_equal(mkdir(dir, 0777), 0);
	snprintf(output_env, sizeof(output_env), "GITHUB_OUTPUT=%s/outputs", dir);
	snprintf(summary_env, sizeof(summary_env), "GITHUB_STEP_SUMMARY=%s/summary.md", dir);
	snprintf(workspace_env, sizeof(workspace_env), "GITHUB_WORKSPACE=%s", dir);
	snprintf(config_env, sizeof(config_env), "INPUT_CONFIG=%s", s->conf);
	snprintf(merge_env, sizeof(merge_env), "INPUT_MERGE=%s/out/*.xml", s->dir);
	snprintf(junit_env, sizeof(junit_env), "INPUT_JUNIT=%s/merged.xml", dir);

	/* A gate run with --baseline auto in a repository whose only commit
	 * has no parent: nothing to compare with, the absolute rule. */
	lg_run_spawn(&res, dir, git_init, NULL);
	assert_int_equal(res.code, 0);
	lg_run_output_dispose(&res);
	ci_gate(&res, dir, "action/run.sh", env_run, 0, "gate");
	assert_contains(res.out, "--baseline auto");
	lg_run_output_dispose(&res);
	outputs = lg_test_slurp(path_in(s, "action/outputs"));
	assert_output(outputs, "verdict=clean");
	assert_output(outputs, "exit-code=0");
	assert_output(outputs, "junit=clean.xml");
	assert_output(outputs, "summary=clean.md");
	assert_output(outputs, "clean=1");
	assert_output(outputs, "leaks=0");
	free(outputs);
	assert_int_equal(access(path_in(s, "action/clean.md"), F_OK), 0);
	unlink(path_in(s, "action/outputs"));
	{
		/* A clean run merges to exit 0. */
		const char *argv[] = { lg_run_binary(), "merge", "-o", "m.xml",
				       "clean.xml", NULL };

		lg_run_spawn(&res, dir, argv, NULL);
		assert_int_equal(res.code, 0);
		lg_run_output_dispose(&res);
	}

	/* The merge job: run A's JUnit file through the glob input. */
	ci_gate(&res, dir, "action/run.sh", env_merge, 1, "merge");
	lg_run_output_dispose(&res);
	outputs = lg_test_slurp(path_in(s, "action/outputs"));
	assert_output(outputs, "verdict=leak");
	assert_output(outputs, "exit-code=1");
	assert_output(outputs, "leaks=1");
	assert_output(outputs, "errors=1");
	assert_output(outputs, "clean=1");
	assert_output(outputs, "known=0");
	free(outputs);
	md = lg_test_slurp(path_in(s, "action/summary.md"));
	/* The run appended its summary, then the merge its own. */
	assert_true(strncmp(md, "## ", 3) == 0);
	assert_int_equal(count(md, "\n## "), 1);
	assert_contains(md, "leakgate: 3 workloads");
	free(md);
	unlink(path_in(s, "action/outputs"));

	/* The record mode: the baseline as a note on HEAD, pushed to origin. */
	ci_gate(&res, dir, "action/run.sh", env_record, 0, "record");
	assert_contains(res.out, "leakgate baseline record --store notes --config ");
	lg_run_output_dispose(&res);
	lg_run_spawn(&res, dir, pushed, NULL);
	assert_int_equal(res.code, 0);
	assert_contains(res.out, "[baseline \"clean\"]");
	lg_run_output_dispose(&res);
	outputs = lg_test_slurp(path_in(s, "action/outputs"));
	assert_output(outputs, "exit-code=0");
	free(outputs);
	unlink(path_in(s, "action/outputs"));

	/* The cache key names the OS release: a build restored on another
	 * release would miss its libgit2. */
	sh(&res, dir, LG_SOURCE_DIR "/action/run.sh", "key", env_key);
	assert_int_equal(res.code, 0);
	lg_run_output_dispose(&res);
	outputs = lg_test_slurp(path_in(s, "action/outputs"));
	lg_run_spawn(&res, dir, os_key, NULL);
	assert_int_equal(res.code, 0);
	res.out[strcspn(res.out, "\n")] = '\0';
	assert_contains(outputs, res.out);
	lg_run_output_dispose(&res);
	assert_contains(outputs, "path=" LG_SOURCE_DIR "/build/action\n");
	free(outputs);
}

static void test_shard_option_errors(void **state)
{
	suite *s = *state;
	const char *too_big[] = { lg_run_binary(), "run", "-c", s->conf, "--shard", "3/2", NULL };
	const char *half_env[] = { lg_run_binary(), "run", "-c", s->conf, "--shard", "auto", NULL };
	const char *env[] = { "CI_NODE_INDEX=2", "CI_NODE_TOTAL", NULL };
	/* A GitLab job without parallel: runs everything. */
	const char *plain[] = { lg_run_binary(), "run", "-c", s->conf, "--shard", "auto",
				"--no-explain", "clean", "error", NULL };
	const char *plain_env[] = { "CI_NODE_INDEX", "CI_NODE_TOTAL=1", NULL };
	lg_run_output res;

	lg_run_spawn(&res, s->dir, too_big, NULL);
	assert_int_equal(res.code, 2);
	assert_contains(res.err, "--shard: shard '3/2': 3 is more than the 2 shards");
	lg_run_output_dispose(&res);
	lg_run_spawn(&res, s->dir, half_env, env);
	assert_int_equal(res.code, 2);
	assert_contains(res.err, "CI_NODE_INDEX and CI_NODE_TOTAL must both be set "
			"(have CI_NODE_INDEX=2)");
	lg_run_output_dispose(&res);
	lg_run_spawn(&res, s->dir, plain, plain_env);
	if (res.code != 3)
		fail_msg("CI_NODE_TOTAL=1: exit %d\n%s\n%s", res.code, res.out, res.err);
	assert_contains(res.out, "2 workloads: 0 leaks, 1 clean, 1 error");
	lg_run_output_dispose(&res);
}

/* The YAML files parse, and have what GitHub and GitLab need. */
static void test_yaml(void **state)
{
	static const char check[] =
		"import sys, yaml\n"
		"root = sys.argv[1]\n"
		"a = yaml.safe_load(open(root + '/action/action.yml'))\n"
		"assert a['runs']['using'] == 'composite'\n"
		"for k in ('mode', 'config', 'workloads', 'python', 'baseline', 'junit', 'shard',\n"
		"          'merge', 'store', 'push', 'args'):\n"
		"    assert k in a['inputs'], k\n"
		"for k in ('verdict', 'leaks', 'errors', 'clean', 'junit', 'summary'):\n"
		"    assert k in a['outputs'], k\n"
		"g = yaml.safe_load(open(root + '/ci/leakgate.gitlab-ci.yml'))\n"
		"j = g['.leakgate']\n"
		"assert j['artifacts']['when'] == 'always'\n"
		"assert j['artifacts']['reports']['junit']\n"
		"assert 'leakgate-charts/' in j['artifacts']['paths']\n"
		"assert 'gitlab-run.sh\" gate' in j['script'][-1]\n"
		"assert 'before_script' not in j\n"
		"assert j['script'][0] == g['.leakgate-fetch']['script'][0]\n"
		"assert '.leakgate-ci/' in g['.leakgate-cache']['cache']['paths']\n"
		"assert 'CI_DEFAULT_BRANCH' in str(g['.leakgate-record']['rules'])\n"
		"w = yaml.safe_load(open(root + '/.github/workflows/leakgate.yml'))\n"
		"steps = w['jobs']['leakcheck']['steps']\n"
		"assert any(s.get('uses') == './action' for s in steps)\n"
		"assert w['jobs']['merge']['needs'] == 'leakcheck'\n"
		"print('ok')\n";
	/* python3-yaml (ci/install-deps.sh) is for the system interpreter. */
	const char *python = access("/usr/bin/python3", X_OK) == 0
			     ? "/usr/bin/python3" : "python3";
	const char *argv[] = { python, "-c", check, LG_SOURCE_DIR, NULL };
	lg_run_output res;

	(void)state;
	lg_run_spawn(&res, NULL, argv, NULL);
	if (res.code != 0 || strcmp(res.out, "ok\n") != 0)
		fail_msg("YAML check failed (%d):\n%s%s", res.code, res.out, res.err);
	lg_run_output_dispose(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_github_annotations),
		cmocka_unit_test(test_step_summary),
		cmocka_unit_test(test_gitlab_charts),
		cmocka_unit_test(test_report_command),
		cmocka_unit_test(test_merge_bad_input),
		cmocka_unit_test(test_merge_bad_shard_midway),
		cmocka_unit_test(test_merge_keeps_unknown),
		cmocka_unit_test(test_merge_to_pipe),
		cmocka_unit_test(test_gitlab_shards_and_merge),
		cmocka_unit_test(test_gitlab_unsharded),
		cmocka_unit_test(test_pytest_suite_shards),
		cmocka_unit_test(test_empty_shard),
		cmocka_unit_test(test_action_script),
		cmocka_unit_test(test_gitlab_record_races),
		cmocka_unit_test(test_shard_option_errors),
		cmocka_unit_test(test_yaml),
	};

	return cmocka_run_group_tests_name("run_ci", tests, suite_setup, suite_teardown);
}
