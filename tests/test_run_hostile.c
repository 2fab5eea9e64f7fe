/*
 * Hostile workloads and a hostile outside, through the real binary: the
 * run is cancelled by a signal (the JUnit keeps what finished), a second
 * signal exits at once, a workload ignores SIGTERM, leaves a grandchild in
 * a session of its own holding the pipes, starts a thousand children, or
 * forges records on the record pipe. None may crash or hang the runner or
 * leave a child of its process group behind.
 */
#include "lg_test.h"
#include "lg_run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#define W(name) LG_SOURCE_DIR "/tests/workloads/" name

typedef lg_run_fixture fixture;

/* What the command lines of the hostile workloads copied into the
 * directory start with (copy_workload). */
static const char *hostile(fixture *f)
{
	snprintf(f->path, sizeof(f->path), "%s/hostile_", f->dir);
	return f->path;
}

static const char *in_dir(fixture *f, const char *name)
{
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
	return f->path;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Alive and not a zombie. */
static int process_alive(pid_t pid)
{
	char path[64], stat[512];
	FILE *f;
	size_t n;
	const char *state;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	state = strrchr(stat, ')');
	return state && state[1] == ' ' && state[2] != 'Z' && state[2] != 'X';
}

/* Live processes whose command line mentions text (read whole: the
 * agent's source comes before the target). */
static int processes_mentioning(const char *text)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t cap = 1 << 20;
	char *cmd = malloc(cap);
	int found = 0;

	assert_non_null(d);
	assert_non_null(cmd);
	while ((e = readdir(d)) != NULL) {
		char path[300];
		size_t len = 0;
		ssize_t n;
		int fd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		while (len < cap - 1 && (n = read(fd, cmd + len, cap - 1 - len)) > 0)
			len += (size_t)n;
		close(fd);
		for (size_t i = 0; i < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		cmd[len] = '\0';
		if (strstr(cmd, text) && process_alive((pid_t)atoi(e->d_name)))
			found++;
	}
	closedir(d);
	free(cmd);
	return found;
}

/* Wait up to seconds for no process to mention text; how many are left. */
static int wait_processes_gone(const char *text, double seconds)
{
	double until = now() + seconds;
	int left;

	while ((left = processes_mentioning(text)) > 0 && now() < until)
		sleep_ms(50);
	return left;
}

/* A hostile workload copied into the test's directory, so that its
 * processes are found by the directory's name. */
static void copy_workload(fixture *f, const char *name)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "cp %s/tests/workloads/%s %s/", LG_SOURCE_DIR,
		 name, f->dir);
	assert_int_equal(system(cmd), 0);
}

/* The binary started in the background, stdout and stderr into files of
 * the directory, with LG_HOSTILE_PIDFILE set. */
typedef struct {
	pid_t pid;
	char out[4096];
	char err[4096];
} background;

