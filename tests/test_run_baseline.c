/*
 * Baselines through the real binary, in real temporary git repositories
 * (built with the git command): record on main, gate a branch, notes, the
 * shallow clone that lacks its base, and bad input (exit 2, one line).
 *
 * LG_TEST_PYTHON=/path/to/python runs the workloads with that interpreter.
 */
#include "lg_test.h"
#include "lg_run.h"

#include <stdarg.h>
#include <stdio.h>

/* ~SIZE + 33 bytes a call: a bytes object kept in a list. */
static const char work_py[] =
	"\"\"\"Grows by a bytes object per call; steady keeps nothing.\"\"\"\n"
	"SIZE = %d\n"
	"kept = []\n"
	"\n"
	"\n"
	"def grow():\n"
	"    kept.append(bytes(SIZE))\n"
	"\n"
	"\n"
	"def steady():\n"
	"    return bytes(64)\n";

typedef struct {
	char *dir;       /* the sandbox */
	char repo[4096]; /* a clone of nothing: main with work.py and the config */
	char junit[4096];
	char main_rev[16];
} fixture;

static const char *const ci_variables[] = {
	"GITHUB_BASE_REF", "CI_MERGE_REQUEST_DIFF_BASE_SHA",
	"CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
};

/* The first line a command prints. */
static void sh_line(char *out, size_t size, const char *cmd)
{
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	assert_non_null(fgets(out, (int)size, p));
	out[strcspn(out, "\n")] = '\0';
	assert_int_equal(pclose(p), 0);
}

static void write_work(const char *repo, int size)
{
	char path[4200], text[1024];

	snprintf(path, sizeof(path), "%s/work.py", repo);
	snprintf(text, sizeof(text), work_py, size);
	lg_run_write_file(path, text);
}

static void commit(const char *repo, const char *message)
{
	lg_test_sh("cd '%s' && git add -A && git commit -q -m '%s'", repo, message);
}

/* HEAD's abbreviated id, as leakgate prints it. */
static void head_rev(char *out, size_t size, const char *repo)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse --short=7 HEAD", repo);
	sh_line(out, size, cmd);
}

static int group_setup(void **state)
{
	(void)state;
	/* The tests say where the base is; a CI job's own must not leak in. */
	for (size_t i = 0; i < sizeof(ci_variables) / sizeof(*ci_variables); i++)
		unsetenv(ci_variables[i]);
	lg_test_git_identity();
	return 0;
}

/* leakgate.conf: grow and steady, then `more` ([leakgate] keys first). */
static void write_config(const char *repo, const char *defaults, const char *more)
{
	const char *python = getenv("LG_TEST_PYTHON");
	char path[4200], text[2048];

	snprintf(path, sizeof(path), "%s/leakgate.conf", repo);
	snprintf(text, sizeof(text),
		 "[leakgate]\n\tduration = 0.3\n%s%s%s%s"
		 "[workload \"grow\"]\n\ttarget = work.py:grow\n"
		 "[workload \"steady\"]\n\ttarget = work.py:steady\n%s",
		 python ? "\tpython = " : "", python ? python : "",
		 python ? "\n" : "", defaults, more);
	lg_run_write_file(path, text);
}

/* main: work.py growing ~233 B/call in grow(), and the configuration. */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = lg_run_tmpdir();
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->dir);
	snprintf(f->junit, sizeof(f->junit), "%s/out.xml", f->dir);
	lg_test_sh("git init -q -b main '%s'", f->repo);
	write_work(f->repo, 200);
	write_config(f->repo, "", "");
	commit(f->repo, "main: first");
	head_rev(f->main_rev, sizeof(f->main_rev), f->repo);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	lg_run_cleanup(f->dir, NULL, NULL);
	free(f);
	return 0;
}

/* leakgate with args in the repository; the exit code, output in *res. */
static int leakgate(lg_run_output *res, const char *cwd, const char *const *args)
{
	lg_run_exec(res, cwd, args);
	return res->code;
}

