/*
 * The interpreters of a run: a script on PATH (a version manager's shim)
 * is replaced by what its child reported, in the environment the script
 * made; anything else is started as given, and nothing but an absolute,
 * executable report from the process the runner started is taken.
 */
#include "lg_test.h"

#include <time.h>
#include <unistd.h>

#include "leakgate/buf.h"
#include "leakgate/file.h"
#include "leakgate/interpreter.h"

static char dir[] = "/tmp/lg-interp-XXXXXX";
static char real[sizeof(dir) + 16], shim[sizeof(dir) + 16], plain[sizeof(dir) + 16];

/* A live child to report from (`sleep`, its environment as given). */
static const char *const sleeper_argv[] = { "sleep", "60", NULL };
static const char *const sleeper_env[] = { "LG_TEST_SLEEPER=1", NULL };
static lg_proc sleeper = LG_PROC_INIT;
static char sleeper_pid[32];

/* Wait until entry is in the child's environment: past its exec (the
 * script's too), with the new process's environment in place. */
static void wait_for_environ(const lg_proc *p, const char *entry)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)p->pid);
	for (int i = 0; i < 500; i++) {
		lg_buf text = LG_BUF_INIT;
		int found = 0;

		assert_lg_ok(lg_file_read(&text, path));
		for (size_t at = 0; !found && at < text.len; at += strlen(text.ptr + at) + 1)
			found = strcmp(text.ptr + at, entry) == 0;
		lg_buf_dispose(&text);
		if (found)
			return;
		nanosleep(&(struct timespec){ .tv_sec = 0, .tv_nsec = 10000000 }, NULL);
	}
	fail_msg("%s never reached the child's environment", entry);
}

/* The value of name in env, or NULL. */
static const char *env_get(const char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* The process has exited and is not reaped yet. */
static int is_zombie(pid_t pid)
{
	char path[64], line[512];
	FILE *f;
	int zombie = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fgets(line, sizeof(line), f) && strrchr(line, ')'))
		zombie = strrchr(line, ')')[2] == 'Z';
	fclose(f);
	return zombie;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	sleeper.argv = sleeper_argv;
	sleeper.env = sleeper_env;
	if (lg_proc_start(&sleeper) < 0)
		return -1;
	wait_for_environ(&sleeper, "LG_TEST_SLEEPER=1");
	snprintf(sleeper_pid, sizeof(sleeper_pid), "%d", (int)sleeper.pid);
	snprintf(real, sizeof(real), "%s/real", dir);
	snprintf(shim, sizeof(shim), "%s/shim", dir);
	snprintf(plain, sizeof(plain), "%s/plain", dir);
	lg_test_sh("printf '\\177ELF' > %s && printf '#!/bin/sh\\nexec %s \"$@\"\\n' > %s"
		   " && printf '\\177ELF' > %s && chmod +x %s %s %s",
		   real, real, shim, plain, real, shim, plain);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lg_proc_kill(&sleeper);
	lg_proc_finish(&sleeper);
	lg_test_sh("rm -rf %s", dir);
	return 0;
}

static void test_shim_on_path(void **state)
{
	lg_interpreters t = LG_INTERPRETERS_INIT;
	const char *const *env;
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "/nonexistent:%s", dir);
	setenv("PATH", path, 1);
	assert_string_equal(lg_interpreters_get(&t, "shim", &env), "shim");
	assert_null(env);
	assert_lg_ok(lg_interpreters_learn(&t, "shim", real, sleeper_pid, &sleeper));
	assert_string_equal(lg_interpreters_get(&t, "shim", &env), real);
	assert_non_null(env);
	/* The first report decides. */
	assert_lg_ok(lg_interpreters_learn(&t, "shim", plain, sleeper_pid, &sleeper));
	assert_string_equal(lg_interpreters_get(&t, "shim", &env), real);
	/* Not a script: as given, by name or path. */
	assert_lg_ok(lg_interpreters_learn(&t, "plain", real, sleeper_pid, &sleeper));
	assert_string_equal(lg_interpreters_get(&t, "plain", &env), "plain");
	assert_null(env);
	assert_lg_ok(lg_interpreters_learn(&t, plain, real, sleeper_pid, &sleeper));
	assert_string_equal(lg_interpreters_get(&t, plain, &env), plain);
	/* Another name is another interpreter. */
	assert_string_equal(lg_interpreters_get(&t, "python3", &env), "python3");
	lg_interpreters_dispose(&t);
	if (saved)
		setenv("PATH", saved, 1);
	free(saved);
}

