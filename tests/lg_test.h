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
	assert_lg_ok(lg_workload_set_string(&wl.name, "orders"));
	assert_lg_ok(lg_workload_set_string(&wl.target, "orders.py:parse"));
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

#endif