static void record(fixture *f, const char *store, const char *only)
{
	const char *args[] = { "baseline", "record", "--config", "leakgate.conf",
			       "--store", store, "-q", only, NULL };
	lg_run_output res;

	if (leakgate(&res, f->repo, args) != 0)
		fail_msg("record failed (%d): %s", res.code, res.err);
	lg_run_output_dispose(&res);
}

/* run --baseline SPEC [--base BASE] with the JUnit report. */
static int gate(fixture *f, lg_run_output *res, const char *spec, const char *base)
{
	const char *args[] = { "run", "--config", "leakgate.conf", "--junit",
			       f->junit, "--baseline", spec, base ? "--base" : NULL,
			       base, NULL };

	return leakgate(res, f->repo, args);
}

static void assert_property(xmlDocPtr doc, const char *suite, const char *name,
			    const char *value)
{
	char *got = lg_run_property(doc, suite, name);

	if (strcmp(got, value) != 0)
		fail_msg("%s: %s is '%s', not '%s'", suite, name, got, value);
	free(got);
}

/* Exit 2 with exactly one line on stderr holding every part given. */
static void assert_bad_input(lg_run_output *res, const char *part1,
			     const char *part2)
{
	const char *nl;

	if (res->code != 2 || !strstr(res->err, part1) ||
	    (part2 && !strstr(res->err, part2)))
		fail_msg("expected exit 2 mentioning '%s' and '%s', got %d: %s",
			 part1, part2 ? part2 : "", res->code, res->err);
	nl = strchr(res->err, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
	lg_run_output_dispose(res);
}

static void test_record_then_pass(void **state)
{
	fixture *f = *state;
	lg_run_output res;
	xmlDocPtr doc;
	char *slope;

	/* Without a baseline the known growth fails the absolute rule. */
	assert_int_equal(gate(f, &res, "none", NULL), 1);
	lg_run_output_dispose(&res);

	record(f, "file", NULL);
	commit(f->repo, "main: record the baseline");
	lg_test_sh("cd '%s' && git checkout -q -b feature && echo x > notes.txt", f->repo);
	commit(f->repo, "feature: unrelated");

	assert_int_equal(gate(f, &res, "auto", "main"), 0);
	assert_contains(res.out, "KNOWN");
	assert_contains(res.out, "no worse than baseline");
	assert_contains(res.out, "baseline: file at ");
	doc = lg_run_load_junit(f->junit);
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//failure|//error)"), 0);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testsuite[@name='grow']/testcase/skipped)"), 1);
	assert_property(doc, "grow", "baseline.status", "same");
	assert_property(doc, "steady", "baseline.status", "same");
	assert_property(doc, "grow", "baseline.store", "file");
	slope = lg_run_property(doc, "grow", "baseline.heap_bytes.slope");
	assert_true(atof(slope) > 100);
	free(slope);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_leak_on_branch_fails(void **state)
{
	fixture *f = *state;
	lg_run_output res;
	xmlDocPtr doc;
	char *message, rev[16], at[32];

	record(f, "file", NULL);
	commit(f->repo, "main: record the baseline");
	head_rev(rev, sizeof(rev), f->repo);
	snprintf(at, sizeof(at), " at %s", rev);
	lg_test_sh("cd '%s' && git checkout -q -b feature", f->repo);
	write_work(f->repo, 4000);
	commit(f->repo, "feature: keep more");

	assert_int_equal(gate(f, &res, "auto", "main"), 1);
	assert_contains(res.out, "REGRESS");
	doc = lg_run_load_junit(f->junit);
	message = lg_run_xpath_string(doc,
		"string(//testsuite[@name='grow']/testcase/failure[@type='regression']/@message)");
	assert_contains(message, "regressed: ");
	assert_contains(message, " vs baseline ");
	assert_contains(message, at);
	free(message);
	assert_property(doc, "grow", "baseline.status", "regression");
	assert_property(doc, "steady", "baseline.status", "same");
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//failure)"), 1);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_branch_cannot_loosen_its_gate(void **state)
{
	fixture *f = *state;
	lg_run_output res;
	xmlDocPtr doc;
	char path[4200], rev[16];

	record(f, "file", NULL);
	commit(f->repo, "main: record the baseline");
	head_rev(rev, sizeof(rev), f->repo);
	lg_test_sh("cd '%s' && git checkout -q -b feature", f->repo);
	write_work(f->repo, 4000);
	/* The branch raises its own baseline far above the new growth. */
	snprintf(path, sizeof(path), "%s/.leakgate/baseline", f->repo);
	lg_test_sh("git config -f '%s' baseline.grow.heap-bytes-slope 1000000 && "
	   "git config -f '%s' baseline.grow.heap-bytes-ci-low 999000 && "
	   "git config -f '%s' baseline.grow.heap-bytes-ci-high 1001000",
	   path, path, path);
	commit(f->repo, "feature: keep more, allow more");

	assert_int_equal(gate(f, &res, "auto", "main"), 1);
	doc = lg_run_load_junit(f->junit);
	assert_property(doc, "grow", "baseline.status", "regression");
	assert_property(doc, "grow", "baseline.rev", rev);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

/* The configuration comes from the branch's tree: raising the threshold
 * there (or on the command line) must not let a new leak through. */
static void test_branch_cannot_raise_its_threshold(void **state)
{
	static const char leaky_py[] =
		"kept = []\n\n\ndef grow():\n    kept.append(bytes(200))\n\n\n"
		"def steady():\n    kept.append(bytes(200))\n\n\n"
		"def fresh():\n    kept.append(bytes(200))\n";
	static const char *const loud = "threshold 16 B/call (asked 100000000)";
	fixture *f = *state;
	lg_run_output res;
	xmlDocPtr doc;
	char path[4200], *message;

	record(f, "file", NULL);
	lg_test_sh("cd '%s' && grep -q 'threshold = 16' .leakgate/baseline", f->repo);
	commit(f->repo, "main: record the baseline");
	lg_test_sh("cd '%s' && git checkout -q -b feature", f->repo);
	/* steady now leaks, a new workload leaks, and both are allowed to. */
	snprintf(path, sizeof(path), "%s/work.py", f->repo);
	lg_run_write_file(path, leaky_py);
	write_config(f->repo, "\tthreshold = 100000000\n",
		     "[workload \"fresh\"]\n\ttarget = work.py:fresh\n"
		     "\tthreshold = 100000000\n");
	commit(f->repo, "feature: leak, and raise the threshold");

	assert_int_equal(gate(f, &res, "auto", "main"), 1);
	doc = lg_run_load_junit(f->junit);
	/* Judged at main's 16: a leak where main had none regresses... */
	assert_property(doc, "steady", "baseline.status", "regression");
	assert_property(doc, "steady", "baseline.threshold", "16");
	assert_property(doc, "steady", "threshold", "16");
	message = lg_run_xpath_string(doc,
		"string(//testsuite[@name='steady']/testcase/failure[@type='regression']/@message)");
	assert_contains(message, "regressed: ");
	assert_contains(message, loud);
	free(message);
	/* ...and a new workload is held to main's default. */
	assert_property(doc, "fresh", "baseline.status", "none");
	assert_property(doc, "fresh", "baseline.threshold", "16");
	message = lg_run_xpath_string(doc,
		"string(//testsuite[@name='fresh']/testcase/failure[@type='leak']/@message)");
	assert_contains(message, "no baseline for this workload");
	assert_contains(message, loud);
	free(message);
	/* Main's known growth is still no worse than main. */
	assert_property(doc, "grow", "baseline.status", "same");
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//failure)"), 2);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_notes_round_trip(void **state)
{
	fixture *f = *state;
	const char *show[] = { "baseline", "show", "--store", "notes", NULL };
	lg_run_output res;
	xmlDocPtr doc;

	record(f, "notes", NULL);
	/* Nothing to commit: the note is on main's commit. */
	lg_test_sh("cd '%s' && git diff --quiet HEAD && test ! -e .leakgate && "
	   "git notes --ref leakgate show HEAD | grep -q 'baseline \"grow\"'", f->repo);
	assert_int_equal(leakgate(&res, f->repo, show), 0);
	assert_contains(res.out, f->main_rev);
	assert_contains(res.out, "grow: cpython");
	assert_contains(res.out, "heap_bytes");
	lg_run_output_dispose(&res);

	/* The next commit on main: outside a merge request, HEAD~1. */
	lg_test_sh("cd '%s' && echo x > notes.txt", f->repo);
	commit(f->repo, "main: next");
	assert_int_equal(gate(f, &res, "auto", NULL), 0);
	doc = lg_run_load_junit(f->junit);
	assert_property(doc, "grow", "baseline.store", "notes");
	assert_property(doc, "grow", "baseline.rev", f->main_rev);
	assert_property(doc, "grow", "baseline.status", "same");
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_improvement_reported(void **state)
{
	fixture *f = *state;
	lg_run_output res;
	xmlDocPtr doc;
	char *out;

	record(f, "file", NULL);
	commit(f->repo, "main: record the baseline");
	lg_test_sh("cd '%s' && git checkout -q -b fix", f->repo);
	write_work(f->repo, 0); /* b'' is shared: only the list grows */
	commit(f->repo, "fix: keep nothing new");

	assert_int_equal(gate(f, &res, "auto", "main"), 0);
	assert_contains(res.out, "improved on baseline");
	assert_contains(res.out, "leakgate baseline record --config leakgate.conf");
	doc = lg_run_load_junit(f->junit);
	assert_property(doc, "grow", "baseline.status", "improvement");
	out = lg_run_xpath_string(doc,
		"string(//testsuite[@name='grow']/testcase/system-out)");
	assert_contains(out, "record the new baseline");
	free(out);
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//failure|//error)"), 0);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

static void test_missing_baselines(void **state)
{
	fixture *f = *state;
	const char *steady_only[] = { "run", "--config", "leakgate.conf",
				      "--junit", f->junit, "--baseline", "HEAD",
				      "steady", NULL };
	const char *show[] = { "baseline", "show", NULL };
	lg_run_output res;
	xmlDocPtr doc;
	char *message;

	/* Nowhere at all: the absolute rule, and the report says so. */
	assert_int_equal(leakgate(&res, f->repo, steady_only), 0);
	assert_contains(res.out, "baseline: none (no baseline at ");
	doc = lg_run_load_junit(f->junit);
	assert_property(doc, "steady", "baseline.status", "none");
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
	assert_int_equal(leakgate(&res, f->repo, show), 1);
	assert_contains(res.err, "no baseline at");
	lg_run_output_dispose(&res);

	/* A baseline without "grow" (a new workload): absolute rule for it. */
	record(f, "file", "steady");
	commit(f->repo, "main: record steady");
	assert_int_equal(gate(f, &res, "HEAD", NULL), 1);
	doc = lg_run_load_junit(f->junit);
	assert_property(doc, "grow", "baseline.status", "none");
	assert_property(doc, "steady", "baseline.status", "same");
	message = lg_run_xpath_string(doc,
		"string(//testsuite[@name='grow']/testcase/failure[@type='leak']/@message)");
	assert_contains(message, "no baseline for this workload");
	free(message);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
}

/* A committed .leakgate/baseline with text. */
static void commit_baseline(fixture *f, const char *text)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/.leakgate", f->repo);
	lg_test_sh("mkdir -p '%s'", path);
	strncat(path, "/baseline", sizeof(path) - strlen(path) - 1);
	lg_run_write_file(path, text);
	commit(f->repo, "main: a baseline by hand");
}

static void test_corrupt_baseline(void **state)
{
	fixture *f = *state;
	lg_run_output res;
	char rev[16], what[64];

	commit_baseline(f, "[leakgate]\n\tformat = 1\n[baseline \"grow\"\n");
	head_rev(rev, sizeof(rev), f->repo);
	snprintf(what, sizeof(what), ".leakgate/baseline at %s", rev);
	gate(f, &res, "HEAD", NULL);
	assert_bad_input(&res, what, "(line 3)");

	commit_baseline(f, "[leakgate]\n\tformat = 1\n[baseline \"grow\"]\n"
			"\tpython = 3.11.7\n\timplementation = cpython\n"
			"\tcalls = 10\n\theap-bytes-slope = lots\n");
	head_rev(rev, sizeof(rev), f->repo);
	snprintf(what, sizeof(what), ".leakgate/baseline at %s", rev);
	gate(f, &res, "HEAD", NULL);
	assert_bad_input(&res, what, "baseline.grow.heap-bytes-slope: 'lots'");

	/* A corrupt note is no silent pass either. */
	lg_test_sh("cd '%s' && git rm -q -r .leakgate && git commit -q -m 'no file' && "
	   "git notes --ref leakgate add -m '[baseline \"grow\"' HEAD", f->repo);
	head_rev(rev, sizeof(rev), f->repo);
	snprintf(what, sizeof(what), "note on %s in refs/notes/leakgate", rev);
	gate(f, &res, "HEAD", NULL);
	assert_bad_input(&res, what, NULL);
}

static void test_newer_format(void **state)
{
	fixture *f = *state;
	lg_run_output res;

	commit_baseline(f, "[leakgate]\n\tformat = 7\n[baseline \"grow\"]\n"
			"\tslope-histogram = 1 2 3\n");
	gate(f, &res, "HEAD", NULL);
	assert_bad_input(&res, "leakgate.format: 7", "newer leakgate");
}

static void test_bad_revisions_and_places(void **state)
{
	fixture *f = *state;
	const char *both[] = { "run", "--config", "leakgate.conf", "--baseline",
			       "HEAD", "--base", "main", NULL };
	const char *outside[] = { "run", "--duration", "0.3", "--baseline", "auto",
				  NULL, NULL };
	char target[4200];
	lg_run_output res;

	gate(f, &res, "no-such-rev", NULL);
	assert_bad_input(&res, "unknown revision 'no-such-rev'", NULL);
	gate(f, &res, "auto", "no-such-branch");
	assert_bad_input(&res, "unknown revision 'no-such-branch'", NULL);
	leakgate(&res, f->repo, both);
	assert_bad_input(&res, "--base", NULL);

	/* Not a repository: the sandbox itself. */
	snprintf(target, sizeof(target), "%s/work.py:steady", f->repo);
	outside[5] = target;
	leakgate(&res, f->dir, outside);
	assert_bad_input(&res, "is not in a git repository", NULL);
}

static void test_shallow_clone_says_what_to_fetch(void **state)
{
	fixture *f = *state;
	char clone[4096], main_id[64], cmd[4300];
	lg_run_output res;

	const char *steady[] = { "run", "--config", "leakgate.conf", "--baseline",
				 "auto", "steady", NULL };

	/* main: first - A - C; feature: A - B. A depth-1 clone of feature
	 * has B only. */
	lg_test_sh("cd '%s' && echo a > a.txt && git add a.txt && git commit -q -m A && "
	   "git checkout -q -b feature && echo b > b.txt && "
	   "git add b.txt && git commit -q -m B && git checkout -q main && "
	   "echo c > c.txt && git add c.txt && git commit -q -m C", f->repo);
	snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse main~1", f->repo);
	sh_line(main_id, sizeof(main_id), cmd);
	snprintf(clone, sizeof(clone), "%s/shallow", f->dir);
	lg_test_sh("git clone -q --depth 1 --branch feature 'file://%s' '%s'", f->repo, clone);
	snprintf(f->repo, sizeof(f->repo), "%s", clone);

	/* Outside a merge request: HEAD~1 is beyond the boundary. */
	gate(f, &res, "auto", NULL);
	assert_bad_input(&res, "(HEAD~1) is not in this shallow clone",
			 "`git fetch --deepen=50` or `git fetch --unshallow`");

	/* GitHub: the target branch was never fetched. */
	setenv("GITHUB_BASE_REF", "main", 1);
	gate(f, &res, "auto", NULL);
	assert_bad_input(&res, "target branch 'main' (GITHUB_BASE_REF)",
			 "git fetch --depth=50 origin main");
	/* Fetched, but only its tip: the merge base is not there. */
	lg_test_sh("cd '%s' && git fetch -q --depth 1 origin main:refs/remotes/origin/main",
	   clone);
	gate(f, &res, "auto", NULL);
	unsetenv("GITHUB_BASE_REF");
	assert_bad_input(&res, "merge base of HEAD and origin/main is not in this "
			 "shallow clone", "`git fetch --deepen=50 origin main`");

	/* GitLab names the base commit itself: A, the merge base. */
	setenv("CI_MERGE_REQUEST_DIFF_BASE_SHA", main_id, 1);
	setenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main", 1);
	gate(f, &res, "auto", NULL);
	unsetenv("CI_MERGE_REQUEST_DIFF_BASE_SHA");
	unsetenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME");
	snprintf(cmd, sizeof(cmd), "base commit %.7s (CI_MERGE_REQUEST_DIFF_BASE_SHA) "
		 "is not in this shallow clone", main_id);
	assert_bad_input(&res, cmd, "`git fetch --deepen=50 origin main`");

	/* Deepened by one, the clone holds A but not what lies below it: the
	 * merge base is found all the same (nothing recorded there: exit 0). */
	lg_test_sh("cd '%s' && git fetch -q --deepen=1 origin main feature", clone);
	setenv("GITHUB_BASE_REF", "main", 1);
	leakgate(&res, f->repo, steady);
	unsetenv("GITHUB_BASE_REF");
	if (res.code != 0 || !strstr(res.out, "baseline: none (no baseline at "))
		fail_msg("exit %d: %s%s", res.code, res.out, res.err);
	lg_run_output_dispose(&res);
}

/* A shell script run in the repository; its exit code, output in *res. */
static int script(lg_run_output *res, fixture *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int script(lg_run_output *res, fixture *f, const char *fmt, ...)
{
	char text[8192], env[4200];
	const char *argv[] = { "/bin/sh", "-c", text, NULL };
	const char *envp[] = { env, NULL };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(env, sizeof(env), "L=%s", lg_run_binary());
	lg_run_spawn(res, f->repo, argv, envp);
	return res->code;
}

/* Eight workloads w0..w7, all steady. */
static void write_eight(fixture *f)
{
	char more[1024] = "";

	for (int i = 0; i < 8; i++)
		snprintf(more + strlen(more), sizeof(more) - strlen(more),
			 "[workload \"w%d\"]\n\ttarget = work.py:steady\n", i);
	write_config(f->repo, "", more);
	commit(f->repo, "main: eight workloads");
}

/* What `baseline show` prints at rev must name every w<i>. */
static void assert_shows_eight(fixture *f, const char *where, const char *store)
{
	const char *show[] = { "baseline", "show", "--store", store, NULL };
	lg_run_output res;
	char name[32];

	if (leakgate(&res, where ? where : f->repo, show) != 0)
		fail_msg("show: exit %d: %s", res.code, res.err);
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "\nw%d: cpython", i);
		if (!strstr(res.out, name))
			fail_msg("w%d lost from the %s:\n%s", i, store, res.out);
	}
	lg_run_output_dispose(&res);
}

/* Eight records at once of one workload each, on one commit: all kept,
 * in the notes and in the file. */
static void test_parallel_records_one_commit(void **state)
{
	fixture *f = *state;
	lg_run_output res;

	write_eight(f);
	for (int store = 0; store < 2; store++) {
		const char *name = store ? "file" : "notes";

		if (script(&res, f, "for i in 0 1 2 3 4 5 6 7; do \"$L\" baseline "
			   "record --config leakgate.conf --store %s -q w$i & p=\"$p $!\"; done; "
			   "fail=0; for j in $p; do wait $j || fail=1; done; "
			   "exit $fail", name) != 0)
			fail_msg("records: exit %d: %s", res.code, res.err);
		lg_run_output_dispose(&res);
		if (store)
			commit(f->repo, "main: the baseline");
		assert_shows_eight(f, NULL, name);
	}
}

/* Eight records at once on eight commits (worktrees): the notes share
 * one ref, the files are one per worktree. */
static void test_parallel_records_eight_commits(void **state)
{
	fixture *f = *state;
	lg_run_output res;
	char where[4200];

	write_eight(f);
	if (script(&res, f, "for i in 0 1 2 3 4 5 6 7; do git worktree add -q "
		   "--detach ../wt$i && git -C ../wt$i commit -q --allow-empty "
		   "-m c$i || exit 1; done") != 0)
		fail_msg("worktrees: %s", res.err);
	lg_run_output_dispose(&res);
	for (int store = 0; store < 2; store++) {
		if (script(&res, f, "for i in 0 1 2 3 4 5 6 7; do (cd ../wt$i && "
			   "\"$L\" baseline record --config leakgate.conf --store %s "
			   "-q) & p=\"$p $!\"; done; fail=0; for j in $p; do "
			   "wait $j || fail=1; done; exit $fail",
			   store ? "file" : "notes") != 0)
			fail_msg("records: exit %d: %s", res.code, res.err);
		lg_run_output_dispose(&res);
		for (int i = 0; i < 8; i++) {
			snprintf(where, sizeof(where), "%s/wt%d", f->dir, i);
			if (store)
				lg_test_sh("cd '%s' && git add .leakgate && git commit "
					   "-q -m baseline", where);
			assert_shows_eight(f, where, store ? "file" : "notes");
		}
	}
}

/* --shard: each shard records its part, keeping the others' entries. */
static void test_record_shards(void **state)
{
	fixture *f = *state;
	lg_run_output res;

	write_eight(f);
	if (script(&res, f, "for k in 1 2 3; do \"$L\" baseline record --config "
		   "leakgate.conf --store notes -q --shard $k/3 & p=\"$p $!\"; done; "
		   "fail=0; for j in $p; do wait $j || fail=1; done; exit $fail") != 0)
		fail_msg("records: exit %d: %s", res.code, res.err);
	assert_contains(res.err, "leakgate baseline: shard 1/3: 4 of 10 workloads");
	lg_run_output_dispose(&res);
	assert_shows_eight(f, NULL, "notes");
}

/* SIGTERM mid-record: what finished is recorded, the rest named, 143. A
 * workload that errors keeps its previous entry. */
static void test_record_interrupted(void **state)
{
	fixture *f = *state;
	lg_run_output res;

	{
		char path[4200];

		snprintf(path, sizeof(path), "%s/hang.py", f->repo);
		lg_run_write_file(path, "import time\n\n\ndef run():\n"
				  "    time.sleep(3600)\n");
	}
	write_config(f->repo, "", "[workload \"hang\"]\n\ttarget = hang.py:run\n");
	commit(f->repo, "main: a workload that hangs");
	if (script(&res, f, "\"$L\" baseline record --config leakgate.conf "
		   "--store notes steady hang 2> err & pid=$!; n=0; "
		   "until grep -q 'steady: clean' err; do sleep 0.05; n=$((n+1)); "
		   "[ $n -gt 600 ] && break; done; sleep 0.3; kill -TERM $pid; "
		   "wait $pid; echo \"rc=$?\"; cat err") != 0)
		fail_msg("script: exit %d: %s", res.code, res.err);
	assert_contains(res.out, "rc=143");
	assert_contains(res.out, "workload 'hang' not recorded: cancelled");
	assert_contains(res.out, "interrupted by SIGTERM: 1 of 2 workloads "
			"recorded, 1 not (above)");
	lg_run_output_dispose(&res);
	lg_test_sh("cd '%s' && git notes --ref leakgate show HEAD | "
		   "grep -q 'baseline \"steady\"'", f->repo);
}

#define SANDBOXED(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		SANDBOXED(test_record_then_pass),
		SANDBOXED(test_leak_on_branch_fails),
		SANDBOXED(test_branch_cannot_loosen_its_gate),
		SANDBOXED(test_branch_cannot_raise_its_threshold),
		SANDBOXED(test_notes_round_trip),
		SANDBOXED(test_improvement_reported),
		SANDBOXED(test_missing_baselines),
		SANDBOXED(test_corrupt_baseline),
		SANDBOXED(test_newer_format),
		SANDBOXED(test_bad_revisions_and_places),
		SANDBOXED(test_shallow_clone_says_what_to_fetch),
		SANDBOXED(test_parallel_records_one_commit),
		SANDBOXED(test_parallel_records_eight_commits),
		SANDBOXED(test_record_shards),
		SANDBOXED(test_record_interrupted),
	};

	return cmocka_run_group_tests_name("run: baselines", tests, group_setup, NULL);
}