static void test_bad_reports(void **state)
{
	lg_interpreters t = LG_INTERPRETERS_INIT;
	const char *const *env;
	char missing[sizeof(dir) + 16];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	/* None, relative, absent: the shim stays. */
	assert_lg_ok(lg_interpreters_learn(&t, shim, NULL, sleeper_pid, &sleeper));
	assert_string_equal(lg_interpreters_get(&t, shim, &env), shim);
	lg_interpreters_dispose(&t);
	assert_lg_ok(lg_interpreters_learn(&t, shim, "", sleeper_pid, &sleeper));
	assert_string_equal(lg_interpreters_get(&t, shim, &env), shim);
	lg_interpreters_dispose(&t);
	assert_lg_ok(lg_interpreters_learn(&t, shim, "real", sleeper_pid, &sleeper));
	assert_string_equal(lg_interpreters_get(&t, shim, &env), shim);
	lg_interpreters_dispose(&t);
	assert_lg_ok(lg_interpreters_learn(&t, shim, missing, sleeper_pid, &sleeper));
	assert_string_equal(lg_interpreters_get(&t, shim, &env), shim);
	lg_interpreters_dispose(&t);
	/* A script given by its path. */
	assert_lg_ok(lg_interpreters_learn(&t, shim, real, sleeper_pid, &sleeper));
	assert_string_equal(lg_interpreters_get(&t, shim, &env), real);
	lg_interpreters_dispose(&t);
	/* Another process reported (the script ran Python as its child), or
	 * none said which: the script is started every time. */
	assert_lg_ok(lg_interpreters_learn(&t, shim, real, "1", &sleeper));
	assert_string_equal(lg_interpreters_get(&t, shim, &env), shim);
	assert_null(env);
	lg_interpreters_dispose(&t);
	assert_lg_ok(lg_interpreters_learn(&t, shim, real, NULL, &sleeper));
	assert_string_equal(lg_interpreters_get(&t, shim, &env), shim);
	lg_interpreters_dispose(&t);
	assert_null(t.items);
}

/* A child that has exited: its environment is gone, nothing is learned. */
static void test_exited_child(void **state)
{
	static const char *const argv[] = { "true", NULL };
	lg_interpreters t = LG_INTERPRETERS_INIT;
	lg_proc p = LG_PROC_INIT;
	const char *const *env;
	char pid[32];

	(void)state;
	p.argv = argv;
	assert_lg_ok(lg_proc_start(&p));
	snprintf(pid, sizeof(pid), "%d", (int)p.pid);
	/* Not reaped yet: /proc/<pid>/environ is empty. */
	for (int i = 0; i < 5000 && !is_zombie(p.pid); i++)
		nanosleep(&(struct timespec){ .tv_sec = 0, .tv_nsec = 1000000 }, NULL);
	assert_true(is_zombie(p.pid));
	assert_lg_ok(lg_interpreters_learn(&t, shim, real, pid, &p));
	assert_string_equal(lg_interpreters_get(&t, shim, &env), shim);
	lg_interpreters_dispose(&t);
	assert_lg_ok(lg_proc_finish(&p));
	assert_lg_ok(lg_interpreters_learn(&t, shim, real, pid, &p));
	assert_string_equal(lg_interpreters_get(&t, shim, &env), shim);
	lg_interpreters_dispose(&t);
}

/* What a script sets or unsets before it execs reaches the later
 * children; the runner's extra variables for that child do not. */
static void test_script_environment_learned(void **state)
{
	static const char *const argv[] = {
		"/bin/sh", "-c", "unset LG_TEST_DROP; LG_TEST_MARK=1 LG_TEST_KEEP=new "
		"exec sleep 60", NULL
	};
	static const char *const extra[] = { "LG_TEST_EXTRA=1", "LG_TEST_KEEP=child", NULL };
	lg_interpreters t = LG_INTERPRETERS_INIT;
	lg_proc p = LG_PROC_INIT;
	const char *const *env;
	char pid[32];

	(void)state;
	setenv("LG_TEST_DROP", "1", 1);
	setenv("LG_TEST_KEEP", "runner", 1);
	p.argv = argv;
	p.env = extra;
	assert_lg_ok(lg_proc_start(&p));
	wait_for_environ(&p, "LG_TEST_MARK=1");
	snprintf(pid, sizeof(pid), "%d", (int)p.pid);
	assert_lg_ok(lg_interpreters_learn(&t, shim, real, pid, &p));
	lg_proc_kill(&p);
	assert_lg_ok(lg_proc_finish(&p));
	assert_string_equal(lg_interpreters_get(&t, shim, &env), real);
	assert_non_null(env);
	assert_string_equal(env_get(env, "LG_TEST_MARK"), "1");
	assert_null(env_get(env, "LG_TEST_DROP"));
	assert_string_equal(env_get(env, "LG_TEST_KEEP"), "new");
	assert_null(env_get(env, "LG_TEST_EXTRA"));
	assert_string_equal(env_get(env, "PATH"), getenv("PATH"));
	lg_interpreters_dispose(&t);
	unsetenv("LG_TEST_DROP");
	unsetenv("LG_TEST_KEEP");
}

