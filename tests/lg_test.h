#ifndef LG_TEST_H
#define LG_TEST_H

/* Shared by the cmocka tests: include after <cmocka.h>'s prerequisites. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/result.h"
#include "leakgate/workload.h"

/* Assert an lg_* call succeeded, printing lg_error_last() when it did not. */
#define assert_lg_ok(expr) do { \
	int lg_test_rc_ = (expr); \
	if (lg_test_rc_ != 0) \
		print_error("%s failed (%d): %s\n", #expr, lg_test_rc_, \
			    lg_error_last()); \
	assert_int_equal(lg_test_rc_, 0); \
} while (0)

/* Run a shell command quietly (the test repositories' git); it must succeed. */
static inline void lg_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void lg_test_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " >/dev/null 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	if ((rc = system(cmd)) != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

/* The test repositories' commits must not depend on the machine: a fresh
 * one has no user.name/user.email, and a developer's may sign commits. */
static inline void lg_test_git_identity(void)
{
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("GIT_AUTHOR_NAME", "Test", 1);
	setenv("GIT_AUTHOR_EMAIL", "test@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test", 1);
	setenv("GIT_COMMITTER_EMAIL", "test@example.com", 1);
}

/* cmocka group setup and teardown for tests that call libgit2. */
static inline int lg_test_libgit2_setup(void **state)
{
	(void)state;
	lg_test_git_identity();
	return git_libgit2_init() < 0 ? -1 : 0;
}

static inline int lg_test_libgit2_teardown(void **state)
{
	(void)state;
	git_libgit2_shutdown();
	return 0;
}

/* Fail unless text (which may be NULL) contains part. */
static inline void assert_contains(const char *text, const char *part)
{
	if (!text || !strstr(text, part))
		fail_msg("'%s' lacks '%s'", text ? text : "(null)", part);
}

/* strdup that fails the test instead of returning NULL. */
static inline char *lg_test_strdup(const char *s)
{
	char *p = strdup(s);

	assert_non_null(p);
	return p;
}

/* cmocka setup/teardown: *state is a fresh result for workload "orders". */
static inline int lg_test_result_setup(void **state)
{
	lg_workload wl;
	lg_workload_result *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	assert_lg_ok(lg_workload_init_defaults(&wl));
	assert_lg_ok(lg_string_set(&wl.name, "orders"));
	assert_lg_ok(lg_string_set(&wl.target, "orders.py:parse"));
	assert_lg_ok(lg_workload_result_init(r, &wl, 1024));
	lg_workload_dispose(&wl);
	*state = r;
	return 0;
}

static inline int lg_test_result_teardown(void **state)
{
	lg_workload_result_dispose(*state);
	free(*state);
	return 0;
}

/* A whole file as a string; the caller frees it. */
static inline char *lg_test_slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *text;
	long len;

	if (!fp)
		print_error("cannot open %s\n", path);
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	assert_true(len >= 0);
	rewind(fp);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	return text;
}

/* text must equal the golden file at path; LG_UPDATE_GOLDEN=1 rewrites it. */
static inline void lg_test_assert_golden(const char *text, const char *path)
{
	const char *update = getenv("LG_UPDATE_GOLDEN");
	char *want;
	FILE *fp;

	if (update && *update) {
		fp = fopen(path, "wb");
		assert_non_null(fp);
		fputs(text, fp);
		assert_int_equal(fclose(fp), 0);
	}
	want = lg_test_slurp(path);
	if (strcmp(text, want) != 0)
		print_error("differs from %s:\n--- got\n%s--- want\n%s", path, text, want);
	assert_string_equal(text, want);
	free(want);
}

/* Append a result for workload wl (copied) to run, keeping the last
 * tail_limit bytes of each output; message may be NULL. */
static inline lg_workload_result *lg_test_run_push(lg_run_result *run,
						   const lg_workload *wl,
						   size_t tail_limit,
						   lg_verdict verdict,
						   const char *message)
{
	lg_workload_result *r, *items;

	items = realloc(run->items, (run->count + 1) * sizeof(*items));
	assert_non_null(items);
	run->items = items;
	r = &items[run->count];
	assert_lg_ok(lg_workload_result_init(r, wl, tail_limit));
	run->count++;
	r->verdict = verdict;
	r->message = message ? lg_test_strdup(message) : NULL;
	return r;
}

/* Append a workload result (defaults, name and target) to run. */
static inline lg_workload_result *lg_test_run_add(lg_run_result *run,
						  const char *name,
						  const char *target,
						  lg_verdict verdict,
						  const char *message)
{
	lg_workload wl;
	lg_workload_result *r;

	assert_lg_ok(lg_workload_init_defaults(&wl));
	assert_lg_ok(lg_string_set(&wl.name, name));
	assert_lg_ok(lg_string_set(&wl.target, target));
	r = lg_test_run_push(run, &wl, 4096, verdict, message);
	lg_workload_dispose(&wl);
	return r;
}

/* The function the agent reported for r; file may be NULL. */
static inline void lg_test_identify(lg_workload_result *r, const char *module,
				    const char *function, const char *file,
				    int line)
{
	r->module = lg_test_strdup(module);
	r->function = lg_test_strdup(function);
	if (file)
		r->file = lg_test_strdup(file);
	r->line = line;
}

/* Mark metric m of r fitted from enough samples with this slope and
 * interval; the caller fills in the rest of the fit it returns. */
static inline lg_fit *lg_test_fit(lg_workload_result *r, lg_metric m,
				  double slope, double low, double high,
				  int leaks)
{
	lg_fit *f = &r->fits[m];

	r->fitted |= 1u << m;
	f->enough = 1;
	f->slope = slope;
	f->ci_low = low;
	f->ci_high = high;
	f->leaks = leaks;
	return f;
}

/* n samples of metric m, every `step` calls: base + slope per call. */
static inline void lg_test_series_linear(lg_workload_result *r, lg_metric m,
					 size_t n, int64_t step, int64_t base,
					 double slope)
{
	for (size_t i = 0; i < n; i++) {
		lg_sample s;

		/* Same calls as any samples already there: one sample per point. */
		if (i < r->series.count) {
			r->series.samples[i].value[m] = base + (int64_t)(slope *
				(double)r->series.samples[i].calls);
			continue;
		}
		memset(&s, 0, sizeof(s));
		s.calls = (int64_t)(i + 1) * step;
		s.value[m] = base + (int64_t)(slope * (double)s.calls);
		assert_lg_ok(lg_series_push(&r->series, &s));
	}
	r->series.present |= 1u << m;
}

#endif
