/*
 * The interpreters of a run: a script on PATH (a version manager's shim)
 * is replaced by what its child reported; anything else is started as
 * given, and nothing but an absolute, executable report is taken.
 */
#include "lg_test.h"

#include <unistd.h>

#include "leakgate/interpreter.h"

static char dir[] = "/tmp/lg-interp-XXXXXX";
static char real[sizeof(dir) + 16], shim[sizeof(dir) + 16], plain[sizeof(dir) + 16];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
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
	lg_test_sh("rm -rf %s", dir);
	return 0;
}

static void test_shim_on_path(void **state)
{
	lg_interpreters t = LG_INTERPRETERS_INIT;
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "/nonexistent:%s", dir);
	setenv("PATH", path, 1);
	assert_string_equal(lg_interpreters_get(&t, "shim"), "shim");
	assert_lg_ok(lg_interpreters_learn(&t, "shim", real));
	assert_string_equal(lg_interpreters_get(&t, "shim"), real);
	/* The first report decides. */
	assert_lg_ok(lg_interpreters_learn(&t, "shim", plain));
	assert_string_equal(lg_interpreters_get(&t, "shim"), real);
	/* Not a script: as given, by name or path. */
	assert_lg_ok(lg_interpreters_learn(&t, "plain", real));
	assert_string_equal(lg_interpreters_get(&t, "plain"), "plain");
	assert_lg_ok(lg_interpreters_learn(&t, plain, real));
	assert_string_equal(lg_interpreters_get(&t, plain), plain);
	/* Another name is another interpreter. */
	assert_string_equal(lg_interpreters_get(&t, "python3"), "python3");
	lg_interpreters_dispose(&t);
	if (saved)
		setenv("PATH", saved, 1);
	free(saved);
}

static void test_bad_reports(void **state)
{
	lg_interpreters t = LG_INTERPRETERS_INIT;
	char missing[sizeof(dir) + 16];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	/* None, relative, absent: the shim stays. */
	assert_lg_ok(lg_interpreters_learn(&t, shim, NULL));
	assert_string_equal(lg_interpreters_get(&t, shim), shim);
	lg_interpreters_dispose(&t);
	assert_lg_ok(lg_interpreters_learn(&t, shim, ""));
	assert_string_equal(lg_interpreters_get(&t, shim), shim);
	lg_interpreters_dispose(&t);
	assert_lg_ok(lg_interpreters_learn(&t, shim, "real"));
	assert_string_equal(lg_interpreters_get(&t, shim), shim);
	lg_interpreters_dispose(&t);
	assert_lg_ok(lg_interpreters_learn(&t, shim, missing));
	assert_string_equal(lg_interpreters_get(&t, shim), shim);
	lg_interpreters_dispose(&t);
	/* A script given by its path. */
	assert_lg_ok(lg_interpreters_learn(&t, shim, real));
	assert_string_equal(lg_interpreters_get(&t, shim), real);
	lg_interpreters_dispose(&t);
	assert_null(t.items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shim_on_path),
		cmocka_unit_test(test_bad_reports),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