static void assert_env(char **env, const char *const *expected)
{
	size_t i = 0;

	for (; expected[i]; i++) {
		assert_non_null(env[i]);
		assert_string_equal(env[i], expected[i]);
	}
	assert_null(env[i]);
}

static void test_env_diff(void **state)
{
	static const char *const before[] = {
		"PATH=/usr/bin", "HOME=/h", "GONE=1", "SAME=x", "TWICE=a", "TWICE=b",
		"EMPTY=", NULL
	};
	static const char *const after[] = {
		"PATH=/v/bin:/usr/bin", "HOME=/h", "NEW=", "SAME=x", "TWICE=b",
		"TWICE=a", "EMPTY=", "junk", NULL
	};
	static const char *const expected[] = {
		"PATH=/v/bin:/usr/bin", "NEW=", "TWICE=b", "GONE", NULL
	};
	static const char *const none[] = { NULL };
	char **diff;

	(void)state;
	assert_lg_ok(lg_interpreter_env_diff(&diff, before, after));
	assert_env(diff, expected);
	lg_interpreter_env_free(diff);
	/* The same: no change. */
	assert_lg_ok(lg_interpreter_env_diff(&diff, before, before));
	assert_env(diff, none);
	lg_interpreter_env_free(diff);
	/* Everything removed; an empty before. */
	assert_lg_ok(lg_interpreter_env_diff(&diff, before, none));
	assert_string_equal(diff[0], "PATH");
	assert_string_equal(diff[2], "GONE");
	lg_interpreter_env_free(diff);
	assert_lg_ok(lg_interpreter_env_diff(&diff, none, before));
	assert_string_equal(diff[0], "PATH=/usr/bin");
	assert_string_equal(diff[4], "TWICE=a");
	assert_string_equal(diff[5], "EMPTY=");
	assert_null(diff[6]);
	lg_interpreter_env_free(diff);
}

static void test_env_apply(void **state)
{
	static const char *const base[] = {
		"PATH=/usr/bin", "HOME=/h", "GONE=1", "GONER=2", "TWICE=a", "TWICE=b", NULL
	};
	static const char *const diff[] = {
		"PATH=/v/bin:/usr/bin", "NEW=", "TWICE=c", "GONE", NULL
	};
	static const char *const expected[] = {
		"HOME=/h", "GONER=2", "PATH=/v/bin:/usr/bin", "NEW=", "TWICE=c", NULL
	};
	static const char *const none[] = { NULL };
	char **env, **back;

	(void)state;
	assert_lg_ok(lg_interpreter_env_apply(&env, base, diff));
	assert_env(env, expected);
	/* The diff of base and the result is diff again, in the result's
	 * order. */
	assert_lg_ok(lg_interpreter_env_diff(&back, base, (const char *const *)env));
	assert_env(back, (const char *const[]){
		"PATH=/v/bin:/usr/bin", "NEW=", "TWICE=c", "GONE", NULL });
	lg_interpreter_env_free(back);
	lg_interpreter_env_free(env);
	assert_lg_ok(lg_interpreter_env_apply(&env, base, none));
	assert_env(env, base);
	lg_interpreter_env_free(env);
	assert_lg_ok(lg_interpreter_env_apply(&env, none, diff));
	assert_env(env, (const char *const[]){
		"PATH=/v/bin:/usr/bin", "NEW=", "TWICE=c", NULL });
	lg_interpreter_env_free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shim_on_path),
		cmocka_unit_test(test_bad_reports),
		cmocka_unit_test(test_exited_child),
		cmocka_unit_test(test_script_environment_learned),
		cmocka_unit_test(test_env_diff),
		cmocka_unit_test(test_env_apply),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