static void start_background(background *b, fixture *f, const char *const *args)
{
	const char *argv[32];
	char pidfile[4200];
	size_t n = 0;

	snprintf(b->out, sizeof(b->out), "%s/stdout", f->dir);
	snprintf(b->err, sizeof(b->err), "%s/stderr", f->dir);
	snprintf(pidfile, sizeof(pidfile), "%s/pids", f->dir);
	argv[n++] = lg_run_binary();
	while (*args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	b->pid = fork();
	assert_true(b->pid >= 0);
	if (b->pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(b->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err = open(b->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		setenv("LG_HOSTILE_PIDFILE", pidfile, 1);
		if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 ||
		    dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
}

/* Its exit code (128+N for signal N), or fail after seconds. */
static int wait_background(background *b, double seconds)
{
	double until = now() + seconds;
	int status;
	pid_t r;

	while ((r = waitpid(b->pid, &status, WNOHANG)) == 0 && now() < until)
		sleep_ms(20);
	if (r == 0) {
		kill(b->pid, SIGKILL);
		waitpid(b->pid, &status, 0);
		fail_msg("leakgate still running after %.0f s", seconds);
	}
	assert_int_equal(r, b->pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *read_text(const char *path)
{
	int fd = open(path, O_RDONLY);
	char *text;

	if (fd < 0)
		return strdup("");
	text = lg_run_slurp_fd(fd);
	close(fd);
	return text;
}

/* Wait up to seconds until the file at path contains part. */
static int wait_for_text(const char *path, const char *part, double seconds)
{
	double until = now() + seconds;

	do {
		char *text = read_text(path);
		int found = strstr(text, part) != NULL;

		free(text);
		if (found)
			return 1;
		sleep_ms(50);
	} while (now() < until);
	return 0;
}

/* The pids a hostile workload wrote to LG_HOSTILE_PIDFILE (renamed into
 * place when complete); 0-terminated. */
static pid_t *read_pids(fixture *f)
{
	double until = now() + 30;
	struct stat st;
	char *text;
	pid_t *pids;
	size_t n = 0;

	while (stat(in_dir(f, "pids"), &st) < 0 && now() < until)
		sleep_ms(50);
	text = read_text(in_dir(f, "pids"));
	pids = calloc(strlen(text) / 2 + 2, sizeof(*pids));
	assert_non_null(pids);
	for (char *p = text; *p;) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		pids[n++] = (pid_t)v;
		p = end + strspn(end, "\n");
	}
	free(text);
	return pids;
}

/* conf written as the test's run.conf (and disposed): its path, which the
 * caller frees; the path of the run's JUnit file into junit. */
static char *write_config(fixture *f, lg_buf *conf, char *junit, size_t size)
{
	char *path;

	lg_run_write_file(in_dir(f, "run.conf"), conf->ptr);
	lg_buf_dispose(conf);
	path = strdup(in_dir(f, "run.conf"));
	assert_non_null(path);
	snprintf(junit, size, "%s", in_dir(f, "run.xml"));
	return path;
}

/* SIGTERM mid-run (a cancelled CI job): what finished is kept, the rest is
 * <error type="cancelled">, the totals are printed, exit 143, and the
 * stuck children (they ignore SIGTERM) are gone. */
static void test_sigterm_keeps_finished_results(void **state)
{
	fixture *f = *state;
	background b;
	lg_buf conf = LG_BUF_INIT;
	char junit[4096], *out, *err;
	const char *args[] = { "run", "-j", "2", "--config", NULL, "--junit", NULL, NULL };
	xmlDocPtr doc;

	copy_workload(f, "hostile_ignore_sigterm.py");
	assert_lg_ok(lg_buf_printf(&conf, "[leakgate]\n\tduration = 0.2\n\tcalls = 2000\n"
		"[workload \"fast-a\"]\n\ttarget = %s\n"
		"[workload \"fast-b\"]\n\ttarget = %s\n",
		W("clean_lru_cache.py:run"), W("clean_lru_cache.py:run")));
	for (int i = 0; i < 4; i++)
		assert_lg_ok(lg_buf_printf(&conf, "[workload \"stuck-%d\"]\n\ttarget = "
					   "hostile_ignore_sigterm.py:run\n", i));
	args[4] = write_config(f, &conf, junit, sizeof(junit));
	args[6] = junit;
	start_background(&b, f, args);
	/* Both quick ones judged; the next two are then the stuck ones. */
	if (!wait_for_text(b.err, "[2/6]", 120)) {
		kill(b.pid, SIGKILL);
		fail_msg("no workload finished: %s", read_text(b.err));
	}
	sleep_ms(300);
	assert_int_equal(kill(b.pid, SIGTERM), 0);
	assert_int_equal(wait_background(&b, 30), 143);
	assert_int_equal(wait_processes_gone(hostile(f), 5), 0);

	out = read_text(b.out);
	err = read_text(b.err);
	assert_contains(err, "leakgate run: interrupted by SIGTERM: 2 of 6 workloads "
			"finished, 4 cancelled; results in ");
	assert_contains(out, "6 workloads: 0 leaks, 2 clean, 4 errors");
	/* The two never started: one line in the report, none on stderr;
	 * the two stopped keep theirs. */
	assert_contains(out, "\nERROR    2 workloads not started: leakgate was "
			"interrupted (SIGTERM)\n");
	assert_null(strstr(out, "stuck-2"));
	assert_null(strstr(out, "stuck-3"));
	assert_null(strstr(err, "stuck-2"));
	assert_null(strstr(err, "stuck-3"));
	assert_contains(out, "ERROR    stuck-0 ");
	doc = lg_run_load_junit(junit);
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//testcase)"), 6);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testcase[not(*[self::error or self::failure])])"), 2);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testcase/error[@type='cancelled'])"), 4);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testsuite[@name='stuck-0' or @name='stuck-1']"
		"//error[contains(@message, 'interrupted (SIGTERM) after')])"), 2);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//error[contains(@message, 'not started: leakgate was interrupted (SIGTERM)')])"), 2);
	xmlFreeDoc(doc);
	free(out);
	free(err);
	free((char *)args[4]);
}

/* A second signal does not wait for the first to finish its work: the
 * children's groups and the orphans are killed, exit 128 + its number at
 * once, no JUnit. (Nothing a workload does keeps the first slow now that
 * orphans are ended: the two signals are made to arrive together, SIGINT
 * then SIGTERM, by sending them while the runner is stopped.) */
static void test_second_signal_exits_at_once(void **state)
{
	fixture *f = *state;
	background b;
	const char *args[] = { "run", "-q", "--junit", NULL, NULL, NULL };
	char junit[4096];
	pid_t *grandchild;
	double signalled;
	struct stat st;

	copy_workload(f, "hostile_setsid_grandchild.py");
	snprintf(junit, sizeof(junit), "%s", in_dir(f, "run.xml"));
	args[3] = junit;
	args[4] = strdup(in_dir(f, "hostile_setsid_grandchild.py:hang"));
	start_background(&b, f, args);
	grandchild = read_pids(f);
	assert_true(grandchild[0] > 0);
	sleep_ms(300);
	assert_int_equal(kill(b.pid, SIGSTOP), 0);
	assert_int_equal(kill(b.pid, SIGINT), 0);
	assert_int_equal(kill(b.pid, SIGTERM), 0);
	signalled = now();
	assert_int_equal(kill(b.pid, SIGCONT), 0);
	assert_int_equal(wait_background(&b, 10), 128 + SIGTERM);
	if (now() - signalled > 0.9)
		fail_msg("took %.2f s to exit after the second signal", now() - signalled);
	assert_int_equal(stat(junit, &st), -1);
	/* The grandchild that left the session too (then reaped by init). */
	assert_int_equal(wait_processes_gone(hostile(f), 5), 0);
	assert_false(process_alive(grandchild[0]));
	free(grandchild);
	free((char *)args[4]);
}

/* A workload that ignores SIGTERM and hangs is still ended at --timeout:
 * the runner kills its group with SIGKILL, which cannot be ignored. */
static void test_timeout_ends_sigterm_ignorer(void **state)
{
	fixture *f = *state;
	const char *args[] = { "run", "-q", "--timeout", "1", "--junit", NULL,
			       NULL, NULL };
	lg_run_output res;
	xmlDocPtr doc;
	double started = now();

	copy_workload(f, "hostile_ignore_sigterm.py");
	args[5] = strdup(in_dir(f, "run.xml"));
	args[6] = strdup(in_dir(f, "hostile_ignore_sigterm.py:run"));
	lg_run_exec(&res, NULL, args);
	assert_int_equal(res.code, 3);
	assert_true(now() - started < 20);
	doc = lg_run_load_junit(args[5]);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testcase/error[@type='timeout'])"), 1);
	assert_int_equal(wait_processes_gone(hostile(f), 5), 0);
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
	free((char *)args[5]);
	free((char *)args[6]);
}

/* A grandchild in a session of its own, out of reach of a group kill,
 * keeps the pipes open after the workload ended: the runner, its reaper
 * (PR_SET_CHILD_SUBREAPER) once its parent is gone, kills it and judges
 * the (clean) workload. Before it did, the grandchild lived on after the
 * run. With -j 2 beside a clean workload: it cannot be told whose it is,
 * so it ends when neither runs, at the latest with the run. */
static void assert_setsid_grandchild_ended(fixture *f, const char *jobs)
{
	background b;
	const char *args[] = { "run", "-j", jobs, "--calls", "2000", "--duration", "0.2",
			       "--junit", NULL, NULL, NULL, NULL };
	char junit[4096];
	pid_t *grandchild;
	xmlDocPtr doc;
	int both = strcmp(jobs, "1") != 0;

	copy_workload(f, "hostile_setsid_grandchild.py");
	snprintf(junit, sizeof(junit), "%s", in_dir(f, "run.xml"));
	args[8] = junit;
	args[9] = strdup(in_dir(f, "hostile_setsid_grandchild.py:run"));
	if (both)
		args[10] = LG_SOURCE_DIR "/tests/workloads/clean_lru_cache.py:run";
	start_background(&b, f, args);
	/* The grandchild sleeps 60 s: well before, the run is over. */
	assert_int_equal(wait_background(&b, 45), 0);
	grandchild = read_pids(f);
	assert_true(grandchild[0] > 0);
	if (process_alive(grandchild[0])) {
		kill(grandchild[0], SIGKILL);
		fail_msg("the grandchild %d outlived the run", (int)grandchild[0]);
	}
	doc = lg_run_load_junit(junit);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//testcase[not(*[self::error or self::failure])])"), both ? 2 : 1);
	assert_int_equal(wait_processes_gone(hostile(f), 5), 0);
	xmlFreeDoc(doc);
	free(grandchild);
	free((char *)args[9]);
}

static void test_setsid_grandchild_is_ended(void **state)
{
	assert_setsid_grandchild_ended(*state, "1");
}

static void test_setsid_grandchild_is_ended_with_two_jobs(void **state)
{
	assert_setsid_grandchild_ended(*state, "2");
}

/* A thousand children of the workload in its process group, holding its
 * pipes: the run ends normally and takes every one of them down. */
static void test_thousand_children_are_ended(void **state)
{
	fixture *f = *state;
	background b;
	const char *args[] = { "run", "-q", "--calls", "200", "--duration", "0.2",
			       "--junit", NULL, W("hostile_fork_many.py:run"), NULL };
	char junit[4096];
	pid_t *children;
	size_t n = 0, alive = 0;
	double until;
	xmlDocPtr doc;

	snprintf(junit, sizeof(junit), "%s", in_dir(f, "run.xml"));
	args[7] = junit;
	start_background(&b, f, args);
	assert_int_equal(wait_background(&b, 240), 0);
	children = read_pids(f);
	while (children[n])
		n++;
	assert_int_equal(n, 1000);
	until = now() + 10;
	do {
		alive = 0;
		for (size_t i = 0; i < n; i++)
			alive += process_alive(children[i]);
		if (alive)
			sleep_ms(100);
	} while (alive && now() < until);
	assert_int_equal(alive, 0);
	doc = lg_run_load_junit(junit);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//property[@name='outcome'][@value='completed'])"), 1);
	xmlFreeDoc(doc);
	free(children);
}

/* Records a workload writes to the record pipe itself are rejected when
 * out of order, malformed or too many: a protocol error, never a crash. */
static void test_forged_records_are_rejected(void **state)
{
	static const struct {
		const char *function;
		const char *message;
	} cases[] = {
		{ "out_of_order", "protocol: sample calls=1 does not increase" },
		{ "second_hello", "protocol: hello record while running" },
		{ "junk", "protocol: record contains a NUL or newline byte" },
		{ "flood", "protocol: more than 2048 samples" },
	};
	fixture *f = *state;
	lg_buf conf = LG_BUF_INIT;
	/* No early stop: the runner would end the flood as soon as the forged
	 * samples settle a verdict, before the bound is reached. */
	const char *args[] = { "run", "-q", "-j", "2", "--duration", "0.3",
			       "--no-early-stop", "--config", NULL, "--junit", NULL, NULL };
	char junit[4096], expr[512];
	lg_run_output res;
	xmlDocPtr doc;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		assert_lg_ok(lg_buf_printf(&conf, "[workload \"%s\"]\n\ttarget = %s:%s\n",
					   cases[i].function,
					   W("hostile_forged_records.py"),
					   cases[i].function));
	args[8] = write_config(f, &conf, junit, sizeof(junit));
	args[10] = junit;
	lg_run_exec(&res, NULL, args);
	if (res.code != 3)
		fail_msg("exit %d: %s", res.code, res.err);
	doc = lg_run_load_junit(junit);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		snprintf(expr, sizeof(expr), "count(//testsuite[@name='%s']//error"
			 "[@type='protocol-error'][contains(@message, '%s')])",
			 cases[i].function, cases[i].message);
		if ((int)lg_run_xpath_number(doc, expr) != 1)
			fail_msg("%s: not rejected with '%s'", cases[i].function,
				 cases[i].message);
	}
	xmlFreeDoc(doc);
	lg_run_output_dispose(&res);
	free((char *)args[8]);
}

/* name in f's directory holding source; its "PATH:run" in out. */
static const char *target_in(fixture *f, char *out, size_t size, const char *name,
			     const char *source)
{
	lg_run_write_file(in_dir(f, name), source);
	snprintf(out, size, "%s:run", f->path);
	return out;
}

/* `run` of the targets (NULL-terminated, 3 at most), which must exit 3;
 * the JUnit document. */
static xmlDocPtr run_expecting_errors(fixture *f, const char *const *targets)
{
	char junit[4200];
	const char *args[10] = { "run", "-q", "--duration", "0.3", "--junit", junit };
	lg_run_output res;
	xmlDocPtr doc;

	for (size_t i = 0; targets[i] && i < 3; i++)
		args[6 + i] = targets[i];
	snprintf(junit, sizeof(junit), "%s", in_dir(f, "out.xml"));
	lg_run_exec(&res, NULL, args);
	if (res.code != 3)
		fail_msg("exit %d: %s", res.code, res.err);
	doc = lg_run_load_junit(junit);
	lg_run_output_dispose(&res);
	return doc;
}

/* What UTF-8 text cannot carry reaches the report as Python's escapes: an
 * exception message with a NUL or a lone surrogate is reported as the
 * exception, and a target in a non-UTF-8 directory is measured. */
static void test_unencodable_text_is_escaped(void **state)
{
	fixture *f = *state;
	char nul[4200], sur[4200], odd[4200];
	const char *targets[] = { nul, sur, odd, NULL };
	xmlDocPtr doc;
	char *message;

	target_in(f, nul, sizeof(nul), "nul.py",
		  "def run():\n    raise ValueError('a\\x00b')\n");
	target_in(f, sur, sizeof(sur), "sur.py",
		  "def run():\n    raise ValueError('x \\udc80 y')\n");
	assert_int_equal(mkdir(in_dir(f, "d\377"), 0777), 0);
	target_in(f, odd, sizeof(odd), "d\377/w.py", "def run():\n    return bytes(10)\n");
	doc = run_expecting_errors(f, targets);
	message = lg_run_xpath_string(doc, "string(//testsuite[1]//error/@message)");
	assert_string_equal(message, "raised ValueError: a\\x00b after 0 calls");
	xmlFree(message);
	message = lg_run_xpath_string(doc, "string(//testsuite[2]//error/@message)");
	assert_string_equal(message, "raised ValueError: x \\udc80 y after 0 calls");
	xmlFree(message);
	assert_int_equal((int)lg_run_xpath_number(doc, "count(//testsuite[3]//error)"), 0);
	assert_int_equal((int)lg_run_xpath_number(doc,
		"count(//property[@name='verdict'][@value='clean'])"), 1);
	xmlFreeDoc(doc);
}

/* A workload that closes fd 3 is measured all the same (the agent records
 * on a copy) and the report says so; one that closes every fd says that
 * the record pipe was closed, not only "crashed: exit status 1". */
static void test_closed_record_pipe_is_said(void **state)
{
	fixture *f = *state;
	char three[4200], all[4200];
	const char *targets[] = { three, all, NULL };
	xmlDocPtr doc;
	char *text;

	target_in(f, three, sizeof(three), "close3.py", "import os\n\n\ndef run():\n"
		  "    try:\n        os.close(3)\n    except OSError:\n        pass\n");
	target_in(f, all, sizeof(all), "closeall.py", "import os\n\n\ndef run():\n"
		  "    os.closerange(3, 4096)\n");
	doc = run_expecting_errors(f, targets);
	text = lg_run_xpath_string(doc, "string(//testsuite[1]//property"
				   "[@name='verdict']/@value)");
	assert_string_equal(text, "clean");
	xmlFree(text);
	text = lg_run_xpath_string(doc, "string(//testsuite[1]//system-err)");
	assert_contains(text, "leakgate: the workload closed fd 3, leakgate's record "
			"pipe: the agent records on a copy");
	xmlFree(text);
	text = lg_run_xpath_string(doc, "string(//testsuite[2]//error/@message)");
	assert_contains(text, "the workload closed the record pipe (fd 3 and its copy)");
	xmlFree(text);
	xmlFreeDoc(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		lg_run_fixture_test(test_sigterm_keeps_finished_results),
		lg_run_fixture_test(test_second_signal_exits_at_once),
		lg_run_fixture_test(test_timeout_ends_sigterm_ignorer),
		lg_run_fixture_test(test_setsid_grandchild_is_ended),
		lg_run_fixture_test(test_setsid_grandchild_is_ended_with_two_jobs),
		lg_run_fixture_test(test_thousand_children_are_ended),
		lg_run_fixture_test(test_forged_records_are_rejected),
		lg_run_fixture_test(test_unencodable_text_is_escaped),
		lg_run_fixture_test(test_closed_record_pipe_is_said),
	};

	return cmocka_run_group_tests_name("run_hostile", tests, NULL, NULL);
}
